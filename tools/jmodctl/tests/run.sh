#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of jmodctl's argument rules, with no module loaded: every
# bad option value, unknown option, missing argument and extra argument
# of every command exits 2 with a message; every valid call exits 3
# (jmod not loaded); every help text exits 0.  TAP on stdout.
set -uo pipefail

usage() {
	cat <<'EOT'
Usage: tools/jmodctl/tests/run.sh JMODCTL

Runs JMODCTL (e.g. build/tools/jmodctl) with bad and good arguments on a
host where jmod is not loaded and checks each exit status and message:
  2  a usage error (bad number or size, unknown option or name, missing
     or extra argument), with a message on stderr naming jmodctl
  3  a valid call, "jmod not loaded" on stderr
  0  --help, help COMMAND, COMMAND --help, COMMAND -h (the usage on
     stdout), --version ("jmodctl VERSION")
  1  whatif on a file that cannot be read
Prints "ok N - ..." or "not ok N - ..." per case, then "N passed, N failed".

Exit status: 0 if every case passed, 1 if one failed, 2 usage error,
77 (skipped) if /dev/jmod or /sys/module/jmalloc exists (the module is
loaded: the valid calls would run).
EOT
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
'') usage >&2; exit 2 ;;
esac
[ $# = 1 ] || { usage >&2; exit 2; }
bin=$1
[ -x "$bin" ] || { echo "run.sh: $bin: not an executable" >&2; exit 2; }
if [ -e /dev/jmod ] || [ -e /sys/module/jmalloc ]; then
	echo "skip: jmod is loaded here (/dev/jmod or /sys/module/jmalloc)"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'a 0 64\nf 0\n' >"$tmp/ops.trace"
printf 'not a trace\n' >"$tmp/empty.trace"
printf 'ffffffff81000000 T _text\n' >"$tmp/funcs"

# shellcheck source=tools/jmodctl/tests/tap.sh
. "$(dirname "$0")/tap.sh"

# expect CODE PATTERN ARGS...: exit status CODE and PATTERN (grep -E) in
# stderr (CODE 1, 2, 3) or stdout (CODE 0)
expect() {
	local code=$1 pat=$2 rc=0 where=stderr file
	shift 2
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	file=$tmp/err
	if [ "$code" = 0 ]; then
		where=stdout
		file=$tmp/out
	fi
	if [ "$rc" != "$code" ]; then
		result 1 "jmodctl $* exits $code" "exit $rc"
	elif ! grep -Eq -- "$pat" "$file"; then
		result 1 "jmodctl $* exits $code" "no /$pat/ on $where"
	else
		result 0 "jmodctl $* exits $code"
	fi
}

usage2() { expect 2 'jmodctl' "$@"; }	# usage or err() message
nodev() { expect 3 'jmod not loaded' "$@"; }

commands="stats top purge decay tcache bench replay prof version selftest demo whatif"

# main
expect 2 '^usage: jmodctl' # no command at all
usage2 nosuch
usage2 help nosuch
usage2 --nosuch
expect 0 '^usage: jmodctl \[--help\|--version\] COMMAND' --help
expect 0 '^usage: jmodctl \[--help\|--version\] COMMAND' -h
expect 0 '^usage: jmodctl \[--help\|--version\] COMMAND' help
expect 0 '^jmodctl [^ ]+ \(ABI [0-9]+\)$' --version
expect 0 '^module: not loaded$' --version

# every command's help, three ways; the same text each time
for c in $commands; do
	expect 0 "^usage: jmodctl $c( |\$)" help "$c"
	expect 0 '^  -h, --help +this text$' "$c" --help
	cp "$tmp/out" "$tmp/help1"
	expect 0 "^usage: jmodctl $c( |\$)" "$c" -h
	if grep -q "^usage: jmodctl $c" "$tmp/help1" &&
		cmp -s "$tmp/out" "$tmp/help1"; then
		result 0 "$c: -h and --help print the same"
	else
		: >"$tmp/err"
		result 1 "$c: -h and --help print the same" "they differ"
	fi
	usage2 "$c" --no-such-option
done

# stats
usage2 stats extra
usage2 stats -s
usage2 stats -x
nodev stats
nodev stats -a -s nmalloc -R
nodev stats --json

# top
usage2 top -d 0.05
usage2 top -d 3601
usage2 top -d abc
usage2 top -d
usage2 top -s nosuch
usage2 top -n 0
usage2 top -n -1
usage2 top extra
nodev top -n 1
nodev top -d 0.1 -s cur -n 2

# the knobs
usage2 purge extra
nodev purge
usage2 decay abc
usage2 decay 86400001
usage2 decay 10x
usage2 decay 1 2
nodev decay
nodev decay 0
nodev decay 86400000
usage2 tcache maybe
usage2 tcache on off
nodev tcache
nodev tcache on
nodev tcache 0

# bench
usage2 bench -w nosuch
usage2 bench -b nosuch
usage2 bench -D nosuch
usage2 bench -t 0
usage2 bench -t 65
usage2 bench -c abc
usage2 bench --min 0
usage2 bench --min 1X
usage2 bench --max 0
usage2 bench --min 8K --max 4K
usage2 bench -n 0
usage2 bench -n 5G
usage2 bench -l 0
usage2 bench -l 2M
usage2 bench -S -1
usage2 bench -w
usage2 bench extra
nodev bench
nodev bench -w batch -b kmalloc -t 2 -c 0x3 -D uniform --min 4K --max 8K \
	-n 1000 -l 16 -S 7 --json

# replay
usage2 replay
usage2 replay "$tmp/ops.trace" "$tmp/ops.trace"
usage2 replay -r 0 "$tmp/ops.trace"
usage2 replay -r 65 "$tmp/ops.trace"
usage2 replay -C 0 "$tmp/ops.trace"
usage2 replay -C 1048577 "$tmp/ops.trace"
usage2 replay -b pages "$tmp/ops.trace"
usage2 replay -b , "$tmp/ops.trace"
usage2 replay -b
nodev replay "$tmp/ops.trace"
nodev replay -r 2 -C 1 -b kmalloc,jmod-notcache --json "$tmp/ops.trace"

# prof
usage2 prof -n abc
usage2 prof -f 0
usage2 prof --rate xyz
usage2 prof --rate
usage2 prof extra
nodev prof
nodev prof --rate 0
nodev prof --rate 512K
nodev prof --reset
nodev prof -n 0 -f 4 --json

# version, selftest
usage2 version extra
nodev version
usage2 selftest a b
nodev selftest
nodev selftest NAME
nodev selftest all

# demo
usage2 demo -n 1
usage2 demo -n 1048577
usage2 demo -r 0
usage2 demo -r 1001
usage2 demo -S abc
usage2 demo extra
nodev demo
nodev demo -n 3 -r 1 -S 0x10

# whatif: offline needs no module, --live does
usage2 whatif
usage2 whatif --by nosuch "$tmp/ops.trace"
usage2 whatif -n 1000001 "$tmp/ops.trace"
usage2 whatif --chunk-order 99 "$tmp/ops.trace"
usage2 whatif --live 0
usage2 whatif --live 86401
usage2 whatif --live 1 2
usage2 whatif --plot
usage2 whatif --functions
usage2 whatif --functions /nonexistent "$tmp/ops.trace"
usage2 whatif --functions "$tmp/empty.trace" "$tmp/ops.trace"
usage2 whatif --functions "$tmp/ops.trace" "$tmp/ops.trace"
usage2 whatif --functions "$tmp/funcs" --live 1
expect 2 'functions - and TRACE -' whatif --functions - -
expect 2 'no kmalloc event' whatif "$tmp/empty.trace"
expect 1 'whatif: /nonexistent' whatif /nonexistent
nodev whatif --live
nodev whatif --live 1

tap_summary
[ "$failed" = 0 ]
