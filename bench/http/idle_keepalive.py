#!/usr/bin/env python3
"""Opens N idle keep-alive HTTP connections to a server and reports the growth of its
resident set per connection, in the shared format:

    LABEL http_idle connections=10000 rss_before_kb=... rss_after_kb=...
        bytes_per_connection=... check=ok

Each connection sends one `GET /` and reads the whole response (a 200 with a
Content-Length body), then stays open and quiet. The resident set (VmRSS, summed over
--pid, which may be given more than once: for nginx its worker) is read once one
warm-up connection has had its answer, and again when all N have had theirs and the
figure has settled. check=FAIL unless every response was a 200 carrying --body and every
connection is still open at the end. Non-blocking sockets and one selector; at most
--in-flight connects and requests outstanding at a time, so that no listen backlog
overflows into SYN retransmits.

    python3 bench/http/idle_keepalive.py --port=8080 --pid=1234 --label=gale
"""
import argparse
import errno
import resource
import selectors
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def rss_kb(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def settled_rss_kb(pids, timeout=3.0):
    """VmRSS once two readings 100 ms apart agree (or after `timeout`)."""
    last = rss_kb(pids)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = rss_kb(pids)
        if now == last:
            return now
        last = now
    return last


class Connection:
    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.buf = b""
        self.sent = 0
        self.done = False
        self.error = None
        err = self.sock.connect_ex(("127.0.0.1", port))
        if err not in (0, errno.EINPROGRESS):
            self.error = f"connect:{errno.errorcode.get(err, err)}"

    def response_complete(self):
        head, sep, body = self.buf.partition(b"\r\n\r\n")
        if not sep:
            return False
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is None:  # chunked, or no length: the last chunk ends it
            return body.endswith(b"0\r\n\r\n")
        return len(body) >= length


def check_response(conn, body):
    head, _, rest = conn.buf.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status + b" ":
        return "status:" + status.decode(errors="replace").replace(" ", "_")
    if body.encode() not in rest:
        return "body"
    return None


def open_connections(port, count, in_flight, body, deadline):
    """Opens `count` connections, each with its one request answered; returns them and
    the problems met."""
    sel = selectors.DefaultSelector()
    conns, problems = [], []
    pending = 0
    started = 0
    while (started < count or pending) and time.monotonic() < deadline:
        while started < count and pending < in_flight:
            conn = Connection(port)
            started += 1
            conns.append(conn)
            if conn.error:
                problems.append(conn.error)
                conn.sock.close()
                continue
            sel.register(conn.sock, selectors.EVENT_WRITE, conn)
            pending += 1
        for key, events in sel.select(timeout=0.5):
            conn = key.data
            try:
                if events & selectors.EVENT_WRITE:
                    err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        raise OSError(err, errno.errorcode.get(err, str(err)))
                    conn.sent += conn.sock.send(REQUEST[conn.sent:])
                    if conn.sent == len(REQUEST):
                        sel.modify(conn.sock, selectors.EVENT_READ, conn)
                    continue
                data = conn.sock.recv(65536)
                if not data:
                    raise OSError(0, "closed_before_response")
                conn.buf += data
                if not conn.response_complete():
                    continue
                conn.done = True
                problem = check_response(conn, body)
                if problem:
                    problems.append(problem)
            except OSError as e:
                conn.error = str(e.strerror or e).replace(" ", "_")
                problems.append(conn.error)
            sel.unregister(conn.sock)
            pending -= 1
    if started < count or pending:
        problems.append(f"timeout:{sum(c.done for c in conns)}_of_{count}_answered")
    sel.close()
    return conns, problems


def still_open(conns):
    """How many of the answered connections the server has not closed (no EOF, no error)."""
    alive = 0
    for conn in conns:
        if not conn.done or conn.error:
            continue
        try:
            data = conn.sock.recv(1)
            if data:  # an unasked-for byte: not idle
                continue
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
    return alive


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, action="append", required=True,
                        help="a server process whose VmRSS counts (repeatable)")
    parser.add_argument("--label", required=True)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--body", default="Hello, world")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.connections + 100
    if hard != resource.RLIM_INFINITY and hard < need:
        print(f"idle_keepalive: needs {need} open files; the hard limit is {hard}",
              file=sys.stderr)
        return 1
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))

    deadline = time.monotonic() + args.timeout
    warm, problems = open_connections(args.port, 1, 1, args.body, deadline)
    before = settled_rss_kb(args.pid)
    conns, more = open_connections(args.port, args.connections, args.in_flight, args.body,
                                   deadline)
    problems += more
    after = settled_rss_kb(args.pid)
    alive = still_open(conns)
    if alive != args.connections:
        problems.append(f"open_at_end:{alive}_of_{args.connections}")
    for conn in warm + conns:
        conn.sock.close()

    per_connection = (after - before) * 1024 / args.connections
    check = "ok" if not problems else "FAIL"
    line = (f"{args.label} http_idle connections={args.connections} "
            f"rss_before_kb={before} rss_after_kb={after} "
            f"bytes_per_connection={per_connection:.0f} check={check}")
    if problems:
        distinct = sorted(set(problems))
        line += f" problems={len(problems)}:" + ",".join(distinct[:5])
    print(line)
    return 0 if check == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
