#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Re-capture the parser fixtures of `jmodctl whatif` in tools/trace/fixtures/
# from real guests: each cached kernel line named boots in QEMU
# (tools/bench/vm.sh) and runs tools/trace/formats-job.sh, with the host's
# trace-cmd and perf (and their libraries) copied in when installed
# (apt-get install trace-cmd linux-perf; host tools, no kernel).
set -euo pipefail

usage() {
	cat <<'EOT'
Usage: tools/trace/fixtures.sh [LINE...]      (default: 6.1 6.12)

Writes tools/trace/fixtures/{tracefs-LINE.trace,tracefs-LINE.trace_pipe,
trace-cmd-LINE.report,perf-LINE.script}.gz (the last two only when
trace-cmd / perf are installed on the host).
EOT
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
esac
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tools/trace/fixtures
work=$top/build/fixtures
mkdir -p "$out" "$work"

files=()
for b in /usr/bin/trace-cmd /usr/bin/perf; do
	[ -x "$b" ] || continue
	files+=(--file "$b")
	for l in $(ldd "$b" | grep -o '/[^ ]*'); do
		files+=(--file "$l:$l")
	done
done

extract() { # NAME FILE DEST
	if grep -q "^$1-BEGIN" "$2"; then
		sed -n "/^$1-BEGIN/,/^$1-END/p" "$2" | sed '1d;$d' | base64 -d >"$3"
		echo "  $3"
	fi
}

for line in "${@:-6.1 6.12}"; do
	for k in $line; do
		"$top/tools/bench/vm.sh" --kernel "$k" --quiet --timeout 900 \
			--job "$top/tools/trace/formats-job.sh" "${files[@]}" \
			--out "$work/$k.out"
		extract TRACE "$work/$k.out" "$out/tracefs-$k.trace.gz"
		extract PIPE "$work/$k.out" "$out/tracefs-$k.trace_pipe.gz"
		extract TRACECMD "$work/$k.out" "$out/trace-cmd-$k.report.gz"
		extract PERF "$work/$k.out" "$out/perf-$k.script.gz"
	done
done
