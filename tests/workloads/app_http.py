#!/usr/bin/env python3
"""HTTP/1.1 keep-alive server with known think times, and its client.

server PORTFILE: /users/<id> 60 ms, /report 180 ms, /fail 500 after 5 ms,
/static 200 at once; anything else 404. Writes its port to PORTFILE, and
to PORTFILE.times one line per request: the first path segment and the
milliseconds from the request read to its headers sent (what a loaded
machine added to the think time included).
client PORT SPEC...: SPEC is PATH:COUNT; PATH may hold {i} (the request
number). One connection; every response is read fully.
"""
import http.client
import http.server
import socketserver
import sys
import time

PORTFILE = None
THINK = {"users": 0.060, "report": 0.180, "fail": 0.005, "static": 0.0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        start = time.monotonic()
        first = self.path.split("?")[0].split("/")[1]
        if first not in THINK:
            self.reply(404, b"no\n")
            return
        time.sleep(THINK[first])
        self.reply(500 if first == "fail" else 200, b"ok\n")
        with open(PORTFILE + ".times", "a") as f:
            f.write("%s %.3f\n" % (first, (self.sent - start) * 1000))

    do_POST = do_GET

    def reply(self, code, body):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.sent = time.monotonic()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def server(portfile):
    global PORTFILE
    PORTFILE = portfile
    srv = Server(("127.0.0.1", 0), Handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def client(port, specs):
    conn = http.client.HTTPConnection("127.0.0.1", int(port))
    for spec in specs:
        path, count = spec.rsplit(":", 1)
        for i in range(int(count)):
            conn.request("GET", path.replace("{i}", str(i)))
            conn.getresponse().read()
    conn.close()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2])
    else:
        client(sys.argv[2], sys.argv[3:])
