#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a cached kernel in QEMU (tools/vm/lib.sh), load jmod in the guest,
# run the selftests (or the demo), unload it and judge the run from the
# logs (tools/vm/verdict.sh).  Options: --help.
set -euo pipefail

VM_PROG=run
# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/lib.sh"

# shellcheck disable=SC2317 # called through opt()
usage() {
	cat <<EOT
Usage: tools/vm/run.sh [options]

Boot a cached kernel in QEMU (KVM if /dev/kvm is usable, else TCG:
tools/vm/accel.sh; JMOD_ACCEL=kvm|tcg forces one), load jmod in the
guest, run the selftests (or the demo), unload it and judge the run from
the logs (tools/vm/verdict.sh: a test run in which no selftest ran, or
every result was skipped, fails too).

  --kernel LINE         kernel line from \$JMOD_CACHE/kernels: 6.1
                        (default), 6.12, 7.3, 7.3-rt (PREEMPT_RT), or
                        debug (tools/debug-kernel/build.sh, KASAN,
                        lockdep, kmemleak, with slub_debug for jmod's
                        caches, longer timeout and tolerance, 128K quota),
                        or kdir (a user's tree: tools/kdir-line.sh;
                        longer defaults too if it has KASAN, kmemleak
                        or lockdep)
  --mode test|demo      test: selftests; demo: jmodctl demo, stats, whatif
                        --live over a workload (test)
  --tests "a,b"|none    only these selftest binaries (default: all)
  --module-args ARGS    insmod parameters, e.g. "decay_ms=100"
  --module KO           module (default build/<kernel>/$JMOD_KO.ko)
  --selftests DIR       selftest binaries (default build/selftests)
  --jmodctl BIN         (default build/tools/jmodctl if present)
  --smp N               vCPUs (default 2)
  --mem MB              guest memory (default 1024)
  --numa                two NUMA nodes (one socket each), memory and
                        vCPUs split evenly; needs an even --smp
  --timeout S           kill QEMU after S seconds and fail (default 600,
                        debug kernels 2400)
  --mem-tolerance KB    allowed MemFree drop insmod..rmmod (default 8192,
                        debug 16384: KASAN's quarantine keeps frees)
  --append ARGS         extra kernel command line
  --log FILE            guest console log
                        (default build/logs/<kernel>-<mode>-<smp>.log,
                        -numa before .log with --numa;
                        the TAP channel goes to FILE with .tap, QEMU's
                        own messages to .qemu, the counts to .result)
  --quiet               print only failures and the summary
  JMOD_BOOT_TRIES=N     boots tried when the kernel dies before /init
                        runs (jmod is not loaded yet then; default 3)

Exit status: 0 if the run passed, 1 if it failed, 2 on usage/setup errors.
EOT
}

mode=test tests='' selftests='' jmodctl='' jmodctl_set=0 numa=0 tolerance=''
quiet=0

# The options of this launcher (vm_args: the common ones are vm_opt's).
# shellcheck disable=SC2317 # called through vm_args
opt() {
	case $1 in
	--mode) mode=$2 ;;
	--tests) tests=$2 ;;
	--selftests) selftests=$2 ;;
	--jmodctl) jmodctl=$2; jmodctl_set=1 ;;
	--numa) numa=1 VM_TAKES=1 ;;
	--mem-tolerance) tolerance=$2 ;;
	--quiet) quiet=1 VM_TAKES=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "run: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
}
vm_args opt "$@"

case $mode in test|demo) ;; *) vm_die "--mode must be test or demo" ;; esac
kernel=$VM_KERNEL smp=$VM_SMP module_args=$VM_MODULE_ARGS timeout=$VM_TIMEOUT

vm_line "$kernel"

# A debug kernel (KASAN, kmemleak or lockdep under TCG: the cached debug
# line, or a user's tree built so) is several times slower: longer
# default timeout, and a larger MemFree tolerance (KASAN's quarantine
# keeps freed memory).  On the debug line the extra command line puts
# SLUB's red zones, poisoning, sanity checks and alloc/free tracking on
# jmod's caches (jmod-<size>), and marks them for failslab's cache-filter
# (A).  kmemleak is on by default in that kernel (no
# DEBUG_KMEMLEAK_DEFAULT_OFF).
debug_cmdline=''
slow=0
[ "$kernel" = debug ] && slow=1
if [ -n "$KDIR" ] && [ -f "$KDIR/.config" ] &&
   grep -Eq '^CONFIG_(KASAN|DEBUG_KMEMLEAK|PROVE_LOCKING)=y' "$KDIR/.config"; then
	slow=1
fi
# KASAN and kmemleak track every object: exhausting the default 1M-object
# quota of one fd (the ioctl test's quota_objects case) takes over 5
# minutes there, so such a kernel gets a 128K quota unless told otherwise.
if [ "$slow" = 1 ]; then
	timeout=${timeout:-2400}
	tolerance=${tolerance:-16384}
	case " $module_args " in
	*" quota_objects="*) ;;
	*) module_args="quota_objects=131072${module_args:+ $module_args}" ;;
	esac
fi
[ "$kernel" = debug ] && debug_cmdline="slub_debug=FZPUA,jmod-*"
timeout=${timeout:-600}
tolerance=${tolerance:-8192}

module=${VM_MODULE:-$VM_TOP/build/$kernel/$JMOD_KO.ko}
vm_check_module "$module" "run 'make build/$kernel/$JMOD_KO.ko' (or make kernels)"
selftests=${selftests:-$VM_TOP/build/selftests}
if [ "$jmodctl_set" = 0 ] && [ -x "$VM_TOP/build/tools/jmodctl" ]; then
	jmodctl=$VM_TOP/build/tools/jmodctl
fi

numa_sfx=''
[ "$numa" = 1 ] && numa_sfx=-numa
log=${VM_LOG:-$VM_TOP/build/logs/$kernel-$mode-$smp$numa_sfx.log}
base=${log%.log}
taplog=$base.tap qemulog=$base.qemu result=$base.result
rm -f "$result"

vm_initramfs --out "$base.initramfs.cpio.gz" --mode "$mode" \
	--module "$module" --module-args "$module_args" \
	--mem-tolerance "$tolerance" --selftests "$selftests" --tests "$tests" \
	--jmodctl "$jmodctl"

vm_cmdline 7 "${debug_cmdline:+$debug_cmdline }$VM_APPEND"
VM_NUMA=$numa
vm_qemu "$base.initramfs.cpio.gz" "$log" "$taplog"
label="$kernel/$mode/smp$smp"
[ "$numa" = 1 ] && label+="/numa"
vm_boot "$label" "$timeout" "$log" "$taplog" "$qemulog"

if [ "$mode" = demo ]; then
	# Show what the demo printed (jmodctl demo, debugfs stats).
	sed -n '/^JMOD-RUN: begin demo/,/^JMOD-RUN: end demo/p' "$taplog"
fi
verdict_rc=0
vout=$("$VM_LIB_DIR/verdict.sh" --label "$label" --qemu-rc "$VM_RC" \
	--result "$result" "$taplog" "$log") || verdict_rc=$?
if [ "$quiet" = 1 ]; then
	grep -Ev '^ok ' <<<"$vout" || true
else
	printf '%s\n' "$vout"
fi
echo "seconds=$VM_SECS" >>"$result"
exit "$verdict_rc"
