#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a cached kernel in QEMU (KVM if /dev/kvm is usable, else TCG:
# tools/vm/accel.sh) with a small initramfs of our own (static busybox,
# tools/bench/init, an optional module, a job script
# and extra files) and collect what the job prints: the job's stdout goes
# to the guest's second serial port, i.e. to --out on the host.  Lines
# starting with "#" are echoed as progress while the guest runs.
# (tools/vm/run.sh only runs selftests; this is the generic variant.)
#
# Usage: tools/bench/vm.sh --job SCRIPT --out FILE [options]
#   --kernel LINE       kernel line from $JMOD_CACHE/kernels (default 6.1)
#   --smp N             vCPUs (default 2)
#   --mem MB            guest memory (default 1536)
#   --module KO         load this module first (default: none)
#   --module-args ARGS  insmod parameters
#   --file SRC[:DST]    copy SRC into the initramfs (default DST /bin/NAME)
#   --log FILE          console log (default: --out with .console)
#   --timeout S         kill QEMU after S seconds (default 1800)
#   --append ARGS       extra kernel command line (e.g. init_on_alloc=0)
#   --label TEXT        prefix of progress lines
#   --quiet             no progress lines
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
JMOD_CACHE=${JMOD_CACHE:-/var/cache/jmod}
kernel=6.1 smp=2 mem=1536 module='' module_args='' job='' out='' log=''
timeout=1800 label='' quiet=0 append=''
files=()

die() { echo "bench-vm: error: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--module) module=$2; shift ;;
	--module-args) module_args=$2; shift ;;
	--job) job=$2; shift ;;
	--out) out=$2; shift ;;
	--file) files+=("$2"); shift ;;
	--log) log=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--append) append=$2; shift ;;
	--label) label=$2; shift ;;
	--quiet) quiet=1 ;;
	-h|--help) sed -n '4,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
	shift
done
[ -f "$job" ] || die "--job SCRIPT is required"
[ -n "$out" ] || die "--out FILE is required"
log=${log:-${out%.*}.console}
label=${label:-$kernel/smp$smp}

envfile=$JMOD_CACHE/kernels/$kernel/env
[ -f "$envfile" ] || die "$envfile missing: run 'make setup'"
KVER='' VMLINUZ=''
# shellcheck source=/dev/null
. "$envfile"
[ -f "$VMLINUZ" ] || die "$VMLINUZ missing: run 'make setup'"
if [ -n "$module" ]; then
	[ -f "$module" ] || die "module $module not found"
	case $(modinfo -F vermagic "$module" 2>/dev/null) in
	"$KVER "*) ;;
	*) die "$module was not built for $KVER" ;;
	esac
fi

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox not found (apt-get install busybox-static)"
readelf -l "$busybox" | grep -q 'program interpreter' &&
	die "$busybox is dynamically linked (apt-get install busybox-static)"

stage=$(mktemp -d "${TMPDIR:-/tmp}/jmod-bench-initramfs.XXXXXX")
qpid=''
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$stage"
}
trap cleanup EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc}
cp "$busybox" "$stage/bin/busybox"
while read -r applet; do
	applet=${applet#/}
	[ -e "$stage/$applet" ] || [ -L "$stage/$applet" ] ||
		ln -s /bin/busybox "$stage/$applet"
done < <("$busybox" --list-full)
install -m 755 "$here/init" "$stage/init"
install -m 755 "$job" "$stage/job.sh"
[ -n "$module" ] && cp "$module" "$stage/jmalloc.ko"
printf 'MODULE_ARGS=%q\n' "$module_args" >"$stage/etc/bench.conf"
for f in "${files[@]}"; do
	src=${f%%:*} dst=/bin/$(basename "${f%%:*}")
	[ "$src" != "$f" ] && dst=${f#*:}
	[ -f "$src" ] || die "file $src not found"
	mkdir -p "$stage/$(dirname "$dst")"
	cp "$src" "$stage/$dst"
done
initrd=$stage/initramfs.cpio.gz
# cpio -R 0:0 makes everything root's; /dev/console comes from the kernel
# (devtmpfs) when we cannot mknod as non-root.
[ "$(id -u)" = 0 ] && mknod -m 600 "$stage/dev/console" c 5 1
(cd "$stage" && find . ! -name initramfs.cpio.gz -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$initrd"

mkdir -p "$(dirname "$out")" "$(dirname "$log")"
rm -f "$out" "$log"
: >"$out"
cmdline="console=ttyS0,115200 loglevel=4 panic=-1 oops=panic rdinit=/init"
[ -n "$append" ] && cmdline+=" $append"
# shellcheck source=/dev/null # tools/vm/accel.sh, checked on its own
. "$here/../vm/accel.sh"
jmod_accel "$VMLINUZ" || exit 1
# shellcheck disable=SC2054 # commas belong to QEMU options
qemu=(qemu-system-x86_64 "${ACCEL_ARGS[@]}" -m "$mem"
      -smp "$smp" -nodefaults -display none -no-reboot -monitor none
      -kernel "$VMLINUZ" -initrd "$initrd" -append "$cmdline"
      -serial "file:$log" -serial "file:$out")
start=$(date +%s)
echo "bench-vm: $label: booting $KVER with $smp vCPUs ($ACCEL_NAME, timeout ${timeout}s)" >&2
timeout --kill-after=10 "$timeout" "${qemu[@]}" </dev/null >"$log.qemu" 2>&1 &
qpid=$!
if [ "$quiet" = 0 ]; then
	# progress: the job's "# ..." lines as they arrive
	tail -n +1 -s 1 -f --pid="$qpid" "$out" 2>/dev/null | tr -d '\r' |
		while IFS= read -r line; do
			case $line in
			'# '*|BENCH-VM:*) printf '  [%s %4ss] %s\n' "$label" \
				$(($(date +%s) - start)) "${line#\# }" >&2 ;;
			esac
		done &
fi
rc=0
wait "$qpid" || rc=$?
qpid=''
wait || true
secs=$(($(date +%s) - start))
# serial output may carry \r
sed -i 's/\r$//' "$out"
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	die "$label: TIMEOUT after ${timeout}s (console log $log)"
elif [ "$rc" != 0 ]; then
	cat "$log.qemu" >&2
	die "$label: QEMU exited with $rc"
fi
if ! done_line=$(grep '^BENCH-VM: done' "$out"); then
	tail -n 30 "$log" >&2
	die "$label: the guest did not finish (console log $log)"
fi
echo "bench-vm: $label: finished in ${secs}s ($done_line)" >&2
[ "$done_line" = "BENCH-VM: done rc=0" ] || exit 1
