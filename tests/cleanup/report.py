#!/usr/bin/env python3
"""--report: the page names nothing outside itself, and headless Chromium
draws its chart: one red bar per hour with backscatter, the tallest at the
peak.  Skips without chromium, except under CI=true."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

BAR = (0xd7, 0x26, 0x3d)	# BS_HTML_REPORT_BAR_COLOUR
PER_HOUR = (3, 9, 5, 2, 1)


def read_png(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat = 8, b''
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, colour = struct.unpack('>IIBB', body[:10])
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), 'PNG of depth %d colour %d' % (
        depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev, at = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def near(px, colour, tol=12):
    return all(abs(a - b) <= tol for a, b in zip(px, colour))


def main():
    t = lib.Tap()
    work = tempfile.mkdtemp(prefix='bs-report-')
    try:
        paths = lib.write_maildir(os.path.join(work, 'in'),
                                  lib.attack(PER_HOUR))
        page = os.path.join(work, 'report.html')
        r = subprocess.run([lib.BIN] + lib.IDENTITY + ['--report', page] +
                           sorted(paths), capture_output=True)
        t.ok(r.returncode == 0, '--report exits 0 (backscatter found)',
             r.stderr.decode(errors='replace'))
        with open(page, encoding='utf-8') as f:
            html = f.read()
        t.ok('<svg' in html, 'the page has an inline SVG chart')
        bad = re.findall(r'(?i)(https?:|ftp:|//[a-z0-9]|<script|<link|<img|'
                         r'<iframe|<object|url\(|@import|\ssrc=|\shref=)',
                         html)
        t.ok(not bad, 'no URL, script, link, image or import in the page',
             bad)

        chromium = shutil.which('chromium') or (
            '/usr/bin/chromium' if os.path.exists('/usr/bin/chromium')
            else None)
        if chromium is None:
            if os.environ.get('CI') == 'true':
                t.ok(False, 'chromium is installed (CI=true)')
            else:
                print('# SKIP the rendering: no chromium')
            t.done()
        shot = os.environ.get('BS_REPORT_SHOT') or os.path.join(work,
                                                                'shot.png')
        profile = os.path.join(work, 'profile')
        # Nothing to the network: no updates, sync, metrics or DNS.
        cmd = [chromium, '--headless', '--no-sandbox', '--disable-gpu',
               '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync',
               '--disable-default-apps', '--disable-extensions',
               '--metrics-recording-only', '--mute-audio',
               '--host-resolver-rules=MAP * ~NOTFOUND',
               '--user-data-dir=' + profile, '--hide-scrollbars',
               '--window-size=1000,700', '--screenshot=' + shot,
               'file://' + page]
        env = dict(os.environ, HOME=work, XDG_CONFIG_HOME=work,
                   XDG_CACHE_HOME=work)
        r = subprocess.run(cmd, capture_output=True, timeout=120, env=env,
                           stdin=subprocess.DEVNULL)
        if not t.ok(r.returncode == 0 and os.path.exists(shot),
                    'chromium takes a screenshot',
                    r.stderr.decode(errors='replace')[-2000:]):
            t.done()
        width, height, rows = read_png(shot)
        white = sum(1 for row in rows for px in row if near(px, (255,) * 3))
        t.ok(white < width * height * 0.995, 'the screenshot is not blank')
        red = [(x, y) for y, row in enumerate(rows)
               for x, px in enumerate(row) if near(px, BAR)]
        t.ok(len(red) > 500, 'the bars are drawn in the bar colour (%d '
             'pixels)' % len(red))
        if red:
            xs = [x for x, _ in red]
            ys = [y for _, y in red]
            t.ok(max(xs) < 820 and min(ys) > 40 and max(ys) < 450,
                 'the bars are in the chart, top left of the page',
                 'x %d..%d, y %d..%d' % (min(xs), max(xs), min(ys),
                                         max(ys)))
            base = max(ys) - 1
            row = rows[base]
            runs, inside = [], False
            for x, px in enumerate(row):
                if near(px, BAR) and not inside:
                    runs.append([x, x])
                    inside = True
                elif near(px, BAR):
                    runs[-1][1] = x
                else:
                    inside = False
            t.ok(len(runs) == len(PER_HOUR), 'one bar per hour (%d)'
                 % len(runs), runs)
            heights = []
            for a, b in runs:
                mid = (a + b) // 2
                heights.append(sum(1 for y in range(height)
                                   if near(rows[y][mid], BAR)))
            peak = PER_HOUR.index(max(PER_HOUR))
            t.ok(heights and heights.index(max(heights)) == peak,
                 'the tallest bar is the peak hour', heights)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t.done()


if __name__ == '__main__':
    main()
