#!/usr/bin/env python3
"""known.py MODE < output > filtered: what a golden case of unknown verdict
may assert (cases.list exit "?").  A bounce from bounce-unlabeled, an
auto-reply or an ARF report has no owner and no ground truth for its
verdict: what is known is what the message says (kind, recipients, reason,
the returned original).  The verdict, score and tests are dropped.
  json     one object per line: without verdict, score, threshold, tests
           and original.vouched_hop; printed indented
  explain  without the tests: and verdict: sections
  hdr      the X-Backscatter field (with its folded lines) becomes
           "X-Backscatter: ?" in its own line ending; the rest is kept
           byte for byte"""
import json
import sys

DROP = ("verdict", "score", "threshold", "decided_by", "tests")


def known_json(data):
    out = []
    for line in data.decode("utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        for key in DROP:
            obj.pop(key, None)
        if isinstance(obj.get("original"), dict):
            obj["original"].pop("vouched_hop", None)
        out.append(json.dumps(obj, indent=2, ensure_ascii=False))
    return ("\n".join(out) + "\n").encode("utf-8")


def known_explain(data):
    out, skip = [], False
    for line in data.decode("utf-8").split("\n"):
        if line.startswith("  tests:") or line.startswith("  verdict:"):
            skip = True
            continue
        if skip and line.startswith("    "):
            continue
        skip = False
        out.append(line)
    return "\n".join(out).encode("utf-8")


def known_hdr(data):
    lines = data.split(b"\n")
    if not lines or not lines[0].startswith(b"X-Backscatter:"):
        return data
    eol = b"\r" if lines[0].endswith(b"\r") else b""
    i = 1
    while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
        i += 1
    return b"\n".join([b"X-Backscatter: ?" + eol] + lines[i:])


MODES = {"json": known_json, "explain": known_explain, "hdr": known_hdr}
sys.stdout.buffer.write(MODES[sys.argv[1]](sys.stdin.buffer.read()))
