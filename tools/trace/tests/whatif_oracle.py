#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Independent oracle for `jmodctl whatif --json` (tools/trace/tests/whatif.sh).

Reads a kmem trace (plain or gzip'ed) with its own regular expressions and
its own copy of jemalloc's class rule (8, 16, 32, 48, 64, then four per
doubling; pages above the largest large class), follows pointers from
kmalloc to kfree, and compares every figure of every site and the total
with the JSON jmodctl printed.  Exit 0 if all agree, 1 (with the first
differences) if not.

Usage: whatif_oracle.py [--functions FILE] TRACE JSON [function|site|module [MODULE]]
  MODULE: the JSON is of `--module MODULE`: only allocations from call
  sites in MODULE (" [MODULE]" after call_site=, vmlinux without) are
  objects, the others are counted as "filtered".
  --functions FILE: the JSON is of `--functions FILE` (/proc/kallsyms or
  `trace-cmd report -f` layout, plain or gzip'ed): an allocation with no
  tag is in the module FILE gives its function, unless FILE names that
  function in two of vmlinux and the modules (then vmlinux, counted as
  "ambiguous_events").
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


def opener_of(path):
    return gzip.open if open(path, 'rb').read(2) == b'\x1f\x8b' else open


KALLSYMS = re.compile(r'^[0-9a-f]{16}\s+([tTwW])\s+(\S+)(?:\s+\[(\S+)\])?\s*$')
KALLSYMS_OTHER = re.compile(r'^[0-9a-f]{16}\s+[a-zA-Z]\s+\S+(?:\s+\[\S+\])?\s*$')
TRACE_CMD_F = re.compile(r'^[0-9a-f]{16}\s+(\S+)(?:\s+\[(\S+)\])?\s*$')


def functions(path):
    """{name: module, or None if ambiguous} of a function list"""
    mods = {}
    with opener_of(path)(path, 'rt') as f:
        for line in f:
            m = KALLSYMS.match(line)
            if m:
                name, mod = m.group(2), m.group(3) or 'vmlinux'
            elif KALLSYMS_OTHER.match(line):
                continue
            else:
                m = TRACE_CMD_F.match(line)
                if not m:
                    raise ValueError('not a function list line: %r' % line)
                name, mod = m.group(1), m.group(2) or 'vmlinux'
            mods.setdefault(name, set()).add(mod)
    return {k: (v.pop() if len(v) == 1 else None) for k, v in mods.items()}


def fold(path, large_max, by, only=None, funcs=None):
    sites, live, events, filtered, ambiguous = {}, {}, 0, 0, 0
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

    with opener_of(path)(path, 'rt', errors='replace') as f:
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
            site = fields['call_site'].split('/')[0]
            mod = MODULE.search(m.group(2))
            module = mod.group(1) if mod else 'vmlinux'
            if not mod and funcs is not None and site.split('+')[0] in funcs:
                module = funcs[site.split('+')[0]]
                if module is None:
                    ambiguous += 1
                    module = 'vmlinux'
            if not ptr:
                continue
            if ptr in live:
                drop(ptr)
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
    return events, sites, total, filtered, ambiguous


def main():
    args = sys.argv[1:]
    funcs = None
    if args[:1] == ['--functions']:
        funcs = functions(args[1])
        args = args[2:]
    path, got_path = args[0], args[1]
    by = args[2] if len(args) > 2 else 'function'
    only = args[3] if len(args) > 3 else None
    got = json.load(open(got_path))
    bad = []
    if got.get('schema') != 1:
        bad.append('schema %r' % got.get('schema'))
    events, sites, total, filtered, ambiguous = fold(
        path, got['jmod_large_max'], by, only, funcs)
    if got.get('ambiguous_events') != ambiguous:
        bad.append('ambiguous_events: got %r, want %d' % (got.get('ambiguous_events'), ambiguous))
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
    print('# %d events, %d sites, kmalloc %d B, jmod %d B%s%s' %
          (events, len(sites), total['kmalloc_bytes'], total['jmod_bytes'],
           '' if only is None else ', %d left out (not in %s)' % (filtered, only),
           '' if funcs is None else ', %d of an ambiguous name' % ambiguous))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
