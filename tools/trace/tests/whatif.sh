#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of `jmodctl whatif` (offline; no module, no root): every
# fixture of tools/trace/fixtures/ (real guests, each format) and the
# workload trace of bench/traces/ checked figure by figure against an
# independent oracle (whatif_oracle.py), by function, site and module and
# with --module on the module call sites the fixtures hold (jmalloc.ko's
# kmalloc back end, known requests), with --functions (the function lists
# of the same boots, tools/trace/fixtures/functions/) on the formats that
# print no [module] tag, stdin and gzip, CSV and text, and the inputs
# that must be refused.  TAP on stdout.
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

# --functions: the function list of the same boot (/proc/kallsyms or
# `trace-cmd report -f`, trimmed by tools/trace/fixtures.sh) puts the
# untagged module call sites of trace-cmd report and perf script where
# tracefs's tags put them.
funcs=$fixtures/functions
# jmalloc_rows JSON: the jmalloc rows, every figure, sorted
jmalloc_rows() {
	json_of "$1" "sorted((s['site'], s['module']) + tuple(s[k] for k in ('objects', 'requested_bytes', 'kmalloc_bytes', 'jmod_bytes', 'peak_live_kmalloc_bytes', 'peak_live_jmod_bytes')) for s in j['sites'] if s['module'] == 'jmalloc')"
}
rc=0
for t in "${calls[@]}"; do
	[[ " ${tagged[*]} " = *" $t "* ]] && continue
	"$jmodctl" whatif --json --by module "$t" >"$tmp/j" || rc=1
	[ "$(jmalloc_rows "$tmp/j")" = "[]" ] || rc=1
done
ok $rc "without --functions, trace-cmd report and perf script have no jmalloc row (the untagged sites are vmlinux)"
for line in 6.1 6.12 7.3; do
	ref=$fixtures/tracefs-$line.trace.gz
	"$jmodctl" whatif --json --by module "$ref" >"$tmp/ref-module" &&
		"$jmodctl" whatif --json --module jmalloc "$ref" >"$tmp/ref-function" ||
		echo "# $ref: whatif failed"
	for pair in trace-cmd-$line.report:trace-cmd-$line.funcs \
		    trace-cmd-$line.report:kallsyms-$line perf-$line.script:kallsyms-$line; do
		t=$fixtures/${pair%%:*}.gz list=$funcs/${pair#*:}.gz
		name="$(basename "$t") --functions $(basename "$list")"
		rc=0
		"$jmodctl" whatif --json --by module --functions "$list" "$t" >"$tmp/j" &&
			python3 "$oracle" --functions "$list" "$t" "$tmp/j" module || rc=1
		got=$(jmalloc_rows "$tmp/j") want=$(jmalloc_rows "$tmp/ref-module")
		if [ "$got" = "[]" ] || [ "$got" != "$want" ]; then
			echo "# jmalloc: $got, tracefs: $want"
			rc=1
		fi
		[ "$(json_of "$tmp/j" "j['ambiguous_events']")" = 0 ] || rc=1
		ok $rc "$name: --by module matches the oracle, the jmalloc row is tracefs-$line.trace's"
		rc=0
		"$jmodctl" whatif --json --module jmalloc --functions "$list" "$t" >"$tmp/j" &&
			python3 "$oracle" --functions "$list" "$t" "$tmp/j" function jmalloc || rc=1
		got=$(jmalloc_rows "$tmp/j") want=$(jmalloc_rows "$tmp/ref-function")
		[ "$got" = "$want" ] || { echo "# jmalloc: $got, tracefs: $want"; rc=1; }
		[ "$(json_of "$tmp/j" "j['total']")" = "$(json_of "$tmp/ref-function" "j['total']")" ] || rc=1
		ok $rc "$name: --module jmalloc matches the oracle, its rows and total are tracefs-$line.trace's"
	done
done

# the names in vmlinux and a module, or in two modules, counted by awk
rc=0
for list in "$funcs"/*.gz; do
	# kallsyms: "ADDR T NAME [MOD]" (text types only); trace-cmd: "ADDR NAME [MOD]"
	want=$(zcat "$list" | awk 'NF == 2 || (NF == 3 && $3 ~ /^\[/) { n = $2; m = NF == 3 ? $3 : "" }
		NF == 4 || (NF == 3 && $3 !~ /^\[/) { if ($2 !~ /^[tTwW]$/) next; n = $3; m = NF == 4 ? $4 : "" }
		!((n, m) in seen) { seen[n, m] = 1; if (++mods[n] == 2) amb++ }
		END { print amb + 0 }')
	"$jmodctl" whatif --functions "$list" "$fixtures/trace-cmd-6.1.report.gz" >"$tmp/txt" || rc=1
	got=$(sed -n 's/^# --functions: .*), \([0-9]*\) names ambiguous;.*/\1/p' "$tmp/txt")
	if [ -z "$want" ] || [ "$got" != "$want" ]; then
		echo "# $list: $got ambiguous names, awk: $want"
		rc=1
	fi
done
ok $rc "every function list: the names ambiguous as awk counts them"

# a tag wins: a list that has the module's functions in module "other"
list=$funcs/kallsyms-6.1.gz
zcat "$list" | sed 's/\[jmalloc\]$/[other]/' >"$tmp/other"
rc=0
"$jmodctl" whatif --json --by module "$f61" >"$tmp/j" &&
	"$jmodctl" whatif --json --by module --functions "$tmp/other" "$f61" >"$tmp/j2" &&
	python3 "$oracle" --functions "$tmp/other" "$f61" "$tmp/j2" module || rc=1
[ "$(json_of "$tmp/j2" "j['sites']")" = "$(json_of "$tmp/j" "j['sites']")" ] || rc=1
[ "$(json_of "$tmp/j2" "[s['site'] for s in j['sites']]")" = "['jmalloc', 'vmlinux']" ] || rc=1
ok $rc "tracefs-6.1.trace: a [jmalloc] tag wins over a list that says module other"
rc=0
t=$fixtures/trace-cmd-6.1.report.gz
"$jmodctl" whatif --json --by module --functions "$list" "$t" >"$tmp/j" &&
	"$jmodctl" whatif --json --by module --functions "$tmp/other" "$t" >"$tmp/j2" &&
	python3 "$oracle" --functions "$tmp/other" "$t" "$tmp/j2" module || rc=1
[ "$(jmalloc_rows "$tmp/j" | sed 's/jmalloc/other/g')" = "$(json_of "$tmp/j2" "sorted((s['site'], s['module']) + tuple(s[k] for k in ('objects', 'requested_bytes', 'kmalloc_bytes', 'jmod_bytes', 'peak_live_kmalloc_bytes', 'peak_live_jmod_bytes')) for s in j['sites'] if s['module'] == 'other')")" ] || rc=1
ok $rc "trace-cmd-6.1.report: the same list moves the untagged sites to module other"

# ambiguous names: left as parsed (vmlinux), counted
t=$fixtures/trace-cmd-6.1.report.gz
zcat "$t" | sed 's/call_site=obj_alloc+/call_site=irq_thread+/' >"$tmp/irq"
rc=0
# irq_thread: test/selftest.c's and kernel/irq/manage.c's, both in the list
[ "$(zcat "$list" | grep -cE ' t irq_thread($|	\[jmalloc\]$)')" = 2 ] || { echo "# irq_thread not in vmlinux and jmalloc"; rc=1; }
"$jmodctl" whatif --json --by module --functions "$list" "$tmp/irq" >"$tmp/j" &&
	python3 "$oracle" --functions "$list" "$tmp/irq" "$tmp/j" module || rc=1
[ "$(json_of "$tmp/j" "j['ambiguous_events'], [(s['site'], s['objects']) for s in j['sites'] if s['site'] == 'jmalloc']")" = "48 [('jmalloc', 7)]" ] || rc=1
"$jmodctl" whatif --json --functions "$list" "$tmp/irq" >"$tmp/j" || rc=1
[ "$(json_of "$tmp/j" "[(s['module'], s['objects']) for s in j['sites'] if s['site'] == 'irq_thread']")" = "[('vmlinux', 48)]" ] || rc=1
"$jmodctl" whatif --functions "$list" "$tmp/irq" >"$tmp/txt" || rc=1
grep -q '^# --functions: .* 7 put in a module by name, 48 of an ambiguous name left as parsed$' "$tmp/txt" || rc=1
ok $rc "a name in vmlinux and jmalloc (irq_thread): its 48 kmallocs left in vmlinux, ambiguous_events 48 (JSON and text)"
rc=0
{ zcat "$list"; printf 'ffffffffc1000000 t obj_alloc\t[other]\n'; } >"$tmp/two"
"$jmodctl" whatif --json --by module --functions "$tmp/two" "$t" >"$tmp/j" &&
	python3 "$oracle" --functions "$tmp/two" "$t" "$tmp/j" module || rc=1
[ "$(json_of "$tmp/j" "j['ambiguous_events'], [(s['site'], s['objects']) for s in j['sites'] if s['site'] == 'jmalloc']")" = "48 [('jmalloc', 7)]" ] || rc=1
ok $rc "a name in two modules (obj_alloc in jmalloc and other): ambiguous, left as parsed, counted"
rc=0
{ zcat "$list"; zcat "$list" | grep '	\[jmalloc\]$'; } >"$tmp/twice"
"$jmodctl" whatif --json --by module --functions "$tmp/twice" "$t" >"$tmp/j2" &&
	"$jmodctl" whatif --json --by module --functions "$list" "$t" >"$tmp/j" || rc=1
[ "$(json_of "$tmp/j2" "j['ambiguous_events']")" = 0 ] && cmp -s "$tmp/j" "$tmp/j2" || rc=1
ok $rc "a name listed twice in the same module is not ambiguous"

# the list as a user without root reads it (addresses 0), plain, stdin
rc=0
zcat "$list" | sed 's/^[0-9a-f]\{16\} /0000000000000000 /' >"$tmp/zero"
zcat "$list" >"$tmp/plain-list"
"$jmodctl" whatif --json --functions "$tmp/zero" "$t" >"$tmp/j2" || rc=1
"$jmodctl" whatif --json --functions "$tmp/plain-list" "$t" >"$tmp/j3" || rc=1
"$jmodctl" whatif --json --functions - "$t" <"$list" >"$tmp/j4" || rc=1
"$jmodctl" whatif --json --functions "$list" "$t" >"$tmp/j" || rc=1
cmp -s "$tmp/j" "$tmp/j2" && cmp -s "$tmp/j" "$tmp/j3" && cmp -s "$tmp/j" "$tmp/j4" || rc=1
ok $rc "--functions: zeroed addresses (no root), plain, gzip'ed and stdin give the same JSON"
rc=0
[ "$(json_of "$tmp/j" "list(j)")" = "['schema', 'by', 'format', 'jmod_large_max', 'total', 'sites', 'lines', 'events', 'header_lines', 'other_events', 'unparsed_lines', 'failed_allocs', 'null_frees', 'untracked_frees', 'reused_pointers', 'filtered', 'live_at_end', 'ambiguous_events']" ] || rc=1
ok $rc "JSON: the keys of schema 1, ambiguous_events added last"

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
notlist='line [0-9]+ is not a function list line: want /proc/kallsyms or .trace-cmd report -f.'
expect_exit 2 "--functions a trace: exit 2, names the layouts" "$notlist" \
	"$jmodctl" whatif --functions "$t" "$t"
expect_exit 2 "--functions an empty file: exit 2" "no function in it" \
	"$jmodctl" whatif --functions "$tmp/empty" "$t"
zcat "$list" | grep -v ' [tTwW] ' >"$tmp/data"
expect_exit 2 "--functions with data symbols only: exit 2" "no function in it" \
	"$jmodctl" whatif --functions "$tmp/data" "$t"
{ zcat "$list"; zcat "$funcs/trace-cmd-6.1.funcs.gz"; } >"$tmp/mixed"
expect_exit 2 "--functions mixing the layouts: exit 2 at the first other line" \
	"line $(($(zcat "$list" | wc -l) + 1)) is not" \
	"$jmodctl" whatif --functions "$tmp/mixed" "$t"
head -c 3000 "$list" >"$tmp/trunc-list.gz"
expect_exit 2 "--functions truncated gzip: exit 2" "unexpected end|corrupt|error" \
	"$jmodctl" whatif --functions "$tmp/trunc-list.gz" "$t"
expect_exit 2 "--functions garbage: exit 2" "not a function list line" \
	"$jmodctl" whatif --functions "$tmp/garbage" "$t"
expect_exit 2 "--functions missing file: exit 2" "functions $tmp/none: No such file" \
	"$jmodctl" whatif --functions "$tmp/none" "$t"
expect_exit 2 "--functions a directory: exit 2" "functions $tmp: Is a directory" \
	"$jmodctl" whatif --functions "$tmp" "$t"

# --plot: the top sites drawn as PNG or SVG (plot.c; tools/jmodctl/tests/
# plot.sh checks the pixels), chosen by the extension
rc=0
"$jmodctl" whatif --top 5 --plot "$tmp/p.png" "$f61" >/dev/null &&
	python3 -c 'import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", b[16:24])
i, data = 8, b""
while i < len(b):
	n, = struct.unpack(">I", b[i:i + 4]); kind = b[i + 4:i + 8]
	if kind == b"IDAT":
		data += b[i + 8:i + 8 + n]
	i += 12 + n
assert len(zlib.decompress(data)) == h * (1 + 3 * w)
' "$tmp/p.png" || rc=1
ok $rc "--plot FILE.png: a PNG whose image data inflates to its IHDR size"
rc=0
"$jmodctl" whatif --top 5 --plot "$tmp/p.svg" "$f61" >/dev/null &&
	python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
assert len([e for e in r.iter() if e.tag.endswith("rect")]) == 3 + 2 * 5
' "$tmp/p.svg" || rc=1
ok $rc "--plot FILE.svg: SVG with two bars for each of the top 5 sites"
expect_exit 2 "--plot FILE.jpg: exit 2, nothing written" "not a .png or .svg" \
	"$jmodctl" whatif --plot "$tmp/p.jpg" "$f61"
rc=0
[ ! -e "$tmp/p.jpg" ] || rc=1
ok $rc "--plot FILE.jpg wrote no file"
expect_exit 0 "--help: exit 0" "" "$jmodctl" whatif --help

echo "1..$n"
[ "$failed" = 0 ]
