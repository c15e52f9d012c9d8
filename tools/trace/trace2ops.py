#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""trace2ops: turn a kmem trace into a jmod ops file.

Usage: trace2ops.py [-o OUT] [--format v1|v2] [--max-ops N] [--raw-out FILE] INPUT

INPUT is a trace of kmem:kmalloc, kmem:kmalloc_node and kmem:kfree
events (plain or .gz) in one of the text formats users have: the tracefs
"trace" / "trace_pipe" file (6.1 and 6.12+ field layouts), "trace-cmd
report" and "perf script" output; or the output of tools/trace/capture.sh
(the gzip'ed trace in base64 between TRACE-BEGIN and TRACE-END); or "-"
for stdin.  The ops format is described in tools/trace/FORMAT.md:

  * every kmalloc of a non-NULL pointer with bytes_req > 0 becomes
    "a SLOT SIZE" (SIZE = bytes_req), the pointer is mapped to the lowest
    free slot;
  * a kfree of a live pointer becomes "f SLOT" and frees the slot; frees
    of unknown pointers (allocated before the trace started, NULL,
    ZERO_SIZE_PTR) are dropped;
  * a kmalloc returning a pointer that is still live (its free was not
    traced, e.g. kfree_rcu() batches, kmem_cache_free() of a kmalloc
    object) first frees the old slot (on the CPU of that kmalloc);
  * objects still live at the end (or when --max-ops is reached) are
    freed at the end, so a replay leaves nothing behind;
  * v2 (the default) adds "cN", the CPU column of the event (every
    supported format has one), to every op taken from an event, and "A"
    to an allocation whose gfp_flags cannot sleep (no direct reclaim:
    GFP_ATOMIC, GFP_NOWAIT, ...).  An event without gfp_flags (no format
    seen so far lacks it) counts as one that can sleep.  --format v1
    writes the old two-field lines (what `jmodctl replay` reads).

Exit status: 0; 1 on an unreadable INPUT; 2 on bad arguments or an INPUT
with no kmalloc event (the message names the formats).

Python 3 standard library only.
"""
import argparse
import base64
import gzip
import heapq
import io
import re
import sys
import zlib

# tracefs and trace-cmd name the event "kmalloc:", perf "kmem:kmalloc:"
EVENT = re.compile(r':\s+(?:kmem:)?(kmalloc|kmalloc_node|kfree):\s+(.*)$')
FIELD = re.compile(r'(\w+)=(\S+)')
# the CPU column, " [001] ", before the event (the first such one)
CPU = re.compile(r'(?:^|\s)\[(\d+)\]\s')
FORMATS = ('tracefs trace/trace_pipe text, trace-cmd report text, '
           'perf script text')

# gfp_flags names that include __GFP_DIRECT_RECLAIM, i.e. may sleep
# (include/trace/events/mmflags.h prints the composite names first):
# GFP_KERNEL_ACCOUNT and GFP_HIGHUSER_MOVABLE are tokens of their own.
SLEEPING = {'GFP_KERNEL', 'GFP_KERNEL_ACCOUNT', 'GFP_NOFS', 'GFP_NOIO',
            'GFP_USER', 'GFP_HIGHUSER', 'GFP_HIGHUSER_MOVABLE',
            'GFP_TRANSHUGE', '__GFP_RECLAIM', '__GFP_DIRECT_RECLAIM'}
GFP_DIRECT_RECLAIM = 0x400      # ___GFP_DIRECT_RECLAIM, 6.1 to 7.x


def read_text(path):
    data = sys.stdin.buffer.read() if path == '-' else open(path, 'rb').read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    text = data.decode('utf-8', 'replace')
    if 'TRACE-BEGIN' in text:
        lines = text.splitlines()
        begin = next(i for i, l in enumerate(lines) if l.startswith('TRACE-BEGIN'))
        end = next(i for i, l in enumerate(lines) if l.startswith('TRACE-END'))
        header = lines[begin]
        blob = base64.b64decode(''.join(l.strip() for l in lines[begin + 1:end]))
        text = gzip.decompress(blob).decode('utf-8', 'replace')
        return text, header
    return text, None


def is_null(ptr):
    try:
        return int(ptr, 16) <= 0x10    # NULL, ZERO_SIZE_PTR
    except ValueError:
        return True


def can_sleep(gfp):
    """gfp_flags text -> True if the allocation may sleep.

    None (no gfp_flags field) counts as sleepable; a number (a trace
    written without the print format) is tested for the direct-reclaim
    bit.
    """
    if gfp is None:
        return True
    if gfp.startswith('0x'):
        try:
            return bool(int(gfp, 16) & GFP_DIRECT_RECLAIM)
        except ValueError:
            return True
    return any(tok in SLEEPING for tok in gfp.split('|'))


def convert(text, max_ops, v2=True):
    live = {}          # ptr -> slot
    free_slots = []    # heap of freed slot numbers
    next_slot = 0
    ops = []
    st = dict(events=0, kmalloc=0, kfree=0, dropped_free=0, null_alloc=0,
              implicit_free=0, end_free=0, truncated=0, max_live=0,
              bytes_req=0, max_size=0, atomic=0, no_gfp=0, no_cpu=0,
              other_lines=0)
    cpus = set()

    def take_slot():
        nonlocal next_slot
        if free_slots:
            return heapq.heappop(free_slots)
        next_slot += 1
        return next_slot - 1

    def free_ptr(ptr, cpu_tag=''):
        slot = live.pop(ptr)
        heapq.heappush(free_slots, slot)
        ops.append('f %d%s' % (slot, cpu_tag))

    for line in text.splitlines():
        if line.startswith('#') or not line.strip():
            continue
        m = EVENT.search(line)
        if not m:
            st['other_lines'] += 1
            continue
        st['events'] += 1
        ev = m.group(1)
        f = dict(FIELD.findall(m.group(2)))
        ptr = f.get('ptr', '0')
        c = CPU.search(line, 0, m.start() + 1)
        cpu_tag = ''
        if c:
            cpus.add(int(c.group(1)))
            if v2:
                cpu_tag = ' c%d' % int(c.group(1))
        else:
            st['no_cpu'] += 1
        if ev == 'kfree':
            st['kfree'] += 1
            if ptr in live:
                free_ptr(ptr, cpu_tag)
            else:
                st['dropped_free'] += 1
        else:
            st['kmalloc'] += 1
            size = int(f.get('bytes_req', '0'))
            if is_null(ptr) or size <= 0:
                st['null_alloc'] += 1
                continue
            # room for this alloc, a possible implicit free, and the
            # frees at the end
            if max_ops and len(ops) + len(live) + 3 > max_ops:
                st['truncated'] = 1
                break
            if ptr in live:
                st['implicit_free'] += 1
                free_ptr(ptr, cpu_tag)
            gfp = f.get('gfp_flags')
            st['no_gfp'] += gfp is None
            atomic = not can_sleep(gfp)
            st['atomic'] += atomic
            slot = take_slot()
            live[ptr] = slot
            ops.append('a %d %d%s%s' % (slot, size, cpu_tag,
                                        ' A' if atomic and v2 else ''))
            st['bytes_req'] += size
            st['max_size'] = max(st['max_size'], size)
            st['max_live'] = max(st['max_live'], len(live))
    st['end_free'] = len(live)
    for ptr in sorted(live, key=live.get):
        free_ptr(ptr)
    st['ops'] = len(ops)
    st['allocs'] = sum(1 for o in ops if o[0] == 'a')
    st['slots'] = next_slot
    st['cpus'] = ','.join(str(c) for c in sorted(cpus)) or 'none'
    return ops, st


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('input')
    ap.add_argument('-o', '--output', default='-')
    ap.add_argument('--format', choices=('v1', 'v2'), default='v2',
                    help='v2 (default): with the CPU and atomic fields')
    ap.add_argument('--max-ops', type=int, default=0,
                    help='stop adding allocations so the file has at most N ops')
    ap.add_argument('--raw-out', help='also write the decoded trace (gzip if .gz)')
    ap.add_argument('--source', default='', help='text for the header comment')
    args = ap.parse_args()

    try:
        text, header = read_text(args.input)
    except (OSError, EOFError, ValueError, StopIteration, zlib.error) as e:
        sys.stderr.write('trace2ops: %s: %s\n' % (args.input, e))
        sys.exit(1)
    if args.raw_out:
        raw = text.encode()
        if args.raw_out.endswith('.gz'):
            raw = gzip.compress(raw, 9, mtime=0)
        with open(args.raw_out, 'wb') as fh:
            fh.write(raw)
    ops, st = convert(text, args.max_ops, args.format == 'v2')
    if not st['kmalloc']:
        sys.stderr.write('trace2ops: %s: no kmalloc event (%d events, %d other '
                         'lines); the formats: %s\n'
                         % (args.input, st['events'], st['other_lines'], FORMATS))
        sys.exit(2)
    out = io.StringIO()
    out.write('# jmod ops trace %s (tools/trace/FORMAT.md)\n' % args.format)
    if args.source:
        out.write('# source: %s\n' % args.source)
    if header:
        out.write('# capture: %s\n' % header)
    out.write('# events %(events)d: kmalloc %(kmalloc)d kfree %(kfree)d; '
              'dropped: %(dropped_free)d frees of unknown pointers, '
              '%(null_alloc)d NULL/zero-size allocs; %(other_lines)d other lines\n' % st)
    out.write('# cpus %(cpus)s (events without a CPU column: %(no_cpu)d); '
              'atomic allocs %(atomic)d, allocs without gfp_flags %(no_gfp)d '
              '(counted as sleeping)\n' % st)
    out.write('# ops %(ops)d: allocs %(allocs)d, implicit frees %(implicit_free)d, '
              'frees at the end %(end_free)d, truncated %(truncated)d\n' % st)
    out.write('# slots %(slots)d, max live %(max_live)d, bytes requested '
              '%(bytes_req)d, largest %(max_size)d\n' % st)
    out.write('\n'.join(ops))
    out.write('\n')
    if args.output == '-':
        sys.stdout.write(out.getvalue())
    else:
        with open(args.output, 'w') as fh:
            fh.write(out.getvalue())
    sys.stderr.write('trace2ops: %(events)d events -> %(ops)d ops '
                     '(%(allocs)d allocs, %(slots)d slots, max live %(max_live)d)\n' % st)


if __name__ == '__main__':
    main()
