#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the QEMU runner (tools/vm) itself, printed as TAP; make
# test-runner runs it, make check too.  Options: --help.
# shellcheck disable=SC2317 # helpers are called through check()
set -uo pipefail

usage() {
	cat <<'EOT'
Usage: tools/vm/tests/run.sh [--no-vm]

Tests of the QEMU runner (tools/vm) itself, printed as TAP:
  * the verdict on synthetic logs (no VM): crashes, missing markers,
    skips, plans, splats, timeouts, a suite that skipped everything or
    ran nothing
  * real boots on one kernel line (default 6.1, KERNEL=6.12 to change):
    - the JMOD_TEST_WARN module (init WARNs) must FAIL, naming WARNING
    - the clean module with no selftests (--tests none) must PASS
    - fake selftests (shell scripts) that crash or print no TAP must FAIL
      and be named
    - fake selftests that all skip (as the real ones do without
      /dev/jmod) must FAIL
    - a kernel dying before /init is booted again; a timeout must FAIL
  * the accelerator choice (tools/vm/accel.sh) and tools/kdir-line.sh
    on fake trees (no VM)
  --no-vm   only the tests that boot nothing
EOT
}

no_vm=0
case ${1:-} in
--no-vm) no_vm=1 ;;
-h|--help) usage; exit 0 ;;
'') ;;
*) usage >&2; exit 2 ;;
esac

VM_PROG=runner-test
# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/../lib.sh"
top=$VM_TOP
vm=$VM_LIB_DIR
KERNEL=${KERNEL:-6.1}

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
# The guest's protocol (tools/vm/init), to write fixtures with:
# start TESTS: a test run's first line; st NAME RC [LINE...]: one selftest
# step; fin: the last line.
start() { echo "JMOD-RUN: start mode=test tests=$1 kernel=6.1.0 cpus=2 args="; }
st() {
	local name=$1 rc=$2
	shift 2
	echo "JMOD-RUN: begin selftest:$name"
	[ $# = 0 ] || printf '%s\n' "$@"
	echo "JMOD-RUN: end selftest:$name rc=$rc"
}
fin() { echo "JMOD-RUN: done"; }

{
	start 2
	echo "JMOD-RUN: begin insmod"
	printf '%s\n' 1..1 "ok 1 insmod /$JMOD_KO.ko"
	echo "JMOD-RUN: end insmod rc=0"
	st a 0 "TAP version 13" 1..3 "# Starting 3 tests from 1 test cases." \
		"ok 1 t.one" "ok 2 t.two # SKIP not here" "ok 3 t.three" \
		"# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0"
	st b 4
	fin
} | fixture clean
verdict clean
check "verdict: clean run passes" [ "$vrc" = 0 ]
check "verdict: clean run counts 5 passed 0 failed 2 skipped" \
	has "$work/clean.out" '^clean: 5 passed, 0 failed, 2 skipped$'

{
	st a 139 1..2 "ok 1 t.one"
	st b 1
	st c 1 1..1 "not ok 1 t.c"
	fin
} | fixture crash
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

printf '%s\n' "JMOD-RUN: begin selftest:a" 1..2 "ok 1 t.one" | fixture died
verdict died
check "verdict: guest dying inside a step fails" [ "$vrc" = 1 ]
check "verdict: the step it died in is named" \
	has "$work/died.out" '^not ok selftest:a: the guest stopped inside'
check "verdict: missing end marker is named" \
	has "$work/died.out" '^not ok guest reached the end: no JMOD-RUN: done'

fin | fixture timeout
verdict timeout --qemu-rc 124
check "verdict: QEMU timeout fails" has "$work/timeout.out" 'QEMU timed out'

{ st a 0 1..1 "ok 1 prints WARNING: but is userspace"; fin; } | fixture splat
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

# A suite that skipped everything, or ran nothing, proves nothing: the
# selftests exit 4 (KSFT_SKIP) as a whole without /dev/jmod.
{
	start 2
	st a 4 "TAP version 13" "1..0 # SKIP /dev/jmod missing ($JMOD_KO not loaded)"
	st b 4 1..2 "ok 1 t.one # SKIP no /dev/jmod" "ok 2 t.two # SKIP no /dev/jmod"
	fin
} | fixture allskip
verdict allskip
check "verdict: a suite whose every result is a skip fails" [ "$vrc" = 1 ]
check "verdict: ... and says so" \
	has "$work/allskip.out" '^not ok selftests: every result was skipped \(3\)'
check "verdict: ... a 1..0 # SKIP plan is one skip, with its reason" \
	has "$work/allskip.out" '^ok selftest:a: no TAP result # SKIP .*: /dev/jmod missing'
check "verdict: ... counted 2 passed, 1 failed, 3 skipped" \
	has "$work/allskip.out" '^allskip: 2 passed, 1 failed, 3 skipped$'
{ start 1; st a 0 "1..0 # SKIP nothing here"; fin; } | fixture skip0
verdict skip0
check "verdict: 1..0 # SKIP with exit 0 is a skip" \
	has "$work/skip0.out" '^ok selftest:a: no TAP result # SKIP plan 1\.\.0: nothing here'
check "verdict: ... and alone it fails the suite" [ "$vrc" = 1 ]
{ start 1; st a 4 "1..1" "ok 1 t.one # SKIP"; st b 0 1..1 "ok 1 t.real"; fin; } |
	fixture someskip
verdict someskip
check "verdict: one skipping binary among passing ones passes" [ "$vrc" = 0 ]
{ start 0; fin; } | fixture noneran
verdict noneran
check "verdict: a test run in which no selftest ran fails" \
	has "$work/noneran.out" '^not ok selftests: none ran'
{ start 3; st a 0 1..1 "ok 1 t.one"; fin; } | fixture fewer
verdict fewer
check "verdict: a test run in which fewer selftests ran than were there fails" \
	has "$work/fewer.out" '^not ok selftests: 1 of the guest.s 3 ran'
{ start none; fin; } | fixture asked-none
verdict asked-none
check "verdict: --tests none (tests=none) runs no selftest and passes" [ "$vrc" = 0 ]
{ echo "JMOD-RUN: start mode=demo tests=none"; fin; } | fixture demo
verdict demo
check "verdict: a demo run needs no selftest" [ "$vrc" = 0 ]

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
# fake_test DIR NAME LINE...: a fake selftest, a busybox sh script that
# the guest runs like a binary.
fake_test() {
	local dir=$1 name=$2
	shift 2
	mkdir -p "$dir"
	printf '%s\n' '#!/bin/sh' "$@" >"$dir/$name"
	chmod +x "$dir/$name"
}
# boot NAME ARGS...: run the runner, output in $work/NAME.out, rc in $brc
boot() {
	local name=$1; shift
	brc=0
	"$vm/run.sh" --kernel "$KERNEL" --log "$work/$name.log" "$@" \
		>"$work/$name.out" 2>&1 || brc=$?
	sed 's/^/# /' "$work/$name.out"
}

warn_ko=$top/build/$KERNEL-warn/$JMOD_KO.ko
clean_ko=$top/build/$KERNEL/$JMOD_KO.ko
if build "$warn_ko"; then
	boot warn --module "$warn_ko" --tests none
	check "vm: JMOD_TEST_WARN module: the run fails" [ "$brc" = 1 ]
	check "vm: JMOD_TEST_WARN module: the WARNING splat is named" \
		has "$work/warn.out" '^not ok kernel log clean: .*WARNING: CPU'
	check "vm: JMOD_TEST_WARN module: the splat is printed" \
		has "$work/warn.out" '^# splat: .*WARNING:'
else
	notok "vm: build of the JMOD_TEST_WARN module"
fi

if build "$clean_ko"; then
	boot clean --module "$clean_ko" --tests none
	check "vm: clean module, no selftests: the run passes" [ "$brc" = 0 ]
	check "vm: clean module: insmod and rmmod pass" \
		has "$work/clean.out" "^ok rmmod: 1 rmmod $JMOD_KO\$"
	check "vm: clean module: guest log kept" [ -s "$work/clean.log" ]

	fake=$work/fake-selftests
	fake_test "$fake" a_pass 'echo 1..1' 'echo "ok 1 fine"'
	fake_test "$fake" b_crash 'echo 1..2' 'echo "ok 1 first"' 'kill -SEGV $$'
	fake_test "$fake" c_notap 'exit 3'
	fake_test "$fake" d_skip 'echo 1..1' 'echo "ok 1 nothing to do # SKIP"' 'exit 4'
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
	# A suite that skipped everything (the selftests do so as a whole
	# without /dev/jmod: "1..0 # SKIP", exit 4 = KSFT_SKIP) must fail.
	skips=$work/skip-selftests
	fake_test "$skips" a_skipall 'echo "TAP version 13"' \
		'echo "1..0 # SKIP /dev/jmod missing"' 'exit 4'
	fake_test "$skips" b_skipcases 'echo 1..2' 'echo "ok 1 x # SKIP no /dev/jmod"' \
		'echo "ok 2 y # SKIP no /dev/jmod"' 'exit 4'
	boot skipall --module "$clean_ko" --selftests "$skips"
	check "vm: a suite whose every result is a skip: the run fails" [ "$brc" = 1 ]
	check "vm: ... named: every result was skipped" \
		has "$work/skipall.out" '^not ok selftests: every result was skipped \(3\)'
	check "vm: ... counted: 1 failed, 3 skipped (make check's sums)" \
		test "$(sed -n 's/^failed=//p' "$work/skipall.result")" = 1 -a \
		"$(sed -n 's/^skipped=//p' "$work/skipall.result")" = 3
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
