#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a cached kernel in QEMU (KVM if /dev/kvm is usable, else TCG:
# tools/vm/accel.sh; JMOD_ACCEL=kvm|tcg forces one), load jmod in the
# guest, run the selftests (or the demo), unload it and judge the run
# from the logs.
#
# Usage: tools/vm/run.sh [options]
#   --kernel LINE         kernel line from $JMOD_CACHE/kernels: 6.1
#                         (default), 6.12, 7.3, 7.3-rt (PREEMPT_RT), or
#                         debug (tools/debug-kernel/build.sh, KASAN,
#                         lockdep, kmemleak, with slub_debug for jmod's
#                         caches, longer timeout and tolerance, 128K quota),
#                         or kdir (a user's tree: tools/kdir-line.sh;
#                         longer defaults too if it has KASAN, kmemleak
#                         or lockdep)
#   --mode test|demo      test: selftests; demo: jmodctl demo + stats (test)
#   --tests "a,b"|none    only these selftest binaries (default: all)
#   --module-args ARGS    insmod parameters, e.g. "decay_ms=100"
#   --module KO           module (default build/<kernel>/jmalloc.ko)
#   --selftests DIR       selftest binaries (default build/selftests)
#   --jmodctl BIN         (default build/tools/jmodctl if present)
#   --smp N               vCPUs (default 2)
#   --mem MB              guest memory (default 1024)
#   --numa                two NUMA nodes (one socket each), memory and
#                         vCPUs split evenly; needs an even --smp
#   --timeout S           kill QEMU after S seconds and fail (default 600,
#                         debug kernels 2400)
#   --mem-tolerance KB    allowed MemFree drop insmod..rmmod (default 8192,
#                         debug 16384: KASAN's quarantine keeps frees)
#   --append ARGS         extra kernel command line
#   --log FILE            guest console log
#                         (default build/logs/<kernel>-<mode>-<smp>.log,
#                         -numa before .log with --numa;
#                         the TAP channel goes to FILE with .tap, QEMU's
#                         own messages to .qemu, the counts to .result)
#   --quiet               print only failures and the summary
#   JMOD_BOOT_TRIES=N     boots tried when the kernel dies before /init
#                         runs (jmod is not loaded yet then; default 3)
# Exit status: 0 if the run passed, 1 if it failed, 2 on usage/setup errors.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
JMOD_CACHE=${JMOD_CACHE:-/var/cache/jmod}

kernel=6.1 mode=test tests='' module_args='' module='' selftests='' jmodctl=''
smp=2 mem=1024 numa=0 timeout='' tolerance='' append='' log='' quiet=0
jmodctl_set=0

usage() { sed -n '3,41p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "run: error: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--mode) mode=$2; shift ;;
	--tests) tests=$2; shift ;;
	--module-args) module_args=$2; shift ;;
	--module) module=$2; shift ;;
	--selftests) selftests=$2; shift ;;
	--jmodctl) jmodctl=$2; jmodctl_set=1; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--numa) numa=1 ;;
	--timeout) timeout=$2; shift ;;
	--mem-tolerance) tolerance=$2; shift ;;
	--append) append=$2; shift ;;
	--log) log=$2; shift ;;
	--quiet) quiet=1 ;;
	-h|--help) usage ;;
	*) echo "run: unknown argument $1" >&2; usage ;;
	esac
	shift
done

case $mode in test|demo) ;; *) die "--mode must be test or demo" ;; esac
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp wants a number"
[[ $mem =~ ^[1-9][0-9]*$ ]] || die "--mem wants a number (MiB)"

envfile=$JMOD_CACHE/kernels/$kernel/env
if [ ! -f "$envfile" ]; then
	[ "$kernel" = debug ] &&
		die "$envfile missing: run tools/debug-kernel/build.sh"
	[ "$kernel" = kdir ] &&
		die "$envfile missing: run 'make vm KERNEL=kdir KDIR=<tree>' (tools/kdir-line.sh)"
	die "$envfile missing: run 'make setup' (tools/setup.sh)"
fi
KVER='' VMLINUZ='' KDIR=''
# shellcheck source=/dev/null
. "$envfile"
[ -f "$VMLINUZ" ] || die "$VMLINUZ missing: run 'make setup'"

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

module=${module:-$top/build/$kernel/jmalloc.ko}
[ -f "$module" ] || die "$module missing: run 'make build/$kernel/jmalloc.ko' (or make kernels)"
vermagic=$(modinfo -F vermagic "$module" 2>/dev/null || true)
case $vermagic in
"$KVER "*) ;;
*) die "$module was built for '${vermagic%% *}', not $KVER" ;;
esac
selftests=${selftests:-$top/build/selftests}
if [ "$jmodctl_set" = 0 ] && [ -x "$top/build/tools/jmodctl" ]; then
	jmodctl=$top/build/tools/jmodctl
fi

numa_sfx=''
[ "$numa" = 1 ] && numa_sfx=-numa
log=${log:-$top/build/logs/$kernel-$mode-$smp$numa_sfx.log}
mkdir -p "$(dirname "$log")"
base=${log%.log}
taplog=$base.tap qemulog=$base.qemu result=$base.result
initrd=$base.initramfs.cpio.gz
rm -f "$log" "$log".boot* "$taplog" "$qemulog" "$result"

"$here/mkinitramfs.sh" --out "$initrd" --module "$module" \
	--selftests "$selftests" --tests "$tests" --jmodctl "$jmodctl" \
	--mode "$mode" --module-args "$module_args" --mem-tolerance "$tolerance"

# A WARN must not stop the run (the verdict finds it in the log); an Oops
# or panic ends it at once instead of leaving a wedged guest to time out:
# panic=-1 reboots immediately and -no-reboot turns that into QEMU exiting.
cmdline="console=ttyS0,115200 loglevel=7 printk.time=1 panic=-1 oops=panic"
cmdline+=" rdinit=/init $debug_cmdline $append"

# shellcheck source=/dev/null # tools/vm/accel.sh, checked on its own
. "$here/accel.sh"
jmod_accel "$VMLINUZ" || exit 2
# shellcheck disable=SC2054 # commas belong to QEMU options
qemu=(qemu-system-x86_64 "${ACCEL_ARGS[@]}" -m "$mem"
      -smp "$smp" -nodefaults -display none -no-reboot -monitor none
      -kernel "$VMLINUZ" -initrd "$initrd" -append "$cmdline"
      -serial "file:$log" -serial "file:$taplog")
if [ "$numa" = 1 ]; then
	# One socket per node, so no LLC spans two nodes (the scheduler
	# WARNs in topology_sane() otherwise).
	{ [ "$smp" -ge 2 ] && [ $((smp % 2)) = 0 ]; } ||
		die "--numa needs an even --smp of 2 or more"
	half=$((mem / 2))
	qemu+=(-smp "$smp,sockets=2,cores=$((smp / 2)),threads=1"
	       -object "memory-backend-ram,id=m0,size=${half}M"
	       -object "memory-backend-ram,id=m1,size=$((mem - half))M"
	       -numa "node,nodeid=0,memdev=m0" -numa "node,nodeid=1,memdev=m1"
	       -numa "cpu,node-id=0,socket-id=0" -numa "cpu,node-id=1,socket-id=1")
fi
label="$kernel/$mode/smp$smp"
[ "$numa" = 1 ] && label+="/numa"
# A kernel that dies before /init runs has not seen jmod (the guest loads
# it from /init): under TCG a Debian kernel's boot very rarely oopses in
# its own code patching (seen once on 7.3-rt: "Oops: int3" in
# sched_clock_cpu during the initcalls).  Such a boot is tried again, up
# to JMOD_BOOT_TRIES times in all (default 3), the failed logs kept as
# FILE.bootN; anything after "JMOD-RUN: start" counts at once.
tries=${JMOD_BOOT_TRIES:-3}
[[ $tries =~ ^[1-9][0-9]*$ ]] || die "JMOD_BOOT_TRIES wants a number"
try=1
while :; do
	echo "run: $label: booting $KVER ($ACCEL_NAME, timeout ${timeout}s), log $log" >&2
	start=$(date +%s)
	qemu_rc=0
	timeout --kill-after=10 "$timeout" "${qemu[@]}" </dev/null >"$qemulog" 2>&1 ||
		qemu_rc=$?
	secs=$(($(date +%s) - start))
	echo "run: $label: QEMU exited with $qemu_rc after ${secs}s" >&2
	if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ] ||
	   tr -d '\r' <"$taplog" 2>/dev/null | grep -q '^JMOD-RUN: start' ||
	   [ "$try" -ge "$tries" ]; then
		break
	fi
	mv "$log" "$log.boot$try"
	echo "run: $label: the kernel died before /init ran (jmod not loaded yet; $(tr -d '\r' <"$log.boot$try" | grep -Em1 'Oops:|Kernel panic|BUG:' || echo 'no message')), log $log.boot$try; booting again ($((try + 1)) of $tries)" >&2
	try=$((try + 1))
	rm -f "$taplog"
done
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "run: $label: TIMEOUT after ${timeout}s" >&2
	qemu_rc=124
elif [ "$qemu_rc" != 0 ]; then
	sed 's/^/run: qemu: /' "$qemulog" >&2
fi

if [ "$mode" = demo ]; then
	# Show what the demo printed (jmodctl demo, debugfs stats).
	tr -d '\r' <"$taplog" |
		sed -n '/^JMOD-RUN: begin demo/,/^JMOD-RUN: end demo/p'
fi
verdict_rc=0
vout=$("$here/verdict.sh" --label "$label" --qemu-rc "$qemu_rc" \
	--result "$result" "$taplog" "$log") || verdict_rc=$?
if [ "$quiet" = 1 ]; then
	grep -Ev '^ok ' <<<"$vout" || true
else
	printf '%s\n' "$vout"
fi
echo "seconds=$secs" >>"$result"
exit "$verdict_rc"
