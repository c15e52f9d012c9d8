#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of tools/jmodctl/plot.c (jmodctl whatif --plot): PNG and SVG
# charts of known bars drawn by tests/plot_test.c and checked by
# tests/plot_check.py, plus the calls that must be refused.  TAP on stdout.
set -uo pipefail

usage() {
	cat <<'EOT'
Usage: tools/jmodctl/tests/plot.sh     (CC=cc by default)

Builds tools/jmodctl/tests/plot_test.c with plot.c (-Wall -Wextra
-Werror) in a temporary directory, draws charts of known bars and checks
each with tools/jmodctl/tests/plot_check.py: the PNG's structure (chunk
CRCs, IHDR, the IDAT stream's inflated size), its bar lengths against
the values, its text; the SVG's XML, rects and texts.  Negative controls:
the checker run with a and b swapped, or with another label, must fail
on the same images.  Refused: an extension other than .png or .svg
(-EINVAL, no file made), a path in a directory that does not exist.
Prints "ok N - ..." or "not ok N - ..." per case, then "N passed, N failed".

Exit status: 0 if every case passed, 1 if one failed, 2 usage error,
77 (skipped) without python3.
EOT
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
'') ;;
*) usage >&2; exit 2 ;;
esac
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

dir=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$dir/.." && pwd)
check=$dir/plot_check.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
drv=$tmp/plot_test

TAP_ERR_LINES=8
# shellcheck source=tools/jmodctl/tests/tap.sh
. "$(dirname "$0")/tap.sh"

# draw NAME FILE ARGS...: plot_test FILE ARGS... prints 0 and exits 0,
# then plot_check.py passes on FILE with the same ARGS
draw() {
	local name=$1 file=$2 kind
	shift 2
	kind=$(tr '[:upper:]' '[:lower:]' <<<"${file##*.}")
	if ! "$drv" "$file" "$@" >"$tmp/out" 2>"$tmp/err" ||
		[ "$(cat "$tmp/out")" != 0 ]; then
		result 1 "$name" "plot_test: $(cat "$tmp/out")"
	elif ! python3 "$check" "$kind" "$file" "$@" >"$tmp/err" 2>&1; then
		result 1 "$name" "plot_check.py $kind failed"
	else
		result 0 "$name"
	fi
}

# refuted NAME KIND FILE ARGS...: plot_check.py must fail on FILE with ARGS
refuted() {
	local name=$1 kind=$2 file=$3
	shift 3
	if python3 "$check" "$kind" "$file" "$@" >"$tmp/err" 2>&1; then
		result 1 "$name" "plot_check.py $kind passed"
	else
		result 0 "$name"
	fi
}

# refused NAME ERRNO FILE: plot_test FILE prints -ERRNO, exits 1, no FILE
refused() {
	local rc=0
	"$drv" "$3" T - l - 1 2 >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != 1 ] || [ "$(cat "$tmp/out")" != "-$2" ]; then
		result 1 "$1" "exit $rc, printed $(cat "$tmp/out"), not 1 and -$2"
	elif [ -e "$3" ]; then
		result 1 "$1" "$3 was created"
	else
		result 0 "$1"
	fi
}

: >"$tmp/err"
if ! "${CC:-cc}" -Wall -Wextra -Werror -O2 -I"$src" -o "$drv" \
	"$dir/plot_test.c" "$src/plot.c" -lz 2>"$tmp/err"; then
	result 1 "plot_test builds with -Wall -Wextra -Werror" "cc failed"
	tap_summary
	exit 1
fi
result 0 "plot_test builds with -Wall -Wextra -Werror"

title="Bytes per call site: kmalloc (traced bytes_alloc) against jmod (its classes), top 5"
bars=(kmalloc_trace_noprof - 1024000 640000
      alloc_pipe_info - 500000 450000
      my_mod_fn mymod 100 4000000
      'x<&>y' 'm&<' 300000 1
      zero - 0 0)
swapped=(kmalloc_trace_noprof - 640000 1024000
	 alloc_pipe_info - 450000 500000
	 my_mod_fn mymod 4000000 100
	 'x<&>y' 'm&<' 1 300000
	 zero - 0 0)
relabelled=("${bars[@]}")
relabelled[0]=kmalloc_trace_noprof_x
args=("$title" "total: kmalloc 1.9M, jmod 5.1M" "${bars[@]}")

draw "png: 5 bars (a tag, <&> in a label, b > a, a zero pair)" "$tmp/a.png" "${args[@]}"
draw "svg: the same bars" "$tmp/a.svg" "${args[@]}"
refuted "png: the checker fails with a and b swapped" png "$tmp/a.png" \
	"$title" "total: kmalloc 1.9M, jmod 5.1M" "${swapped[@]}"
refuted "png: the checker fails with a longer label" png "$tmp/a.png" \
	"$title" "total: kmalloc 1.9M, jmod 5.1M" "${relabelled[@]}"
refuted "svg: the checker fails with a and b swapped" svg "$tmp/a.svg" \
	"$title" "total: kmalloc 1.9M, jmod 5.1M" "${swapped[@]}"
if python3 -c '
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[len(d) // 2] ^= 1
open(sys.argv[2], "wb").write(d)' "$tmp/a.png" "$tmp/bad.png" 2>"$tmp/err"; then
	refuted "png: the checker fails on a flipped byte" png "$tmp/bad.png" "${args[@]}"
else
	result 1 "png: the checker fails on a flipped byte" "no a.png to flip"
fi

"$drv" "$tmp/b.png" "${args[@]}" >/dev/null 2>&1
if cmp -s "$tmp/a.png" "$tmp/b.png"; then
	result 0 "png: the same bars give the same bytes"
else
	: >"$tmp/err"
	result 1 "png: the same bars give the same bytes" "a.png and b.png differ"
fi

ascii=$(python3 -c 'print("".join(map(chr, range(32, 127))))')
draw "png: every glyph distinct, bytes outside ' '..'~' drawn as '?'" \
	"$tmp/font.png" "font" "$ascii"$'\001\177\377' l - 5 7
draw "svg: the same, as '?'" "$tmp/font.svg" "font" "$ascii"$'\001\177\377' l - 5 7

long=$(printf 'very_long_function_name_%.0s' 1 2 3 4)
draw "png: a label longer than its column is cut with .." "$tmp/long.png" \
	T - "$long" module 10 20
draw "svg: the long label whole" "$tmp/long.svg" T - "$long" module 10 20
draw "png: no bars, no footer" "$tmp/none.png" "empty" -
draw "svg: no bars, no footer" "$tmp/none.svg" "empty" -

many=()
for i in $(seq 1 40); do
	many+=("site_$i" - $(((i * 7919) % 1000 * 1024)) $(((i * 104729) % 997 * 1024)))
done
draw "png: 40 bars" "$tmp/many.png" "forty" "total" "${many[@]}"
draw "svg: 40 bars" "$tmp/many.svg" "forty" "total" "${many[@]}"
draw "png: values near 2^64" "$tmp/big.png" big - \
	huge - 18446744073709551615 9223372036854775808 small - 1 36028797018963968
draw "svg: values near 2^64" "$tmp/big.svg" big - \
	huge - 18446744073709551615 9223372036854775808 small - 1 36028797018963968
draw "png: .PNG in capitals" "$tmp/caps.PNG" T F a - 1 2
draw "svg: .Svg in capitals" "$tmp/caps.Svg" T F a - 1 2

many=()
for i in $(seq 1 101); do
	many+=("s$i" - "$i" "$i")
done
"$drv" "$tmp/101.png" T - "${many[@]}" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 1 ] && [ "$(cat "$tmp/out")" = -22 ] && [ ! -e "$tmp/101.png" ]; then
	result 0 "101 bars (PLOT_MAX_BARS 100): -EINVAL, no file"
else
	result 1 "101 bars (PLOT_MAX_BARS 100): -EINVAL, no file" \
		"exit $rc, printed $(cat "$tmp/out")"
fi
many=("${many[@]:0:400}")
draw "png: 100 bars" "$tmp/100.png" "hundred" "total" "${many[@]}"

refused "a .jpg path: -EINVAL" 22 "$tmp/x.jpg"
refused "a path with no extension: -EINVAL" 22 "$tmp/noext"
refused "x.png.gz: -EINVAL" 22 "$tmp/x.png.gz"
refused "x.svgz: -EINVAL" 22 "$tmp/x.svgz"
refused "png in a missing directory: -ENOENT" 2 "$tmp/nodir/x.png"
refused "svg in a missing directory: -ENOENT" 2 "$tmp/nodir/x.svg"

tap_summary
[ "$failed" = 0 ]
