"""A small misbehaving DNS server for the DNS prober's integration tests (stdlib only): UDP and
TCP on one 127.0.0.x port, in threads of the test process, answering every question in one of
these modes:

  answer     NOERROR with the configured records (A, TXT or CAA by question type)
  silent     reads the query and never answers (a resolver that times out)
  servfail   rcode 2
  truncate   over UDP: NOERROR, TC bit, no records; over TCP: the full answer
  malformed  a TXT answer whose string length runs past the end of its record

Counts of UDP and TCP queries are kept so tests can prove the TCP retry happened."""

import socket
import socketserver
import struct
import threading

MODES = ("answer", "silent", "servfail", "truncate", "malformed")


def _parse_question(data):
    """(id, flags, qname bytes incl. terminator, qtype) or None."""
    if len(data) < 12:
        return None
    qid, flags = struct.unpack("!HH", data[:4])
    pos = 12
    while pos < len(data) and data[pos] != 0:
        pos += 1 + data[pos]
    if pos + 5 > len(data):
        return None
    qname = data[12:pos + 1]
    qtype = struct.unpack("!H", data[pos + 1:pos + 3])[0]
    return qid, flags, qname, qtype


def _txt(value):
    b = value.encode()
    return bytes([len(b)]) + b


def _caa(flags, tag, value):
    return bytes([flags, len(tag)]) + tag.encode() + value.encode()


class FakeDns:
    def __init__(self, host="127.0.0.1", port=0, mode="answer", a="192.0.2.53",
                 txt=("fake-txt",), caa=((0, "issue", "letsencrypt.org"),)):
        assert mode in MODES, mode
        self.mode = mode
        self.a, self.txt, self.caa = a, list(txt), list(caa)
        self.udp_queries = 0
        self.tcp_queries = 0
        self._lock = threading.Lock()
        outer = self

        class Udp(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                with outer._lock:
                    outer.udp_queries += 1
                out = outer.respond(data, tcp=False)
                if out is not None:
                    sock.sendto(out, self.client_address)

        class Tcp(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(5)
                try:
                    while True:
                        hdr = self._read(2)
                        if not hdr:
                            return
                        data = self._read(struct.unpack("!H", hdr)[0])
                        if data is None:
                            return
                        with outer._lock:
                            outer.tcp_queries += 1
                        out = outer.respond(data, tcp=True)
                        if out is None:
                            return
                        self.request.sendall(struct.pack("!H", len(out)) + out)
                except OSError:
                    return

            def _read(self, n):
                buf = b""
                while len(buf) < n:
                    chunk = self.request.recv(n - len(buf))
                    if not chunk:
                        return None
                    buf += chunk
                return buf

        class UdpServer(socketserver.ThreadingUDPServer):
            daemon_threads = True
            allow_reuse_address = True

        class TcpServer(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        for _ in range(50):
            self.udp = UdpServer((host, port), Udp)
            port_now = self.udp.server_address[1]
            try:
                self.tcp = TcpServer((host, port_now), Tcp)
                break
            except OSError:
                self.udp.server_close()
                if port:
                    raise
        self.host, self.port = host, self.udp.server_address[1]
        self.address = f"{host}:{self.port}"
        self._threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1},
                                          daemon=True) for s in (self.udp, self.tcp)]
        for t in self._threads:
            t.start()

    def respond(self, data, tcp):
        q = _parse_question(data)
        if q is None or self.mode == "silent":
            return None
        qid, qflags, qname, qtype = q
        rd = qflags & 0x0100
        rcode = 2 if self.mode == "servfail" else 0
        tc = self.mode == "truncate" and not tcp
        records = []
        if rcode == 0 and not tc:
            if qtype == 1:
                records = [(1, socket.inet_aton(self.a))]
            elif qtype == 16:
                records = [(16, _txt(v)) for v in self.txt]
            elif qtype == 257:
                records = [(257, _caa(*c)) for c in self.caa]
        flags = 0x8000 | 0x0400 | rd | 0x0080 | (0x0200 if tc else 0) | rcode
        out = struct.pack("!HHHHHH", qid, flags, 1, len(records), 0, 0)
        out += qname + struct.pack("!HH", qtype, 1)
        for rtype, rdata in records:
            if self.mode == "malformed" and rtype == 16:
                rdata = bytes([200]) + rdata[1:]  # claims 200 bytes, has far fewer
            out += b"\xc0\x0c" + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata
        if self.mode == "malformed" and not records:
            out += b"\xc0\x0c\x00"  # an answer cut off inside its header
            out = out[:6] + struct.pack("!H", 1) + out[8:]
        return out

    def stop(self):
        for s in (self.udp, self.tcp):
            s.shutdown()
            s.server_close()
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
