#!/usr/bin/python3
"""A reverse proxy in front of Azurite that injects faults, for sync tests.

    faultproxy.py UPSTREAM_PORT RULES.json LOG [PORT]

Listens on 127.0.0.1:PORT (0 or absent: any free port) and prints the port on
the first line of stdout.  Threaded, HTTP/1.1, keeps client connections alive
(the client under test reuses them); request and response bodies are relayed
byte for byte, chunked or with Content-Length.  Each request goes to Azurite
on a fresh upstream connection.

RULES.json is re-read on every request, so a test can change it mid-run
(write it whole and rename it into place).  It is a list of rules; the first
one that matches and has "times" left acts:
  {"match": "PUT"}                 the method, or a substring of path?query
  {"match": ["PUT", "comp=block"]} all of them
  "action": "status", "status": 503, "code": "ServerBusy", "retry_after": 1
      answer with an Azure-style XML error (and x-ms-error-code) instead
  "action": "reset"   read the request, then close the socket (RST), no answer
  "action": "delay", "seconds": 5    wait, then forward
  "action": "truncate"  let Azurite act, then send the first half of its
      answer's head and close the connection
  "forward_first": true   let Azurite act on the request first, then answer
      with the fault instead of (status, reset) or after (delay) its answer:
      the request succeeded, but the client cannot know it
  "times": N  fires N times, then the rule is skipped; -1 or absent: always.
The count is kept in memory per rule (its index and text), so an edited rule
starts afresh.

LOG gets one line per request, tab-separated, written before the client sees
the end of the answer: METHOD, PATH?QUERY with the sig= value redacted,
STATUS (or "-" on a reset), the fault's action or "-", and how many requests
were being served (this one included) when it came: 2 or more means the
client had requests in flight in parallel.
"""
import json
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from html import escape
from email.utils import formatdate

UPSTREAM = ("127.0.0.1", int(sys.argv[1]))
RULES, LOG = sys.argv[2], sys.argv[3]
PORT = int(sys.argv[4]) if len(sys.argv) > 4 else 0
CHUNK = 1 << 16
lock = threading.Lock()
used = {}  # (index, rule text) -> times fired

DEFAULT_CODES = {403: "AuthenticationFailed", 404: "ResourceNotFound", 408: "OperationTimedOut",
                 409: "Conflict", 429: "ServerBusy", 500: "InternalError", 502: "BadGateway",
                 503: "ServerBusy"}


inflight = [0]  # requests being served now
state = threading.local()  # .inflight: how many were, as this one came


def log(method, target, status, fault):
    target = re.sub(r"([?&]sig=)[^&]*", r"\1REDACTED", target)
    with lock, open(LOG, "a", encoding="utf-8") as f:
        f.write(f"{method}\t{target}\t{status}\t{fault}\t{getattr(state, 'inflight', 1)}\n")


def pick_rule(method, target):
    """The rule that acts on this request (its count taken), or None."""
    try:
        with open(RULES, encoding="utf-8") as f:
            rules = json.load(f)
    except FileNotFoundError:
        return None
    except ValueError as e:  # a test wrote it in place: say so, fault nothing
        print(f"faultproxy: {RULES}: {e}", file=sys.stderr)
        return None
    with lock:
        for i, rule in enumerate(rules):
            match = rule.get("match", [])
            match = [match] if isinstance(match, str) else match
            if not all(m == method or m in target for m in match):
                continue
            key = (i, json.dumps(rule, sort_keys=True))
            times = rule.get("times", -1)
            if times >= 0 and used.get(key, 0) >= times:
                continue
            used[key] = used.get(key, 0) + 1
            return rule
    return None


def read_head(f):
    """Start line and header lines (raw, with CRLF) up to the blank line."""
    lines = []
    while True:
        line = f.readline(CHUNK)
        if not line:
            if lines:
                raise ConnectionError("connection closed inside a header")
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line)


def header(lines, name):
    for line in lines[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        if k.strip().lower() == name:
            return v.strip()
    return None


def relay_body(src, dst, lines, until_eof=False):
    """Copy one message body as it is: chunked, Content-Length or to EOF.
    dst None: read and drop it."""
    def out(data):
        if dst is not None:
            dst.sendall(data)
    if "chunked" in (header(lines, "transfer-encoding") or "").lower():
        while True:
            line = src.readline(CHUNK)
            if not line:
                raise ConnectionError("connection closed inside a chunked body")
            out(line)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, up to the blank line
                    line = src.readline(CHUNK)
                    out(line)
                    if line in (b"\r\n", b"\n", b""):
                        return
            copy(src, out, size + 2)  # the data and its CRLF
    elif header(lines, "content-length") is not None:
        copy(src, out, int(header(lines, "content-length")))
    elif until_eof:
        while data := src.read1(CHUNK):
            out(data)


def copy(src, out, n):
    while n > 0:
        data = src.read(min(n, CHUNK))
        if not data:
            raise ConnectionError("connection closed inside a body")
        out(data)
        n -= len(data)


def error_answer(rule, method, why="injected"):
    status = int(rule.get("status", 503))
    code = rule.get("code", DEFAULT_CODES.get(status, "InjectedFault"))
    rid = str(uuid.uuid4())
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code>'
            f"<Message>faultproxy: {status}: {escape(why)}\nRequestId:{rid}\n"
            f"Time:{time.strftime('%Y-%m-%dT%H:%M:%S.0000000Z', time.gmtime())}"
            "</Message></Error>").encode()
    head = [f"HTTP/1.1 {status} Fault", "Content-Type: application/xml",
            f"Content-Length: {len(body)}", f"x-ms-error-code: {code}",
            f"x-ms-request-id: {rid}", f"Date: {formatdate(usegmt=True)}"]
    if "retry_after" in rule:
        head.append(f"Retry-After: {rule['retry_after']}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + (b"" if method == "HEAD" else body)


class Handler(socketserver.StreamRequestHandler):
    timeout = 600  # an idle client connection ends after this

    def handle(self):
        while self.one_request():
            pass

    def reset(self):
        # linger 0 makes close() send a RST, as a dropped connection does;
        # close now, before socketserver's shutdown() would send a FIN
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
        return False

    def one_request(self):
        """Serve one request; False when the client connection must close."""
        lines = read_head(self.rfile)
        if not lines:
            return False
        with lock:
            inflight[0] += 1
            state.inflight = inflight[0]
        try:
            return self.serve(lines)
        finally:
            with lock:
                inflight[0] -= 1

    def serve(self, lines):
        method, target, version = lines[0].decode("latin-1").split()
        keep = version == "HTTP/1.1" and (header(lines, "connection") or "").lower() != "close"
        if (header(lines, "expect") or "").lower() == "100-continue":
            # answer it here, so that the body follows whatever the rule is
            self.connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            lines = [ln for ln in lines if not ln.lower().startswith(b"expect:")]
        rule = pick_rule(method, target) or {}
        action = rule.get("action", "-")
        first = rule.get("forward_first", False)
        if action in ("status", "reset") and not first:
            relay_body(self.rfile, None, lines)
            if action == "reset":
                log(method, target, "-", action)
                return self.reset()
            log(method, target, rule.get("status", 503), action)
            self.connection.sendall(error_answer(rule, method))
            return keep
        if action == "delay" and not first:
            time.sleep(float(rule.get("seconds", 5)))
        try:
            up = socket.create_connection(UPSTREAM)
        except OSError as e:  # Azurite is down: say so, as a gateway does
            relay_body(self.rfile, None, lines)
            log(method, target, 502, "-")
            self.connection.sendall(error_answer({"status": 502}, method, f"Azurite: {e}"))
            return keep
        with up, up.makefile("rb") as upr:
            up.sendall(b"".join(lines) + b"\r\n")
            relay_body(self.rfile, up, lines)
            answer = read_head(upr)
            while answer and answer[0].split()[1].startswith(b"1"):  # interim
                answer = read_head(upr)
            if not answer:
                raise ConnectionError("Azurite closed the connection without an answer")
            status = answer[0].split()[1].decode()
            has_body = method != "HEAD" and status not in ("204", "304")
            framed = header(answer, "content-length") is not None or header(answer, "transfer-encoding")
            if action in ("status", "reset"):
                if has_body:
                    relay_body(upr, None, answer, until_eof=True)
                if action == "reset":
                    log(method, target, "-", action)
                    return self.reset()
                log(method, target, rule.get("status", 503), action)
                self.connection.sendall(error_answer(rule, method))
                return keep
            if action == "truncate":
                if has_body:
                    relay_body(upr, None, answer, until_eof=True)
                raw = b"".join(answer) + b"\r\n"
                log(method, target, status, action)
                self.connection.sendall(raw[: len(raw) // 2])
                return False
            if action == "delay" and first:
                time.sleep(float(rule.get("seconds", 5)))
            log(method, target, status, action)
            self.connection.sendall(b"".join(answer) + b"\r\n")
            if has_body:
                relay_body(upr, self.connection, answer, until_eof=True)
            return keep and (framed or not has_body)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a client that hangs up mid-request is part of the tests, not news
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


if __name__ == "__main__":
    with Server(("127.0.0.1", PORT), Handler) as server:
        print(server.server_address[1], flush=True)
        server.serve_forever()
