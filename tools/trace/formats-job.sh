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
# With the module loaded (/dev/jmod) and /bin/jmodctl, every recording
# also replays a small ops trace on the kmalloc back end, so that kmalloc
# and kfree events with call sites in module jmalloc
# ("call_site=obj_alloc+0x149/0x1e0 [jmalloc]" in tracefs) are in each
# format; the job fails if the tracefs trace has none.  Then
#   MODSYMS    the module's function names (/proc/kallsyms), for the
#              host to find its call sites in the formats that print
#              no [module] tag
#   KALLSYMS   the function list for `jmodctl whatif --functions`, in
#              /proc/kallsyms layout, trimmed: every line of the module
#              and the vmlinux lines of the names that are a call site
#              in a recording or a function of the module
#   TCFUNCS    the same names from `trace-cmd report -f` (its layout:
#              "ADDR NAME [MODULE]"), when trace-cmd ran
# Options: --help.
case ${1:-} in
-h|--help)
	sed -n '3,26s/^# \{0,1\}//p' "$0"
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

# The module's kmalloc back end (test/backend.c) allocating from the
# module's own code (obj_alloc() of test/chardev.c is the traced call
# site): 12 requests each of 24, 100, 640 and 3000 B (every other one
# atomic), all live at once, then freed; replayed once through /dev/jmod
# by `jmodctl replay -b kmalloc` (tools/trace/tests/whatif.sh checks
# these figures): $modwork, a command for sh -c (":" without the module).
mod=0 modwork=:
if [ -e /dev/jmod ] && [ -x /bin/jmodctl ]; then
	mod=1 modwork='/bin/jmodctl replay -r 1 -b kmalloc /tmp/mod.ops >/dev/null'
	s=0
	for size in 24 100 640 3000; do
		i=0
		while [ "$i" -lt 12 ]; do
			if [ $((i % 2)) = 1 ]; then
				echo "a $s $size A"
			else
				echo "a $s $size"
			fi
			s=$((s + 1))
			i=$((i + 1))
		done
	done >/tmp/mod.ops
	while [ "$s" -gt 0 ]; do
		s=$((s - 1))
		echo "f $s"
	done >>/tmp/mod.ops
fi

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
sh -c "$modwork" || echo "# jmodctl replay -b kmalloc failed" >&2
echo 0 >$T/tracing_on
cat $T/trace >/tmp/trace.txt
if [ "$mod" = 1 ] && ! grep -q 'call_site=[^ ]* \[jmalloc\]' /tmp/trace.txt; then
	echo "# no call site in [jmalloc] in the trace" >&2
	exit 1
fi
send TRACE /tmp/trace.txt
# trace_pipe consumes the buffer: the same events in the pipe layout
timeout 3 cat $T/trace_pipe >/tmp/pipe.txt 2>/dev/null
send PIPE /tmp/pipe.txt
events 0
echo >$T/trace

if [ -x /bin/trace-cmd ]; then
	echo "# trace-cmd record"
	/bin/trace-cmd record -q -o /tmp/tc.dat -e kmem:kmalloc -e kmem:kfree \
		sh -c "$modwork; ls -lR /proc/self >/dev/null; cat /proc/meminfo >/dev/null; ip link >/dev/null 2>&1" \
		>/dev/null 2>&1
	/bin/trace-cmd report -i /tmp/tc.dat >/tmp/tc.txt 2>/dev/null &&
		send TRACECMD /tmp/tc.txt
	/bin/trace-cmd report -f -i /tmp/tc.dat >/tmp/tcfuncs.txt 2>/dev/null ||
		rm -f /tmp/tcfuncs.txt
fi
if [ -x /bin/perf ]; then
	echo "# perf record"
	/bin/perf record -q -a -o /tmp/p.data -e kmem:kmalloc -e kmem:kfree \
		-- sh -c "$modwork; ls -lR /proc/self >/dev/null; cat /proc/meminfo >/dev/null" \
		>/dev/null 2>&1
	/bin/perf script -i /tmp/p.data >/tmp/p.txt 2>/dev/null &&
		send PERF /tmp/p.txt
fi
if [ "$mod" = 1 ]; then
	sed -n 's/^[0-9a-f]* [tT] \([^ 	]*\)[ 	]*\[jmalloc\]$/\1/p' /proc/kallsyms |
		sort -u >/tmp/modsyms.txt
	send MODSYMS /tmp/modsyms.txt
fi
# The names worth a line in the trimmed function lists: the call sites'
# functions of every recording and the module's functions (a name in both
# vmlinux and the module is what --functions must call ambiguous).
cat /tmp/trace.txt /tmp/pipe.txt /tmp/tc.txt /tmp/p.txt 2>/dev/null |
	grep -o 'call_site=[^ +/]*' | cut -d= -f2 >/tmp/names.txt
[ "$mod" = 1 ] && cat /tmp/modsyms.txt >>/tmp/names.txt
# (and "=", no symbol's name: never an empty file for awk's NR == FNR)
echo '=' >>/tmp/names.txt
sort -u /tmp/names.txt -o /tmp/names.txt
# trim FIELD FILE: the lines of FILE whose FIELD-th field is a name of
# /tmp/names.txt, and every line of the module
trim() {
	awk -v f="$1" 'NR == FNR { want[$1] = 1; next }
		($f in want) || /\[jmalloc\]$/' /tmp/names.txt "$2"
}
trim 3 /proc/kallsyms >/tmp/kallsyms.txt
send KALLSYMS /tmp/kallsyms.txt
if [ -s /tmp/tcfuncs.txt ]; then
	trim 2 /tmp/tcfuncs.txt >/tmp/tcfuncs-trim.txt
	send TCFUNCS /tmp/tcfuncs-trim.txt
fi
echo "# kernel $(uname -r)"
