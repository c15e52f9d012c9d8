#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a chart of tools/jmodctl/plot.c against what it was asked to draw.

Usage: plot_check.py png|svg FILE TITLE FOOTER [LABEL TAG A B]...

The arguments after FILE are tools/jmodctl/tests/plot_test's (FOOTER or
TAG "-": none; values drawn as "<decimal> B").  PNG: the signature, each
chunk's CRC, IHDR (970 x 60 + 34 n + 40, 8-bit RGB), the IDAT stream
inflating (Adler-32 checked by zlib) to height * (1 + 3 * width) bytes,
then on the pixels: each bar's run of #4878a8 / #e08030 where plot.h's
layout puts it, its length proportional to its value (within 2 px), no
bar colour anywhere else but the legend, dark text where the title, each
label (right-aligned, its width that of its text), each value and the
footer go, and in the footer the same glyph for the same character, a
different one for a different character, '?' for a byte outside ' '..'~'.
SVG: it parses as XML, the rects (background, legend, two a bar) with
their widths (value * 520 // largest), the texts as given (escaped and
parsed back).  Prints each failure; exit status 0 if none, 1 if any.
"""
import os
import struct
import sys
import xml.etree.ElementTree as ET
import zlib

LABEL_W, BAR_W, ROW_H, HEAD = 330, 520, 34, 60
WIDTH = LABEL_W + BAR_W + 120
COL_A, COL_B = (0x48, 0x78, 0xa8), (0xe0, 0x80, 0x30)
ADV = 6                     # glyph advance
LABEL_FIT = (LABEL_W - 6 - 4) // ADV

fails = []


def fail(msg):
    fails.append(msg)


def height(n):
    return HEAD + n * ROW_H + 40


def shown(b):
    """bytes as drawn: outside ' '..'~' as '?'"""
    return "".join(chr(c) if 32 <= c <= 126 else "?" for c in b)


def parse_args(argv):
    args = [os.fsencode(a) for a in argv]
    if len(args) < 2 or (len(args) - 2) % 4:
        sys.exit("usage: plot_check.py png|svg FILE TITLE FOOTER "
                 "[LABEL TAG A B]...")
    title, footer = args[0], args[1]
    bars = []
    for i in range(2, len(args), 4):
        label, tag, a, b = args[i:i + 4]
        bars.append((label, None if tag == b"-" else tag, int(a), int(b)))
    return title, None if footer == b"-" else footer, bars


def label_of(label, tag):
    return label + b" [" + tag + b"]" if tag is not None else label


def expected_len(v, vmax):
    return v * BAR_W // vmax


# ---- PNG ----

def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("no PNG signature")
        return None
    chunks, i = [], 8
    while i < len(data):
        if i + 12 > len(data):
            fail("truncated chunk at %d" % i)
            return None
        n = struct.unpack(">I", data[i:i + 4])[0]
        ctype, body = data[i + 4:i + 8], data[i + 8:i + 8 + n]
        crc = struct.unpack(">I", data[i + 8 + n:i + 12 + n])[0]
        if zlib.crc32(ctype + body) != crc:
            fail("chunk %r: bad CRC" % ctype)
        chunks.append((ctype, body))
        i += 12 + n
    types = [t for t, _ in chunks]
    if not types or types[0] != b"IHDR" or types[-1] != b"IEND" \
            or b"IDAT" not in types or chunks[-1][1]:
        fail("chunks %r: not IHDR, IDAT..., IEND" % types)
        return None
    w, h, depth, ctype, comp, filt, lace = struct.unpack(">IIBBBBB",
                                                         chunks[0][1])
    if (depth, ctype, comp, filt, lace) != (8, 2, 0, 0, 0):
        fail("IHDR: depth %d colour type %d compression %d filter %d "
             "interlace %d, not 8-bit RGB" % (depth, ctype, comp, filt, lace))
        return None
    z = zlib.decompressobj()
    try:
        raw = z.decompress(b"".join(b for t, b in chunks if t == b"IDAT"))
    except zlib.error as e:
        fail("IDAT does not inflate: %s" % e)
        return None
    if not z.eof or z.unused_data:
        fail("IDAT: zlib stream not ended, or data after it")
    stride = 3 * w
    if len(raw) != h * (1 + stride):
        fail("IDAT inflates to %d bytes, not %d x (1 + 3 x %d) = %d"
             % (len(raw), h, w, h * (1 + stride)))
        return None
    if len(b"".join(b for t, b in chunks if t == b"IDAT")) * 10 > len(raw):
        fail("IDAT is not compressed to a tenth of the scanlines")
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 2:
            line = bytearray((x + p) & 255 for x, p in zip(line, prev))
        elif f:
            for x in range(stride):
                a = line[x - 3] if x >= 3 else 0
                b = prev[x]
                c = prev[x - 3] if x >= 3 else 0
                if f == 1:
                    pr = a
                elif f == 3:
                    pr = (a + b) // 2
                elif f == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                else:
                    fail("row %d: filter type %d" % (y, f))
                    return None
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows


def pixel(rows, x, y):
    return tuple(rows[y][3 * x:3 * x + 3])


def runs(rows, y, col, w):
    """the runs of colour col in row y: [(x0, length)]"""
    out, x = [], 0
    while x < w:
        if pixel(rows, x, y) == col:
            x0 = x
            while x < w and pixel(rows, x, y) == col:
                x += 1
            out.append((x0, x - x0))
        else:
            x += 1
    return out


def dark(rows, x, y):
    return max(pixel(rows, x, y)) < 80


def dark_xs(rows, y0, y1, x0, x1):
    """the x of every dark pixel in rows y0..y1-1, columns x0..x1-1"""
    return sorted({x for y in range(y0, y1) for x in range(x0, x1)
                   if dark(rows, x, y)})


def text_at(rows, name, base, x0, text, w):
    """dark pixels of text (bytes) drawn from x0 on baseline base, the
    image's right edge cutting it"""
    if not text.strip():
        return
    lead = len(text) - len(text.lstrip(b" "))
    x0, text = x0 + lead * ADV, text.strip(b" ")
    xs = dark_xs(rows, base - 7, base + 2, max(0, x0 - 2), w)
    end = min(x0 + len(text) * ADV - 1, w + 4)
    inside = [x for x in xs if x < end + 2]
    if not inside:
        fail("%s: no dark pixels at x %d..%d" % (name, x0, end))
    elif inside[0] > x0 + 4 or inside[-1] < end - 5:
        fail("%s: text spans x %d..%d, not about %d..%d (%r)"
             % (name, inside[0], inside[-1], x0, end, text))


def glyph_cells(rows, base, x0, n):
    cells = []
    for i in range(n):
        cells.append(tuple(tuple(dark(rows, x0 + i * ADV + c, base - 7 + r)
                                 for c in range(ADV))
                           for r in range(9)))
    return cells


def check_png(path, title, footer, bars):
    got = read_png(path)
    if not got:
        return
    w, h, rows = got
    n = len(bars)
    if (w, h) != (WIDTH, height(n)):
        fail("IHDR %d x %d, not %d x %d" % (w, h, WIDTH, height(n)))
        return
    if pixel(rows, w - 1, h - 1) != (255, 255, 255) or \
            pixel(rows, 0, 0) != (255, 255, 255):
        fail("the corners are not white")
    vmax = max([1] + [v for _, _, a, b in bars for v in (a, b)])
    # the legend: a 12 x 12 square of each colour on rows 34..45
    for col, name in ((COL_A, "a"), (COL_B, "b")):
        sq = [runs(rows, y, col, LABEL_W) for y in range(34, 46)]
        if any(len(r) != 1 or r[0][1] != 12 for r in sq) or \
                len({r[0][0] for r in sq if r}) != 1:
            fail("legend %s: no 12 x 12 square on rows 34..45 (%r)"
                 % (name, sq[0]))
    total = {COL_A: 144, COL_B: 144}
    lens = []
    for i, (label, tag, a, b) in enumerate(bars):
        y0 = HEAD + i * ROW_H
        for col, v, top, name in ((COL_A, a, y0 + 2, "a"),
                                  (COL_B, b, y0 + 16, "b")):
            want = expected_len(v, vmax)
            total[col] += 13 * want
            got_runs = [runs(rows, y, col, w) for y in range(top, top + 13)]
            first = got_runs[0]
            if want == 0:
                if any(got_runs):
                    fail("bar %d %s: value 0 but bar pixels %r"
                         % (i, name, first))
                    continue
                ln = 0
            elif len(first) != 1 or first[0][0] != LABEL_W or \
                    any(r != first for r in got_runs):
                fail("bar %d %s: rows %d..%d not one run from x %d: %r"
                     % (i, name, top, top + 12, LABEL_W, first))
                continue
            else:
                ln = first[0][1]
            lens.append((ln, v))
            text_at(rows, "bar %d %s value" % (i, name), top + 11,
                    LABEL_W + ln + 4, b"%d B" % v, w)
        want_label = label_of(label, tag)
        if len(want_label) > LABEL_FIT:
            want_label = want_label[:LABEL_FIT - 2] + b".."
        text_at(rows, "bar %d label" % i, y0 + 18,
                LABEL_W - 6 - (len(want_label) * ADV - 1), want_label,
                LABEL_W)
    # the lengths proportional to the values: one scale for every bar
    longest = max([lv for lv in lens if lv[1]] or [(0, 1)])
    if longest[0]:
        if not 400 <= longest[0] <= w - LABEL_W:
            fail("the longest bar is %d px" % longest[0])
        for ln, v in lens:
            if abs(ln - v * longest[0] / longest[1]) > 2:
                fail("a bar of %d px for %d: not proportional (%d px for %d)"
                     % (ln, v, longest[0], longest[1]))
    for col, name in ((COL_A, "a"), (COL_B, "b")):
        cnt = sum(rows[y][x:x + 3] == bytes(col)
                  for y in range(h) for x in range(0, 3 * w, 3))
        if cnt != total[col]:
            fail("%d pixels of colour %s, not %d (legend and bars)"
                 % (cnt, name, total[col]))
    if not dark_xs(rows, 15, 24, 10, w):
        fail("no dark pixels in the title's band")
    text_at(rows, "title", 22, 10, title, w)
    fbase = HEAD + n * ROW_H + 24
    if footer is None:
        if dark_xs(rows, fbase - 7, fbase + 2, 0, w):
            fail("no footer asked for, dark pixels on its line")
        return
    text_at(rows, "footer", fbase, 10, footer, w)
    fit = min(len(footer), (w - 10) // ADV)
    cells = glyph_cells(rows, fbase, 10, fit)
    seen = {}
    for ch, cell in zip(shown(footer[:fit]), cells):
        blank = not any(any(r) for r in cell)
        if (ch == " ") != blank:
            fail("footer: glyph of %r %s" % (ch, "blank" if blank
                                              else "not blank"))
        if ch in seen and seen[ch] != cell:
            fail("footer: two glyphs for %r" % ch)
        seen[ch] = cell
    by_cell = {}
    for ch, cell in seen.items():
        if cell in by_cell:
            fail("footer: %r and %r drawn alike" % (by_cell[cell], ch))
        by_cell[cell] = ch


# ---- SVG ----

def check_svg(path, title, footer, bars):
    ns = "{http://www.w3.org/2000/svg}"
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail("not XML: %s" % e)
        return
    n = len(bars)
    if root.tag != ns + "svg":
        fail("root element %s, not svg" % root.tag)
    if (root.get("width"), root.get("height")) != (str(WIDTH),
                                                   str(height(n))):
        fail("size %s x %s, not %d x %d" % (root.get("width"),
                                            root.get("height"), WIDTH,
                                            height(n)))
    rects = root.findall(ns + "rect")
    texts = [t.text or "" for t in root.findall(ns + "text")]
    if len(rects) != 3 + 2 * n:
        fail("%d rects, not %d (background, legend, 2 a bar)"
             % (len(rects), 3 + 2 * n))
        return
    want_texts = 3 + 3 * n + (footer is not None)
    if len(texts) != want_texts:
        fail("%d texts, not %d" % (len(texts), want_texts))
        return
    if rects[0].get("fill") != "white":
        fail("no white background rect first")
    if [r.get("fill") for r in rects[1:3]] != ["#4878a8", "#e08030"]:
        fail("legend fills %r" % [r.get("fill") for r in rects[1:3]])
    if texts[0] != shown(title):
        fail("title %r, not %r" % (texts[0], shown(title)))
    if texts[1:3] != ["kmalloc", "jmod"]:
        fail("legend names %r" % texts[1:3])
    vmax = max([1] + [v for _, _, a, b in bars for v in (a, b)])
    for i, (label, tag, a, b) in enumerate(bars):
        y0 = HEAD + i * ROW_H
        for k, (v, fill, dy) in enumerate(((a, "#4878a8", 2),
                                           (b, "#e08030", 16))):
            r = rects[3 + 2 * i + k]
            want = (str(LABEL_W), str(y0 + dy), str(expected_len(v, vmax)),
                    "13", fill)
            have = tuple(r.get(x) for x in ("x", "y", "width", "height",
                                            "fill"))
            if have != want:
                fail("bar %d %s: rect %r, not %r" % (i, "ab"[k], have, want))
            if texts[4 + 3 * i + k] != "%d B" % v:
                fail("bar %d %s: value text %r, not %r"
                     % (i, "ab"[k], texts[4 + 3 * i + k], "%d B" % v))
        if texts[3 + 3 * i] != shown(label_of(label, tag)):
            fail("bar %d: label %r, not %r" % (i, texts[3 + 3 * i],
                                               shown(label_of(label, tag))))
    if footer is not None and texts[-1] != shown(footer):
        fail("footer %r, not %r" % (texts[-1], shown(footer)))


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("png", "svg"):
        sys.exit(__doc__)
    title, footer, bars = parse_args(sys.argv[3:])
    (check_png if sys.argv[1] == "png" else check_svg)(sys.argv[2], title,
                                                       footer, bars)
    for f in fails:
        print("plot_check: %s: %s" % (sys.argv[2], f))
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
