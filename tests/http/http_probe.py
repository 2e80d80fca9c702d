#!/usr/bin/python3
"""http_probe.py: small HTTP client steps for the live-mode tests (standard
library only).  Each subcommand prints what the shell test asserts on and
exits 1 with a message when the answer is wrong.

  url STDERR_FILE [TIMEOUT]        wait for "serving http://..." in the file, print the base URL
  get URL [OUT]                    print "STATUS CONTENT-TYPE LENGTH"; body to OUT (or stdout)
  metric URL NAME                  print the value of metric NAME from URL (a /metrics page)
  raw HOST PORT KIND               send a faulty request, print the status code:
                                   garbage | bigheader | biguri | post | body
  idle HOST PORT MAX_SECONDS       connect, send nothing; print seconds until the server closed
  closed HOST PORT                 exit 0 when nothing listens on PORT any more
  gunzip FILE                      exit 0 when FILE is gzip data with a non-empty payload
  delta_header URL                 print "alloc_objects alloc_bytes" of a debug=1 heap page
"""
import gzip
import re
import socket
import sys
import time
import urllib.error
import urllib.request


def die(msg):
    print("http_probe: " + msg, file=sys.stderr)
    sys.exit(1)


def fetch(url, timeout=60):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def cmd_url(path, timeout="10"):
    end = time.time() + float(timeout)
    while time.time() < end:
        try:
            m = re.search(r"serving (http://[^/ ]+)/", open(path).read())
            if m:
                print(m.group(1))
                return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    die("no 'serving http://...' line in " + path)


def cmd_get(url, out=None):
    status, ctype, body = fetch(url)
    if out:
        with open(out, "wb") as f:
            f.write(body)
    try:
        print(status, ctype.replace(" ", ""), len(body))
        if not out:
            sys.stdout.write(body.decode("utf-8", "replace"))
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stdout = None  # the reader (grep -q) has seen enough


def cmd_metric(url, name):
    status, _, body = fetch(url)
    if status != 200:
        die("%s: status %d" % (url, status))
    for line in body.decode().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == name:
            print(parts[1])
            return
    die("no metric %s in %s" % (name, url))


def status_of(reply):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return m.group(1).decode() if m else "none:" + repr(reply[:40])


def cmd_raw(host, port, kind):
    requests = {
        "garbage": b"THIS IS NOT HTTP\r\n\r\n",
        "bigheader": b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
        "biguri": b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "post": b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        "body": b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    }
    s = socket.create_connection((host, int(port)), timeout=10)
    try:
        s.sendall(requests[kind])
    except OSError:
        pass  # the server may close before reading everything; the reply is still there
    reply = b""
    try:
        while len(reply) < 64:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError:
        pass
    print(status_of(reply))


def cmd_idle(host, port, max_seconds):
    s = socket.create_connection((host, int(port)), timeout=float(max_seconds))
    start = time.time()
    try:
        data = s.recv(100)
    except socket.timeout:
        die("the idle connection was still open after %s s" % max_seconds)
    except ConnectionResetError:
        data = b""
    if data:
        die("the server sent data to an idle client: %r" % data[:40])
    print("%.1f" % (time.time() - start))


def cmd_closed(host, port):
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return
    die("port %s still accepts connections" % port)


def cmd_gunzip(path):
    data = gzip.open(path).read()
    if not data:
        die(path + ": empty payload")


def cmd_delta_header(url):
    status, _, body = fetch(url)
    m = re.match(rb"heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ heapprofile", body)
    if status != 200 or not m:
        die("%s: status %d, no heap profile header" % (url, status))
    print(m.group(3).decode(), m.group(4).decode())


if __name__ == "__main__":
    cmds = {"url": cmd_url, "get": cmd_get, "metric": cmd_metric, "raw": cmd_raw, "idle": cmd_idle,
            "closed": cmd_closed, "gunzip": cmd_gunzip, "delta_header": cmd_delta_header}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        die("usage: see the docstring")
    cmds[sys.argv[1]](*sys.argv[2:])
