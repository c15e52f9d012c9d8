#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of tools/trace/trace2ops.py (ops format v2, FORMAT.md): every
# fixture of tools/trace/fixtures/ (real guests, each format) and the
# workload trace of bench/traces/ converted, and the ops checked against
# an awk reading of the raw trace written apart from the converter: the
# same sequence of allocations (size, CPU, atomic) and frees (CPU), slots
# used consistently, the atomic allocations counted by grep, v1 output
# equal to v2 without the new fields; then made-up lines (hex gfp_flags,
# no gfp_flags, no CPU column) and the inputs that must be refused.  With
# JMOD_BENCH (tools/bench/jmod-bench, built for the host), its reading of
# the ops (--check-trace) is compared with the converter's counts and its
# refusal of malformed lines checked.  TAP on stdout.
set -uo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	echo "Usage: tools/trace/tests/trace2ops.sh [JMOD_BENCH]"
	echo "  JMOD_BENCH: default build/bench/jmod-bench; its tests are skipped if absent."
	echo "Exit status: 0 if every test passed, 1 if not."
	exit 0
fi
top=$(cd "$(dirname "$0")/../../.." && pwd)
bench=${1:-$top/build/bench/jmod-bench}
t2o=$top/tools/trace/trace2ops.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
ok() { # RESULT NAME: one TAP line
	local verdict=ok
	n=$((n + 1))
	[ "$1" = 0 ] || { verdict='not ok'; failed=$((failed + 1)); }
	echo "$verdict $n - $2"
}

# The raw trace as the ops it must give, slots left out: "a SIZE cN[ A]",
# "f cN", and one "f" per object still live at the end.  A pointer is
# NULL or ZERO_SIZE_PTR (<= 0x10); an allocation may sleep when one of
# gfp_flags' names includes __GFP_DIRECT_RECLAIM (or its hex value has
# bit 0x400); no gfp_flags: may sleep.
expect_ops() {
	awk '
	function null_ptr(p) {
		if (p == "(null)" || p == "(nil)")
			return 1
		sub(/^0x/, "", p)
		sub(/^0+/, "", p)
		return length(p) <= 1 || p == "10"
	}
	function sleeps(g,    parts, i, k, d) {
		if (g == "")
			return 1
		if (g ~ /^0x/) {
			# the 0x400 bit: third hex digit from the right
			d = substr(g, length(g) - 2, 1)
			return length(g) >= 5 && index("4567cdefCDEF", d) > 0
		}
		k = split(g, parts, "|")
		for (i = 1; i <= k; i++)
			if (parts[i] ~ /^(GFP_KERNEL|GFP_KERNEL_ACCOUNT|GFP_NOFS|GFP_NOIO|GFP_USER|GFP_HIGHUSER|GFP_HIGHUSER_MOVABLE|GFP_TRANSHUGE|__GFP_RECLAIM|__GFP_DIRECT_RECLAIM)$/)
				return 1
		return 0
	}
	/^#/ { next }
	{
		ev = ""; cpu = ""
		for (i = 1; i <= NF; i++) {
			if (cpu == "" && $i ~ /^\[[0-9]+\]$/)
				cpu = " c" (substr($i, 2, length($i) - 2) + 0)
			if ($i ~ /^(kmem:)?(kmalloc|kmalloc_node|kfree):$/) {
				ev = $i
				sub(/^kmem:/, "", ev)
				sub(/:$/, "", ev)
				first = i + 1
				break
			}
		}
		if (ev == "")
			next
		ptr = ""; req = 0; gfp = ""
		for (i = first; i <= NF; i++) {
			eq = index($i, "=")
			key = substr($i, 1, eq - 1)
			val = substr($i, eq + 1)
			if (key == "ptr")
				ptr = val
			else if (key == "bytes_req")
				req = val + 0
			else if (key == "gfp_flags")
				gfp = val
		}
		if (ev == "kfree") {
			if (ptr in live) {
				delete live[ptr]
				nlive--
				print "f" cpu
			}
			next
		}
		if (null_ptr(ptr) || req <= 0)
			next
		if (ptr in live) {
			print "f" cpu
			nlive--
		}
		live[ptr] = 1
		nlive++
		print "a " req cpu (sleeps(gfp) ? "" : " A")
	}
	END {
		for (i = 0; i < nlive; i++)
			print "f"
	}'
}

# The ops without their slots
strip_slots() {
	awk '!/^#/ && NF { out = $1; for (i = 3; i <= NF; i++) out = out " " $i; print out }' "$1"
}

# Slots: an alloc into an empty slot, a free of a live one, none live at
# the end.  Prints nothing when the file is consistent.
check_slots() {
	awk '!/^#/ && NF {
		if ($1 == "a") { if ($2 in live) print "line " NR ": alloc into live slot " $2; live[$2] = 1 }
		else { if (!($2 in live)) print "line " NR ": free of empty slot " $2; delete live[$2] }
	}
	END { for (s in live) print "slot " s " live at the end" }' "$1"
}

traces=("$top"/tools/trace/fixtures/*.gz "$top/bench/traces/debian61-workload.trace.gz")
[ "${#traces[@]}" -ge 9 ] || { echo "# fixtures missing"; exit 1; }

for t in "${traces[@]}"; do
	name=$(basename "$t" .gz)
	raw=$tmp/$name.raw
	zcat "$t" >"$raw"
	if ! python3 "$t2o" -o "$tmp/$name.ops" "$t" 2>"$tmp/err"; then
		echo "# $(cat "$tmp/err")"
		ok 1 "$name: converts"
		continue
	fi
	ok 0 "$name: converts"
	head -1 "$tmp/$name.ops" | grep -q '^# jmod ops trace v2 '
	ok $? "$name: v2 header"

	expect_ops <"$raw" >"$tmp/want"
	strip_slots "$tmp/$name.ops" >"$tmp/got"
	allocs=$(grep -c '^a' "$tmp/want")
	if [ "$allocs" -gt 0 ] && diff -q "$tmp/want" "$tmp/got" >/dev/null; then
		ok 0 "$name: $allocs allocations and their frees, CPU and atomic flag op by op as awk reads the trace"
	else
		diff "$tmp/want" "$tmp/got" | head -5 | sed 's/^/# /'
		ok 1 "$name: ops as awk reads the trace ($allocs allocations)"
	fi
	bad=$(check_slots "$tmp/$name.ops")
	[ -z "$bad" ]
	ok $? "$name: slots used consistently, none live at the end${bad:+: $(echo "$bad" | head -1)}"

	# every allocation of these traces is non-NULL, so grep can count:
	# atomic = kmalloc with gfp_flags GFP_ATOMIC... or GFP_NOWAIT..., or
	# with only __GFP_ modifiers and no reclaim bit (7.3 prints
	# "__GFP_ZERO|__GFP_NOWARN" for a plain no-reclaim request)
	want=$(grep -v '^#' "$raw" | grep -E ' (kmem:)?kmalloc(_node)?: ' |
	       grep -E 'gfp_flags=(GFP_(ATOMIC|NOWAIT)([| ]|$)|__GFP_)' |
	       grep -cvE 'gfp_flags=[^ ]*(__GFP_DIRECT_RECLAIM|__GFP_RECLAIM)')
	got=$(grep -cE '^a .* A$' "$tmp/$name.ops")
	[ "$want" = "$got" ] && [ "$got" -gt 0 ]
	ok $? "$name: atomic allocations $got (grep: $want)"
	for cpu in 0 1; do
		want=$(grep -v '^#' "$raw" | grep -E "\[0*$cpu\] .*kmalloc(_node)?: " | grep -cv 'ptr=0*0 ')
		got=$(grep -cE "^a .* c$cpu( A)?$" "$tmp/$name.ops")
		[ "$want" = "$got" ]
		ok $? "$name: allocations on CPU $cpu: $got (grep: $want)"
	done

	python3 "$t2o" --format v1 -o "$tmp/$name.v1" "$t" 2>/dev/null
	sed -E '/^#/d; s/ c[0-9]+//; s/ A$//' "$tmp/$name.ops" >"$tmp/v2-stripped"
	grep -v '^#' "$tmp/$name.v1" >"$tmp/v1-ops"
	head -1 "$tmp/$name.v1" | grep -q '^# jmod ops trace v1 ' &&
		! grep -qE ' c[0-9]| A$' "$tmp/v1-ops" &&
		cmp -s "$tmp/v1-ops" "$tmp/v2-stripped"
	ok $? "$name: --format v1 is v2 without the CPU and atomic fields"

	[ -x "$bench" ] || continue
	# jmod-bench reads what the converter wrote
	"$bench" --check-trace "$tmp/$name.ops" >"$tmp/check.json" 2>&1
	want=$(sed -nE 's/^# ops ([0-9]+): allocs ([0-9]+),.*/\1 \2/p' "$tmp/$name.ops")
	want="$want $(sed -nE 's/^# cpus ([0-9,]+) .* atomic allocs ([0-9]+),.*/\1 \2/p' "$tmp/$name.ops" |
		awk '{ print split($1, c, ","), $2 }')"
	got=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["ops"], j["allocs"], j["trace_cpus"], j["atomic_allocs"])' "$tmp/check.json" 2>/dev/null)
	[ "$got" = "$want" ]
	ok $? "$name: jmod-bench --check-trace reads ops, allocs, CPUs, atomic: $got (trace2ops: $want)"
done

if [ -x "$bench" ]; then
	# well-formed v2 and v1 lines, then one bad line at a time
	printf '# c\n\na 0 8 c1 A\n  a 1 16\r\nf 0 c0\nf 1\na 0 8 A\nf 0 c7\n' >"$tmp/good.ops"
	"$bench" --check-trace "$tmp/good.ops" >"$tmp/check.json" 2>&1
	grep -q '"ops":6,"allocs":3,"atomic_allocs":2,"trace_cpus":3,' "$tmp/check.json"
	ok $? "jmod-bench --check-trace: v1 and v2 lines, cN and A: $(cat "$tmp/check.json")"
	for bad in 'a 0' 'a 0 0' 'a 0 8 x' 'a 0 8 A c1' 'a 0 8 c1 c2' 'a 0 8 A A' \
		   'f 0 A' 'f 0 c-1' 'f 0 c' 'f 0 c1x' 'a 0 8 c99999' 'f' 'x 1' 'f -1' 'a 0 8 9'; do
		printf 'a 0 8\n%s\nf 0\n' "$bad" >"$tmp/bad.ops"
		rc=0
		"$bench" --check-trace "$tmp/bad.ops" >/dev/null 2>"$tmp/err" || rc=$?
		[ "$rc" = 1 ] && grep -q 'bad.ops:2: bad line' "$tmp/err"
		ok $? "jmod-bench refuses \"$bad\" (exit $rc)"
	done
else
	echo "# no $bench: its tests skipped"
fi

# Made-up lines: hex gfp_flags, none, no CPU column
made_up() { # PTR CPU-COLUMN GFP-FIELD
	echo "          sh-97      $2 .....     3.106402: kmalloc: call_site=f+0x1/0x2 ptr=00000000000000$1 bytes_req=16 bytes_alloc=16 $3 node=-1 accounted=false"
}
{
	made_up a0 '[001]' gfp_flags=0xcc0	# GFP_KERNEL, 6.1
	made_up b0 '[001]' gfp_flags=0x820	# GFP_ATOMIC, 6.12
	made_up c0 '[001]' ''			# no gfp_flags
	made_up d0 '[3]' gfp_flags=GFP_NOWAIT
	made_up e0 '' gfp_flags=GFP_KERNEL
	echo '          sh-97      [002] .....     3.2: kfree: call_site=g+0x1/0x2 ptr=00000000000000b0'
} >"$tmp/made-up.trace"
python3 "$t2o" -o "$tmp/made-up.ops" "$tmp/made-up.trace" 2>/dev/null
printf 'a 0 16 c1\na 1 16 c1 A\na 2 16 c1\na 3 16 c3 A\na 4 16\nf 1 c2\nf 0\nf 2\nf 3\nf 4\n' >"$tmp/want"
grep -v '^#' "$tmp/made-up.ops" | cmp -s - "$tmp/want"
ok $? "hex gfp_flags (0xcc0 sleeps, 0x820 not), none (sleeps), no CPU column (no cN)"
expect_ops <"$tmp/made-up.trace" >"$tmp/want"
strip_slots "$tmp/made-up.ops" | cmp -s - "$tmp/want"
ok $? "the awk reading agrees on the made-up lines"
grep -q '^# cpus 1,2,3 (events without a CPU column: 1); atomic allocs 2, allocs without gfp_flags 1 ' "$tmp/made-up.ops"
ok $? "header: CPUs, events without a CPU column, atomic and gfp-less counts"

# Refused inputs
refused() { # WANT NAME PATTERN ARGS...: exit status, a stderr pattern
	local want=$1 name=$2 pat=$3 rc=0
	shift 3
	python3 "$t2o" "$@" >/dev/null 2>"$tmp/err" || rc=$?
	[ "$rc" = "$want" ] && grep -Eq -- "$pat" "$tmp/err"
	ok $? "$name: exit $rc (want $want): $(head -1 "$tmp/err" | cut -c1-100)"
}
formats='no kmalloc event .*tracefs trace/trace_pipe text, trace-cmd report text, perf script text'
refused 2 "empty input" "$formats" /dev/null
printf 'garbage\nmore: garbage\n' >"$tmp/garbage"
refused 2 "garbage" "$formats" "$tmp/garbage"
grep kfree "$tmp/made-up.trace" >"$tmp/frees-only"
refused 2 "kfree events only" "$formats" "$tmp/frees-only"
refused 1 "missing file" 'No such file' "$tmp/nonexistent"
printf '\x1f\x8b\x08\x00garbage' >"$tmp/bad.gz"
refused 1 "corrupt gzip" 'bad.gz: ' "$tmp/bad.gz"
refused 2 "unknown --format" 'invalid choice' --format v3 "$tmp/made-up.trace"

echo "1..$n"
[ "$failed" = 0 ]
