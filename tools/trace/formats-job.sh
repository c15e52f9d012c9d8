#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/trace/fixtures.sh (busybox sh): the same small
# workload recorded as kmem events in each text format a user may have,
# each printed gzip'ed and base64-encoded between NAME-BEGIN and NAME-END:
#   TRACE      tracefs "trace" (header included)
#   PIPE       tracefs "trace_pipe"
#   TRACECMD   "trace-cmd report" (only if /bin/trace-cmd is there)
#   PERF       "perf script" (only if /bin/perf is there)
# Options: --help.
case ${1:-} in
-h|--help)
	sed -n '3,11s/^# \{0,1\}//p' "$0"
	exit 0 ;;
esac
T=/sys/kernel/tracing
[ -e $T/events ] || mount -t tracefs tracefs $T 2>/dev/null
[ -e $T/events/kmem ] || { echo "# no tracefs kmem events" >&2; exit 1; }
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu

work() {
	i=0
	while [ "$i" -lt 3 ]; do
		mkdir -p /tmp/d$i
		echo x >/tmp/d$i/f
		ls -l /tmp/d$i >/dev/null
		cat /proc/meminfo /proc/self/status >/dev/null
		ps >/dev/null
		rm -rf /tmp/d$i
		ip link >/dev/null 2>&1
		i=$((i + 1))
	done
}

send() {
	echo "$1-BEGIN"
	gzip -9 -c "$2" | base64
	echo "$1-END"
}

events() {
	for e in kmalloc kfree kmalloc_node; do
		[ -d $T/events/kmem/$e ] && echo "$1" >$T/events/kmem/$e/enable
	done
}

echo 0 >$T/tracing_on
echo >$T/trace
echo 4096 >$T/buffer_size_kb
events 1
echo 1 >$T/tracing_on
work
echo 0 >$T/tracing_on
cat $T/trace >/tmp/trace.txt
send TRACE /tmp/trace.txt
# trace_pipe consumes the buffer: the same events in the pipe layout
timeout 3 cat $T/trace_pipe >/tmp/pipe.txt 2>/dev/null
send PIPE /tmp/pipe.txt
events 0
echo >$T/trace

if [ -x /bin/trace-cmd ]; then
	echo "# trace-cmd record"
	/bin/trace-cmd record -q -o /tmp/tc.dat -e kmem:kmalloc -e kmem:kfree \
		sh -c 'ls -lR /proc/self >/dev/null; cat /proc/meminfo >/dev/null; ip link >/dev/null 2>&1' \
		>/dev/null 2>&1
	/bin/trace-cmd report -i /tmp/tc.dat >/tmp/tc.txt 2>/dev/null &&
		send TRACECMD /tmp/tc.txt
fi
if [ -x /bin/perf ]; then
	echo "# perf record"
	/bin/perf record -q -a -o /tmp/p.data -e kmem:kmalloc -e kmem:kfree \
		-- sh -c 'ls -lR /proc/self >/dev/null; cat /proc/meminfo >/dev/null' \
		>/dev/null 2>&1
	/bin/perf script -i /tmp/p.data >/tmp/p.txt 2>/dev/null &&
		send PERF /tmp/p.txt
fi
echo "# kernel $(uname -r)"
