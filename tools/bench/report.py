#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report: turn the raw output of "make bench" into the results.

Usage: report.py --raw DIR --out DIR [--top DIR] [--no-png]
       report.py --combine OUT DIR...

Reads DIR/smp*.jsonl (one JSON object per line from tools/bench/jmod-bench
in the guest; lines not starting with "{", i.e. "#" progress and
"BENCH-VM:" lines, are skipped; smp2-noinit.jsonl of the second boot is
read like the others) and DIR/meta.env, takes the median over the rounds
of every case and back end, and writes to --out:

  results.json  every case with its per-back-end medians and the
                jmod/kmalloc ratios, the targets of the benchmark issue
                with the measured figure, the trace replay, the metadata
  RESULTS.md    the same as Markdown tables, one set per policy
  results.png   jmod/kmalloc time, pages-at-peak and object-level ratios
                per case of the main set under the headline policy
                (gnuplot, png terminal); results.gp and results.dat are
                kept next to it.  Without gnuplot (or with --no-png) there
                is no PNG; the rest is written all the same.

Policies.  Every result line carries "policy", the kernel's zeroing
policy during the run ("init_on_alloc=1 init_on_free=0", ...), and a
"boot" tag: "default" for the boots with init_on_alloc=1 (what Debian
users run: the headline), "noinit" for the second boot with
init_on_alloc=0 that runs the main set and the replay again.  Older raw
data without them counts as the default boot, under init_on_alloc=1
(init_on_alloc=0 if tagged boot=noinit).  Medians are taken per
(policy, boot, set, vCPUs, case, threads, prof_sample): the two boots
never mix.  Lines without the set tag (jmod-bench run by hand) count as
"scaling" for scale-*, "prof" with a prof_sample, "main" otherwise; the
vCPU count falls back on "cpus".  Policies are listed headline first
(init_on_alloc=1, then init_on_alloc=0, then any other).  If one
policy was measured by two boots (e.g. a kernel ignoring
init_on_alloc=0), both boots' cases are listed, and the targets and the
replay of that policy use the default boot's.

Measures.  Ratios are jmod / kmalloc in the same boot: below 1 means
jmod is faster or smaller.
  time      ns_per_op (CPU time per op summed over threads; one op = one
            allocation and its free)
  pages     THE footprint: pages_peak, pages (4 KiB) taken from the page
            allocator at the peak of the run (drop of free pages, per-CPU
            lists included, below the level before the run), measured
            the same way for every back end, each run started cold (all
            slab caches shrunk, jmod purged).  pages_end: the drop after
            the run (what the back end keeps cached); pages_purged: after
            jmod's purge following the run (the same measurement for
            kmalloc, which cannot purge).  slab_pages_peak/_end is a
            cross-check (unreclaimable slab + jmod's chunk and huge
            pages; misses the pages/vmalloc back ends).  Any of these may
            be negative (pages freed by others during the run).
  object    object-level, NOT a footprint: peak_bytes, the usable bytes
            live at the peak from the size alone (jmod's class size,
            kmalloc_size_roundup() for kmalloc, whole pages for pages/vmalloc).
  int_frag  (usable - requested) / requested over all allocations.

results.json (schema 2):
  schema, generated, command, meta (meta.env), guest (the "meta" lines),
  policies  [policy strings present, headline first]
  boots     {policy: [boot tags of its rows]}
  policy_assumed  true if some lines had no "policy" (older raw data)
  cases     [{policy, boot, set, vcpus, name, threads, [prof_sample],
              workload, dist, min_size, max_size, live, cpu_mask, ops,
              backends: {backend: {rounds, errors, failed, ns_per_op,
                ops_per_s, pages_peak, pages_end, pages_purged,
                slab_pages_peak, slab_pages_end, peak_bytes,
                peak_requested, usable_bytes, requested_bytes, [int_frag],
                jmod_pages, jmod_pages_end (jmod's own counter, mapped_*
                minus start)}},
              ratio: {backend: {time, pages, pages_end, object}}}]
              (pages/pages_end are None when kmalloc's figure is <= 0)
  targets   {policy: [{id, target, goal, measured, met (true/false/null),
              detail, policy}]}, one list per policy present
  replay    {policy: {policy, boot, trace, count, copies, ops, allocs,
              requested_bytes, peak_requested (live requested bytes at the
              peak of all copies), slots, rounds,
              backends: {jmod|kmalloc: {rounds, errors, median_ns,
                best_ns, ns_per_op, pages_peak, pages_end, pages_purged,
                slab_pages_peak, slab_pages_end, pages_peak_mib,
                pages_end_mib, pages_purged_mib}},
              ratio_time, ratio_pages, ratio_pages_end}}  (null if none)
  whatif    {policy: {policy, boot, vcpus, off, cases: [{name, label,
              workload, dist, min_size, max_size, ops, live,
              phases: {before|on|after: {rounds, errors, ns_per_op}},
              counted_kmallocs, counted_kfrees (the fewest the probes
              counted in one run with them on), round_ratios (on / off
              per round, off the better of its before and after),
              off_best ({before: N, after: N}: which was better, in how
              many rounds), ratio (median of round_ratios), drift (after
              / before medians), failed}]}}  (null if none)

The live what-if group (jmod-bench --group whatif, lines with a
"whatif" member: "before", "on", "after") is not a jmod/kmalloc case:
it times kmalloc back-end runs with jmod's probes on the kmem
tracepoints off, on, and off again, back to back, in the same boot.
Its ratio is the median over the rounds of on / off, "off" the better
(lower) of the round's before and after, so host drift between the
phases can only raise it.
It is listed in the targets without a goal (issue 17 sets none) and in
a table of its own; a run whose probes counted fewer kmallocs or kfrees
than it made is an error, and such a case has no ratio.

--combine reads DIR/results.json of several kernels (bench/6.1, ...) and
writes OUT/results.json ({"schema": 2, "policies": [...], "kernels":
{kernel: results.json}}) and OUT/RESULTS.md (the targets of every kernel
side by side, one table per policy, headline first; OUT/NOTES.md if
there is one, i.e. the hand-written analysis of the missed targets; and
links to each kernel's tables and chart).  Schema 1 inputs (targets a
plain list) are read as init_on_alloc=1.

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
HEADLINE = 'init_on_alloc=1 init_on_free=0'
NOINIT = 'init_on_alloc=0 init_on_free=0'
PAGE = 4096
SCHEMA = 2
FIELDS = ['ns_per_op', 'ops_per_s', 'pages_peak', 'pages_end',
          'pages_purged', 'slab_pages_peak', 'slab_pages_end', 'peak_bytes',
          'peak_requested', 'usable_bytes', 'requested_bytes']
REPLAY_FIELDS = ['ns_per_op', 'pages_peak', 'pages_end', 'pages_purged',
                 'slab_pages_peak', 'slab_pages_end']
WHATIF_PHASES = ['before', 'on', 'after']
# the whatif cases of the targets table, every policy alike
WHATIF_TARGETS = ['whatif-pair-64', 'whatif-pair-640', 'whatif-random-kernel']


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


def row_boot(r):
    return r.get('boot') or 'default'


def row_policy(r):
    p = r.get('policy')
    if p:
        return p
    return NOINIT if row_boot(r) == 'noinit' else HEADLINE


def row_set(r):
    """The set tag; untagged lines (a guest run by hand) by the case."""
    if r.get('set'):
        return r['set']
    if r.get('name', '').startswith('scale-'):
        return 'scaling'
    if 'whatif' in r:
        return 'whatif'
    if 'prof_sample' in r:
        return 'prof'
    return 'main'


def policy_rank(p):
    return (p != HEADLINE, p != NOINIT, p)


def order_policies(ps):
    return sorted(set(ps), key=policy_rank)


def boot_rank(b):
    return (b != 'default', b)


def num(v):
    """A number from a JSON field (ints, floats, numeric strings)."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


def ratio_pos(a, b):
    """a / b for page counts: None unless b > 0."""
    if a is None or b is None or b <= 0:
        return None
    return a / b


def aggregate(rows):
    """{(policy, boot, set, vcpus, name, threads, prof):
        (first row, {backend: {field: median}})}"""
    groups = {}
    info = {}
    for r in rows:
        if r.get('name') in ('meta', 'replay') or 'whatif' in r:
            continue
        key = (row_policy(r), row_boot(r), row_set(r),
               int(r.get('vcpus', r.get('cpus', 0))),
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
            v = {'rounds': len(rs), 'errors': len(rs) - len(ok),
                 'failed': max([num(r.get('failed')) or 0 for r in rs] or
                               [0])}
            for f in FIELDS:
                v[f] = med([num(r.get(f)) for r in ok])

            def mapped(r, f):
                a, s = num(r.get(f)), num(r.get('mapped_start'))
                return a - s if a is not None and s is not None else None
            v['jmod_pages'] = med([mapped(r, 'mapped_peak') for r in ok])
            v['jmod_pages_end'] = med([mapped(r, 'mapped_end') for r in ok])
            if v['requested_bytes'] and v['usable_bytes'] is not None:
                v['int_frag'] = (v['usable_bytes'] - v['requested_bytes']) / \
                    v['requested_bytes']
            res[be] = v
        out[key] = (info[key], res)
    return out


def case_list(agg):
    cases = []
    for key in sorted(agg, key=lambda k: (policy_rank(k[0]), boot_rank(k[1]),
                                          k[2], k[3], k[5], str(k[6]))):
        r, res = agg[key]
        k = res.get('kmalloc', {})
        c = {
            'policy': key[0], 'boot': key[1],
            'set': key[2], 'vcpus': key[3], 'name': key[4],
            'threads': key[5], 'workload': r.get('workload'),
            'dist': r.get('dist'), 'min_size': r.get('min_size'),
            'max_size': r.get('max_size'), 'live': r.get('live'),
            'cpu_mask': r.get('cpu_mask'), 'ops': r.get('ops'),
            'backends': res,
            'ratio': {},
        }
        if key[6] is not None:
            c['prof_sample'] = int(key[6])
        for be in BACKENDS:
            if be == 'kmalloc' or be not in res:
                continue
            c['ratio'][be] = {
                'time': ratio(res[be]['ns_per_op'], k.get('ns_per_op')),
                'pages': ratio_pos(res[be]['pages_peak'],
                                   k.get('pages_peak')),
                'pages_end': ratio_pos(res[be]['pages_end'],
                                       k.get('pages_end')),
                'object': ratio(res[be]['peak_bytes'], k.get('peak_bytes')),
            }
        cases.append(c)
    return cases


def preferred_boot(items):
    boots = sorted({i['boot'] for i in items}, key=boot_rank)
    return boots[0] if boots else None


def policy_cases(cases, policy):
    """The cases of @policy, of one boot (the default boot if it has any)."""
    pc = [c for c in cases if c['policy'] == policy]
    b = preferred_boot(pc)
    return [c for c in pc if c['boot'] == b]


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


def pages_h(p):
    """A page count with its size: '1836 (7.2 MiB)'."""
    if p is None:
        return '-'
    return '%s (%s)' % (fmt(p, '%.0f'), human(p * PAGE))


def targets(cases, main_smp, policy, rp, ws=None):
    """The targets of the speed-and-pages issue under @policy; @rp: the
    replay summary of @policy (or None); @ws: the whatif summary (or
    None), rows without a goal."""
    t = []

    def add(tid, what, goal, cmp, value, detail, why=None):
        met = None
        if value is not None:
            met = value <= goal if cmp == '<=' else value >= goal
        else:
            detail += ' (%s)' % (why or 'no data under this policy')
        t.append({'id': tid, 'target': what, 'goal': '%s %g' % (cmp, goal),
                  'measured': value, 'met': met, 'detail': detail,
                  'policy': policy})

    pc = policy_cases(cases, policy)
    main = [c for c in pc if c['set'] == 'main' and c['vcpus'] == main_smp]

    def case(name):
        return next((c for c in main if c['name'] == name), None)

    def r(name, kind, be='jmod'):
        c = case(name)
        return c['ratio'].get(be, {}).get(kind) if c else None

    def worst(cs, kind):
        vals = [(c['name'], c['ratio'].get('jmod', {}).get(kind))
                for c in cs]
        vals = [(n, v) for n, v in vals if v is not None]
        w = max(vals, key=lambda x: x[1]) if vals else (None, None)
        return w, vals

    def pages_why(name):
        k = be_field(case(name), 'kmalloc', 'pages_peak')
        if k is not None and k <= 0:
            return "no ratio: kmalloc's pages at peak is <= 0"
        return None

    def pages_detail(name):
        c = case(name)
        return ('%s pages at peak: jmod %s, kmalloc %s; object-level '
                'jmod/kmalloc %s' % (
                    name, pages_h(be_field(c, 'jmod', 'pages_peak')),
                    pages_h(be_field(c, 'kmalloc', 'pages_peak')),
                    fmt(r(name, 'object'))))

    add('pair-64-time', '64 B pair time, jmod/kmalloc', 0.8, '<=',
        r('pair-64', 'time'), 'pair-64')
    (wn, wv), vals = worst([c for c in main if c['workload'] == 'batch'],
                           'time')
    add('batch-time', 'batch 8 B..8 KiB time, jmod/kmalloc (worst size)',
        1.0, '<=', wv, 'worst: %s; all: %s' % (wn or '-', ', '.join(
            '%s %.2f' % (n, v) for n, v in vals)))
    (wn, wv), vals = worst([c for c in main
                            if c['name'].startswith('large-pair')], 'time')
    zero = ('both back ends zeroing (init_on_alloc=1)'
            if 'init_on_alloc=1' in policy else
            'no zeroing on allocation (%s)' % policy.split()[0])
    add('large-pair-time',
        'large pairs 16 KiB..1 MiB time, jmod/kmalloc (worst size)', 0.7,
        '<=', wv, '%s; worst: %s; all: %s' % (zero, wn or '-', ', '.join(
            '%s %.2f' % (n, v) for n, v in vals)))
    rpd = ('%s interleaved copies of %s, median of %s round(s)' % (
        rp.get('copies'), rp.get('trace'), rp.get('rounds'))
        if rp else 'no replay under this policy')
    add('replay-time', 'trace replay time, jmod/kmalloc', 1.0, '<=',
        rp.get('ratio_time') if rp else None, rpd)
    add('pages-uniform-1-16k',
        'pages at peak, uniform 1 B..16 KiB, jmod/kmalloc', 0.85, '<=',
        r('random-uniform-1-16k', 'pages'),
        pages_detail('random-uniform-1-16k'),
        pages_why('random-uniform-1-16k'))
    add('pages-uniform-16k-1m',
        'pages at peak, uniform 16 KiB..1 MiB, jmod/kmalloc', 0.80, '<=',
        r('large-random-16k-1m', 'pages'),
        pages_detail('large-random-16k-1m'),
        pages_why('large-random-16k-1m'))
    if rp:
        b = rp['backends']
        rpd = ('pages ratio of %s interleaved copies of the trace: jmod %s, '
               'kmalloc %s at peak (the issue asks for <= object-level '
               'ratio + 0.10; the replay has no object-level ratio, so the '
               'goal here is 1.0)' % (
                   rp.get('copies'),
                   pages_h(b.get('jmod', {}).get('pages_peak')),
                   pages_h(b.get('kmalloc', {}).get('pages_peak'))))
    add('replay-pages', 'pages at peak, trace replay, jmod/kmalloc', 1.0,
        '<=', rp.get('ratio_pages') if rp else None, rpd)
    one = find(pc, 'scale-pair-64', 'scaling', 1, 1)
    two = find(pc, 'scale-pair-64', 'scaling', 2, 2)
    add('scaling', 'jmod throughput, 2 vCPUs / 1 vCPU (pair 64 B)', 1.8,
        '>=', ratio(be_field(two, 'jmod', 'ops_per_s'),
                    be_field(one, 'jmod', 'ops_per_s')),
        'scale-pair-64: 2 threads on 2 vCPUs vs 1 thread on 1 vCPU')
    rem = case('remote-64')
    loc = case('local-64')
    add('remote-local', 'jmod remote free / local free time (64 B)', 1.5,
        '<=', ratio(be_field(rem, 'jmod', 'ns_per_op'),
                    be_field(loc, 'jmod', 'ns_per_op')),
        'remote-64 vs local-64, ns per op')
    off = find(pc, 'prof-pair-64', 'prof', prof=0)
    on = [c for c in pc if c['name'] == 'prof-pair-64' and
          c.get('prof_sample') and c.get('prof_sample') != 1 << 30]
    armed = find(pc, 'prof-pair-64', 'prof', prof=1 << 30)
    add('prof-armed', '64 B pair, profiler armed but not sampling / off '
        '(jmod)', 1.02, '<=', ratio(be_field(armed, 'jmod', 'ns_per_op'),
                                    be_field(off, 'jmod', 'ns_per_op')),
        'prof-pair-64, prof_sample 1 GiB vs 0')
    on = on[0] if on else None
    pr = ratio(be_field(on, 'jmod', 'ns_per_op'),
               be_field(off, 'jmod', 'ns_per_op'))
    add('prof-on', '64 B pair with profiling on / off (jmod)', 1.02, '<=',
        pr, 'prof-pair-64, prof_sample %s vs 0' %
        (on.get('prof_sample') if on else '?'))
    wcs = {c['name']: c for c in (ws or {}).get('cases', [])}
    for name in WHATIF_TARGETS:
        c = wcs.get(name)
        value = c['ratio'] if c else None
        detail = (whatif_detail(c) + '; no goal: issue 17 sets none'
                  if c else name)
        if value is None:
            detail += ' (%s)' % ('failed: see the live what-if table'
                                 if c and c['failed'] else
                                 'no data under this policy')
        t.append({'id': name,
                  'target': 'whatif probes on / off, %s' % (
                      c['label'] if c else whatif_label({'name': name})),
                  'goal': 'none', 'measured': value, 'met': None,
                  'detail': detail, 'policy': policy})
    return t


def replay_summary(rs):
    """The replay rows of one policy and boot."""
    r0 = rs[0]
    out = {'policy': row_policy(r0), 'boot': row_boot(r0),
           'trace': r0.get('trace'), 'count': r0.get('count'),
           'copies': r0.get('copies', 1), 'ops': r0.get('ops'),
           'allocs': r0.get('allocs'),
           'requested_bytes': r0.get('requested_bytes'),
           'peak_requested': r0.get('peak_requested'),
           'slots': r0.get('slots'),
           'rounds': len({r.get('round') for r in rs}), 'backends': {}}
    for key in ('trace', 'count', 'copies'):
        if len({r.get(key) for r in rs}) > 1:
            sys.stderr.write('report: replay rows of %s differ in %s: '
                             'medians mix them\n' % (out['policy'], key))
    for be in ('kmalloc', 'jmod'):
        mine = [r for r in rs if r.get('backend') == be]
        ok = [r for r in mine if not r.get('error')]
        ns = [num(r.get('elapsed_ns')) for r in ok]
        ns = [v for v in ns if v is not None]
        v = {'rounds': len(mine), 'errors': len(mine) - len(ok),
             'median_ns': med(ns), 'best_ns': min(ns) if ns else None}
        for f in REPLAY_FIELDS:
            v[f] = med([num(r.get(f)) for r in ok])
        for f in ('pages_peak', 'pages_end', 'pages_purged'):
            v[f + '_mib'] = (None if v[f] is None else
                             v[f] * PAGE / (1024.0 * 1024))
        out['backends'][be] = v
    j, k = out['backends']['jmod'], out['backends']['kmalloc']
    out['ratio_time'] = ratio(j['median_ns'], k['median_ns'])
    out['ratio_pages'] = ratio_pos(j['pages_peak'], k['pages_peak'])
    out['ratio_pages_end'] = ratio_pos(j['pages_end'], k['pages_end'])
    return out


def one_boot_per_policy(keys, what):
    """The (policy, boot) pairs of @keys to report, one per policy in
    policy order: the default boot's where a policy ran in two boots (the
    others named on stderr)."""
    chosen = {}
    for pol, boot in sorted(keys, key=lambda k: (policy_rank(k[0]),
                                                 boot_rank(k[1]))):
        if pol in chosen:
            sys.stderr.write('report: %s under %s in boots %s and %s: '
                             'only %s reported\n' % (
                                 what, pol, chosen[pol], boot,
                                 chosen[pol]))
            continue
        chosen[pol] = boot
    return list(chosen.items())


def replay_summaries(rows):
    """{policy: summary} (the default boot's if a policy has two)."""
    groups = {}
    for r in rows:
        if r.get('name') == 'replay':
            groups.setdefault((row_policy(r), row_boot(r)), []).append(r)
    if not groups:
        return None
    return {pol: replay_summary(groups[(pol, boot)])
            for pol, boot in one_boot_per_policy(groups, 'replay')}


def whatif_label(r):
    """'64 B kmalloc pair' for a whatif row or case."""
    name = r.get('name', '')
    if name == 'whatif-random-kernel':
        return 'kernel-like size mix (kmalloc)'
    if name.startswith('whatif-pair-'):
        return '%s B kmalloc pair' % name[len('whatif-pair-'):]
    return name


def whatif_case(rs):
    """The rows of one whatif case (one policy and boot): medians per
    phase; the ratio per round, on over the better of that round's
    before and after, and its median over the rounds."""
    r0 = rs[0]
    c = {'name': r0['name'], 'label': whatif_label(r0),
         'workload': r0.get('workload'), 'dist': r0.get('dist'),
         'min_size': r0.get('min_size'), 'max_size': r0.get('max_size'),
         'ops': r0.get('ops'), 'live': r0.get('live'), 'phases': {}}
    for ph in WHATIF_PHASES:
        mine = [r for r in rs if r.get('whatif') == ph]
        ok = [r for r in mine if not r.get('error')]
        c['phases'][ph] = {'rounds': len(mine),
                           'errors': len(mine) - len(ok),
                           'ns_per_op': med([num(r.get('ns_per_op'))
                                             for r in ok])}
    on = [r for r in rs if r.get('whatif') == 'on']
    for f in ('kmallocs', 'kfrees'):
        vals = [num(r.get('whatif_' + f)) for r in on]
        vals = [v for v in vals if v is not None]
        c['counted_' + f] = min(vals) if vals else None
    rounds = {}
    for r in rs:
        if not r.get('error') and num(r.get('ns_per_op')):
            rounds.setdefault(r.get('round'), {})[r['whatif']] = \
                num(r['ns_per_op'])
    ratios, best = [], {'before': 0, 'after': 0}
    for t in rounds.values():
        offs = [(t[ph], ph) for ph in ('before', 'after') if ph in t]
        if 'on' in t and offs:
            off, ph = min(offs)
            ratios.append(t['on'] / off)
            best[ph] += 1
    c['round_ratios'] = ratios
    c['off_best'] = best
    c['failed'] = any(c['phases'][ph]['errors'] for ph in WHATIF_PHASES)
    c['ratio'] = None if c['failed'] else med(ratios)
    c['drift'] = ratio(c['phases']['after']['ns_per_op'],
                       c['phases']['before']['ns_per_op'])
    return c


def whatif_summaries(rows):
    """{policy: {policy, boot, vcpus, off, cases}} of the whatif rows (the
    default boot's if a policy has two), cases in the order run."""
    groups = {}
    for r in rows:
        if 'whatif' in r and r.get('name') != 'meta':
            key = (row_policy(r), row_boot(r))
            groups.setdefault(key, {}).setdefault(r['name'], []).append(r)
    if not groups:
        return None
    out = {}
    for pol, boot in one_boot_per_policy(groups, 'whatif'):
        by = groups[(pol, boot)]
        r0 = next(iter(by.values()))[0]
        out[pol] = {'policy': pol, 'boot': boot,
                    'vcpus': int(r0.get('vcpus', r0.get('cpus', 0))),
                    'off': "the better (lower) of the round's before and "
                           'after',
                    'cases': [whatif_case(rs) for rs in by.values()]}
    return out


def whatif_detail(c):
    """The phases of a whatif case in one line."""
    p = c['phases']
    return ('%s, kmalloc back end: ns/op before %s, on %s, after %s '
            '(medians of %d round(s)); on / off per round %s (off: the '
            'better of the round\'s before and after), median shown; '
            'probes counted at least %s kmallocs, %s kfrees per run of %s '
            'ops' % (
                c['name'], fmt(p['before']['ns_per_op'], '%.0f'),
                fmt(p['on']['ns_per_op'], '%.0f'),
                fmt(p['after']['ns_per_op'], '%.0f'), p['on']['rounds'],
                ' '.join('%.2f' % v for v in c['round_ratios']) or '-',
                fmt(c['counted_kmallocs'], '%d'),
                fmt(c['counted_kfrees'], '%d'), c['ops']))


def fmt(v, spec='%.2f'):
    return '-' if v is None else spec % v


def human(b):
    if b is None:
        return '-'
    if b < 0:
        return '-' + human(-b)
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if b < 1024 or unit == 'GiB':
            return ('%.0f %s' if unit == 'B' else '%.1f %s') % (b, unit)
        b /= 1024.0
    return str(b)


def ms(ns):
    return '-' if ns is None else '%.1f ms' % (ns / 1e6)


def policy_title(doc, p):
    boots = doc.get('boots', {}).get(p, [])
    if p == HEADLINE:
        what = 'the Debian default, the headline'
    elif p == NOINIT:
        what = 'no zeroing by the kernel'
    else:
        what = 'zeroing policy'
    return '`%s` (%s; boot%s %s)' % (p, what, 's' if len(boots) > 1 else '',
                                     ', '.join(boots) or '?')


MET = {True: 'yes', False: '**no**', None: 'n/a'}


def markdown(doc):
    m = doc['meta']
    pols = doc['policies']
    extra = ''
    if m.get('copies'):
        extra += '; trace replay with %s interleaved copies' % m['copies']
    out = ['# jmod benchmark results', '',
           'Kernel %s (%s), QEMU TCG; vCPU counts %s (everything but the '
           'thread scaling on %s vCPUs); %s rounds per case, median shown; '
           'ops scale %s%s; %s s in all.  Generated %s by `%s`.' % (
               m.get('kernel', '?'), m.get('kver', '?'), m.get('smp', '?'),
               m.get('main_smp', '?'), m.get('rounds', '?'),
               m.get('scale', '?'), extra, m.get('seconds', '?'),
               doc['generated'], doc['command']),
           '',
           '**Policies.**  Every table below is under one zeroing policy of '
           'the kernel (`init_on_alloc`, `init_on_free`, as the kernel '
           'reported it during the run), each measured in its own boot and '
           'never mixed in a median:', '']
    for p in pols:
        out.append('* %s' % policy_title(doc, p))
    out += ['', 'The default boots (every vCPU count) run with '
            '`init_on_alloc=1`, what Debian users run: their figures are '
            'the headline.']
    if NOINIT in pols:
        out[-1] += ('  The `noinit` boot (`init_on_alloc=0`, %s vCPUs) runs '
                    'the main set and the trace replay again; the scaling '
                    'and profiling targets exist only in the default '
                    'boots.' % m.get('main_smp', '?'))
    if doc.get('policy_assumed'):
        out[-1] += ('  Some raw lines predate the "policy" field: they are '
                    'counted as `%s` (`%s` if tagged boot=noinit).' % (
                        HEADLINE, NOINIT))
    out += ['',
            '**Measures.**  Ratios are **jmod ÷ kmalloc in the same boot** '
            '(below 1: jmod is faster or smaller).  Absolute times under '
            'TCG mean nothing.', '',
            '* **time**: ns per op (one op = one allocation and its free; '
            'CPU time summed over threads / ops).  "time pages-be" and '
            '"time vmalloc" are the `alloc_pages()` and `vmalloc()` back '
            'ends.',
            '* **pages** (the footprint): pages taken from the page '
            'allocator at the peak, MemFree + per-CPU lists, same for both '
            'back ends, each run started cold (every slab cache shrunk, '
            'jmod purged); 4 KiB pages, shown as count (size).  '
            '"pages end": what each back end still holds after the run '
            '(cached); "jmod after purge": what jmod still holds after its '
            'purge following the run.  Figures are signed (other users of '
            'the page allocator may free pages during a run).',
            '* **object-level**: usable bytes at the peak, from the size '
            'alone by one rule for every back end (jmod: class size; '
            'kmalloc: `kmalloc_size_roundup()`; pages/vmalloc: whole pages).  Object-level '
            'waste, not a footprint.',
            '* **int. frag**: (usable - requested) / requested over all '
            'allocations.', '']
    for p in pols:
        out += ['## Targets, %s' % policy_title(doc, p), '',
                '| target | goal | measured | met | detail |',
                '|---|---|---|---|---|']
        for t in doc['targets'].get(p, []):
            out.append('| %s | %s | %s | %s | %s |' % (
                t['target'], t['goal'], fmt(t['measured']), MET[t['met']],
                t['detail']))
        out.append('')
    for p in pols:
        cs = [c for c in doc['cases'] if c['policy'] == p]
        nboots = len({c['boot'] for c in cs})
        out += ['## Cases, %s' % policy_title(doc, p), '',
                '| set | vCPUs | case | threads | jmod ns/op | kmalloc ns/op '
                '| time jmod/kmalloc | time notcache/kmalloc '
                '| time pages-be/kmalloc | time vmalloc/kmalloc '
                '| pages jmod/kmalloc at peak | jmod pages peak '
                '| kmalloc pages peak | pages end jmod / kmalloc '
                '| jmod after purge | object-level jmod/kmalloc '
                '| int. frag jmod / kmalloc |',
                '|' + '---|' * 17]
        for c in cs:
            rt = c['ratio']
            name = c['name']
            if 'prof_sample' in c:
                name += ' (prof_sample %d)' % c['prof_sample']
            if nboots > 1:
                name += ' (boot %s)' % c['boot']
            out.append('| %s | %d | %s | %d | %s | %s | %s | %s | %s | %s '
                       '| %s | %s | %s | %s / %s | %s | %s | %s / %s |' % (
                           c['set'], c['vcpus'], name, c['threads'],
                           fmt(be_field(c, 'jmod', 'ns_per_op'), '%.0f'),
                           fmt(be_field(c, 'kmalloc', 'ns_per_op'), '%.0f'),
                           fmt(rt.get('jmod', {}).get('time')),
                           fmt(rt.get('jmod-notcache', {}).get('time')),
                           fmt(rt.get('pages', {}).get('time')),
                           fmt(rt.get('vmalloc', {}).get('time')),
                           fmt(rt.get('jmod', {}).get('pages')),
                           pages_h(be_field(c, 'jmod', 'pages_peak')),
                           pages_h(be_field(c, 'kmalloc', 'pages_peak')),
                           pages_h(be_field(c, 'jmod', 'pages_end')),
                           pages_h(be_field(c, 'kmalloc', 'pages_end')),
                           pages_h(be_field(c, 'jmod', 'pages_purged')),
                           fmt(rt.get('jmod', {}).get('object')),
                           fmt(be_field(c, 'jmod', 'int_frag')),
                           fmt(be_field(c, 'kmalloc', 'int_frag'))))
        out.append('')
    for p in pols:
        rp = (doc.get('replay') or {}).get(p)
        if not rp:
            continue
        out += ['## Trace replay, %s' % policy_title(doc, p), '',
                'Trace `%s`: %s ops, %s copies of it interleaved op by op '
                '(slots renumbered): %s ops, %s allocations, %s requested, '
                '%s requested live at the peak.  JMOD_IOC_BATCH on each back '
                'end, kmalloc and jmod alternating, %s rounds, median shown; '
                'boot %s.' % (
                    rp['trace'], rp['count'], rp['copies'], rp['ops'],
                    rp['allocs'], human(num(rp['requested_bytes'])),
                    human(num(rp['peak_requested'])), rp['rounds'],
                    rp['boot']), '',
                '| back end | rounds | errors | median time | best time '
                '| ns/op | pages at peak | pages end | pages after purge '
                '| slab + jmod pages peak / end |',
                '|---|---|---|---|---|---|---|---|---|---|']
        for be, v in rp['backends'].items():
            out.append('| %s | %d | %d | %s | %s | %s | %s | %s | %s '
                       '| %s / %s |' % (
                           be, v['rounds'], v['errors'], ms(v['median_ns']),
                           ms(v['best_ns']), fmt(v['ns_per_op'], '%.0f'),
                           pages_h(v['pages_peak']), pages_h(v['pages_end']),
                           pages_h(v['pages_purged']),
                           fmt(v['slab_pages_peak'], '%.0f'),
                           fmt(v['slab_pages_end'], '%.0f')))
        out += ['', 'jmod/kmalloc (medians): time %s, pages at peak %s, '
                'pages end %s.' % (fmt(rp['ratio_time']),
                                   fmt(rp['ratio_pages']),
                                   fmt(rp['ratio_pages_end'])), '']
    for p in pols:
        ws = (doc.get('whatif') or {}).get(p)
        if not ws:
            continue
        out += ['## Live what-if probes, %s' % policy_title(doc, p), '',
                'The cost of jmod\'s probes on the kmem:kmalloc and '
                'kmem:kfree tracepoints (debugfs `whatif` started, '
                '`jmodctl whatif --live`) per kmalloc: kmalloc back-end runs '
                'on one CPU (%d vCPUs, boot %s), each case every round '
                'with the probes off (before), on, and off again (after), '
                'back to back; medians over the rounds.  **on / off** is '
                'the median over the rounds of the on time divided by %s, '
                'so drift between the phases can only raise it; after / '
                'before (medians) shows that drift.  A run with the probes '
                'on must count at least its own kmallocs and kfrees in '
                '`whatif.json` (the fewest counted in one run shown), else '
                'it is an error.  '
                'No target: issue 17 asks for the figure.' % (
                    ws['vcpus'], ws['boot'], ws['off']), '',
                '| case | rounds | before ns/op | on ns/op | after ns/op '
                '| on / off | after / before | counted kmallocs / kfrees '
                '| ops per run | errors |',
                '|---|---|---|---|---|---|---|---|---|---|']
        for c in ws['cases']:
            ph = c['phases']
            out.append('| %s (%s) | %d | %s | %s | %s | %s | %s | %s / %s '
                       '| %s | %d |' % (
                           c['label'], c['name'], ph['on']['rounds'],
                           fmt(ph['before']['ns_per_op'], '%.0f'),
                           fmt(ph['on']['ns_per_op'], '%.0f'),
                           fmt(ph['after']['ns_per_op'], '%.0f'),
                           fmt(c['ratio']), fmt(c['drift']),
                           fmt(c['counted_kmallocs'], '%d'),
                           fmt(c['counted_kfrees'], '%d'), c['ops'],
                           sum(ph[x]['errors'] for x in WHATIF_PHASES)))
        out.append('')
    errs = [(c['name'], be, c['policy']) for c in doc['cases']
            for be, v in c['backends'].items() if v['errors'] or v['failed']]
    for p, rp in (doc.get('replay') or {}).items():
        errs += [('replay', be, p) for be, v in rp['backends'].items()
                 if v['errors']]
    for p, ws in (doc.get('whatif') or {}).items():
        errs += [(c['name'], 'kmalloc, whatif %s' % ph, p)
                 for c in ws['cases'] for ph in WHATIF_PHASES
                 if c['phases'][ph]['errors']]
    if errs:
        out += ['**Errors or failed allocations:** ' +
                ', '.join('%s/%s (%s)' % e for e in errs), '']
    out += ['![jmod/kmalloc ratios](results.png)', '']
    return '\n'.join(out)


def chart(doc, outdir):
    main_smp = int(doc['meta'].get('main_smp', 2))
    pol = doc['policies'][0] if doc['policies'] else HEADLINE
    rows = [c for c in policy_cases(doc['cases'], pol)
            if c['set'] == 'main' and c['vcpus'] == main_smp and
            c['ratio'].get('jmod', {}).get('time') is not None]

    def val(v):
        # log scale: nothing to draw for 0 or below
        return '-' if v is None or v <= 0 else '%.4f' % v
    dat = os.path.join(outdir, 'results.dat')
    vals = []
    with open(dat, 'w') as fh:
        fh.write('# %s\n# case time_jmod pages_peak_jmod object_jmod '
                 '(jmod/kmalloc)\n' % pol)
        for c in rows:
            rt = c['ratio']['jmod']
            fh.write('%s %s %s %s\n' % (c['name'], val(rt['time']),
                                        val(rt.get('pages')),
                                        val(rt.get('object'))))
            vals += [v for v in (rt['time'], rt.get('pages'),
                                 rt.get('object')) if v and v > 0]
    lo = min([0.1] + [v / 1.5 for v in vals])
    hi = max([10.0] + [v * 1.5 for v in vals])
    gp = os.path.join(outdir, 'results.gp')
    with open(gp, 'w') as fh:
        fh.write('''# gnuplot script written by tools/bench/report.py
set terminal png size 1400,700 font ",10"
set output "results.png"
set title "jmod / kmalloc in the same boot (%s, %d vCPUs, %s; \\
below 1 = jmod better)" noenhanced
set rmargin 10
set bmargin 9
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set datafile missing "-"
set xtics rotate by -45 scale 0 font ",9"
set ylabel "ratio (log scale)"
set logscale y
set yrange [%g:%g]
set grid ytics
set key top left
plot "results.dat" using 2:xtic(1) title "time jmod/kmalloc", \\
     "" using 3 title "pages at peak jmod/kmalloc (page allocator)", \\
     "" using 4 title "object-level jmod/kmalloc (usable bytes at peak)", \\
     1 with lines lw 2 lc rgb "black" notitle
''' % (doc['meta'].get('kver', '?'), main_smp, pol, lo, hi))
    if not shutil.which('gnuplot'):
        sys.stderr.write('report: gnuplot not found (apt-get install '
                         'gnuplot-nox): no results.png\n')
        return False
    subprocess.run(['gnuplot', 'results.gp'], cwd=outdir, check=True)
    return True


def doc_targets(doc):
    """{policy: [targets]} of a results.json, schema 1 or 2."""
    t = doc.get('targets') or {}
    if isinstance(t, list):
        return {HEADLINE: t}
    return t


def combine(out, dirs):
    docs = {}
    for d in dirs:
        with open(os.path.join(d, 'results.json')) as fh:
            doc = json.load(fh)
        docs[doc['meta'].get('kernel') or os.path.basename(d)] = (d, doc)
    kernels = list(docs)
    tg = {k: doc_targets(docs[k][1]) for k in kernels}
    pols = order_policies(p for k in kernels for p in tg[k])
    with open(os.path.join(out, 'results.json'), 'w') as fh:
        json.dump({'schema': SCHEMA, 'policies': pols,
                   'kernels': {k: docs[k][1] for k in kernels}},
                  fh, indent=1, sort_keys=True)
        fh.write('\n')
    md = ['# jmod benchmark results', '',
          'jmod ÷ kmalloc, measured in the same boot of each kernel under '
          'QEMU TCG (below 1: jmod is faster or smaller).  Time is ns per '
          'op; pages are the pages taken from the page allocator at the '
          'peak (MemFree + per-CPU lists, same for both back ends, each run '
          'started cold): the footprint.  Reproduce with `make bench` '
          '(about %s minutes here; `BENCH_SCALE=0.2` for a quick look).  '
          'Per-kernel tables and charts: %s.' % (
              round(sum(int(docs[k][1]['meta'].get('seconds', 0) or 0)
                        for k in kernels) / 60.0),
              ', '.join('[%s](%s/RESULTS.md)' % (
                  k, os.path.relpath(docs[k][0], out)) for k in kernels)),
          '']
    for p in pols:
        head = ('the Debian default: the headline' if p == HEADLINE else
                'no zeroing by the kernel: a second boot' if p == NOINIT
                else 'zeroing policy')
        md += ['## Targets under `%s` (%s)' % (p, head), '',
               '| target | goal | ' + ' | '.join('Linux %s' % k
                                                 for k in kernels) + ' |',
               '|---|---|' + '---|' * len(kernels)]
        rows = []
        by = {}
        for k in kernels:
            for t in tg[k].get(p, []):
                tid = t.get('id') or t['target']
                if tid not in by:
                    rows.append(t)
                by.setdefault(tid, {})[k] = t
        for t in rows:
            tid = t.get('id') or t['target']
            cells = []
            for k in kernels:
                tt = by[tid].get(k)
                if tt is None:
                    cells.append('')
                    continue
                cells.append('%s%s' % (fmt(tt['measured']),
                                       ' (**missed**)' if tt['met'] is False
                                       else ''))
            md.append('| %s | %s | %s |' % (t['target'], t['goal'],
                                            ' | '.join(cells)))
        md.append('')
    notes = os.path.join(out, 'NOTES.md')
    if os.path.exists(notes):
        with open(notes) as fh:
            md += [fh.read().rstrip('\n'), '']
    for k in kernels:
        pol = (docs[k][1].get('policies') or [HEADLINE])[0]
        md += ['## Linux %s' % k, '',
               '![jmod/kmalloc ratios on %s, %s](%s/results.png)' % (
                   k, pol, os.path.relpath(docs[k][0], out)), '']
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
    replay = replay_summaries(rows)
    whatif = whatif_summaries(rows)
    main_smp = int(meta.get('main_smp', 2))
    pols = order_policies([c['policy'] for c in cases] + list(replay or []) +
                          list(whatif or []))
    boots = {}
    for r in rows:
        if r.get('name') != 'meta':
            b = boots.setdefault(row_policy(r), [])
            if row_boot(r) not in b:
                b.append(row_boot(r))
    for p, b in boots.items():
        b.sort(key=boot_rank)
        if len(b) > 1:
            sys.stderr.write('report: %s measured by boots %s: listed '
                             'apart, targets from boot %s\n' % (
                                 p, ', '.join(b), b[0]))
    doc = {
        'schema': SCHEMA,
        'generated': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        'command': args.command,
        'meta': meta,
        'policies': pols,
        'boots': boots,
        'policy_assumed': any('policy' not in r for r in rows
                              if r.get('name') != 'meta'),
        'targets': {p: targets(cases, main_smp, p, (replay or {}).get(p),
                               (whatif or {}).get(p))
                    for p in pols},
        'cases': cases,
        'replay': replay,
        'whatif': whatif,
        'guest': [r for r in rows if r.get('name') == 'meta'],
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'results.json'), 'w') as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write('\n')
    md = markdown(doc)
    with open(os.path.join(args.out, 'RESULTS.md'), 'w') as fh:
        fh.write(md)
    png = False
    if not args.no_png:
        png = chart(doc, args.out)
    # the targets on the terminal, one column per policy
    print('jmod benchmark (%s): jmod/kmalloc, same boot' % meta.get('kver'))
    print('  %-58s %-7s %s' % ('', '', ' '.join(
        '%-22s' % p.split()[0] for p in pols)))
    first = doc['targets'][pols[0]] if pols else []
    for i, t in enumerate(first):
        cells = []
        for p in pols:
            tt = doc['targets'][p][i]
            cells.append('%-22s' % ('%8s %s' % (
                fmt(tt['measured']),
                {True: 'met', False: 'MISSED', None: 'n/a'}[tt['met']])))
        print('  %-58s %-7s %s' % (t['target'], t['goal'], ' '.join(cells)))
    print('report: %s/results.json, RESULTS.md%s' % (
        args.out, ', results.png' if png else ''))


if __name__ == '__main__':
    main()
