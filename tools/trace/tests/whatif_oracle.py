#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Independent oracle for `jmodctl whatif --json` (tools/trace/tests/whatif.sh).

Reads a kmem trace (plain or gzip'ed) with its own regular expressions and
its own copy of jemalloc's class rule (8, 16, 32, 48, 64, then four per
doubling; pages above the largest large class), follows pointers from
kmalloc to kfree, and compares every figure of every site and the total
with the JSON jmodctl printed.  Exit 0 if all agree, 1 (with the first
differences) if not.

Usage: whatif_oracle.py TRACE JSON [function|site|module [MODULE]]
  MODULE: the JSON is of `--module MODULE`: only allocations from call
  sites in MODULE (" [MODULE]" after call_site=, vmlinux without) are
  objects, the others are counted as "filtered".
"""
import gzip
import json
import re
import sys

EVENT = re.compile(r'\s(?:kmem:)?(kmalloc|kmalloc_node|kfree):\s+(.*)$')
FIELD = re.compile(r'(\w+)=(\S+)')
MODULE = re.compile(r'call_site=\S+\s+\[(\S+)\]')
KEYS = ('objects', 'requested_bytes', 'kmalloc_bytes', 'jmod_bytes',
        'peak_live_kmalloc_bytes', 'peak_live_jmod_bytes')


def jmod_usable(size, large_max, page=4096):
    if size <= large_max:
        classes = [8, 16, 32, 48, 64]
        base = 64
        while classes[-1] < size:
            classes += [base + i * base // 4 for i in range(1, 5)]
            base *= 2
        return next(c for c in classes if c >= size)
    return (size + page - 1) // page * page


def ptr_of(text):
    if text in ('(null)', '(nil)'):
        return 0
    return int(text, 16)


def fold(path, large_max, by, only=None):
    opener = gzip.open if open(path, 'rb').read(2) == b'\x1f\x8b' else open
    sites, live, events, filtered = {}, {}, 0, 0
    total = dict.fromkeys(KEYS + ('lk', 'lj'), 0)

    def add(fig, req, km, jm):
        fig['objects'] += 1
        fig['requested_bytes'] += req
        fig['kmalloc_bytes'] += km
        fig['jmod_bytes'] += jm
        fig['lk'] += km
        fig['lj'] += jm
        fig['peak_live_kmalloc_bytes'] = max(fig['peak_live_kmalloc_bytes'], fig['lk'])
        fig['peak_live_jmod_bytes'] = max(fig['peak_live_jmod_bytes'], fig['lj'])

    def drop(ptr):
        key, km, jm = live.pop(ptr)
        for fig in (sites[key], total):
            fig['lk'] -= km
            fig['lj'] -= jm

    with opener(path, 'rt', errors='replace') as f:
        for line in f:
            m = EVENT.search(line)
            if not m:
                continue
            events += 1
            fields = dict(FIELD.findall(m.group(2)))
            ptr = ptr_of(fields['ptr'])
            if m.group(1) == 'kfree':
                if ptr in live:
                    drop(ptr)
                continue
            if not ptr:
                continue
            if ptr in live:
                drop(ptr)
            site = fields['call_site'].split('/')[0]
            mod = MODULE.search(m.group(2))
            module = mod.group(1) if mod else 'vmlinux'
            if only is not None and module != only:
                filtered += 1
                continue
            name = {'site': site, 'module': module}.get(by, site.split('+')[0])
            key = (name, module)
            req, km = int(fields['bytes_req']), int(fields['bytes_alloc'])
            jm = jmod_usable(req, large_max)
            sites.setdefault(key, dict.fromkeys(KEYS + ('lk', 'lj'), 0))
            live[ptr] = (key, km, jm)
            add(sites[key], req, km, jm)
            add(total, req, km, jm)
    return events, sites, total, filtered


def main():
    path, got_path = sys.argv[1], sys.argv[2]
    by = sys.argv[3] if len(sys.argv) > 3 else 'function'
    only = sys.argv[4] if len(sys.argv) > 4 else None
    got = json.load(open(got_path))
    bad = []
    if got.get('schema') != 1:
        bad.append('schema %r' % got.get('schema'))
    events, sites, total, filtered = fold(path, got['jmod_large_max'], by, only)
    if got['events'] != events:
        bad.append('events: got %d, want %d' % (got['events'], events))
    if got.get('filtered') != filtered:
        bad.append('filtered: got %r, want %d' % (got.get('filtered'), filtered))
    for k in KEYS:
        if got['total'][k] != total[k]:
            bad.append('total %s: got %d, want %d' % (k, got['total'][k], total[k]))
    rows = {(s['site'], s['module']): s for s in got['sites']}
    if set(rows) != set(sites):
        bad.append('sites differ: %s' % sorted(set(rows) ^ set(sites))[:5])
    for key in set(rows) & set(sites):
        for k in KEYS:
            if rows[key][k] != sites[key][k]:
                bad.append('%s %s: got %d, want %d' % (key, k, rows[key][k], sites[key][k]))
    saved = [s['kmalloc_bytes'] - s['jmod_bytes'] for s in got['sites']]
    if saved != sorted(saved, reverse=True):
        bad.append('sites not sorted by bytes saved')
    for line in bad[:10]:
        print('#   ' + line)
    print('# %d events, %d sites, kmalloc %d B, jmod %d B%s' %
          (events, len(sites), total['kmalloc_bytes'], total['jmod_bytes'],
           '' if only is None else ', %d left out (not in %s)' % (filtered, only)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
