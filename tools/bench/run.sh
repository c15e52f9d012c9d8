#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of "make bench": boot the kernel once per vCPU count, run
# tools/bench/jmod-bench in the guest (tools/bench/vm.sh), then build the
# report (tools/bench/report.py).  Options: --help.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kernel=6.1 smps="1 2 4" main_smp=2 scale=1 rounds=3 driver='' module=''
trace=$top/bench/traces/debian61-workload.ops raw=$top/build/bench out=$top/bench
report_only=0 copies=200 noinit=1 groups='scaling main prof whatif replay'

die() { echo "bench: error: $*" >&2; exit 1; }
usage() {
	cat <<'EOT'
Usage: tools/bench/run.sh --driver BIN --module KO [options]

Host side of "make bench": boot the kernel once per vCPU count, run
tools/bench/jmod-bench in the guest, then build the report.

  --kernel LINE       6.1 (default), 6.12, 7.3, ... ($JMOD_CACHE/kernels)
  --smp "1 2 4"       vCPU counts; the thread-scaling group runs on each,
                      everything else on --main-smp (default 2)
  --main-smp N
  --scale F           multiply every ops count (default 1)
  --rounds N          repetitions of every case (default 3; median)
  --trace FILE        ops trace to replay (default
                      bench/traces/debian61-workload.ops, if present)
  --copies N          interleaved copies of the trace per replay (200)
  --noinit 0|1        1 (default): one more boot with init_on_alloc=0
                      running the main set and the replay; the other
                      boots run with init_on_alloc=1 (Debian's default)
  --groups "LIST"     the jmod-bench groups to run (default "scaling
                      main prof whatif replay", all of them; prof and
                      whatif on --main-smp only); a boot with none of
                      them is skipped.  The report of a subset has no
                      data for the other groups' targets
  --raw DIR           raw guest output (default build/bench)
  --out DIR           results.json, RESULTS.md, results.png (default bench)
  --report-only       do not boot, rebuild the report from --raw
EOT
}

while [ $# -gt 0 ]; do
	case $1 in
	--driver) driver=$2; shift ;;
	--module) module=$2; shift ;;
	--kernel) kernel=$2; shift ;;
	--smp) smps=$2; shift ;;
	--main-smp) main_smp=$2; shift ;;
	--scale) scale=$2; shift ;;
	--rounds) rounds=$2; shift ;;
	--trace) trace=$2; shift ;;
	--copies) copies=$2; shift ;;
	--noinit) noinit=$2; shift ;;
	--groups) groups=$2; shift ;;
	--raw) raw=$2; shift ;;
	--out) out=$2; shift ;;
	--report-only) report_only=1 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

for g in $groups; do
	case $g in
	scaling|main|prof|whatif|replay) ;;
	*) echo "bench: unknown group $g in --groups" >&2; exit 2 ;;
	esac
done
want() { case " $groups " in *" $1 "*) return 0 ;; esac; return 1; }

mkdir -p "$raw" "$out"
start=$(date +%s)
if [ "$report_only" = 0 ]; then
	[ -x "$driver" ] || die "--driver BIN (jmod-bench) missing"
	[ -f "$module" ] || die "--module KO missing"
	rm -f "$raw"/smp*.jsonl "$raw"/meta.env
	files=(--file "$driver:/bin/jmod-bench")
	have_trace=0
	if [ -f "$trace" ] && want replay; then
		files+=(--file "$trace:/trace.ops")
		have_trace=1
	fi
	boots=$smps
	[ "$noinit" = 1 ] && boots="$boots noinit"
	for boot in $boots; do
		smp=$boot policy=init_on_alloc=1 tag=default
		if [ "$boot" = noinit ]; then
			smp=$main_smp policy=init_on_alloc=0 tag=noinit
		fi
		job=$raw/job-$boot.sh
		common="--scale $scale --rounds $rounds --tag vcpus=$smp --tag boot=$tag"
		replay="jmod-bench --group replay --replay /trace.ops --repeat $rounds --copies $copies $common --tag set=replay"
		{
			if [ "$boot" = noinit ]; then
				want main && echo "jmod-bench --group main $common --tag set=main"
				[ "$have_trace" = 1 ] && echo "$replay"
			else
				if want scaling; then
					echo "jmod-bench --group scaling --threads $smp $common --tag set=scaling"
					[ "$smp" -gt 1 ] &&
						echo "jmod-bench --group scaling --threads 1 $common --tag set=scaling"
				fi
				if [ "$smp" = "$main_smp" ]; then
					want main && echo "jmod-bench --group main $common --tag set=main"
					want prof && echo "jmod-bench --group prof $common --tag set=prof"
					# the live what-if probes off / on / off (kmalloc)
					want whatif && echo "jmod-bench --group whatif $common --tag set=whatif"
					[ "$have_trace" = 1 ] && echo "$replay"
				fi
			fi
		} >"$job.cmds"
		if [ ! -s "$job.cmds" ]; then
			rm -f "$job.cmds"
			continue
		fi
		{ echo "set -e"; cat "$job.cmds"; } >"$job"
		rm -f "$job.cmds"
		out_name=smp$smp
		[ "$boot" = noinit ] && out_name=smp$smp-noinit
		"$here/vm.sh" --kernel "$kernel" --smp "$smp" --module "$module" \
			--job "$job" --out "$raw/$out_name.jsonl" --timeout 2400 \
			--append "$policy" "${files[@]}" \
			--label "bench $kernel/smp$smp $policy"
	done
	{
		KVER=''
		# shellcheck source=/dev/null
		. "${JMOD_CACHE:-/var/cache/jmod}/kernels/$kernel/env"
		printf 'kernel=%s\nkver=%s\n' "$kernel" "$KVER"
		printf 'srcversion=%s\n' "$(modinfo -F srcversion "$module")"
		printf 'scale=%s\nrounds=%s\nsmp=%s\nmain_smp=%s\n' "$scale" "$rounds" "$smps" "$main_smp"
		printf 'copies=%s\nnoinit=%s\n' "$copies" "$noinit"
		printf 'groups=%s\n' "$groups"
		printf 'seconds=%s\n' $(($(date +%s) - start))
		printf 'trace=%s\n' "$( [ -f "$trace" ] && realpath --relative-to="$top" "$trace")"
	} >"$raw/meta.env"
fi
python3 "$here/report.py" --raw "$raw" --out "$out" --top "$top"
echo "bench: done in $(($(date +%s) - start))s" >&2
