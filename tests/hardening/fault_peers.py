"""Misbehaving TLS and DNS peers for the probe fault soak (python3 stdlib, asyncio), run as a
child process of the test. Every peer listens on its own port (port 0, chosen by the kernel),
counts each fault it actually delivered, and can be switched to healthy behaviour so that the
test can watch certwatch recover without a restart.

TLS/TCP peers (one port each):
  stall     accepts and never sends a byte
  trickle   a real TLS server whose output goes out one byte every --trickle-ms
  garbage   reads the ClientHello and answers random bytes (not starting like a record)
  bigchain  a real TLS handshake with the --bigchain certificate chain (~100 KB)
  close     closes (FIN) right after accept
  reset     reads the ClientHello and resets the connection (RST)
  healthy mode: every TLS peer is a plain TLS server with --cert/--key.

DNS peers (UDP and TCP on one port each):
  silent          never answers
  wrong_id        a correct answer under another transaction id
  wrong_question  an answer whose question section names another name
  other_name      the right question, answer records for another name
  tc_garbage      truncated (TC) over UDP, then random bytes over TCP
  tc_silent       truncated (TC) over UDP, then a TCP connection that never answers
  servfail        rcode SERVFAIL
  refused         rcode REFUSED
  random          random bytes
  healthy mode: A --answer-a and TXT --answer-txt for every name, NOERROR.

Control API on --control-host (HTTP/1.0, one request per connection):
  GET /stats          {"mode": ..., "tls": {kind: {"delivered": n, "healthy": n}}, "dns": ...}
  POST /mode/healthy  every peer behaves
  POST /mode/faulty   every peer misbehaves again
The chosen addresses are written as JSON to --port-file once everything listens."""

import argparse
import asyncio
import json
import os
import random
import socket
import ssl
import struct
import sys

TLS_FAULTS = ("stall", "trickle", "garbage", "bigchain", "close", "reset")
DNS_FAULTS = ("silent", "wrong_id", "wrong_question", "other_name", "tc_garbage", "tc_silent",
              "servfail", "refused", "random")

# No peer holds a connection longer than this, whatever the client does.
HOLD_LIMIT = 30.0


class Peers:
    """Every peer of this process: their behaviour (faulty or healthy) and their counts."""

    def __init__(self, args):
        self.args = args
        self.healthy = False
        self.stats = {"tls": {k: {"delivered": 0, "healthy": 0} for k in TLS_FAULTS},
                      "dns": {k: {"delivered": 0, "healthy": 0} for k in DNS_FAULTS}}
        if args.kinds & set(TLS_FAULTS):
            self.good_ctx = self._server_ctx(args.cert, args.key)
        if "bigchain" in args.kinds:
            self.big_ctx = self._server_ctx(args.bigchain, args.bigchain_key)
        self.rng = random.Random(args.seed)
        self.addresses = {"tls": {}, "dns": {}}

    @staticmethod
    def _server_ctx(cert, key):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        return ctx

    def count(self, area, kind, healthy=None):
        healthy = self.healthy if healthy is None else healthy
        self.stats[area][kind]["healthy" if healthy else "delivered"] += 1

    # ------------------------------------------------------------------ TLS

    async def tls_peer(self, kind, reader, writer):
        try:
            if self.healthy:
                if await tls_session(reader, writer, self.good_ctx):
                    self.count("tls", kind, healthy=True)
                return
            await getattr(self, f"tls_{kind}")(reader, writer)
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            pass
        finally:
            writer.transport.abort()

    async def tls_stall(self, reader, writer):
        self.count("tls", "stall")
        await drain_until_eof(reader, HOLD_LIMIT)

    async def tls_trickle(self, reader, writer):
        self.count("tls", "trickle")
        await tls_session(reader, writer, self.good_ctx, trickle=self.args.trickle_ms / 1000)

    async def tls_garbage(self, reader, writer):
        await asyncio.wait_for(reader.read(65536), 5)
        # Random, except for a record header that cannot be mistaken for one: OpenSSL takes
        # any type byte with major version 3 and waits for the whole claimed length before
        # it looks at the type (measured: 28 in 20,000 random answers hung until the timeout).
        first = self.rng.choice([b for b in range(1, 128) if not 20 <= b <= 24])
        second = self.rng.choice([b for b in range(256) if b != 3])
        writer.write(bytes([first, second]) + self.rng.randbytes(self.rng.randint(5, 2046)))
        await writer.drain()
        self.count("tls", "garbage")
        await drain_until_eof(reader, 5)

    async def tls_bigchain(self, reader, writer):
        # Counted once the whole chain is on the wire (the client reads it or gives up).
        await tls_session(reader, writer, self.big_ctx,
                          on_flight=lambda: self.count("tls", "bigchain"))

    async def tls_close(self, reader, writer):
        # FIN at once, then wait for the client to go: a plain close() could turn into RST
        # when the ClientHello is already unread in the buffer (that is the reset peer's job).
        writer.write_eof()
        self.count("tls", "close")
        await drain_until_eof(reader, 5)

    async def tls_reset(self, reader, writer):
        await asyncio.wait_for(reader.read(65536), 5)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.count("tls", "reset")
        # abort() in the caller closes at once: with linger 0 the kernel sends RST.

    # ------------------------------------------------------------------ DNS

    def dns_answer(self, kind, data, tcp):
        """The bytes to send for one query (None: stay silent), counting the fault."""
        q = parse_question(data)
        if self.healthy:
            if q is None:
                return None
            self.count("dns", kind, healthy=True)
            return build_answer(q, self.args.answer_a, self.args.answer_txt)
        if kind == "random":
            self.count("dns", kind)
            return self.rng.randbytes(self.rng.randint(1, 512))
        if q is None:
            return None
        qid, flags, qname, qtype = q
        if kind == "silent":
            self.count("dns", kind)
            return None
        if kind == "wrong_id":
            self.count("dns", kind)
            return build_answer(((qid + 1 + self.rng.randint(0, 0xfffd)) & 0xffff, flags, qname,
                                 qtype), self.args.answer_a, self.args.answer_txt)
        if kind == "wrong_question":
            self.count("dns", kind)
            other = bytearray(qname)
            other[1] = ord("x") if other[1] != ord("x") else ord("y")
            return build_answer((qid, flags, bytes(other), qtype), self.args.answer_a,
                                self.args.answer_txt)
        if kind == "other_name":
            self.count("dns", kind)
            return build_answer(q, "203.0.113.66", "not-yours", owner=encode_name(
                "elsewhere.invalid"))
        if kind == "tc_garbage":
            # Counted per truncated answer: c-ares then carries every pending query of this
            # server over one TCP connection, which gets the garbage (counted apart).
            if tcp:
                self.stats["dns"][kind]["tcp_garbage"] = \
                    self.stats["dns"][kind].get("tcp_garbage", 0) + 1
                return self.rng.randbytes(self.rng.randint(1, 256))
            self.count("dns", kind)
            return build_header(qid, flags, rcode=0, tc=True) + qname + struct.pack("!HH", qtype, 1)
        if kind == "tc_silent":
            if tcp:
                self.stats["dns"][kind]["tcp_held"] = \
                    self.stats["dns"][kind].get("tcp_held", 0) + 1
                return None  # the connection stays open until the client drops it
            self.count("dns", kind)
            return build_header(qid, flags, rcode=0, tc=True) + qname + struct.pack("!HH", qtype, 1)
        if kind in ("servfail", "refused"):
            self.count("dns", kind)
            return build_header(qid, flags, rcode=2 if kind == "servfail" else 5) + qname + \
                struct.pack("!HH", qtype, 1)
        return None

    async def dns_tcp(self, kind, reader, writer):
        try:
            while True:
                hdr = await asyncio.wait_for(reader.readexactly(2), HOLD_LIMIT)
                data = await asyncio.wait_for(
                    reader.readexactly(struct.unpack("!H", hdr)[0]), HOLD_LIMIT)
                out = self.dns_answer(kind, data, tcp=True)
                if out is None:
                    await drain_until_eof(reader, HOLD_LIMIT)
                    return
                if kind in ("tc_garbage", "random") and not self.healthy:
                    writer.write(out)  # no length prefix: garbage framing too
                    await writer.drain()
                    return
                writer.write(struct.pack("!H", len(out)) + out)
                await writer.drain()
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.transport.abort()

    # ------------------------------------------------------------------ control

    async def control(self, reader, writer):
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            method, path = head.split(b" ", 2)[:2]
            status, body = 200, b""
            if method == b"GET" and path == b"/stats":
                body = json.dumps({"mode": "healthy" if self.healthy else "faulty",
                                   **self.stats}).encode()
            elif method == b"POST" and path in (b"/mode/healthy", b"/mode/faulty"):
                self.healthy = path == b"/mode/healthy"
                body = b'{"ok": true}'
            else:
                status, body = 404, b'{"error": "not found"}'
            writer.write(b"HTTP/1.0 %d X\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % (status, len(body)) + body)
            await writer.drain()
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()


async def drain_until_eof(reader, limit):
    """Reads (and drops) until the client closes, for at most `limit` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while loop.time() < end:
        try:
            chunk = await asyncio.wait_for(reader.read(65536), max(0.0, end - loop.time()))
        except asyncio.TimeoutError:
            return
        if not chunk:
            return


async def tls_session(reader, writer, ctx, trickle=0.0, on_flight=None):
    """A server-side TLS handshake over memory BIOs, so that its output can be trickled.
    True once the handshake completed (then waits, bounded, for the client to close)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
    loop = asyncio.get_running_loop()
    end = loop.time() + HOLD_LIMIT
    done = False
    while loop.time() < end:
        try:
            tls.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError:
            done = None
        out = outgoing.read()
        if out and trickle:
            for i in range(len(out)):
                if writer.transport.is_closing() or reader.at_eof() or loop.time() >= end:
                    return False
                writer.write(out[i:i + 1])
                await writer.drain()
                await asyncio.sleep(trickle)
        elif out:
            writer.write(out)
            await writer.drain()
            if on_flight:
                on_flight()
                on_flight = None
        if done is None:
            return False
        if done:
            await drain_until_eof(reader, 5)
            return True
        chunk = await asyncio.wait_for(reader.read(65536), max(0.0, end - loop.time()))
        if not chunk:
            return False
        incoming.write(chunk)
    return False


def parse_question(data):
    """(id, flags, qname bytes incl. terminator, qtype) of a query, or None."""
    if len(data) < 12:
        return None
    qid, flags = struct.unpack("!HH", data[:4])
    pos = 12
    while pos < len(data) and data[pos] != 0:
        if data[pos] & 0xc0:
            return None
        pos += 1 + data[pos]
    if pos + 5 > len(data):
        return None
    return qid, flags, data[12:pos + 1], struct.unpack("!H", data[pos + 1:pos + 3])[0]


def encode_name(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"


def build_header(qid, qflags, rcode=0, tc=False, ancount=0):
    flags = 0x8000 | 0x0400 | (qflags & 0x0100) | 0x0080 | (0x0200 if tc else 0) | rcode
    return struct.pack("!HHHHHH", qid, flags, 1, ancount, 0, 0)


def build_answer(q, a, txt, owner=None):
    """NOERROR with one A or TXT record (none for other types); owner defaults to the
    question's name (a compression pointer to it)."""
    qid, qflags, qname, qtype = q
    records = []
    if qtype == 1:
        records.append((1, socket.inet_aton(a)))
    elif qtype == 16:
        b = txt.encode()
        records.append((16, bytes([len(b)]) + b))
    out = build_header(qid, qflags, ancount=len(records)) + qname + struct.pack("!HH", qtype, 1)
    for rtype, rdata in records:
        out += (owner or b"\xc0\x0c") + struct.pack("!HHIH", rtype, 1, 60, len(rdata)) + rdata
    return out


class DnsUdp(asyncio.DatagramProtocol):
    def __init__(self, peers, kind):
        self.peers, self.kind = peers, kind
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        out = self.peers.dns_answer(self.kind, data, tcp=False)
        if out is not None:
            self.transport.sendto(out, addr)

    def error_received(self, exc):
        pass


async def listen_dns(peers, kind, host):
    """UDP and TCP on one port: the UDP port is taken first, TCP must get the same one."""
    loop = asyncio.get_running_loop()
    for _ in range(100):
        udp, _ = await loop.create_datagram_endpoint(lambda: DnsUdp(peers, kind),
                                                     local_addr=(host, 0))
        port = udp.get_extra_info("sockname")[1]
        try:
            tcp = await asyncio.start_server(lambda r, w: peers.dns_tcp(kind, r, w), host, port,
                                             backlog=1024)
            return f"{host}:{port}", (udp, tcp)
        except OSError:
            udp.close()
    raise RuntimeError(f"no port free for UDP and TCP on {host}")


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tls-host", default="127.0.0.61")
    ap.add_argument("--dns-host", default="127.0.0.62")
    ap.add_argument("--control-host", default="127.0.0.1")
    ap.add_argument("--kinds", default=",".join(TLS_FAULTS + DNS_FAULTS),
                    help="which peers this process runs: peers that work hard (trickle, "
                         "bigchain) in a process of their own cannot delay the others")
    ap.add_argument("--cert", help="healthy certificate chain (PEM)")
    ap.add_argument("--key")
    ap.add_argument("--bigchain", help="the ~100 KB chain (PEM)")
    ap.add_argument("--bigchain-key")
    ap.add_argument("--trickle-ms", type=float, default=20.0)
    ap.add_argument("--answer-a", default="192.0.2.10")
    ap.add_argument("--answer-txt", default="hello")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    args.kinds = set(args.kinds.split(","))
    unknown = args.kinds - set(TLS_FAULTS + DNS_FAULTS)
    if unknown:
        ap.error(f"unknown kinds: {sorted(unknown)}")
    if args.kinds & set(TLS_FAULTS) and not (args.cert and args.key):
        ap.error("the TLS peers need --cert and --key")
    if "bigchain" in args.kinds and not (args.bigchain and args.bigchain_key):
        ap.error("the bigchain peer needs --bigchain and --bigchain-key")
    peers = Peers(args)
    keep = []
    for kind in [k for k in TLS_FAULTS if k in args.kinds]:
        srv = await asyncio.start_server(
            lambda r, w, k=kind: peers.tls_peer(k, r, w), args.tls_host, 0, backlog=1024)
        keep.append(srv)
        peers.addresses["tls"][kind] = f"{args.tls_host}:{srv.sockets[0].getsockname()[1]}"
    for kind in [k for k in DNS_FAULTS if k in args.kinds]:
        addr, servers = await listen_dns(peers, kind, args.dns_host)
        keep.append(servers)
        peers.addresses["dns"][kind] = addr
    control = await asyncio.start_server(peers.control, args.control_host, 0)
    keep.append(control)
    peers.addresses["control"] = f"{args.control_host}:{control.sockets[0].getsockname()[1]}"
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(peers.addresses, f)
    os.replace(tmp, args.port_file)  # the test sees the whole file or none
    await asyncio.Event().wait()  # until SIGTERM


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
