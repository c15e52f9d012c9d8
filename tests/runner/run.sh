#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the QEMU runner (tools/vm) itself, printed as TAP:
#   * the verdict on synthetic logs (no VM): crashes, missing markers,
#     skips, plans, splats, timeouts
#   * real boots on one kernel line (default 6.1, KERNEL=6.12 to change):
#     - the JMOD_TEST_WARN module (init WARNs) must FAIL, naming WARNING
#     - the clean module with no selftests must PASS
#     - fake selftests (shell scripts) that crash or print no TAP must FAIL
#       and be named
#     - a timeout must FAIL
#   * the accelerator choice (tools/vm/accel.sh) and tools/kdir-line.sh
#     on fake trees (no VM)
# Usage: tests/runner/run.sh [--no-vm]
# shellcheck disable=SC2317 # helpers are called through check()
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
vm=$top/tools/vm
KERNEL=${KERNEL:-6.1}
no_vm=0
[ "${1:-}" = --no-vm ] && no_vm=1

work=$top/build/test-runner
rm -rf "$work"
mkdir -p "$work"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
# check DESC CMD...: a test that passes when CMD succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}
# has FILE ERE (called through check)
has() { grep -Eq -- "$2" "$1"; }
not_has() { ! grep -Eq -- "$2" "$1"; }

# ------------------------------------------------------------- verdict
# fixture NAME: writes $work/NAME.tap from stdin, and a console log.
fixture() {
	cat >"$work/$1.tap"
	printf '%s\n' "[    0.000000] Linux version 6.1.0" \
		"[    1.000000] Run /init as init process" >"$work/$1.con"
}
# verdict NAME [opts]: runs verdict.sh, output in $work/NAME.out, rc in $vrc
verdict() {
	local name=$1; shift
	vrc=0
	"$vm/verdict.sh" --label "$name" "$@" "$work/$name.tap" "$work/$name.con" \
		>"$work/$name.out" 2>&1 || vrc=$?
}

fixture clean <<'EOF'
JMOD-RUN: begin insmod
1..1
ok 1 insmod /jmalloc.ko
JMOD-RUN: end insmod rc=0
JMOD-RUN: begin selftest:a
TAP version 13
1..3
# Starting 3 tests from 1 test cases.
ok 1 t.one
ok 2 t.two # SKIP not here
ok 3 t.three
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0
JMOD-RUN: end selftest:a rc=0
JMOD-RUN: begin selftest:b
JMOD-RUN: end selftest:b rc=4
JMOD-RUN: done
EOF
verdict clean
check "verdict: clean run passes" [ "$vrc" = 0 ]
check "verdict: clean run counts 5 passed 0 failed 2 skipped" \
	has "$work/clean.out" '^clean: 5 passed, 0 failed, 2 skipped$'

fixture crash <<'EOF'
JMOD-RUN: begin selftest:a
1..2
ok 1 t.one
JMOD-RUN: end selftest:a rc=139
JMOD-RUN: begin selftest:b
JMOD-RUN: end selftest:b rc=1
JMOD-RUN: begin selftest:c
1..1
not ok 1 t.c
JMOD-RUN: end selftest:c rc=1
JMOD-RUN: done
EOF
verdict crash
check "verdict: crashing binaries fail" [ "$vrc" = 1 ]
check "verdict: exit code without failing TAP line is a failure" \
	has "$work/crash.out" '^not ok selftest:a: exit code 139'
check "verdict: a short plan is a failure" \
	has "$work/crash.out" '^not ok selftest:a: planned 2 results, got 1'
check "verdict: no TAP at all is a failure" \
	has "$work/crash.out" '^not ok selftest:b: no TAP result, exit code 1'
check "verdict: a failing TAP line is not counted twice" \
	has "$work/crash.out" '^crash: 3 passed, 4 failed, 0 skipped$'

fixture died <<'EOF'
JMOD-RUN: begin selftest:a
1..2
ok 1 t.one
EOF
verdict died
check "verdict: guest dying inside a step fails" [ "$vrc" = 1 ]
check "verdict: the step it died in is named" \
	has "$work/died.out" '^not ok selftest:a: the guest stopped inside'
check "verdict: missing end marker is named" \
	has "$work/died.out" '^not ok guest reached the end: no JMOD-RUN: done'

fixture timeout <<'EOF'
JMOD-RUN: done
EOF
verdict timeout --qemu-rc 124
check "verdict: QEMU timeout fails" has "$work/timeout.out" 'QEMU timed out'

fixture splat <<'EOF'
JMOD-RUN: begin selftest:a
1..1
ok 1 prints WARNING: but is userspace
JMOD-RUN: end selftest:a rc=0
JMOD-RUN: done
EOF
echo 'ok 1 prints WARNING: but is userspace' >>"$work/splat.con"
verdict splat
check "verdict: userspace text 'WARNING:' is not a splat" [ "$vrc" = 0 ]
for s in 'BUG: unable to handle page fault' 'WARNING: CPU: 1 PID: 9 at x.c:7' \
	'Oops: 0000 [#1] SMP' 'Kernel panic - not syncing' 'Call Trace:' \
	'BUG: KASAN: use-after-free' 'kmemleak: 1 new suspected memory leaks' \
	'WARNING: possible circular locking dependency detected' \
	'BUG: sleeping function called from invalid context' \
	'UBSAN: shift-out-of-bounds'; do
	fixture splat <"$work/splat.tap"
	echo "ok 1 half a line[   12.345678] $s" >>"$work/splat.con"
	verdict splat
	check "verdict: kernel line '$s' fails the run" \
		has "$work/splat.out" "^not ok kernel log clean: .*${s:0:8}"
done

# ------------------------------------------------------- accelerator
# accel MODE [IMAGE]: ACCEL from tools/vm/accel.sh under JMOD_ACCEL=MODE
# for IMAGE (default $KERNEL's), in $acc ("error" when refused).
img=$(sed -n 's/^VMLINUZ=//p' "${JMOD_CACHE:-/var/cache/jmod}/kernels/$KERNEL/env" 2>/dev/null)
accel() {
	acc=$(JMOD_ACCEL=$1 bash -c '. "$1"; jmod_accel "$2" &&
		echo "$ACCEL ${ACCEL_ARGS[*]}"' sh "$vm/accel.sh" "${2:-$img}" \
		2>/dev/null) || acc=error
}
accel tcg
check "accel: JMOD_ACCEL=tcg is TCG" [ "$acc" = "tcg -machine q35,accel=tcg -cpu max" ]
accel bogus
check "accel: JMOD_ACCEL=bogus is refused" [ "$acc" = error ]
accel auto
auto=$acc
accel kvm
if [ "$acc" = error ]; then
	check "accel: KVM cannot boot the $KERNEL kernel here: auto is TCG" \
		[ "${auto%% *}" = tcg ]
else
	check "accel: KVM boots the $KERNEL kernel here: auto is KVM" \
		[ "${auto%% *}" = kvm ]
fi
head -c 4096 /dev/urandom >"$work/not-a-kernel"
accel auto "$work/not-a-kernel"
check "accel: an image KVM does not boot runs under TCG" [ "${acc%% *}" = tcg ]

# ------------------------------------------------- kdir-line (KDIR=)
# A fake built tree: what tools/kdir-line.sh looks at, nothing more.
kd=$work/fake-kdir
mkdir -p "$kd/include/config" "$kd/arch/x86/boot"
: >"$kd/Makefile"
: >"$kd/Module.symvers"
: >"$kd/arch/x86/boot/bzImage"
echo 6.1.99-fake >"$kd/include/config/kernel.release"
printf 'CONFIG_%s=y\n' MODULES MODULE_UNLOAD SERIAL_8250_CONSOLE \
	BLK_DEV_INITRD DEVTMPFS PROC_FS SYSFS DEBUG_FS >"$kd/.config"
kline() {
	krc=0
	JMOD_CACHE=$work/cache "$top/tools/kdir-line.sh" "$@" \
		>"$work/kline.out" 2>&1 || krc=$?
}
kline "$kd" mine
check "kdir-line: a built tree becomes line 'mine'" [ "$krc" = 0 ]
check "kdir-line: its env names the release, the tree and its bzImage" \
	[ "$(cat "$work/cache/kernels/mine/env" 2>/dev/null)" = \
	  "$(printf 'KLINE=mine\nKVER=6.1.99-fake\nKDIR=%s\nVMLINUZ=%s' "$kd" \
		"$kd/arch/x86/boot/bzImage")" ]
kline "$work/no-such-dir"
check "kdir-line: a missing KDIR is refused (exit 2)" [ "$krc" = 2 ]
sed -i '/DEVTMPFS/d' "$kd/.config"
kline "$kd" mine2
check "kdir-line: a tree without CONFIG_DEVTMPFS is refused, no env" \
	test "$krc" = 2 -a ! -e "$work/cache/kernels/mine2/env"
check "kdir-line: the refusal names the option" has "$work/kline.out" 'CONFIG_DEVTMPFS=y'
echo CONFIG_DEVTMPFS=y >>"$kd/.config"
rm "$kd/arch/x86/boot/bzImage"
kline "$kd" mine3
check "kdir-line: a tree without bzImage is refused" [ "$krc" = 2 ]
kline "$kd" '../evil'
check "kdir-line: a line name with a slash is refused" [ "$krc" = 2 ]

# ------------------------------------------------------------- real boots
if [ "$no_vm" = 1 ]; then
	echo "1..$n"
	exit $((failed > 0))
fi

# make -s, output kept for the failure message.
build() {
	if ! make -s -C "$top" "$1" >"$work/make.log" 2>&1; then
		sed 's/^/# /' "$work/make.log"
		return 1
	fi
}
# boot NAME ARGS...: run the runner, output in $work/NAME.out, rc in $brc
boot() {
	local name=$1; shift
	brc=0
	"$vm/run.sh" --kernel "$KERNEL" --log "$work/$name.log" "$@" \
		>"$work/$name.out" 2>&1 || brc=$?
	sed 's/^/# /' "$work/$name.out"
}

warn_ko=$top/build/$KERNEL-warn/jmalloc.ko
clean_ko=$top/build/$KERNEL/jmalloc.ko
if build "build/$KERNEL-warn/jmalloc.ko"; then
	boot warn --module "$warn_ko" --tests none
	check "vm: JMOD_TEST_WARN module: the run fails" [ "$brc" = 1 ]
	check "vm: JMOD_TEST_WARN module: the WARNING splat is named" \
		has "$work/warn.out" '^not ok kernel log clean: .*WARNING: CPU'
	check "vm: JMOD_TEST_WARN module: the splat is printed" \
		has "$work/warn.out" '^# splat: .*WARNING:'
else
	notok "vm: build of the JMOD_TEST_WARN module"
fi

if build "build/$KERNEL/jmalloc.ko"; then
	boot clean --module "$clean_ko" --tests none
	check "vm: clean module, no selftests: the run passes" [ "$brc" = 0 ]
	check "vm: clean module: insmod and rmmod pass" \
		has "$work/clean.out" '^ok rmmod: 1 rmmod jmalloc'
	check "vm: clean module: guest log kept" [ -s "$work/clean.log" ]

	# Fake selftests: busybox sh scripts run in the guest like binaries.
	fake=$work/fake-selftests
	mkdir -p "$fake"
	printf '#!/bin/sh\necho 1..1\necho "ok 1 fine"\n' >"$fake/a_pass"
	printf '#!/bin/sh\necho 1..2\necho "ok 1 first"\nkill -SEGV $$\n' >"$fake/b_crash"
	printf '#!/bin/sh\nexit 3\n' >"$fake/c_notap"
	printf '#!/bin/sh\necho 1..1\necho "ok 1 nothing to do # SKIP"\nexit 4\n' >"$fake/d_skip"
	chmod +x "$fake"/*
	boot fake --module "$clean_ko" --selftests "$fake"
	check "vm: fake selftests: the run fails" [ "$brc" = 1 ]
	check "vm: fake selftests: the passing one passes" \
		has "$work/fake.out" '^ok selftest:a_pass: 1 fine'
	check "vm: fake selftests: the crash (SIGSEGV, rc 139) is named" \
		has "$work/fake.out" '^not ok selftest:b_crash: exit code 139'
	check "vm: fake selftests: no TAP and rc 3 is named" \
		has "$work/fake.out" '^not ok selftest:c_notap: no TAP result, exit code 3'
	check "vm: fake selftests: the skip is counted" \
		has "$work/fake.out" ': [0-9]+ passed, 3 failed, 1 skipped$'
	check "vm: the boot line names the accelerator" \
		has "$work/fake.out" "booting .* \\((TCG|KVM), timeout"
	boot one --module "$clean_ko" --selftests "$fake" --tests a_pass
	check "vm: --tests a_pass runs only that binary and passes" [ "$brc" = 0 ]
	check "vm: --tests a_pass: the others did not run" \
		not_has "$work/one.out" 'b_crash|c_notap|d_skip'
	# a kernel that dies before /init: booted again, then failed
	# (init= too: a kernel whose rdinit= is missing runs the initramfs'
	# /sbin/init instead; a missing init= is a panic on every kernel)
	JMOD_BOOT_TRIES=2 boot noinit --module "$clean_ko" --tests none \
		--timeout 300 \
		--append "rdinit=/jmod-no-such-init init=/jmod-no-such-init"
	check "vm: a kernel dying before /init is booted again" \
		has "$work/noinit.out" 'died before /init ran.*booting again \(2 of 2\)'
	check "vm: ... and after the last try the run fails" [ "$brc" = 1 ]
	check "vm: ... the first boot's log is kept" test -s "$work/noinit.log.boot1"
	check "vm: ... a run that reached /init is not booted again" \
		not_has "$work/clean.out" 'booting again'
	boot timeout --module "$clean_ko" --tests none --timeout 2
	check "vm: a guest that does not finish in --timeout fails" \
		has "$work/timeout.out" 'QEMU timed out'
else
	notok "vm: build of the clean module"
fi

echo "1..$n"
exit $((failed > 0))
