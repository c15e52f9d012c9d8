#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""whatif_report: the measured half of `make whatif`.

Usage: whatif_report.py [--kernel TEXT] [--ops FILE] GUEST.jsonl

Reads the replay lines jmod-bench printed in the guest (one JSON object
per replay and back end, tools/bench/jmod-bench.c) and prints, for
kmalloc and jmod side by side with their ratio: the pages taken from the
page allocator at the peak, after the run and after a jmod purge (the
median over the rounds), and the time, the sum of the kernel's per-batch
elapsed_ns (the best round).  --ops is the ops file replayed (for the
CPUs and atomic allocations trace2ops.py saw).

Exit status: 0; 1 if a replay failed or is missing; 2 on bad arguments.
Python 3 standard library only.
"""
import argparse
import json
import re
import statistics
import sys

BACKENDS = ('kmalloc', 'jmod')
ROWS = (('pages at the peak', 'pages_peak'),
        ('pages after the run', 'pages_end'),
        ('pages after a jmod purge', 'pages_purged'))


def fail(msg):
    sys.stderr.write('whatif: error: %s\n' % msg)
    sys.exit(1)


def human_ns(ns):
    for unit, div in (('s', 1e9), ('ms', 1e6), ('us', 1e3)):
        if ns >= div:
            return '%.2f %s' % (ns / div, unit)
    return '%d ns' % ns


def ratio(a, b):
    return '%.2f' % (a / b) if b > 0 and a >= 0 else '-'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('guest')
    ap.add_argument('--kernel', default='?')
    ap.add_argument('--ops')
    args = ap.parse_args()

    runs = {b: [] for b in BACKENDS}
    with open(args.guest, errors='replace') as fh:
        for line in fh:
            if not line.startswith('{'):
                continue
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get('name') == 'replay' and j.get('backend') in runs:
                runs[j['backend']].append(j)
    for b in BACKENDS:
        if not runs[b]:
            fail('no %s replay in %s' % (b, args.guest))
        for j in runs[b]:
            if j['error'] or j['done'] != j['ops']:
                fail('%s replay round %d: error %d after %d of %d ops'
                     % (b, j['round'], j['error'], j['done'], j['ops']))
    km, jm = runs['kmalloc'][0], runs['jmod'][0]

    seen = ''
    if args.ops:
        with open(args.ops) as fh:
            for line in fh:
                m = re.match(r'# cpus (\S+) ', line)
                if m:
                    seen = m.group(1)
    print('Measured: the trace replayed in QEMU, kernel %s, %d vCPUs, %s:'
          % (args.kernel, km['cpus'], km['policy']))
    copies = ' (%d interleaved copies)' % km['copies'] if km['copies'] > 1 else ''
    print('%d ops%s, %d allocations (%d atomic: GFP_ATOMIC), on %d CPUs '
          '(the trace\'s CPUs %s, modulo %d),'
          % (km['ops'], copies, km['allocs'], km['atomic_allocs'],
             km['cpus_used'], seen or km['trace_cpus'], km['cpus']))
    print('%d batches per replay, kmalloc and jmod alternating, %d replays each '
          'from a cold start; pages: median, time: best.'
          % (km['batches'], len(runs['kmalloc'])))
    print()
    print('%-26s %12s %12s %13s' % ('', 'kmalloc', 'jmod', 'jmod/kmalloc'))
    for title, key in ROWS:
        k = statistics.median(j[key] for j in runs['kmalloc'])
        v = statistics.median(j[key] for j in runs['jmod'])
        print('%-26s %12g %12g %13s' % (title, k, v, ratio(v, k)))
    kt = min(j['elapsed_ns'] for j in runs['kmalloc'])
    jt = min(j['elapsed_ns'] for j in runs['jmod'])
    print('%-26s %12s %12s %13s' % ('time (sum of batches)', human_ns(kt),
                                    human_ns(jt), ratio(jt, kt)))
    for b in BACKENDS:
        print('# %s rounds: peak %s, end %s, purged %s pages; %s ns'
              % (b, ','.join(str(j['pages_peak']) for j in runs[b]),
                 ','.join(str(j['pages_end']) for j in runs[b]),
                 ','.join(str(j['pages_purged']) for j in runs[b]),
                 ','.join(str(j['elapsed_ns']) for j in runs[b])))
    kp = statistics.median(j['pages_peak'] for j in runs['kmalloc'])
    jp = statistics.median(j['pages_peak'] for j in runs['jmod'])
    if jp > kp:
        print('jmod took %g pages more than kmalloc at the peak.' % (jp - kp))
    elif jp < kp:
        print('jmod took %g pages fewer than kmalloc at the peak.' % (kp - jp))
    else:
        print('jmod and kmalloc took the same pages at the peak.')


if __name__ == '__main__':
    main()
