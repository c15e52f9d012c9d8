#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report: turn the raw output of "make bench" into the results.

Usage: report.py --raw DIR --out DIR [--top DIR] [--no-png]
       report.py --combine OUT DIR...

Reads DIR/smp*.jsonl (one JSON object per line from tools/bench/jmod-bench
in the guest; "#" progress and "BENCH-VM:" lines are skipped) and
DIR/meta.env, takes the median over the rounds of every case and back
end, and writes to --out:

  results.json  every case with its per-back-end medians and the
                jmod/kmalloc ratios, the targets of the benchmark issue
                with the measured figure, the trace replay, the metadata
  RESULTS.md    the same as Markdown tables
  results.png   jmod/kmalloc time and footprint ratios per case
                (gnuplot, png terminal); results.gp and results.dat are
                kept next to it

--combine reads DIR/results.json of several kernels (bench/6.1, ...) and
writes OUT/results.json ({"kernels": {...}}) and OUT/RESULTS.md (the
targets of every kernel side by side, OUT/NOTES.md if there is one, i.e.
the hand-written analysis of the missed targets, and links to each
kernel's tables and chart).

Ratios are jmod / kmalloc in the same boot: below 1 means jmod is faster
or smaller.  Memory is compared with one rule for both back ends (the
kernel's JMOD_IOC_BENCH peak_bytes: live usable bytes at the peak, jmod's
class size or ksize() for kmalloc, whole pages for pages/vmalloc); jmod's
own page counter (chunks and huge pages; small classes live in
kmem_caches and are not in it) is listed as well.

Python 3 standard library only (gnuplot for the PNG).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

BACKENDS = ['jmod', 'kmalloc', 'jmod-notcache', 'pages', 'vmalloc']


def load(raw):
    rows = []
    for name in sorted(os.listdir(raw)):
        if not (name.startswith('smp') and name.endswith('.jsonl')):
            continue
        with open(os.path.join(raw, name)) as fh:
            for n, line in enumerate(fh, 1):
                line = line.strip()
                if not line.startswith('{'):
                    continue
                try:
                    rows.append(json.loads(line))
                except ValueError as e:
                    sys.stderr.write('report: %s:%d: %s\n' % (name, n, e))
    meta = {}
    path = os.path.join(raw, 'meta.env')
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                if '=' in line:
                    k, v = line.rstrip('\n').split('=', 1)
                    meta[k] = v
    return rows, meta


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


def aggregate(rows):
    """{(set, vcpus, name, threads, prof): {backend: {field: median}}}"""
    groups = {}
    info = {}
    for r in rows:
        if r.get('name') in ('meta', 'replay'):
            continue
        key = (r.get('set', ''), int(r.get('vcpus', r.get('cpus', 0))),
               r['name'], int(r.get('threads', 1)),
               r.get('prof_sample'))
        be = groups.setdefault(key, {}).setdefault(r['backend'], [])
        be.append(r)
        info.setdefault(key, r)
    out = {}
    for key, bes in groups.items():
        res = {}
        for be, rs in bes.items():
            ok = [r for r in rs if not r.get('error')]
            res[be] = {
                'rounds': len(rs),
                'errors': len(rs) - len(ok),
                'ns_per_op': med([r['ns_per_op'] for r in ok]),
                'ops_per_s': med([r['ops_per_s'] for r in ok]),
                'peak_bytes': med([r['peak_bytes'] for r in ok]),
                'peak_requested': med([r['peak_requested'] for r in ok]),
                'usable_bytes': med([r['usable_bytes'] for r in ok]),
                'requested_bytes': med([r['requested_bytes'] for r in ok]),
                'jmod_pages': med([r['mapped_peak'] - r['mapped_start']
                                   for r in ok]),
                'jmod_pages_end': med([r['mapped_end'] - r['mapped_start']
                                       for r in ok]),
                'failed': max([r['failed'] for r in rs] or [0]),
            }
            if res[be]['requested_bytes']:
                res[be]['int_frag'] = (res[be]['usable_bytes'] -
                                       res[be]['requested_bytes']) / \
                    res[be]['requested_bytes']
        out[key] = (info[key], res)
    return out


def case_list(agg):
    cases = []
    for key in sorted(agg, key=lambda k: (k[0], k[1], k[3], str(k[4]))):
        r, res = agg[key]
        k = res.get('kmalloc', {})
        c = {
            'set': key[0], 'vcpus': key[1], 'name': key[2],
            'threads': key[3], 'workload': r['workload'],
            'dist': r['dist'], 'min_size': r['min_size'],
            'max_size': r['max_size'], 'live': r['live'],
            'cpu_mask': r['cpu_mask'], 'ops': r['ops'],
            'backends': res,
            'ratio': {},
        }
        if key[4] is not None:
            c['prof_sample'] = int(key[4])
        for be in BACKENDS:
            if be == 'kmalloc' or be not in res:
                continue
            c['ratio'][be] = {
                'time': ratio(res[be]['ns_per_op'], k.get('ns_per_op')),
                'peak': ratio(res[be]['peak_bytes'], k.get('peak_bytes')),
            }
        cases.append(c)
    return cases


def find(cases, name, set_=None, vcpus=None, threads=None, prof=None):
    for c in cases:
        if c['name'] != name:
            continue
        if set_ is not None and c['set'] != set_:
            continue
        if vcpus is not None and c['vcpus'] != vcpus:
            continue
        if threads is not None and c['threads'] != threads:
            continue
        if prof is not None and c.get('prof_sample') != prof:
            continue
        return c
    return None


def be_field(c, be, field):
    if not c or be not in c['backends']:
        return None
    return c['backends'][be].get(field)


def targets(cases, main_smp):
    t = []

    def add(what, goal, cmp, value, detail):
        met = None
        if value is not None:
            met = value <= goal if cmp == '<=' else value >= goal
        t.append({'target': what, 'goal': '%s %g' % (cmp, goal),
                  'measured': value, 'met': met, 'detail': detail})

    main = [c for c in cases if c['set'] == 'main' and c['vcpus'] == main_smp]

    def r(name, kind, be='jmod'):
        c = next((c for c in main if c['name'] == name), None)
        return c['ratio'].get(be, {}).get(kind) if c else None

    add('64 B pair time, jmod/kmalloc', 0.8, '<=', r('pair-64', 'time'),
        'pair-64')
    batch = [(c['name'], c['ratio'].get('jmod', {}).get('time'))
             for c in main if c['workload'] == 'batch']
    batch = [(n, v) for n, v in batch if v is not None]
    worst = max(batch, key=lambda x: x[1]) if batch else (None, None)
    add('batch 8 B..8 KiB time, jmod/kmalloc (worst size)', 1.0, '<=',
        worst[1], 'worst: %s; all: %s' % (worst[0], ', '.join(
            '%s %.2f' % (n, v) for n, v in batch)))
    lp = [(c['name'], c['ratio'].get('jmod', {}).get('time'))
          for c in main if c['name'].startswith('large-pair')]
    lp = [(n, v) for n, v in lp if v is not None]
    worst = max(lp, key=lambda x: x[1]) if lp else (None, None)
    add('large pairs time, jmod/kmalloc (worst size)', 0.5, '<=', worst[1],
        'worst: %s; all: %s' % (worst[0], ', '.join(
            '%s %.2f' % (n, v) for n, v in lp)))
    add('footprint, uniform 1 B..16 KiB, jmod/kmalloc', 0.8, '<=',
        r('random-uniform-1-16k', 'peak'), 'random-uniform-1-16k peak_bytes')
    add('footprint, uniform 16 KiB..1 MiB, jmod/kmalloc', 0.7, '<=',
        r('large-random-16k-1m', 'peak'), 'large-random-16k-1m peak_bytes')
    one = find(cases, 'scale-pair-64', 'scaling', 1, 1)
    two = find(cases, 'scale-pair-64', 'scaling', 2, 2)
    add('jmod throughput, 2 vCPUs / 1 vCPU (pair 64 B)', 1.8, '>=',
        ratio(be_field(two, 'jmod', 'ops_per_s'),
              be_field(one, 'jmod', 'ops_per_s')),
        'scale-pair-64: 2 threads on 2 vCPUs vs 1 thread on 1 vCPU')
    rem = next((c for c in main if c['name'] == 'remote-64'), None)
    loc = next((c for c in main if c['name'] == 'local-64'), None)
    add('jmod remote free / local free time (64 B)', 1.5, '<=',
        ratio(be_field(rem, 'jmod', 'ns_per_op'),
              be_field(loc, 'jmod', 'ns_per_op')),
        'remote-64 vs local-64, ns per op')
    off = find(cases, 'prof-pair-64', 'prof', prof=0)
    on = [c for c in cases if c['name'] == 'prof-pair-64' and
          c.get('prof_sample') and c.get('prof_sample') != 1 << 30]
    armed = find(cases, 'prof-pair-64', 'prof', prof=1 << 30)
    add('64 B pair, profiler armed but not sampling / off (jmod)', 1.02,
        '<=', ratio(be_field(armed, 'jmod', 'ns_per_op'),
                    be_field(off, 'jmod', 'ns_per_op')),
        'prof-pair-64, prof_sample 1 GiB vs 0')
    on = on[0] if on else None
    pr = ratio(be_field(on, 'jmod', 'ns_per_op'),
               be_field(off, 'jmod', 'ns_per_op'))
    add('64 B pair with profiling on / off (jmod)', 1.02, '<=', pr,
        'prof-pair-64, prof_sample %s vs 0' %
        (on.get('prof_sample') if on else '?'))
    return t


def replay_summary(rows):
    rs = [r for r in rows if r.get('name') == 'replay']
    if not rs:
        return None
    out = {'trace': rs[0].get('trace'), 'count': rs[0].get('count'),
           'allocs': rs[0].get('allocs'),
           'requested_bytes': rs[0].get('requested_bytes'),
           'rounds': 1 + max(r['round'] for r in rs), 'backends': {}}
    for be in ('jmod', 'kmalloc'):
        ok = [r['elapsed_ns'] for r in rs
              if r['backend'] == be and not r.get('error')]
        out['backends'][be] = {
            'median_ns': med(ok), 'best_ns': min(ok) if ok else None,
            'errors': len([r for r in rs if r['backend'] == be and
                           r.get('error')])}
    out['ratio_time'] = ratio(out['backends']['jmod']['median_ns'],
                              out['backends']['kmalloc']['median_ns'])
    return out


def fmt(v, spec='%.2f'):
    return '-' if v is None else spec % v


def human(b):
    if b is None:
        return '-'
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if b < 1024 or unit == 'GiB':
            return ('%.0f %s' if unit == 'B' else '%.1f %s') % (b, unit)
        b /= 1024.0
    return str(b)


def markdown(doc):
    m = doc['meta']
    out = ['# jmod benchmark results', '',
           'Kernel %s (%s), QEMU TCG; vCPU counts %s (everything but the '
           'thread scaling on %s vCPUs); %s rounds per case, median shown; '
           'ops scale %s; %s s in all.  Generated %s by `%s`.' % (
               m.get('kernel', '?'), m.get('kver', '?'), m.get('smp', '?'),
               m.get('main_smp', '?'), m.get('rounds', '?'),
               m.get('scale', '?'), m.get('seconds', '?'),
               doc['generated'], doc['command']),
           '',
           'Ratios are **jmod ÷ kmalloc in the same boot** (below 1: jmod '
           'is faster or smaller).  Absolute times under TCG mean nothing.  '
           'Time is ns per op (one op = one allocation and its free; CPU '
           'time summed over threads / ops).  Footprint is the peak of '
           'live usable bytes by one rule for every back end (jmod: class '
           'size; kmalloc: `ksize()`, i.e. the slab object up to 8 KiB and '
           '`PAGE_SIZE << order` above; pages/vmalloc: whole pages).  '
           '"jmod pages" is jmod\'s own counter (chunks and huge pages; '
           'small classes live in kmem_caches and are not in it) at the '
           'peak and at the end of the run (cached, retained), minus the '
           'start.  Internal fragmentation is (usable - requested) / '
           'requested over all allocations.', '',
           '## Targets', '',
           '| target | goal | measured | met | detail |',
           '|---|---|---|---|---|']
    for t in doc['targets']:
        out.append('| %s | %s | %s | %s | %s |' % (
            t['target'], t['goal'], fmt(t['measured']),
            {True: 'yes', False: '**no**', None: 'n/a'}[t['met']],
            t['detail']))
    out += ['', '## Cases', '',
            '| set | vCPUs | case | threads | jmod ns/op | kmalloc ns/op '
            '| time jmod/kmalloc | notcache/kmalloc | pages/kmalloc '
            '| vmalloc/kmalloc | footprint jmod/kmalloc | jmod peak '
            '| kmalloc peak | jmod pages peak / end | int. frag jmod / kmalloc |',
            '|' + '---|' * 15]
    for c in doc['cases']:
        b = c['backends']
        rt = c['ratio']
        name = c['name']
        if 'prof_sample' in c:
            name += ' (prof_sample %d)' % c['prof_sample']
        out.append('| %s | %d | %s | %d | %s | %s | %s | %s | %s | %s | %s '
                   '| %s | %s | %s / %s | %s / %s |' % (
                       c['set'], c['vcpus'], name, c['threads'],
                       fmt(be_field(c, 'jmod', 'ns_per_op'), '%.0f'),
                       fmt(be_field(c, 'kmalloc', 'ns_per_op'), '%.0f'),
                       fmt(rt.get('jmod', {}).get('time')),
                       fmt(rt.get('jmod-notcache', {}).get('time')),
                       fmt(rt.get('pages', {}).get('time')),
                       fmt(rt.get('vmalloc', {}).get('time')),
                       fmt(rt.get('jmod', {}).get('peak')),
                       human(be_field(c, 'jmod', 'peak_bytes')),
                       human(be_field(c, 'kmalloc', 'peak_bytes')),
                       fmt(be_field(c, 'jmod', 'jmod_pages'), '%.0f'),
                       fmt(be_field(c, 'jmod', 'jmod_pages_end'), '%.0f'),
                       fmt(be_field(c, 'jmod', 'int_frag')),
                       fmt(be_field(c, 'kmalloc', 'int_frag'))))
    rp = doc.get('replay')
    if rp:
        out += ['', '## Trace replay', '',
                'Trace `%s`: %s ops, %s allocations, %s requested; '
                'JMOD_IOC_BATCH on each back end, %s rounds '
                'interleaved.' % (rp['trace'], rp['count'], rp['allocs'],
                                  human(rp['requested_bytes']),
                                  rp['rounds']), '',
                '| back end | median ns | best ns |', '|---|---|---|']
        for be, v in rp['backends'].items():
            out.append('| %s | %s | %s |' % (be, fmt(v['median_ns'], '%.0f'),
                                             fmt(v['best_ns'], '%.0f')))
        out += ['', 'jmod/kmalloc (median): %s' % fmt(rp['ratio_time'])]
    errs = [(c['name'], be) for c in doc['cases']
            for be, v in c['backends'].items() if v['errors'] or v['failed']]
    if errs:
        out += ['', '**Errors or failed allocations:** ' +
                ', '.join('%s/%s' % e for e in errs)]
    out += ['', '![jmod/kmalloc ratios](results.png)', '']
    return '\n'.join(out)


def chart(doc, outdir):
    main_smp = int(doc['meta'].get('main_smp', 2))
    rows = [c for c in doc['cases']
            if c['set'] == 'main' and c['vcpus'] == main_smp and
            c['ratio'].get('jmod', {}).get('time') is not None]
    dat = os.path.join(outdir, 'results.dat')
    with open(dat, 'w') as fh:
        fh.write('# case time_jmod time_notcache peak_jmod\n')
        for c in rows:
            rt = c['ratio']
            fh.write('%s %s %s %s\n' % (
                c['name'], fmt(rt['jmod']['time'], '%.4f'),
                fmt(rt.get('jmod-notcache', {}).get('time'), '%.4f'),
                fmt(rt['jmod'].get('peak'), '%.4f')))
    gp = os.path.join(outdir, 'results.gp')
    with open(gp, 'w') as fh:
        fh.write('''# gnuplot script written by tools/bench/report.py
set terminal png size 1400,700 font ",10"
set output "results.png"
set title "jmod / kmalloc in the same boot (%s, %d vCPUs; below 1 = jmod better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set datafile missing "-"
set xtics rotate by -45 scale 0 font ",9"
set ylabel "ratio (log scale)"
set logscale y
set yrange [0.01:100]
set grid ytics
set key top left
plot "results.dat" using 2:xtic(1) title "time jmod/kmalloc", \\
     "" using 3 title "time jmod-notcache/kmalloc", \\
     "" using 4 title "footprint jmod/kmalloc", \\
     1 with lines lw 2 lc rgb "black" notitle
''' % (doc['meta'].get('kver', '?'), main_smp))
    if not shutil.which('gnuplot'):
        sys.stderr.write('report: gnuplot not found (apt-get install '
                         'gnuplot-nox): no results.png\n')
        return False
    subprocess.run(['gnuplot', 'results.gp'], cwd=outdir, check=True)
    return True


def combine(out, dirs):
    docs = {}
    for d in dirs:
        with open(os.path.join(d, 'results.json')) as fh:
            doc = json.load(fh)
        docs[doc['meta'].get('kernel') or os.path.basename(d)] = (d, doc)
    kernels = list(docs)
    with open(os.path.join(out, 'results.json'), 'w') as fh:
        json.dump({'schema': 1, 'kernels': {k: docs[k][1] for k in kernels}},
                  fh, indent=1, sort_keys=True)
        fh.write('\n')
    md = ['# jmod benchmark results', '',
          'jmod ÷ kmalloc, measured in the same boot of each kernel under '
          'QEMU TCG (below 1: jmod is faster or smaller).  Reproduce with '
          '`make bench` (about %s minutes here; `BENCH_SCALE=0.2` for a '
          'quick look).  Per-kernel tables and charts: %s.' % (
              round(sum(int(docs[k][1]['meta'].get('seconds', 0))
                        for k in kernels) / 60.0),
              ', '.join('[%s](%s/RESULTS.md)' % (
                  k, os.path.relpath(docs[k][0], out)) for k in kernels)),
          '', '## Targets', '',
          '| target | goal | ' + ' | '.join('Linux %s' % k for k in kernels) +
          ' |', '|---|---|' + '---|' * len(kernels)]
    first = docs[kernels[0]][1]['targets']
    for i, t in enumerate(first):
        cells = []
        for k in kernels:
            tt = docs[k][1]['targets'][i]
            cells.append('%s%s' % (fmt(tt['measured']),
                                   '' if tt['met'] is not False
                                   else ' (**missed**)'))
        md.append('| %s | %s | %s |' % (t['target'], t['goal'],
                                        ' | '.join(cells)))
    md += ['', '| trace replay, time jmod/kmalloc | | ' + ' | '.join(
        fmt((docs[k][1].get('replay') or {}).get('ratio_time'))
        for k in kernels) + ' |', '']
    notes = os.path.join(out, 'NOTES.md')
    if os.path.exists(notes):
        with open(notes) as fh:
            md += [fh.read().rstrip('\n'), '']
    for k in kernels:
        md += ['## Linux %s' % k, '',
               '![jmod/kmalloc ratios on %s](%s/results.png)' % (
                   k, os.path.relpath(docs[k][0], out)), '']
    with open(os.path.join(out, 'RESULTS.md'), 'w') as fh:
        fh.write('\n'.join(md))
    print('report: %s/results.json, RESULTS.md (%s)' % (out,
                                                        ', '.join(kernels)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--combine', nargs='+', metavar='DIR')
    ap.add_argument('--raw')
    ap.add_argument('--out')
    ap.add_argument('--top', default='.')
    ap.add_argument('--command', default='make bench')
    ap.add_argument('--no-png', action='store_true')
    args = ap.parse_args()

    if args.combine:
        combine(args.combine[0], args.combine[1:])
        return
    if not args.raw or not args.out:
        ap.error('--raw and --out are required')
    rows, meta = load(args.raw)
    if not rows:
        sys.exit('report: no results in %s/smp*.jsonl' % args.raw)
    cases = case_list(aggregate(rows))
    main_smp = int(meta.get('main_smp', 2))
    doc = {
        'schema': 1,
        'generated': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        'command': args.command,
        'meta': meta,
        'targets': targets(cases, main_smp),
        'cases': cases,
        'replay': replay_summary(rows),
        'guest': [r for r in rows if r.get('name') == 'meta'],
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'results.json'), 'w') as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write('\n')
    md = markdown(doc)
    with open(os.path.join(args.out, 'RESULTS.md'), 'w') as fh:
        fh.write(md)
    if not args.no_png:
        chart(doc, args.out)
    # the targets on the terminal
    print('jmod benchmark (%s): jmod/kmalloc, same boot' % meta.get('kver'))
    for t in doc['targets']:
        print('  %-52s %-7s %8s  %s' % (
            t['target'], t['goal'], fmt(t['measured']),
            {True: 'met', False: 'MISSED', None: 'n/a'}[t['met']]))
    if doc['replay']:
        print('  %-52s %-7s %8s' % ('trace replay time', '',
                                    fmt(doc['replay']['ratio_time'])))
    print('report: %s/results.json, RESULTS.md, results.png' % args.out)


if __name__ == '__main__':
    main()
