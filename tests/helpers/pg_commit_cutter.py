#!/usr/bin/env python3
"""A PostgreSQL wire-protocol relay that loses the answer to COMMIT.

Listens on 127.0.0.1:PORT and relays each connection to the server's unix
socket SOCKET. For the first CUTS transactions that sent COPY data, it
relays the COMMIT, lets the server commit, then closes both sides before the
answer reaches the client: the client sees a broken connection although its
rows are stored. One line per cut goes to stdout ("cut N").

Usage: pg_commit_cutter.py PORT SOCKET CUTS
Needs sslmode=disable gssencmode=disable on the client (plain protocol).
Stops by itself after 300 s.
"""
import socket
import struct
import sys
import threading
import time

LIFETIME_S = 300


class Cuts:
    def __init__(self, n):
        self.left = n
        self.done = 0
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            self.done += 1
            print(f"cut {self.done}", flush=True)
            return True


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def pump(src, dst):
    """Server to client, verbatim, until either side closes."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay(client, server_path, cuts):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.connect(server_path)
        # Startup packet: int32 length (itself included), no type byte.
        head = read_exact(client, 4)
        (length,) = struct.unpack("!I", head)
        server.sendall(head + read_exact(client, length - 4))
        back = threading.Thread(target=pump, args=(server, client), daemon=True)
        back.start()
        copied = False
        while True:
            kind = read_exact(client, 1)
            head = read_exact(client, 4)
            (length,) = struct.unpack("!I", head)
            body = read_exact(client, length - 4)
            if kind in (b"d", b"c"):
                copied = True
            is_commit = kind == b"Q" and body.rstrip(b"\0").strip().upper() == b"COMMIT"
            if is_commit and copied and cuts.take():
                # Relay COMMIT but never its answer: stop the answers first.
                client.shutdown(socket.SHUT_WR)
                server.sendall(kind + head + body)
                time.sleep(0.5)  # the server commits meanwhile
                break
            if is_commit:
                copied = False
            server.sendall(kind + head + body)
    except (OSError, ConnectionError):
        pass
    finally:
        for s in (client, server):
            try:
                s.close()
            except OSError:
                pass


def main():
    port, server_path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    cuts = Cuts(n)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    listener.settimeout(1.0)
    print("listening", flush=True)
    end = time.time() + LIFETIME_S
    while time.time() < end:
        try:
            client, _ = listener.accept()
        except socket.timeout:
            continue
        threading.Thread(target=relay, args=(client, server_path, cuts), daemon=True).start()


if __name__ == "__main__":
    main()
