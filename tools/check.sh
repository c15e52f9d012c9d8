#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every host step, then the QEMU runs on every kernel line;
# ends with one line "N passed, N failed, N skipped".  Options: --help.
set -uo pipefail

usage() {
	cat <<'EOT'
Usage: tools/check.sh     (make check; make check KDIR=<tree>)

`make check`: every host step, then the QEMU test runs on every kernel
line (Debian 6.1, 6.12, and 7.3 plus its PREEMPT_RT flavour 7.3-rt),
then the extra runs: the whole suite on the debug kernel (KASAN, lockdep,
kmemleak, fault injection; tools/debug-kernel/), the whole suite on 6.1
with tcache=0, the core tests on 6.1 with debug=FZPU, and the zeroing
tests on 6.1 booted with init_on_alloc=0 (the policy's other side).
Prints one TAP-ish line per host step (its output is in
build/check/<step>.log, and its tail is shown when it fails), the runner
test's and the VM runs' own result lines (a VM run in which no selftest
ran, or every result was a skip, fails: tools/vm/verdict.sh), and ends with exactly one line
  N passed, N failed, N skipped
summed over the host steps, the runner test's cases and every VM run's
test cases.  Exit status 0 only when nothing failed.

With KDIR=<a built kernel tree> (make check KDIR=...), the user's own
kernel is the one line: setup fetches no Debian kernel, the tree is
described by tools/kdir-line.sh as line "kdir", jmod is built against
it (W=1, sparse, dkms, install), and its bzImage boots the whole suite; no extra
runs unless CHECK_EXTRA names them (they are Debian 6.1 runs).

Environment: JMOD_CACHE (/var/cache/jmod), KDIR (none),
CHECK_KERNELS ("6.1 6.12 7.3 7.3-rt", with KDIR "kdir"),
CHECK_SMP (2), CHECK_VM_ARGS (extra tools/vm/run.sh options),
CHECK_EXTRA ("debug tcache0 fzpu noinit": which extra runs; "" for none).
EOT
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
'') ;;
*) usage >&2; exit 2 ;;
esac

VM_PROG=check
# shellcheck source=tools/vm/lib.sh
. "$(dirname "$0")/vm/lib.sh"
top=$VM_TOP
cd "$top" || exit 1
logdir=$top/build/check
mkdir -p "$logdir"
KDIR=${KDIR:-}
if [ -n "$KDIR" ]; then
	KERNELS=${CHECK_KERNELS:-kdir}
	EXTRA=${CHECK_EXTRA-}
	LINE=kdir
	export JMOD_LINES=""
else
	KERNELS=${CHECK_KERNELS:-6.1 6.12 7.3 7.3-rt}
	EXTRA=${CHECK_EXTRA-debug tcache0 fzpu noinit}
	LINE=6.1
fi
SMP=${CHECK_SMP:-2}
read -r -a VM_ARGS <<<"${CHECK_VM_ARGS:-}"
MAKE=(make --no-print-directory -j"$(nproc)")

passed=0 failed=0 skipped=0
t0=$(date +%s)

# step NAME CMD...: one host step; rc 77 from CMD means skipped.
step() {
	local name=$1 start rc=0 secs
	shift
	start=$(date +%s)
	"$@" >"$logdir/$name.log" 2>&1 || rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
		echo "ok - $name (${secs}s)"
	elif [ "$rc" = 77 ]; then
		skipped=$((skipped + 1))
		echo "ok - $name # SKIP $(tail -n1 "$logdir/$name.log")"
	else
		failed=$((failed + 1))
		echo "not ok - $name (exit $rc, ${secs}s; build/check/$name.log)"
		tail -n 40 "$logdir/$name.log" | sed 's/^/#   /'
	fi
	return "$rc"
}

# shellcheck disable=SC2317 # called through step()
tools_step() {
	if [ ! -f tools/jmodctl/Makefile ]; then
		echo "tools/jmodctl/Makefile not present"
		return 77
	fi
	"${MAKE[@]}" tools
}

# trace2ops and jmod-bench's reading of ops v2: jmod-bench built first,
# so its cases run rather than skip.
# shellcheck disable=SC2317 # called through step()
trace2ops_step() {
	"${MAKE[@]}" "$top/build/bench/jmod-bench" &&
		tools/trace/tests/trace2ops.sh "$top/build/bench/jmod-bench"
}

# Count a TAP stream's own "ok"/"not ok" lines (from a file) into the sums.
count_tap() {
	local p f s
	p=$(grep -Ec '^ok ' "$1" || true)
	s=$(grep -Eic '^ok .*# *skip' "$1" || true)
	f=$(grep -Ec '^not ok ' "$1" || true)
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

summary() {
	echo "# total $(($(date +%s) - t0))s"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit $?
}

# shellcheck disable=SC2317 # called through step()
debug_module_step() {
	local out rc=0
	out=$("${MAKE[@]}" "$top/build/debug/$JMOD_KO.ko" 2>&1) || rc=$?
	printf '%s\n' "$out"
	[ "$rc" = 0 ] || return "$rc"
	if grep -E 'warning:|undefined!' <<<"$out"; then
		echo "debug module: warnings or unresolved symbols (above)"
		return 1
	fi
}

# Every shell script git knows (by name or by its #! line) must pass the
# shell linter.
# shellcheck disable=SC2317 # called through step()
shellcheck_step() {
	local f files=()

	command -v shellcheck >/dev/null || {
		echo "shellcheck not installed (tools/setup.sh)"
		return 1
	}
	while IFS= read -r f; do
		[ -f "$f" ] || continue
		case $f in
		*.sh|.ci/run|tools/vm/init) files+=("$f") ;;
		*.c|*.h|*.md|*.py|*.json|Makefile|*/Makefile|Kbuild) ;;
		*) head -n1 "$f" | grep -Eq '^#! */bin/(ba)?sh' && files+=("$f") ;;
		esac
	done < <(git ls-files)
	echo "shellcheck -x ${files[*]}"
	# -x: follow the sourced libraries (tools/vm/lib.sh, accel.sh)
	shellcheck -x "${files[@]}"
}

# make modules_install (and make install) into temporary trees, never the
# host's /lib/modules: only the module lands in extra/, DESTDIR and
# INSTALL_MOD_PATH add up, and depmod runs where a module tree exists.
# shellcheck disable=SC2317 # called through step()
install_step() (
	local tmp ko kver
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/jmod-install.XXXXXX")
	# shellcheck disable=SC2064 # the name, now
	trap "rm -rf '$tmp'" EXIT
	"${MAKE[@]}" modules_install INSTALL_MOD_PATH="$tmp/a" || return 1
	ko=$(find "$tmp/a" -path "*/lib/modules/*/extra/$JMOD_KO.ko*")
	[ -n "$ko" ] || { echo "install: no $JMOD_KO.ko under $tmp/a/lib/modules/*/extra"; return 1; }
	if find "$tmp/a" -name 'jmod_ext_test.ko*' | grep .; then
		echo "install: the test module was installed"
		return 1
	fi
	kver=${ko#"$tmp/a/lib/modules/"}
	kver=${kver%%/*}
	mkdir -p "$tmp/d/p/lib/modules/$kver"
	: >"$tmp/d/p/lib/modules/$kver/modules.builtin"
	"${MAKE[@]}" install DESTDIR="$tmp/d" INSTALL_MOD_PATH=/p || return 1
	ls "$tmp/d/p/lib/modules/$kver/extra/$JMOD_KO".ko* || return 1
	grep "^extra/$JMOD_KO.ko" "$tmp/d/p/lib/modules/$kver/modules.dep" || {
		echo "install: depmod did not list extra/$JMOD_KO.ko"
		return 1
	}
	"${MAKE[@]}" -s help | grep -q 'make modules_install, make install' || {
		echo "make help does not name make install"
		return 1
	}
)

has_extra() {
	case " $EXTRA " in *" $1 "*) return 0 ;; esac
	return 1
}

echo "# jmod make check: kernels $KERNELS${KDIR:+ (KDIR=$KDIR)}, smp $SMP, extra runs: ${EXTRA:-none}"
if ! step setup tools/setup.sh --dkms; then
	echo "# setup failed: nothing else can run"
	summary
fi
if [ -n "$KDIR" ] && ! step kdir-line tools/kdir-line.sh "$KDIR"; then
	echo "# KDIR=$KDIR cannot be used: nothing else can run"
	summary
fi
debug_ok=0
if has_extra debug; then
	step debug-kernel tools/debug-kernel/build.sh &&
		step debug-module debug_module_step && debug_ok=1
fi
step kernels "${MAKE[@]}" kernels KERNELS="$KERNELS"
step checkpatch "${MAKE[@]}" checkpatch
step shellcheck shellcheck_step
step sparse "${MAKE[@]}" sparse SPARSE_LINE="$LINE"
step selftests "${MAKE[@]}" selftests
step tools tools_step
step jmodctl-args tools/jmodctl/tests/run.sh "$top/build/tools/jmodctl"
step jmodctl-plot tools/jmodctl/tests/plot.sh
step whatif-offline tools/trace/tests/whatif.sh "$top/build/tools/jmodctl"
step trace2ops trace2ops_step
step dkms "${MAKE[@]}" dkms DKMS_LINE="$LINE"
step install install_step
# the selftests built in a kernel tree (tools/testing/selftests/jmod);
# every binary of build/selftests exits 4 (KSFT_SKIP) here, no /dev/jmod
step ksft-intree tools/ksft-intree.sh
step selftests-skip tools/ksft-intree.sh --host-skip build/selftests

echo "# runner test (tools/vm/tests)"
rc=0
KERNEL=$LINE tools/vm/tests/run.sh >"$logdir/runner.log" 2>&1 || rc=$?
grep -Ev '^# ' "$logdir/runner.log" | grep -Ev '^1\.\.' | sed 's/^/  /'
count_tap "$logdir/runner.log"
if [ "$rc" != 0 ] && ! grep -q '^not ok ' "$logdir/runner.log"; then
	echo "not ok - runner test exited $rc (build/check/runner.log)"
	failed=$((failed + 1))
fi

# vm_run NAME KERNEL RUN.SH-OPTIONS...: one VM test run, counted.
vm_run() {
	local name=$1 k=$2 log result rc=0 p f s secs
	shift 2
	log=$top/build/logs/$name.log
	result=${log%.log}.result
	rm -f "$result"
	tools/vm/run.sh --kernel "$k" --smp "$SMP" --log "$log" \
		"$@" "${VM_ARGS[@]}" >"$logdir/vm-$name.out" 2>&1 || rc=$?
	sed 's/^/  /' "$logdir/vm-$name.out"
	if [ -f "$result" ]; then
		p=$(sed -n 's/^passed=//p' "$result")
		f=$(sed -n 's/^failed=//p' "$result")
		s=$(sed -n 's/^skipped=//p' "$result")
		secs=$(sed -n 's/^seconds=//p' "$result")
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
		if [ "$rc" = 0 ]; then
			echo "ok - vm $name: $p passed, $f failed, $s skipped (${secs}s)"
		else
			echo "not ok - vm $name: $p passed, $f failed, $s skipped (${secs}s, log $log)"
			[ "$f" = 0 ] && failed=$((failed + 1))
		fi
	else
		echo "not ok - vm $name: the runner did not run (exit $rc)"
		failed=$((failed + 1))
	fi
}

for k in $KERNELS; do
	echo "# VM test run: kernel $k, smp $SMP"
	vm_run "$k-test-$SMP" "$k"
done

if has_extra debug; then
	echo "# VM test run: debug kernel (KASAN, lockdep, kmemleak, slub_debug), smp $SMP"
	if [ "$debug_ok" = 1 ]; then
		# (tools/vm/run.sh gives a slow kernel a 128K object quota)
		vm_run "debug-test-$SMP" debug
	else
		echo "not ok - vm debug: no debug kernel or module (see above)"
		failed=$((failed + 1))
	fi
fi
if has_extra tcache0; then
	echo "# VM test run: kernel 6.1, tcache=0, smp $SMP"
	vm_run "6.1-tcache0-$SMP" 6.1 --module-args tcache=0
fi
if has_extra fzpu; then
	echo "# VM test run: kernel 6.1, debug=FZPU (incore, ioctl), smp $SMP"
	vm_run "6.1-fzpu-$SMP" 6.1 --module-args debug=FZPU \
		--tests jmod_incore_test,jmod_ioctl_test
fi

if has_extra noinit; then
	echo "# VM test run: kernel 6.1, init_on_alloc=0 (incore, core, extmod), smp $SMP"
	vm_run "6.1-noinit-$SMP" 6.1 --append init_on_alloc=0 \
		--tests jmod_incore_test,jmod_core_test,jmod_extmod_test
fi

summary
