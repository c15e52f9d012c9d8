#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Judge one guest run from its two logs (tools/vm/run.sh calls it; the
# rules are in usage() below).
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: verdict.sh [--label L] [--qemu-rc RC] [--result FILE] TAPLOG CONSOLELOG

Judge one guest run from its two logs:
  TAPLOG      the clean channel (guest /dev/ttyS1): steps and their TAP
  CONSOLELOG  the kernel console (guest ttyS0): scanned for splats

Counting, per step "JMOD-RUN: begin X" .. "JMOD-RUN: end X rc=R":
  "ok N ..."             passed        ("# SKIP" in it: skipped)
  "not ok N ..."         failed        ("# SKIP" in it: skipped)
  no result at all       failed, unless R == 4 (KSFT_SKIP), or R == 0
                         with a "1..0 # SKIP" plan: skipped
  R not 0/4 and no "not ok" in the step: one more failure (crash, exit)
  fewer results than the step's plan "1..N": one more failure
  "begin" without "end"  one failure (the guest died inside the step)
plus checks of the run itself:
  "guest reached the end" (JMOD-RUN: done seen, QEMU not timed out):
                         one pass or one failure
  "kernel log clean" (no BUG:/WARNING:/Oops/... in a kernel line):
                         one pass or one failure
  "selftests" (a test run, "JMOD-RUN: start mode=test tests=T", T not
  "none", that nothing else failed): one failure if no selftest step
  ran, if fewer ran than the T binaries the guest had, or if every
  selftest result was a skip (e.g. no /dev/jmod: the suite tested
  nothing)
Prints one TAP-ish line per result, then
  <label>: N passed, N failed, N skipped
and with --result writes passed=, failed=, skipped= to FILE.
Exit status 0 only when nothing failed (2: usage).
EOT
}

label=guest qemu_rc=0 result=''
while [ $# -gt 2 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--label) label=$2; shift 2 ;;
	--qemu-rc) qemu_rc=$2; shift 2 ;;
	--result) result=$2; shift 2 ;;
	*) echo "verdict: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done
case ${1:-} in -h|--help) usage; exit 0 ;; esac
[ $# -eq 2 ] || { usage >&2; exit 2; }
taplog=$1 consolelog=$2

# Kernel messages carry a printk timestamp ("[   12.345678] "); matching
# only those keeps test output that merely mentions "WARNING:" out.  The
# timestamp may start mid-line when it interrupts userspace output.
SPLATS='BUG:|WARNING:|Oops|Kernel panic|Call Trace|KASAN|kmemleak|possible circular locking|sleeping function called from invalid context|UBSAN'
# The kernel command line (it may name kmemleak) and kmemleak's own
# status lines are not splats: its reports are judged by the guest's
# kmemleak step, which fails on those involving jmod.  "Cannot allocate a
# scan area" is kmemleak losing one of its own allocations to the stress
# test's fault injection (it then scans the whole object instead).
BENIGN='(Kernel )?[Cc]ommand line: |kmemleak: (Kernel memory leak detector initialized|Automatic memory scanning thread (started|ended)|Cannot allocate a scan area, scanning the full object|[0-9]+ new suspected memory leaks \(see /sys/kernel/debug/kmemleak\))'
# Only the first 200 such lines: they travel in the environment, and a
# flooded console (a slab cache reporting every leftover object at
# rmmod) would overflow it ("Argument list too long").
splat_lines=$(tr -d '\r' <"$consolelog" 2>/dev/null |
	grep -E "\\[ *[0-9]+\\.[0-9]+\\] .*($SPLATS)" |
	grep -Ev "\\[ *[0-9]+\\.[0-9]+\\] $BENIGN" | head -n 200 || true)

tr -d '\r' <"$taplog" 2>/dev/null | SPLAT_LINES=$splat_lines awk \
	-v label="$label" -v qemu_rc="$qemu_rc" -v result="$result" '
function res(kind, text) {
	if (kind == "pass") { pass++; print "ok " text }
	else if (kind == "skip") { skip++; print "ok " text }
	else { fail++; print "not ok " text }
	if (step ~ /^selftest:/) {
		if (kind == "pass") st_pass++
		else if (kind == "skip") st_skip++
		else st_fail++
	}
}
function finish(rc) {
	if (nres == 0) {
		if (rc == 4)
			res("skip", step ": no TAP result # SKIP exit code 4 (KSFT_SKIP)" skipwhy)
		else if (rc == 0 && skipwhy != "")
			res("skip", step ": no TAP result # SKIP plan 1..0" skipwhy)
		else
			res("fail", step ": no TAP result, exit code " rc)
	} else {
		if (rc != 0 && rc != 4 && nfail == 0)
			res("fail", step ": exit code " rc " without a failing TAP line")
		if (plan > nres)
			res("fail", step ": planned " plan " results, got " nres)
	}
	step = ""
}
BEGIN {
	pass = fail = skip = 0; step = ""; done = 0; splats = ENVIRON["SPLAT_LINES"]
	mode = ""; tests = ""; nsteps = 0; st_pass = st_skip = st_fail = 0
}
/^JMOD-RUN: start / {
	for (i = 3; i <= NF; i++) {
		if ($i ~ /^mode=/) mode = substr($i, 6)
		if ($i ~ /^tests=/) tests = substr($i, 7)
	}
	next
}
/^JMOD-RUN: begin / {
	if (step != "") res("fail", step ": no end marker")
	step = substr($0, 17); nres = 0; nfail = 0; plan = -1; skipwhy = ""
	if (step ~ /^selftest:/) nsteps++
	next
}
/^JMOD-RUN: end / {
	if (step == "") next
	rc = $0; sub(/.* rc=/, "", rc)
	finish(rc + 0)
	next
}
/^JMOD-RUN: done/ { done = 1; next }
step != "" && /^1\.\.[0-9]+/ && plan < 0 {
	plan = substr($1, 4) + 0
	# "1..0 # SKIP reason": the binary skipped as a whole
	if (plan == 0 && tolower($0) ~ /# *skip/) {
		skipwhy = $0; sub(/^[^#]*# *[Ss][Kk][Ii][Pp] */, "", skipwhy)
		skipwhy = ": " (skipwhy == "" ? "1..0" : skipwhy)
	}
	next
}
step != "" && /^(not )?ok( |$)/ {
	nres++
	text = $0
	isnot = sub(/^not ok */, "", text)
	if (!isnot) sub(/^ok */, "", text)
	if (tolower($0) ~ /# *skip/) { res("skip", step ": " text); next }
	if (isnot) { nfail++; res("fail", step ": " text) }
	else res("pass", step ": " text)
	next
}
END {
	if (step != "") {
		res("fail", step ": the guest stopped inside this step (crash, panic or timeout)")
		step = ""
	}
	if (qemu_rc == 124)
		res("fail", "guest reached the end: QEMU timed out")
	else if (!done)
		res("fail", "guest reached the end: no JMOD-RUN: done marker")
	else
		res("pass", "guest reached the end")
	if (splats != "") {
		n = split(splats, l, "\n")
		for (i = 1; i <= n; i++) print "# splat: " l[i]
		res("fail", "kernel log clean: " n " splat line(s), e.g. " l[1])
	} else
		res("pass", "kernel log clean")
	# A test run must have tested something: a run that would pass
	# although no selftest ran, or every result was a skip, fails.
	if (mode == "test" && tests != "none" && fail == 0) {
		if (nsteps == 0)
			res("fail", "selftests: none ran" (tests != "" ? " (the guest had " tests ")" : ""))
		else if (tests ~ /^[0-9]+$/ && nsteps < tests + 0)
			res("fail", "selftests: " nsteps " of the guest'"'"'s " tests " ran")
		else if (st_pass == 0)
			res("fail", "selftests: every result was skipped (" st_skip "): the suite tested nothing")
	}
	printf "%s: %d passed, %d failed, %d skipped\n", label, pass, fail, skip
	if (result != "")
		printf "passed=%d\nfailed=%d\nskipped=%d\n", pass, fail, skip > result
	exit (fail > 0 ? 1 : 0)
}'
