#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make whatif TRACE=FILE`: the computed per-site table of `jmodctl whatif`
# and, next to it, the same trace measured: converted to ops v2
# (tools/trace/trace2ops.py: each event's CPU, atomic or not), replayed in
# a QEMU guest (tools/bench/vm.sh) by jmod-bench on kmalloc and on jmod,
# the pages taken from the page allocator and the time reported side by
# side (tools/bench/whatif_report.py).  Options: --help.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=6.1 smp=2 rounds=3 copies=1 trace='' driver='' module='' jmodctl=''
out=$top/build/whatif

die() { echo "whatif: error: $*" >&2; exit 2; }
usage() {
	cat <<'EOT'
Usage: tools/bench/whatif.sh --trace FILE --driver BIN --module KO --jmodctl BIN [options]

Print `jmodctl whatif FILE` (computed from jmod's class rule and the
traced bytes_alloc), then replay FILE in a QEMU guest on kmalloc and on
jmod and print what was measured: pages taken from the page allocator at
the peak, after the run and after a jmod purge (each replay starts cold:
jmod purged, every slab cache shrunk), and the time (sum of the kernel's
per-batch elapsed_ns).  The replay keeps each event's CPU (runs of one
CPU, the thread pinned to CPU N modulo the vCPUs) and its gfp (atomic
allocations as GFP_ATOMIC), alike on both back ends.

  --trace FILE    a kmem trace in any format `jmodctl whatif` reads
  --driver BIN    jmod-bench (static, for the guest)
  --module KO     the module (jmalloc.ko) built for --kernel
  --jmodctl BIN   jmodctl for the host (the computed table)
  --kernel LINE   6.1 (default), 6.12, 7.3, 7.3-rt
  --smp N         vCPUs of the guest (default 2)
  --rounds N      replays per back end, interleaved (default 3): pages
                  are the median, the time the best
  --copies N      interleaved copies of the trace per replay (default 1)
  --out DIR       ops file, guest output, console log (default build/whatif)

Exit status: 0; 1 if the guest run or a replay failed; 2 on bad
arguments or a trace `jmodctl whatif` / trace2ops.py refuse.
EOT
}

while [ $# -gt 0 ]; do
	case $1 in
	--trace) trace=${2-}; shift ;;
	--driver) driver=${2-}; shift ;;
	--module) module=${2-}; shift ;;
	--jmodctl) jmodctl=${2-}; shift ;;
	--kernel) kernel=${2-}; shift ;;
	--smp) smp=${2-}; shift ;;
	--rounds) rounds=${2-}; shift ;;
	--copies) copies=${2-}; shift ;;
	--out) out=${2-}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "whatif: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[ -n "$trace" ] || { usage >&2; die "--trace FILE is required (make whatif TRACE=FILE)"; }
{ [ -r "$trace" ] && [ ! -d "$trace" ]; } || [ "$trace" = - ] || die "$trace: cannot read it"
[ "$trace" != - ] || die "the trace is read twice: give a file, not -"
[ -x "$driver" ] || die "--driver BIN (jmod-bench) missing"
[ -f "$module" ] || die "--module KO missing"
[ -x "$jmodctl" ] || die "--jmodctl BIN missing"
for v in "$smp" "$rounds" "$copies"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || die "--smp, --rounds and --copies want a number >= 1"
done
mkdir -p "$out"

# 1. computed: the per-site table (its own errors and exit 2 on a bad trace)
rc=0
"$jmodctl" whatif "$trace" >"$out/computed.txt" || rc=$?
[ "$rc" = 0 ] || exit "$rc"

# 2. the trace as ops v2
ops=$out/whatif.ops
rc=0
python3 "$top/tools/trace/trace2ops.py" --source "$(basename "$trace")" \
	-o "$ops" "$trace" 2>"$out/trace2ops.log" || rc=$?
[ "$rc" = 0 ] || { cat "$out/trace2ops.log" >&2; exit "$rc"; }

# 3. measured: kmalloc and jmod alternating, each replay from a cold start
job=$out/job.sh
echo "jmod-bench --group replay --replay /whatif.ops --repeat $rounds --copies $copies --tag set=whatif" >"$job"
rc=0
"$here/vm.sh" --kernel "$kernel" --smp "$smp" --module "$module" --job "$job" \
	--out "$out/guest.jsonl" --timeout 1200 --label "whatif $kernel/smp$smp" \
	--file "$driver:/bin/jmod-bench" --file "$ops:/whatif.ops" --quiet || rc=$?
[ "$rc" = 0 ] || { echo "whatif: error: the guest run failed (exit $rc; $out/guest.console)" >&2; exit 1; }

KVER=''
# shellcheck source=/dev/null
. "${JMOD_CACHE:-/var/cache/jmod}/kernels/$kernel/env"
cat "$out/computed.txt"
echo
python3 "$here/whatif_report.py" --kernel "$kernel ($KVER)" --ops "$ops" "$out/guest.jsonl"
