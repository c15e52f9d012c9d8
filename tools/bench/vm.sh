#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a cached kernel in QEMU with a job script (benchmarks, trace
# capture) and collect what the job prints: the job-mode variant of
# tools/vm/run.sh, on the same launcher (tools/vm/lib.sh).  Options: --help.
set -euo pipefail

VM_PROG=bench-vm
# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../vm/lib.sh"

usage() {
	cat <<EOT
Usage: tools/bench/vm.sh --job SCRIPT --out FILE [options]

Boot a cached kernel in QEMU (KVM if /dev/kvm is usable, else TCG:
tools/vm/accel.sh) with the guest initramfs of tools/vm/lib.sh in job
mode (static busybox, tools/vm/init, an optional module, the job script
and extra files) and collect what the job prints: the job's stdout goes
to the guest's second serial port, i.e. to --out on the host (with the
guest's JMOD-RUN: lines around it).  Lines starting with "#" are echoed
as progress while the guest runs.  (tools/vm/run.sh runs the selftests.)

  --kernel LINE       kernel line from \$JMOD_CACHE/kernels (default 6.1)
  --smp N             vCPUs (default 2)
  --mem MB            guest memory (default 1536)
  --module KO         load this module first (default: none)
  --module-args ARGS  insmod parameters
  --file SRC[:DST]    copy SRC into the initramfs (default DST /bin/NAME)
  --log FILE          console log (default: --out with .console)
  --timeout S         kill QEMU after S seconds (default 1800)
  --append ARGS       extra kernel command line (e.g. init_on_alloc=0)
  --label TEXT        prefix of progress lines
  --quiet             no progress lines

Exit status: 0 if the job ran and exited 0, 1 if not, 2 on usage/setup
errors.
EOT
}

VM_MEM=1536 VM_TIMEOUT=1800 VM_PROGRESS=1
job='' out='' label='' extra=()

# The options of this launcher (vm_args: the common ones are vm_opt's).
# shellcheck disable=SC2317 # called through vm_args
opt() {
	case $1 in
	--job) job=$2 ;;
	--out) out=$2 ;;
	--file) extra+=(--file "$2") ;;
	--label) label=$2 ;;
	--quiet) VM_PROGRESS=0 VM_TAKES=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench-vm: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
}
vm_args opt "$@"
[ -f "$job" ] || vm_die "--job SCRIPT is required"
[ -n "$out" ] || vm_die "--out FILE is required"
log=${VM_LOG:-${out%.*}.console}
label=${label:-$VM_KERNEL/smp$VM_SMP}

vm_line "$VM_KERNEL"
if [ -n "$VM_MODULE" ]; then
	vm_check_module "$VM_MODULE"
	extra+=(--module "$VM_MODULE")
fi

initrd=${log%.console}.initramfs.cpio.gz
vm_initramfs --out "$initrd" --mode job --job "$job" \
	--module-args "$VM_MODULE_ARGS" "${extra[@]}"
# loglevel=4: a quiet console, so that the measurements do not pay for it.
vm_cmdline 4 "$VM_APPEND"
vm_qemu "$initrd" "$log" "$out"
vm_boot "$label" "$VM_TIMEOUT" "$log" "$out" "$log.qemu"
rm -f "$initrd"

[ "$VM_RC" = 0 ] || { echo "bench-vm: error: $label: QEMU exited with $VM_RC (console log $log)" >&2; exit 1; }
if ! grep -q '^JMOD-RUN: done' "$out"; then
	tail -n 30 "$log" >&2
	echo "bench-vm: error: $label: the guest did not finish (console log $log)" >&2
	exit 1
fi
end=$(grep '^JMOD-RUN: end job ' "$out" || echo 'no job (insmod failed?)')
echo "bench-vm: $label: finished in ${VM_SECS}s ($end)" >&2
[ "$end" = "JMOD-RUN: end job rc=0" ] || exit 1
