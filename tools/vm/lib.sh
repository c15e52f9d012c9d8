# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # VM_* and the env are read by the sourcing scripts
#
# The one QEMU launcher, as shell functions: sourced by tools/vm/run.sh
# (the selftest runner), tools/bench/vm.sh (bench and trace jobs),
# tools/vm/tests/run.sh (the runner's own tests) and tools/check.sh.
# Sourcing it only defines things (and sources tools/vm/accel.sh).
#
#   JMOD_KO            the module's name: $JMOD_KO.ko, rmmod $JMOD_KO
#                      (the top-level Makefile exports its JMOD_KO; "jmod"
#                      is the device, debugfs and project name)
#   VM_PROG            prefix of error messages (set it before sourcing)
#   vm_opt OPT VALUE   the options both launchers take (--kernel, --smp,
#                      --mem, --module, --module-args, --timeout,
#                      --append, --log) into VM_KERNEL, VM_SMP, ...;
#                      status 1 if OPT is not one of them
#   vm_args FUNC ARGS...
#                      parse a launcher's command line: vm_opt's options,
#                      and the launcher's own through FUNC OPT [VALUE],
#                      which sets VM_TAKES=1 for an option without value
#   vm_die MSG         print "VM_PROG: error: MSG", exit 2
#   vm_line LINE       read $JMOD_CACHE/kernels/LINE/env: KLINE, KVER,
#                      KDIR, VMLINUZ, CHROOT
#   vm_check_module KO [HINT]
#                      KO exists and was built for $KVER
#   vm_ext_module KO   the jmod_ext_test.ko built beside KO (test/ first)
#   vm_initramfs ...   the guest's initramfs (options below)
#   vm_cmdline LOGLEVEL [EXTRA]
#                      the guest's kernel command line, in VM_CMDLINE
#   vm_qemu INITRD CONSOLE CHANNEL
#                      the QEMU command, in VM_QEMU; uses VM_MEM, VM_SMP,
#                      VM_NUMA (1: two nodes), VM_CMDLINE, VMLINUZ
#   vm_boot LABEL TIMEOUT CONSOLE CHANNEL QEMULOG
#                      run VM_QEMU, booting again a kernel that died
#                      before /init; VM_PROGRESS=1 echoes the guest's
#                      "# " and JMOD-RUN lines; sets VM_RC, VM_SECS
#
# The guest's /init is tools/vm/init in every mode (test, demo, job); it
# writes its protocol to the second serial port (CHANNEL on the host),
# the kernel console goes to the first (CONSOLE).

JMOD_KO=${JMOD_KO:-jmalloc}
JMOD_CACHE=${JMOD_CACHE:-/var/cache/jmod}
VM_PROG=${VM_PROG:-vm}
VM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_TOP=$(cd "$VM_LIB_DIR/../.." && pwd)
VM_KERNEL=6.1 VM_SMP=2 VM_MEM=1024 VM_NUMA=0 VM_MODULE='' VM_MODULE_ARGS=''
VM_TIMEOUT='' VM_APPEND='' VM_LOG='' VM_PROGRESS=0

# shellcheck source=tools/vm/accel.sh
. "$VM_LIB_DIR/accel.sh"

vm_opt() {
	case $1 in
	--kernel) VM_KERNEL=$2 ;;
	--smp) VM_SMP=$2 ;;
	--mem) VM_MEM=$2 ;;
	--module) VM_MODULE=$2 ;;
	--module-args) VM_MODULE_ARGS=$2 ;;
	--timeout) VM_TIMEOUT=$2 ;;
	--append) VM_APPEND=$2 ;;
	--log) VM_LOG=$2 ;;
	*) return 1 ;;
	esac
	[[ $1 != --smp && $1 != --mem ]] || [[ $2 =~ ^[1-9][0-9]*$ ]] ||
		vm_die "$1 wants a number"
}

vm_args() {
	local fn=$1
	shift
	while [ $# -gt 0 ]; do
		if [ $# -ge 2 ] && vm_opt "$1" "$2"; then
			shift 2
			continue
		fi
		VM_TAKES=2
		"$fn" "$1" "${2-}"
		[ "$VM_TAKES" -le $# ] || vm_die "$1 wants a value"
		shift "$VM_TAKES"
	done
}

vm_die() { echo "$VM_PROG: error: $*" >&2; exit 2; }
vm_warn() { echo "$VM_PROG: warning: $*" >&2; }

vm_line() {
	local env=$JMOD_CACHE/kernels/$1/env
	if [ ! -f "$env" ]; then
		case $1 in
		debug) vm_die "$env missing: run tools/debug-kernel/build.sh" ;;
		kdir) vm_die "$env missing: run 'make vm KERNEL=kdir KDIR=<tree>' (tools/kdir-line.sh)" ;;
		*) vm_die "$env missing: run 'make setup' (tools/setup.sh)" ;;
		esac
	fi
	KLINE='' KVER='' KDIR='' VMLINUZ='' CHROOT=''
	# shellcheck source=/dev/null
	. "$env"
	[ -f "$VMLINUZ" ] || vm_die "$VMLINUZ missing: run 'make setup'"
}

vm_check_module() {
	local ko=$1 vermagic
	[ -f "$ko" ] || vm_die "$ko missing${2:+: $2}"
	vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	case $vermagic in
	"$KVER "*) ;;
	*) vm_die "$ko was built for '${vermagic%% *}', not $KVER" ;;
	esac
}

# The external user of the API, built with the module: in test/ beside it
# (the test interface's folder), or beside it in older trees.
vm_ext_module() {
	local d
	d=$(dirname "$1")
	if [ -f "$d/test/jmod_ext_test.ko" ]; then
		echo "$d/test/jmod_ext_test.ko"
	elif [ -f "$d/jmod_ext_test.ko" ]; then
		echo "$d/jmod_ext_test.ko"
	fi
}

vm_is_static() {
	! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'
}

# vm_initramfs --out FILE [--mode test|demo|job] [--module KO]
#     [--module-args ARGS] [--mem-tolerance KB] [--selftests DIR]
#     [--tests "a,b"|none] [--jmodctl BIN] [--job SCRIPT]
#     [--file SRC[:DST]]...
# Builds the guest's initramfs (gzip'ed newc cpio): static busybox and its
# applet links, /init (tools/vm/init), /etc/jmod.conf, /$JMOD_KO.ko (and
# /jmod_ext_test.ko if built with it), /selftests/<binaries> (test mode:
# every executable in DIR, or only --tests), /bin/jmodctl, /job.sh (job
# mode: its stdout is the host's CHANNEL), and the --file copies (DST
# defaults to /bin/NAME).  Runs in a subshell: its clean-up trap stays in.
vm_initramfs() (
	local out='' mode=test module='' module_args='' tolerance=8192
	local selftests='' tests='' jmodctl='' job='' files=() stage f t ext
	local applet src dst ntests
	while [ $# -gt 0 ]; do
		case $1 in
		--out) out=$2 ;;
		--mode) mode=$2 ;;
		--module) module=$2 ;;
		--module-args) module_args=$2 ;;
		--mem-tolerance) tolerance=$2 ;;
		--selftests) selftests=$2 ;;
		--tests) tests=$2 ;;
		--jmodctl) jmodctl=$2 ;;
		--job) job=$2 ;;
		--file) files+=("$2") ;;
		*) vm_die "vm_initramfs: unknown argument $1" ;;
		esac
		shift 2
	done
	[ -n "$out" ] || vm_die "vm_initramfs: --out is required"
	case $mode in
	test|demo) [ -f "$module" ] || vm_die "module '$module' not found" ;;
	job) [ -f "$job" ] || vm_die "job '$job' not found" ;;
	*) vm_die "vm_initramfs: --mode must be test, demo or job" ;;
	esac
	[ -z "$module" ] || [ -f "$module" ] || vm_die "module '$module' not found"

	local busybox
	busybox=$(command -v busybox || true)
	[ -n "$busybox" ] || vm_die "busybox not found (apt-get install busybox-static)"
	vm_is_static "$busybox" ||
		vm_die "$busybox is dynamically linked (apt-get install busybox-static)"

	stage=$(mktemp -d "${TMPDIR:-/tmp}/jmod-initramfs.XXXXXX")
	# shellcheck disable=SC2064 # the stage's name, now
	trap "rm -rf '$stage'" EXIT
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,etc,selftests}
	cp "$busybox" "$stage/bin/busybox"
	# Applet symlinks (bin/ls, sbin/insmod, ...), never over busybox itself.
	while read -r applet; do
		applet=${applet#/}
		[ -e "$stage/$applet" ] || [ -L "$stage/$applet" ] ||
			ln -s /bin/busybox "$stage/$applet"
	done < <("$busybox" --list-full)
	# The kernel opens /dev/console before /init runs; devtmpfs comes
	# later (as non-root, cpio -R 0:0 cannot make the node).
	[ "$(id -u)" != 0 ] || mknod -m 600 "$stage/dev/console" c 5 1
	install -m 755 "$VM_LIB_DIR/init" "$stage/init"
	if [ -n "$module" ]; then
		cp "$module" "$stage/$JMOD_KO.ko"
		# jmod_extmod_test loads it from /.
		ext=$(vm_ext_module "$module")
		[ -z "$ext" ] || cp "$ext" "$stage/jmod_ext_test.ko"
	fi

	# Selftests: every executable regular file, or only the named ones.
	if [ "$mode" = test ] && [ -n "$tests" ] && [ "$tests" != none ]; then
		[ -d "$selftests" ] || vm_die "--tests given but selftests dir '$selftests' missing"
		for t in ${tests//,/ }; do
			{ [ -x "$selftests/$t" ] && [ -f "$selftests/$t" ]; } ||
				vm_die "selftest '$t' not found in $selftests"
			cp "$selftests/$t" "$stage/selftests/"
		done
	elif [ "$mode" = test ] && [ -z "$tests" ] && [ -d "$selftests" ]; then
		for f in "$selftests"/*; do
			{ [ -f "$f" ] && [ -x "$f" ]; } || continue
			cp "$f" "$stage/selftests/"
		done
	fi
	ntests=0
	for f in "$stage"/selftests/*; do
		[ -f "$f" ] || continue
		ntests=$((ntests + 1))
		vm_is_static "$f" || vm_warn "$(basename "$f") is not static: it cannot run in the guest"
	done
	# The guest announces the count; the verdict fails a test run in
	# which no selftest ran (unless --tests none asked for that).
	[ "$mode" != test ] || [ "$tests" = none ] || [ "$ntests" != 0 ] ||
		vm_warn "no selftest binaries in '$selftests' (make selftests): the run will fail"
	[ "$tests" != none ] || ntests=none

	if [ -n "$jmodctl" ]; then
		[ -x "$jmodctl" ] || vm_die "jmodctl '$jmodctl' not executable"
		vm_is_static "$jmodctl" || vm_warn "$jmodctl is not static: it cannot run in the guest"
		cp "$jmodctl" "$stage/bin/jmodctl"
	fi
	[ -z "$job" ] || install -m 755 "$job" "$stage/job.sh"
	for f in "${files[@]}"; do
		src=${f%%:*} dst=/bin/$(basename "${f%%:*}")
		[ "$src" = "$f" ] || dst=${f#*:}
		[ -f "$src" ] || vm_die "file $src not found"
		mkdir -p "$stage/$(dirname "$dst")"
		cp "$src" "$stage/$dst"
	done

	{
		printf 'MODE=%q\n' "$mode"
		printf 'MODULE=%q\n' "${module:+/$JMOD_KO.ko}"
		printf 'MODULE_NAME=%q\n' "${JMOD_KO//-/_}"
		printf 'MODULE_ARGS=%q\n' "$module_args"
		printf 'MEM_TOLERANCE_KB=%q\n' "$tolerance"
		printf 'TESTS=%q\n' "$ntests"
	} >"$stage/etc/jmod.conf"

	mkdir -p "$(dirname "$out")"
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
)

# A WARN must not stop the run (the verdict finds it in the log); an Oops
# or panic ends it at once instead of leaving a wedged guest to time out:
# panic=-1 reboots immediately and -no-reboot turns that into QEMU exiting.
vm_cmdline() {
	VM_CMDLINE="console=ttyS0,115200 loglevel=$1 printk.time=1 panic=-1 oops=panic rdinit=/init${2:+ $2}"
}

vm_qemu() {
	local half
	jmod_accel "$VMLINUZ" || exit 2
	# shellcheck disable=SC2054 # commas belong to QEMU options
	VM_QEMU=(qemu-system-x86_64 "${ACCEL_ARGS[@]}" -m "$VM_MEM"
		 -smp "$VM_SMP" -nodefaults -display none -no-reboot -monitor none
		 -kernel "$VMLINUZ" -initrd "$1" -append "$VM_CMDLINE"
		 -serial "file:$2" -serial "file:$3")
	[ "$VM_NUMA" = 1 ] || return 0
	# One socket per node, so no LLC spans two nodes (the scheduler
	# WARNs in topology_sane() otherwise).
	{ [ "$VM_SMP" -ge 2 ] && [ $((VM_SMP % 2)) = 0 ]; } ||
		vm_die "--numa needs an even --smp of 2 or more"
	half=$((VM_MEM / 2))
	# shellcheck disable=SC2054 # commas belong to QEMU options
	VM_QEMU+=(-smp "$VM_SMP,sockets=2,cores=$((VM_SMP / 2)),threads=1"
		  -object "memory-backend-ram,id=m0,size=${half}M"
		  -object "memory-backend-ram,id=m1,size=$((VM_MEM - half))M"
		  -numa "node,nodeid=0,memdev=m0" -numa "node,nodeid=1,memdev=m1"
		  -numa "cpu,node-id=0,socket-id=0" -numa "cpu,node-id=1,socket-id=1")
}

# A kernel that dies before /init runs has not seen jmod (the guest loads
# it from /init): under TCG a Debian kernel's boot very rarely oopses in
# its own code patching (seen once on 7.3-rt: "Oops: int3" in
# sched_clock_cpu during the initcalls).  Such a boot is tried again, up
# to JMOD_BOOT_TRIES times in all (default 3), the failed console logs
# kept as CONSOLE.bootN; anything after "JMOD-RUN: start" counts at once.
# QEMU runs in the background so that an interrupted launcher kills it.
vm_boot() {
	local label=$1 timeout=$2 console=$3 channel=$4 qemulog=$5
	local tries=${JMOD_BOOT_TRIES:-3} try=1 start qpid tpid='' why

	[[ $tries =~ ^[1-9][0-9]*$ ]] || vm_die "JMOD_BOOT_TRIES wants a number"
	mkdir -p "$(dirname "$console")" "$(dirname "$channel")"
	rm -f "$console" "$console".boot* "$channel" "$qemulog"
	while :; do
		: >"$channel"
		echo "$VM_PROG: $label: booting $KVER ($ACCEL_NAME, timeout ${timeout}s), log $console" >&2
		start=$(date +%s)
		timeout --kill-after=10 "$timeout" "${VM_QEMU[@]}" </dev/null \
			>"$qemulog" 2>&1 &
		qpid=$!
		# shellcheck disable=SC2064 # this boot's pid, now
		trap "kill $qpid 2>/dev/null" EXIT
		if [ "$VM_PROGRESS" = 1 ]; then
			tail -n +1 -s 1 -f --pid="$qpid" "$channel" 2>/dev/null |
				tr -d '\r' | while IFS= read -r line; do
					case $line in
					'# '*|JMOD-RUN:*) printf '  [%s %4ss] %s\n' \
						"$label" $(($(date +%s) - start)) \
						"${line#\# }" >&2 ;;
					esac
				done &
			tpid=$!
		fi
		VM_RC=0
		wait "$qpid" || VM_RC=$?
		trap - EXIT
		[ -z "$tpid" ] || wait "$tpid" || true
		VM_SECS=$(($(date +%s) - start))
		echo "$VM_PROG: $label: QEMU exited with $VM_RC after ${VM_SECS}s" >&2
		# grep reads the whole channel: grep -q would stop at the
		# first line, and under pipefail the SIGPIPE that tr then gets
		# on a channel larger than a pipe (a bench boot's 180 KB)
		# would read as "no JMOD-RUN: start" and boot a finished run
		# again.
		if [ "$VM_RC" = 124 ] || [ "$VM_RC" = 137 ] ||
		   tr -d '\r' <"$channel" | grep '^JMOD-RUN: start' >/dev/null ||
		   [ "$try" -ge "$tries" ]; then
			break
		fi
		mv "$console" "$console.boot$try"
		why=$(tr -d '\r' <"$console.boot$try" |
			grep -Em1 'Oops:|Kernel panic|BUG:' || echo 'no message')
		echo "$VM_PROG: $label: the kernel died before /init ran (jmod not loaded yet; $why), log $console.boot$try; booting again ($((try + 1)) of $tries)" >&2
		try=$((try + 1))
	done
	# Serial output may carry \r.
	sed -i 's/\r$//' "$channel"
	if [ "$VM_RC" = 124 ] || [ "$VM_RC" = 137 ]; then
		echo "$VM_PROG: $label: TIMEOUT after ${timeout}s" >&2
		VM_RC=124
	elif [ "$VM_RC" != 0 ]; then
		sed "s/^/$VM_PROG: qemu: /" "$qemulog" >&2
	fi
}
