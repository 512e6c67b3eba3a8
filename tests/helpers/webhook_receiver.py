#!/usr/bin/env python3
"""A webhook receiver for the daemon tests, on loopback only.

Every POST is appended to --log as one JSON line: {"time", "path", "code",
"headers", "body"} (time = arrival, Unix seconds). The status to answer is
taken from --codes: a file of whitespace-separated codes consumed one per
request (e.g. "500 500 429"); when it is empty or missing, 200. Writing to
that file while the receiver runs changes what the next requests get.
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="where to write the bound port")
    ap.add_argument("--log", required=True)
    ap.add_argument("--codes", help="file of status codes to answer, consumed in order")
    args = ap.parse_args()
    lock = threading.Lock()

    def next_code():
        if not args.codes or not os.path.exists(args.codes):
            return 200
        with open(args.codes) as f:
            codes = f.read().split()
        if not codes:
            return 200
        with open(args.codes, "w") as f:
            f.write(" ".join(codes[1:]))
        return int(codes[0])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            arrived = time.time()
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                code = next_code()
                record = {
                    "time": arrived,
                    "path": self.path,
                    "code": code,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", "replace"),
                }
                with open(args.log, "a") as f:
                    f.write(json.dumps(record) + "\n")
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok\n" if code < 300 else b"no\n")

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
