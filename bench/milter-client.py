#!/usr/bin/env python3
"""milter-client.py: drive backscatter-milter directly over the milter
protocol (version 6), as an MTA does, with N concurrent sessions (one
process each), and report messages/s and the milter's CPU per message.

  milter-client.py --milter BIN --message FILE [--sessions 8]
                   [--messages 2000] [--config FILE]

This measures the milter alone, without an MTA's own cost; bench/milter.sh
measures it behind Postfix with smtp-source.  Each message is its own
connection (negotiate, connect, MAIL, RCPT, header fields, end of header,
body, end of message, quit), as smtp-source without -d makes them.
"""
import argparse
import multiprocessing
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

SMFIP_NR_HDR = 0x80
SMFIP_SKIP = 0x400
FINAL = b"acrdyt"


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def read_packet(sock, buf):
    while len(buf) < 4 or len(buf) < 4 + struct.unpack(">I", buf[:4])[0]:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("milter closed the connection")
        buf += chunk
    n = struct.unpack(">I", buf[:4])[0]
    return buf[4:5], buf[5:4 + n], buf[4 + n:]


def parse(raw):
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    fields = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b"\n" + line
        elif b":" in line:
            name, _, value = line.partition(b":")
            fields.append([name, value.lstrip(b" ")])
    return fields, body.replace(b"\n", b"\r\n")


def one_message(path, fields, body):
    return exchange(path, fields, body)[0]


def exchange(path, fields, body, sender=b"<>", auth=None):
    """One message over a new connection to the milter at path, from
    sender, and with auth (bytes) as the {auth_authen} macro, as from
    an authenticated submission.
    Returns: (what became of it: "tagged" with an X-Backscatter header,
    else the final reply or the stage that accepted it; the header's
    value or None)."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    buf = b""
    sock.sendall(packet(b"O", struct.pack(">III", 6, 0x1ff,
                                          SMFIP_NR_HDR | SMFIP_SKIP)))
    _, data, buf = read_packet(sock, buf)
    proto = struct.unpack(">III", data[:12])[2]

    def ask(cmd, data=b""):
        nonlocal buf
        sock.sendall(packet(cmd, data))
        reply, _, buf = read_packet(sock, buf)
        return reply

    ask(b"C", b"mx.example.net\x004" + struct.pack(">H", 25)
        + b"192.0.2.1\x00")
    macros = b"Mi\x00Q1\x00"
    if auth is not None:
        macros += b"{auth_authen}\x00" + auth + b"\x00"
    sock.sendall(packet(b"D", macros))
    if ask(b"M", sender + b"\x00") == b"a":
        return "mail", None
    sock.sendall(packet(b"D", b"R{rcpt_mailer}\x00local\x00"))
    ask(b"R", b"<kim@example.org>\x00")
    for name, value in fields:
        if proto & SMFIP_NR_HDR:
            sock.sendall(packet(b"L", name + b"\x00" + value + b"\x00"))
        else:
            ask(b"L", name + b"\x00" + value + b"\x00")
    if ask(b"N") == b"a":
        return "eoh", None
    for i in range(0, len(body), 65535):
        if ask(b"B", body[i:i + 65535]) == b"s":
            break
    sock.sendall(packet(b"E"))
    value = None
    while True:
        reply, data, buf = read_packet(sock, buf)
        if reply == b"i" and b"X-Backscatter\x00" in data:
            # index (4 bytes), name, NUL, value, NUL
            value = data[4:].split(b"\x00")[1].decode(errors="replace")
        if reply in [bytes([c]) for c in FINAL]:
            break
    sock.sendall(packet(b"Q"))
    sock.close()
    return ("tagged" if value is not None else reply.decode()), value


def session(args):
    path, raw, count = args
    fields, body = parse(raw)
    tagged = 0
    for _ in range(count):
        tagged += one_message(path, fields, body) == "tagged"
    return tagged


def cpu_seconds(pid):
    """(user, system) CPU seconds of a process."""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return int(v[11]) / hz, int(v[12]) / hz


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--milter", required=True)
    ap.add_argument("--message", required=True)
    ap.add_argument("--config")
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--messages", type=int, default=2000)
    a = ap.parse_args()
    raw = open(a.message, "rb").read()
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "milter.sock")
    conf = a.config or os.path.join(tmp, "milter.conf")
    if a.config is None:
        with open(conf, "w") as f:
            f.write("[ledger]\npath=%s/ledger.sqlite\n[milter]\n"
                    "action=header\n" % tmp)
    env = dict(os.environ, XDG_CONFIG_HOME="/nonexistent",
               XDG_DATA_HOME="/nonexistent")
    proc = subprocess.Popen([a.milter, "-c", conf, "-p", "unix:" + path],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            if os.path.exists(path):
                break
            time.sleep(0.1)
        session((path, raw, 5))          # warm up: start-up not counted
        per = a.messages // a.sessions
        c0 = cpu_seconds(proc.pid)
        t0 = time.monotonic()
        done = per * a.sessions
        with multiprocessing.Pool(a.sessions) as pool:
            tagged = sum(pool.map(session,
                                  [(path, raw, per)] * a.sessions))
        t1 = time.monotonic()
        c1 = cpu_seconds(proc.pid)
        print("milter alone (milter protocol, %d sessions): %d messages "
              "(%d tagged X-Backscatter), %.0f messages/s wall clock, "
              "%.3f ms milter CPU a message (%.3f user, %.3f system)"
              % (a.sessions, done, tagged, done / (t1 - t0),
                 (c1[0] + c1[1] - c0[0] - c0[1]) * 1000 / done,
                 (c1[0] - c0[0]) * 1000 / done,
                 (c1[1] - c0[1]) * 1000 / done))
        if tagged != done:
            return 1
    finally:
        proc.terminate()
        proc.wait()
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
