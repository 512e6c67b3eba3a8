#!/usr/bin/env python3
"""Bytes no protocol parser may take for a request, sent to a server.

app_garbage.py tcp PORT | unix PATH: on fresh connections, random binary
(fixed seed), a truncated HTTP request line, a truncated RESP command, a
truncated PostgreSQL query, and a line of plain text; each connection is
closed after whatever the server answers within 0.2 s.
"""
import random
import socket
import sys

rng = random.Random(14)
PAYLOADS = [
    bytes(rng.getrandbits(8) for _ in range(4096)),
    b"GET /trunc",
    b"*3\r\n$3\r\nSE",
    b"Q\x00\x00\x00\x40SELECT 1",
    b"hello there, this is not a protocol\r\n\r\n",
    b"POST" + bytes(rng.getrandbits(8) for _ in range(60)),
]


def connect():
    if sys.argv[1] == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
    else:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    return s


for p in PAYLOADS:
    s = connect()
    s.settimeout(0.2)
    try:
        s.sendall(p)
        s.recv(4096)
    except OSError:
        pass
    s.close()
