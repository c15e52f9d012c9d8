#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of "make trace" (busybox sh): record the kernel's own kmalloc
# traffic while a small workload runs, then dump the trace.  Run by
# tools/bench/vm.sh as the job (stdout is the host's result file).
# Options: --help.

usage() {
	cat <<'EOT'
Usage: capture.sh [ITERATIONS]     (default 40; env TRACE_BUF_KB, default 16384)

Enables the tracefs events kmem:kmalloc, kmem:kfree and, on kernels that
still have it (before 6.1.y's backport of the 6.2 merge), kmem:kmalloc_node;
runs the workload (files in tmpfs, /proc and /sys reads, fork/exec of
busybox applets, pipes, netlink), stops tracing and writes to stdout:
  # progress lines
  TRACE-BEGIN <events>
  base64 of the gzip'ed tracefs "trace" file
  TRACE-END
tools/trace/trace2ops.py turns the trace into the ops format.
EOT
}
case ${1:-} in
-h|--help) usage; exit 0 ;;
''|*[!0-9]*) [ -z "${1:-}" ] || { usage >&2; exit 2; } ;;
esac
iters=${1:-40}
buf_kb=${TRACE_BUF_KB:-16384}

T=/sys/kernel/tracing
if [ ! -e $T/events ]; then
	mount -t tracefs tracefs $T 2>/dev/null
fi
if [ ! -e $T/events ]; then
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	T=/sys/kernel/debug/tracing
fi
[ -e $T/events/kmem ] || { echo "# no tracefs kmem events" >&2; exit 1; }

echo 0 >$T/tracing_on
echo >$T/trace
echo "$buf_kb" >$T/buffer_size_kb
echo nop >$T/current_tracer
for e in kmalloc kfree kmalloc_node; do
	if [ -d $T/events/kmem/$e ]; then
		echo 1 >$T/events/kmem/$e/enable
		echo "# enabled kmem:$e"
	else
		echo "# kmem:$e not on this kernel"
	fi
done

workload() {
	i=0
	while [ "$i" -lt "$iters" ]; do
		# tmpfs: create, write, rename, list, remove
		d=/tmp/w$i
		mkdir -p $d/a/b
		for f in 1 2 3 4 5 6 7 8; do
			echo "file $f of $i" >$d/f$f
			ln -s $d/f$f $d/a/l$f
		done
		mv $d/f1 $d/a/b/moved
		dd if=/dev/zero of=$d/big bs=4k count=16 2>/dev/null
		ls -lR $d >/dev/null
		cat $d/f2 $d/a/b/moved >/dev/null
		rm -rf $d
		# procfs and sysfs
		cat /proc/meminfo /proc/stat /proc/self/status /proc/self/maps \
			/proc/interrupts >/dev/null
		ls /proc/self/fd /proc/self/task /sys/kernel/mm >/dev/null
		cat /proc/slabinfo >/dev/null 2>&1
		# fork/exec of applets, pipes
		ps >/dev/null
		echo "$i" | sed 's/0/x/' | wc -c >/dev/null
		sh -c 'true; uname -a >/dev/null'
		find /sys/class/tty -maxdepth 1 >/dev/null
		# netlink and sockets
		ip link >/dev/null 2>&1
		ip addr add 127.0.0.$((i % 200 + 2))/8 dev lo 2>/dev/null
		ifconfig lo up 2>/dev/null
		i=$((i + 1))
	done
	ip addr flush dev lo 2>/dev/null
}

echo "# tracing $iters iterations of the workload"
echo 1 >$T/tracing_on
workload
echo 0 >$T/tracing_on
for e in kmalloc kfree kmalloc_node; do
	[ -d $T/events/kmem/$e ] && echo 0 >$T/events/kmem/$e/enable
done
lost=$(grep -h '^overrun:' $T/per_cpu/cpu*/stats 2>/dev/null |
	awk '{ n += $2 } END { print n + 0 }')
echo "# workload done, overrun events: $lost"
grep -v '^#' $T/trace >/tmp/trace.txt
n=$(wc -l </tmp/trace.txt)
echo "# $n events, $(wc -c </tmp/trace.txt) bytes; sending"
echo "TRACE-BEGIN $n lost=$lost kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
gzip -9 -c /tmp/trace.txt | base64
echo "TRACE-END"
rm -f /tmp/trace.txt
echo >$T/trace
