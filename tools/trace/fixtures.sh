#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Re-capture the parser fixtures of `jmodctl whatif` in tools/trace/fixtures/
# from real guests: each cached kernel line named boots in QEMU
# (tools/bench/vm.sh) with the module loaded (build/LINE/jmalloc.ko) and
# runs tools/trace/formats-job.sh, with jmodctl (build/tools/jmodctl) for
# the module's own kmalloc calls and the host's trace-cmd and perf (and
# their libraries) copied in when installed (apt-get install trace-cmd
# linux-perf; host tools, no kernel).
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: tools/trace/fixtures.sh [LINE...]      (default: 6.1 6.12)

Writes tools/trace/fixtures/{tracefs-LINE.trace,tracefs-LINE.trace_pipe,
trace-cmd-LINE.report,perf-LINE.script}.gz (the last two only when
trace-cmd / perf are installed on the host) and the function lists of
the same boot for `jmodctl whatif --functions`,
tools/trace/fixtures/functions/{kallsyms-LINE,trace-cmd-LINE.funcs}.gz
(/proc/kallsyms and `trace-cmd report -f`, trimmed to the module's lines
and the vmlinux lines named as a call site or a module function).  Needs
`make kernels KERNELS="LINE..." tools` first: every format then also
holds kmalloc and kfree events with call sites in module jmalloc (the
module's kmalloc back end, driven by `jmodctl replay -b kmalloc`), and
a format whose file has none (or, for tracefs, an untagged one) is
reported as an error (exit 1), and so is a function list without the
module's lines.  trace-cmd report and perf script print a module's call
site as FUNC+0xOFF with no " [module]" tag.
EOT
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
esac
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tools/trace/fixtures
work=$top/build/fixtures
mkdir -p "$out/functions" "$work"

jmodctl=$top/build/tools/jmodctl
[ -x "$jmodctl" ] || { echo "fixtures: no $jmodctl (make tools)" >&2; exit 2; }
files=(--file "$jmodctl:/bin/jmodctl")
for b in /usr/bin/trace-cmd /usr/bin/perf; do
	[ -x "$b" ] || continue
	files+=(--file "$b")
	for l in $(ldd "$b" | grep -o '/[^ ]*'); do
		files+=(--file "$l:$l")
	done
done

rc=0
extract() { # NAME FILE DEST
	grep -q "^$1-BEGIN" "$2" || return 1
	sed -n "/^$1-BEGIN/,/^$1-END/p" "$2" | sed '1d;$d' | base64 -d >"$3"
}

# check FIXTURE SYMS TAGGED: the module's call sites in FIXTURE (calls
# from the functions named in SYMS) and how many carry the " [jmalloc]"
# tag; none is an error, and so is an untagged one where the format
# tags them (TAGGED=1: tracefs)
check() {
	local calls tags
	calls=$(zcat "$1" | grep -oE 'call_site=[^ +/]+' | cut -d= -f2 |
		grep -cxFf "$2" || true)
	tags=$(zcat "$1" | grep -cE 'call_site=[^ ]+ \[jmalloc\]' || true)
	echo "  $1: $calls call sites in module jmalloc, $tags tagged [jmalloc]"
	if [ "$calls" = 0 ] || { [ "$3" = 1 ] && [ "$tags" != "$calls" ]; }; then
		echo "fixtures: error: $1: module call sites $calls, tagged $tags" >&2
		rc=1
	fi
}

for line in "${@:-6.1 6.12}"; do
	for k in $line; do
		ko=$top/build/$k/jmalloc.ko
		[ -f "$ko" ] || { echo "fixtures: no $ko (make kernels KERNELS=$k)" >&2; exit 2; }
		"$top/tools/bench/vm.sh" --kernel "$k" --quiet --timeout 900 \
			--module "$ko" \
			--job "$top/tools/trace/formats-job.sh" "${files[@]}" \
			--out "$work/$k.out"
		syms=$work/$k.modsyms
		if ! extract MODSYMS "$work/$k.out" "$syms.gz"; then
			echo "fixtures: error: $k: no module symbols" >&2
			exit 1
		fi
		zcat "$syms.gz" >"$syms"
		for f in TRACE:tracefs-$k.trace:1 PIPE:tracefs-$k.trace_pipe:1 \
			 TRACECMD:trace-cmd-$k.report:0 PERF:perf-$k.script:0; do
			IFS=: read -r name file tagged <<<"$f"
			extract "$name" "$work/$k.out" "$out/$file.gz" || continue
			check "$out/$file.gz" "$syms" "$tagged"
		done
		for f in KALLSYMS:kallsyms-$k TCFUNCS:trace-cmd-$k.funcs; do
			IFS=: read -r name file <<<"$f"
			file=$out/functions/$file.gz
			extract "$name" "$work/$k.out" "$file" || continue
			n=$(zcat "$file" | grep -cE '[[:space:]]\[jmalloc\]$' || true)
			echo "  $file: $(zcat "$file" | wc -l) lines, $n of module jmalloc"
			if [ "$n" = 0 ]; then
				echo "fixtures: error: $file: no line of module jmalloc" >&2
				rc=1
			fi
		done
	done
done
exit "$rc"
