#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of `jmodctl whatif` (offline; no module, no root): every
# fixture of tools/trace/fixtures/ (real guests, each format) and the
# workload trace of bench/traces/ checked figure by figure against an
# independent oracle (whatif_oracle.py), by function, site and module and
# with --module on the module call sites the fixtures hold (jmalloc.ko's
# kmalloc back end, known requests), stdin and gzip, CSV and text, and
# the inputs that must be refused.  TAP on stdout.
set -uo pipefail

usage() {
	cat <<'EOT'
Usage: tools/trace/tests/whatif.sh [JMODCTL]     (default build/tools/jmodctl)

Exit status: 0 if every test passed, 1 if not.
EOT
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
esac
top=$(cd "$(dirname "$0")/../../.." && pwd)
jmodctl=${1:-$top/build/tools/jmodctl}
oracle=$top/tools/trace/tests/whatif_oracle.py
fixtures=$top/tools/trace/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
ok() { # RESULT NAME
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# expect_exit CODE NAME PATTERN CMD...: exit status and a stderr pattern
expect_exit() {
	local want=$1 name=$2 pat=$3 rc=0
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != "$want" ] || { [ -n "$pat" ] && ! grep -Eq -- "$pat" "$tmp/err"; }; then
		echo "# $name: exit $rc (want $want), stderr: $(head -c 300 "$tmp/err")"
		ok 1 "$name"
	else
		ok 0 "$name"
	fi
}

json_of() { # FILE KEY-PATH (python expression on j)
	python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"
}

[ -x "$jmodctl" ] || { echo "1..0 # SKIP no $jmodctl"; exit 1; }
traces=("$fixtures"/*.gz "$top/bench/traces/debian61-workload.trace.gz")
[ "${#traces[@]}" -ge 9 ] || { echo "# fixtures missing"; exit 1; }

for t in "${traces[@]}"; do
	name=$(basename "$t")
	rc=0
	"$jmodctl" whatif --json "$t" >"$tmp/j" 2>"$tmp/err" &&
		python3 "$oracle" "$t" "$tmp/j" function || rc=1
	ok $rc "$name: every site's figures match the oracle"
done
f61=$fixtures/tracefs-6.1.trace.gz
for by in site module; do
	rc=0
	"$jmodctl" whatif --json --by $by "$f61" >"$tmp/j" &&
		python3 "$oracle" "$f61" "$tmp/j" $by || rc=1
	ok $rc "--by $by matches the oracle"
done

# Module call sites (tools/trace/formats-job.sh: jmalloc.ko loaded, its
# kmalloc back end replaying 12 requests each of 24, 100, 640 and 3000 B
# from obj_alloc() in test/chardev.c).  The tracefs formats tag them
# "call_site=obj_alloc+0x149/0x1e0 [jmalloc]"; trace-cmd report and perf
# script print "call_site=obj_alloc+0x149" with no tag.
tagged=() calls=()
for t in "$fixtures"/*.gz; do
	# (grep -c reads to the end: no SIGPIPE for zcat under pipefail)
	[ "$(zcat "$t" | grep -cE 'call_site=[^ ]+ \[jmalloc\]')" -gt 0 ] && tagged+=("$t")
	[ "$(zcat "$t" | grep -c 'call_site=obj_alloc+')" -gt 0 ] && calls+=("$t")
done
tracefs=("$fixtures"/tracefs-*.gz) all=("$fixtures"/*.gz)
rc=0
[ "${#tagged[@]}" = "${#tracefs[@]}" ] && [ "${#calls[@]}" = "${#all[@]}" ] || rc=1
ok $rc "the module's calls in every fixture (${#calls[@]} of ${#all[@]}), tagged [jmalloc] in every tracefs one (${#tagged[@]} of ${#tracefs[@]})"
for t in "${tagged[@]}"; do
	name=$(basename "$t")
	rc=0
	"$jmodctl" whatif --json --by module "$t" >"$tmp/j" &&
		python3 "$oracle" "$t" "$tmp/j" module || rc=1
	# the module rows add up to the total; jmalloc is one of them
	python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
keys = ("objects", "requested_bytes", "kmalloc_bytes", "jmod_bytes")
assert all(sum(s[k] for s in j["sites"]) == j["total"][k] for k in keys)
assert all(s["site"] == s["module"] for s in j["sites"])
assert [s for s in j["sites"] if s["site"] == "jmalloc" and s["objects"] >= 48]
' "$tmp/j" || rc=1
	ok $rc "$name: --by module matches the oracle, jmalloc and vmlinux rows add up to the total"
	for by in function site; do
		rc=0
		"$jmodctl" whatif --json --by $by --module jmalloc "$t" >"$tmp/j" &&
			python3 "$oracle" "$t" "$tmp/j" $by jmalloc || rc=1
		[ "$(json_of "$tmp/j" "sorted(set(s['module'] for s in j['sites']))")" = "['jmalloc']" ] || rc=1
		ok $rc "$name: --module jmalloc --by $by matches the oracle (only jmalloc rows, the rest filtered)"
	done
done
# the known requests, in every format: 24 B -> kmalloc 32, jmod 32;
# 100 -> 128, 112; 640 -> 1024, 640; 3000 -> 4096, 3072; all live at once.
# Module jmalloc where the line tags it.
for t in "${calls[@]}"; do
	name=$(basename "$t") in=''
	want='48 45168 63360 46272 63360 46272'
	[[ " ${tagged[*]} " = *" $t "* ]] && want="jmalloc $want" in=' in jmalloc'
	rc=0
	"$jmodctl" whatif --json "$t" >"$tmp/j" || rc=1
	got=$(json_of "$tmp/j" "' '.join(str(s[k]) for s in j['sites'] if s['site'] == 'obj_alloc' for k in ('module', 'objects', 'requested_bytes', 'kmalloc_bytes', 'jmod_bytes', 'peak_live_kmalloc_bytes', 'peak_live_jmod_bytes'))")
	[ "${want#jmalloc }" != "$want" ] || got=${got#* }
	[ "$got" = "$want" ] || { echo "# obj_alloc: $got, want $want"; rc=1; }
	ok $rc "$name: obj_alloc$in: 48 objects, requested 45168, kmalloc 63360, jmod 46272 B, all live at the peak"
done
rc=0
"$jmodctl" whatif --by site --module jmalloc "$f61" >"$tmp/txt" || rc=1
grep -qE '^obj_alloc\+0x[0-9a-f]+ +jmalloc +48 ' "$tmp/txt" || rc=1
[ "$(grep -vE '^(site|total|#) ' "$tmp/txt" | grep -vc ' jmalloc ')" = 0 ] || rc=1
ok $rc "text: --by site --module jmalloc: obj_alloc+OFF with 48 objects, only jmalloc rows"

# the events, requests and bytes of the trace, counted by awk
rc=0
"$jmodctl" whatif --json "$f61" >"$tmp/j" || rc=1
want=$(zcat "$f61" | awk '/ kmalloc: | kfree: /{ n++ }
	/ kmalloc: / { for (i = 1; i <= NF; i++) {
		if ($i ~ /^bytes_req=/) { sub(/.*=/, "", $i); r += $i }
		if ($i ~ /^bytes_alloc=/) { sub(/.*=/, "", $i); a += $i } } }
	END { print n, r, a }')
got=$(json_of "$tmp/j" "j['events'], j['total']['requested_bytes'], j['total']['kmalloc_bytes']" | tr -d '(),')
[ "$want" = "$got" ] || { echo "# awk: $want, jmodctl: $got"; rc=1; }
ok $rc "events, requested and kmalloc bytes equal the trace's (awk)"

# gzip'ed, plain and stdin give the same answer
rc=0
zcat "$f61" >"$tmp/plain"
"$jmodctl" whatif --json "$tmp/plain" >"$tmp/j2" || rc=1
"$jmodctl" whatif --json - <"$tmp/plain" >"$tmp/j3" || rc=1
"$jmodctl" whatif --json - <"$f61" >"$tmp/j4" || rc=1
cmp -s "$tmp/j" "$tmp/j2" && cmp -s "$tmp/j" "$tmp/j3" &&
	cmp -s "$tmp/j" "$tmp/j4" || rc=1
ok $rc "plain file, stdin and gzip'ed stdin give the same JSON"

# two traces: each is a run of its own, the sums add up
rc=0
f612=$fixtures/tracefs-6.12.trace.gz
"$jmodctl" whatif --json "$f612" >"$tmp/j5" || rc=1
"$jmodctl" whatif --json "$f61" "$f612" >"$tmp/j6" || rc=1
a=$(json_of "$tmp/j" "j['total']['kmalloc_bytes']")
b=$(json_of "$tmp/j5" "j['total']['kmalloc_bytes']")
c=$(json_of "$tmp/j6" "j['total']['kmalloc_bytes']")
[ "$((a + b))" = "$c" ] || rc=1
ok $rc "two TRACEs: totals add up ($a + $b = $c)"

# a line that is no event is counted, never dropped
rc=0
{ head -n 40 "$tmp/plain"; echo "garbage in the middle"; echo "  x-1 [000] ..... 1.0: kmalloc: call_site=f+0x1/0x2 ptr=zz"; tail -n +41 "$tmp/plain"; } >"$tmp/bad"
"$jmodctl" whatif --json "$tmp/bad" >"$tmp/j7" || rc=1
[ "$(json_of "$tmp/j7" "j['unparsed_lines']")" = 2 ] || rc=1
[ "$(json_of "$tmp/j7" "j['total']['kmalloc_bytes']")" = "$a" ] || rc=1
ok $rc "unparsable lines are counted (unparsed_lines 2), the rest unchanged"

rc=0
{ head -n 60 "$tmp/plain"; sed -n '61p' "$tmp/plain" | head -c 60; } >"$tmp/cut"
"$jmodctl" whatif --json "$tmp/cut" >"$tmp/j8" || rc=1
[ "$(json_of "$tmp/j8" "j['lines'], j['unparsed_lines']" | tr -d '(),')" = "61 1" ] || rc=1
ok $rc "a trace cut mid-line: 61 lines read, the cut one unparsed"

# CSV and text
rc=0
"$jmodctl" whatif --csv "$f61" >"$tmp/csv" 2>/dev/null || rc=1
head -n1 "$tmp/csv" | grep -qx 'site,module,objects,requested_bytes,kmalloc_bytes,jmod_bytes,peak_live_kmalloc_bytes,peak_live_jmod_bytes' || rc=1
[ "$(grep '^total,' "$tmp/csv" | cut -d, -f5)" = "$a" ] || rc=1
[ "$(($(wc -l <"$tmp/csv") - 2))" = "$(json_of "$tmp/j" "len(j['sites'])")" ] || rc=1
ok $rc "--csv: header, one row per site, total"
rc=0
"$jmodctl" whatif --top 3 "$f61" >"$tmp/txt" || rc=1
more=$(($(json_of "$tmp/j" "len(j['sites'])") - 3))
grep -q '^total ' "$tmp/txt" && grep -qx "($more more sites)" "$tmp/txt" &&
	[ "$(grep -cE ' (vmlinux|jmalloc) ' "$tmp/txt")" = 3 ] || rc=1
ok $rc "text: --top 3 rows, the rest counted ($more more sites), a total line"
rc=0
"$jmodctl" whatif --json --module nosuch "$f61" >"$tmp/j9" || rc=1
[ "$(json_of "$tmp/j9" "j['total']['objects']")" = 0 ] &&
	[ "$(json_of "$tmp/j9" "j['filtered']")" -gt 0 ] || rc=1
ok $rc "--module keeps only that module's sites"

# refused inputs
fmts='tracefs trace/trace_pipe text, trace-cmd report text, perf script text'
: >"$tmp/empty"
head -c 4096 /dev/urandom >"$tmp/garbage"
head -c 5000 "$f61" >"$tmp/trunc.gz"
expect_exit 2 "empty file: exit 2, names the formats" "$fmts" \
	"$jmodctl" whatif "$tmp/empty"
expect_exit 2 "garbage: exit 2" "no kmalloc event" "$jmodctl" whatif "$tmp/garbage"
expect_exit 2 "an ops trace (wrong format): exit 2" "no kmalloc event" \
	"$jmodctl" whatif "$top/bench/traces/debian61-workload.ops"
expect_exit 2 "truncated gzip: exit 2" "unexpected end|corrupt|error" \
	"$jmodctl" whatif "$tmp/trunc.gz"
expect_exit 1 "missing file: exit 1" "No such file" "$jmodctl" whatif "$tmp/none"
expect_exit 2 "no TRACE: exit 2" "no TRACE" "$jmodctl" whatif
expect_exit 2 "bad --by: exit 2" "bad value" "$jmodctl" whatif --by x "$f61"
expect_exit 2 "bad --chunk-order: exit 2" "bad value|wants" \
	"$jmodctl" whatif --chunk-order 3 "$f61"
expect_exit 0 "--help: exit 0" "" "$jmodctl" whatif --help

echo "1..$n"
[ "$failed" = 0 ]
