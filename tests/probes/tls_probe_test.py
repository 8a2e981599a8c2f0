"""`certwatch probe tls` against real TLS servers (openssl s_server, Python's ssl for STARTTLS,
raw sockets for broken peers) on 127.0.0.x with certificates made here, and the same endpoints
probed by Debian's prometheus-blackbox-exporter for parity."""

import datetime
import json
import os
import socket
import ssl
import threading
import time
import unittest
import urllib.parse

import certwatch_testlib as t

HOST = "127.0.0.3"
NAME = "app.example.test"
UTC = datetime.timezone.utc


class AiaCA(t.CA):
    """A CA whose leaves point at their issuer with AIA caIssuers, as public CAs' do; that is
    what lets a prober tell a missing intermediate from an unknown CA."""

    aia = True

    def _conf(self, ext_lines):
        if self.aia and any("CA:FALSE" in line for line in ext_lines):
            ext_lines = list(ext_lines) + [
                "authorityInfoAccess=caIssuers;URI:http://ca.example.test/intermediate.crt"]
        return super()._conf(ext_lines)


def probe(*args, timeout=30):
    r = t.run([t.BIN, "probe", "tls", *args, "-o", "json"], timeout=timeout, check=False)
    if r.returncode not in (0, 1):
        raise AssertionError(f"probe exited {r.returncode}: {r.stdout}\n{r.stderr}")
    return r.returncode, json.loads(r.stdout)


class SServer:
    """openssl s_server on HOST and a free port, stopped by PID."""

    def __init__(self, workdir, cert, key, chain=None, extra=(), host=HOST):
        self.host = host
        self.port = t.free_port(host)
        args = ["openssl", "s_server", "-accept", f"{host}:{self.port}", "-cert", cert,
                "-key", key, "-www", "-quiet", "-naccept", "1000000"]
        if chain:
            args += ["-cert_chain", chain]
        self.proc = t.Proc(args + list(extra), workdir, name="s_server")
        t.wait_port(host, self.port)

    @property
    def addr(self):
        return f"{self.host}:{self.port}"

    def stop(self):
        self.proc.stop()


class RawServer:
    """A TCP listener whose behaviour after accept is `handler(conn)`; for peers that are not
    TLS servers at all."""

    def __init__(self, handler, host=HOST):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.addr = f"{host}:{self.sock.getsockname()[1]}"
        self.handler = handler
        self.stopping = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            self.handler(conn, self.stopping)
        except OSError:
            pass

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        for c in self.conns:
            c.close()
        self.sock.close()


class TlsProbeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = t.tempfile.mkdtemp(prefix="certwatch-tls-")
        cls.root = t.CA(cls.tmp, name="Probe Root CA")
        cls.inter = AiaCA(cls.tmp, name="Probe Intermediate CA", parent=cls.root)
        cls.leaf, cls.leaf_key = cls.inter.issue(NAME, name="valid")
        now = datetime.datetime.now(UTC)
        cls.expired, cls.expired_key = cls.inter.issue(
            NAME, name="expired", not_before=now - datetime.timedelta(days=100),
            not_after=now - datetime.timedelta(days=3))
        cls.future, cls.future_key = cls.inter.issue(
            NAME, name="future", not_before=now + datetime.timedelta(days=2),
            not_after=now + datetime.timedelta(days=92))
        cls.other_root = t.CA(cls.tmp, name="Unknown Root CA")
        cls.unknown, cls.unknown_key = cls.other_root.issue(NAME, name="unknown")
        cls.servers = []

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        t.shutil.rmtree(cls.tmp, ignore_errors=True)

    def serve(self, cert, key, chain=None, extra=(), host=HOST):
        s = SServer(self.tmp, cert, key, chain=chain, extra=extra, host=host)
        self.servers.append(s)
        return s

    def raw(self, handler):
        s = RawServer(handler)
        self.addCleanup(s.stop)
        return s

    # --- certificates -------------------------------------------------------------------

    def test_valid_chain(self):
        s = self.serve(self.leaf, self.leaf_key, chain=self.inter.cert)
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 0, r)
        self.assertTrue(r["healthy"] and r["success"] and r["verified"])
        self.assertEqual(r["verify_reason"], "ok")
        self.assertEqual(r["leaf"]["not_after"], t.cert_not_after(self.leaf))
        self.assertEqual(len(r["chain"]), 2)
        self.assertEqual(r["chain"][1]["subject"], "CN=Probe Intermediate CA")
        self.assertEqual(len(r["verified_chain"]), 3)
        self.assertEqual(r["chain_earliest_not_after"], t.cert_not_after(self.leaf))
        self.assertIn(r["tls_version"], ("TLS 1.3", "TLS 1.2"))
        self.assertTrue(r["cipher"].startswith("TLS_"))
        fp = t.run(["openssl", "x509", "-in", self.leaf, "-noout", "-fingerprint", "-sha256"])
        self.assertEqual(r["leaf"]["fingerprint_sha256"],
                         fp.stdout.split("=", 1)[1].strip().replace(":", "").lower())
        # The human report says the same.
        text = t.run([t.BIN, "probe", "tls", s.addr, "--server-name", NAME, "--ca-file",
                      self.root.cert]).stdout
        self.assertIn("HEALTHY (ok)", text)
        self.assertIn("days left", text)
        self.assertIn("CN=Probe Intermediate CA", text)

    def test_expired_leaf_dates_are_still_reported(self):
        s = self.serve(self.expired, self.expired_key, chain=self.inter.cert)
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 1)
        self.assertTrue(r["success"])  # the handshake completes; the certificate is bad
        self.assertFalse(r["verified"])
        self.assertEqual(r["verify_reason"], "expired")
        self.assertEqual(r["leaf"]["not_after"], t.cert_not_after(self.expired))
        self.assertLess(r["leaf"]["days_left"], -2.9)
        text = t.run([t.BIN, "probe", "tls", s.addr, "--server-name", NAME, "--ca-file",
                      self.root.cert], check=False).stdout
        self.assertIn("EXPIRED", text)
        self.assertIn("renew", text)

    def test_not_yet_valid(self):
        s = self.serve(self.future, self.future_key, chain=self.inter.cert)
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "not_yet_valid")
        self.assertEqual(r["leaf"]["not_after"], t.cert_not_after(self.future))

    def test_wrong_host(self):
        s = self.serve(self.leaf, self.leaf_key, chain=self.inter.cert)
        rc, r = probe(s.addr, "--server-name", "other.example.test", "--ca-file", self.root.cert)
        self.assertEqual(rc, 1)
        self.assertTrue(r["success"])
        self.assertFalse(r["hostname_ok"])
        self.assertEqual(r["verify_reason"], "hostname_mismatch")

    def test_unknown_ca(self):
        s = self.serve(self.unknown, self.unknown_key)
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "unknown_authority")
        self.assertEqual(r["leaf"]["not_after"], t.cert_not_after(self.unknown))

    def test_self_signed(self):
        cert = os.path.join(self.tmp, "selfsigned.crt")
        key = os.path.join(self.tmp, "selfsigned.key")
        t.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
               "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "5",
               "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}"])
        s = self.serve(cert, key)
        rc, r = probe(s.addr, "--server-name", NAME)
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "self_signed")

    def test_missing_intermediate(self):
        s = self.serve(self.leaf, self.leaf_key)  # leaf only: the intermediate is not sent
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "incomplete_chain")
        self.assertEqual(len(r["chain"]), 1)
        self.assertIn("intermediate", r["advice"])

    def test_stapled_ocsp_good_and_revoked(self):
        d = os.path.join(self.tmp, "ocsp")
        os.makedirs(d, exist_ok=True)
        inter = AiaCA(d, name="OCSP Intermediate CA", parent=self.root)
        good, good_key = inter.issue(NAME, name="ocsp-good")
        bad, bad_key = inter.issue(NAME, name="ocsp-revoked")
        t.run(["openssl", "ca", "-config", inter._conf([]), "-revoke", bad, "-keyfile", inter.key,
               "-cert", inter.cert])
        index = os.path.join(inter.dir, "index.txt")

        def ocsp_response(cert, out):
            t.run(["openssl", "ocsp", "-index", index, "-rsigner", inter.cert, "-rkey", inter.key,
                   "-CA", inter.cert, "-issuer", inter.cert, "-cert", cert, "-respout", out,
                   "-ndays", "1"])
            return out

        good_resp = ocsp_response(good, os.path.join(d, "good.der"))
        bad_resp = ocsp_response(bad, os.path.join(d, "revoked.der"))
        s = self.serve(good, good_key, chain=inter.cert, extra=["-status_file", good_resp])
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 0, r)
        self.assertEqual(r["ocsp"]["status"], "good")
        self.assertGreater(r["ocsp"]["next_update"], time.time())
        s2 = self.serve(bad, bad_key, chain=inter.cert, extra=["-status_file", bad_resp])
        rc, r = probe(s2.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 1)
        self.assertEqual(r["ocsp"]["status"], "revoked")
        self.assertEqual(r["verify_reason"], "revoked")
        # Leaf only (no issuer on the wire): the response is matched by serial, no crash.
        s3 = self.serve(good, good_key, extra=["-status_file", good_resp])
        rc, r = probe(s3.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(r["ocsp"]["status"], "good")
        self.assertEqual(r["verify_reason"], "incomplete_chain")
        # A server without a stapled response reports none.
        s4 = self.serve(good, good_key, chain=inter.cert)
        rc, r = probe(s4.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertIsNone(r["ocsp"])

    def test_mtls_required(self):
        client_ca = t.CA(self.tmp, name="Client CA")
        ccert, ckey = client_ca.issue("probe-client", name="client")
        for version in (["-tls1_3"], ["-tls1_2"]):
            with self.subTest(version=version[0]):
                s = self.serve(self.leaf, self.leaf_key, chain=self.inter.cert,
                               extra=["-Verify", "1", "-CAfile", client_ca.cert] + version)
                rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
                self.assertEqual(rc, 1, r)
                self.assertFalse(r["success"])
                self.assertEqual(r["verify_reason"], "handshake_failed")
                self.assertIn("certificate", r["error"])
                # The server's certificate was seen before it refused us.
                self.assertEqual(r["leaf"]["not_after"], t.cert_not_after(self.leaf))
                rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert,
                              "--client-cert", ccert, "--client-key", ckey)
                self.assertEqual(rc, 0, r)
                self.assertEqual(r["verify_reason"], "ok")

    def test_min_version(self):
        s = self.serve(self.leaf, self.leaf_key, chain=self.inter.cert, extra=["-tls1_2"])
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert)
        self.assertEqual(rc, 0, r)
        self.assertEqual(r["tls_version"], "TLS 1.2")
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert,
                      "--min-version", "TLS1.3")
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "handshake_failed")

    # --- broken peers -------------------------------------------------------------------

    def test_server_that_never_answers_times_out(self):
        def silent(conn, stop):
            stop.wait(30)
        s = self.raw(silent)
        start = time.monotonic()
        rc, r = probe(s.addr, "--server-name", NAME, "--timeout", "1500ms")
        elapsed = time.monotonic() - start
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "timeout")
        self.assertEqual(r["phase"], "handshake")
        self.assertGreater(r["duration_seconds"], 1.4)
        self.assertLess(elapsed, 10)

    def test_server_that_sends_garbage(self):
        def garbage(conn, stop):
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)
            stop.wait(5)
        s = self.raw(garbage)
        rc, r = probe(s.addr, "--server-name", NAME, "--timeout", "5s")
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "handshake_failed")
        self.assertIn("handshake", r["error"])
        self.assertLess(r["duration_seconds"], 4)

    def test_server_that_closes_mid_handshake(self):
        def closer(conn, stop):
            conn.recv(4096)  # the ClientHello
            conn.close()
        s = self.raw(closer)
        rc, r = probe(s.addr, "--server-name", NAME, "--timeout", "5s")
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "handshake_failed")
        self.assertTrue("closed" in r["error"] or "reset" in r["error"].lower(), r["error"])
        self.assertIsNone(r["leaf"])

    def test_connection_refused(self):
        port = t.free_port(HOST)
        rc, r = probe(f"{HOST}:{port}", "--timeout", "2s")
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "connect_failed")

    def test_usage_errors_exit_2(self):
        r = t.run([t.BIN, "probe", "tls", "no-port-here"], check=False)
        self.assertEqual(r.returncode, 2)
        r = t.run([t.BIN, "probe", "tls", f"{HOST}:443", "--min-version", "TLS9"], check=False)
        self.assertEqual(r.returncode, 2)
        r = t.run([t.BIN, "probe", "tls", f"{HOST}:443", "--ca-file", "/nonexistent.pem"],
                  check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent.pem", r.stderr)

    # --- STARTTLS -----------------------------------------------------------------------

    def _tls_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with open(os.path.join(self.tmp, "fullchain.pem"), "w") as f:
            for part in (self.leaf, self.inter.cert):
                with open(part) as p:
                    f.write(p.read())
        ctx.load_cert_chain(os.path.join(self.tmp, "fullchain.pem"), self.leaf_key)
        return ctx

    def test_starttls_smtp(self):
        ctx = self._tls_context()

        def smtp(conn, stop):
            conn.sendall(b"220 mail.example.test ESMTP ready\r\n")
            f = conn.makefile("rb")
            line = f.readline()
            if not line.upper().startswith(b"EHLO"):
                return
            conn.sendall(b"250-mail.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
            if not f.readline().upper().startswith(b"STARTTLS"):
                return
            conn.sendall(b"220 2.0.0 go ahead\r\n")
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        s = self.raw(smtp)
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert,
                      "--starttls", "smtp", "--timeout", "5s")
        self.assertEqual(rc, 0, r)
        self.assertEqual(r["verify_reason"], "ok")
        self.assertEqual(r["leaf"]["not_after"], t.cert_not_after(self.leaf))

        def no_starttls(conn, stop):
            conn.sendall(b"220 mail.example.test ESMTP\r\n")
            conn.makefile("rb").readline()
            conn.sendall(b"250-mail.example.test\r\n250 PIPELINING\r\n")
            stop.wait(3)
        s2 = self.raw(no_starttls)
        rc, r = probe(s2.addr, "--starttls", "smtp", "--timeout", "5s")
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "starttls_failed")
        self.assertIn("STARTTLS", r["error"])

    def test_starttls_postgres(self):
        ctx = self._tls_context()

        def postgres(conn, stop):
            req = b""
            while len(req) < 8:
                req += conn.recv(8 - len(req))
            if req != b"\x00\x00\x00\x08\x04\xd2\x16\x2f":
                return
            conn.sendall(b"S")
            with ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        s = self.raw(postgres)
        rc, r = probe(s.addr, "--server-name", NAME, "--ca-file", self.root.cert,
                      "--starttls", "postgres", "--timeout", "5s")
        self.assertEqual(rc, 0, r)
        self.assertEqual(r["verify_reason"], "ok")

        def refuses(conn, stop):
            conn.recv(8)
            conn.sendall(b"N")
            stop.wait(3)
        s2 = self.raw(refuses)
        rc, r = probe(s2.addr, "--starttls", "postgres", "--timeout", "5s")
        self.assertEqual(rc, 1)
        self.assertEqual(r["verify_reason"], "starttls_failed")


class BlackboxParityTest(unittest.TestCase):
    """The same endpoints probed by prometheus-blackbox-exporter (tcp prober with TLS, SNI per
    module): success agrees (blackbox's probe_success means handshake *and* verification, i.e.
    certwatch's healthy), and wherever blackbox reports expiry it matches certwatch's."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = t.tempfile.mkdtemp(prefix="certwatch-bb-")
        root = t.CA(cls.tmp, name="Parity Root CA")
        inter = t.CA(cls.tmp, name="Parity Intermediate CA", parent=root)
        now = datetime.datetime.now(UTC)
        cls.root = root
        cases = {
            "valid": inter.issue(NAME, name="valid", days=45),
            "expired": inter.issue(NAME, name="expired",
                                   not_before=now - datetime.timedelta(days=30),
                                   not_after=now - datetime.timedelta(days=1)),
            "short": inter.issue(NAME, name="short", days=2),
        }
        cls.servers = {}
        for name, (cert, key) in cases.items():
            cls.servers[name] = SServer(cls.tmp, cert, key, chain=inter.cert)
        cls.servers["wronghost"] = cls.servers["valid"]
        cfg = os.path.join(cls.tmp, "blackbox.yml")
        with open(cfg, "w") as f:
            f.write("modules:\n")
            for module, sni, skip in (("tls_ok", NAME, False), ("tls_wrong", "other.example.test",
                                                                False),
                                      ("tls_insecure", NAME, True)):
                f.write(f"""  {module}:
    prober: tcp
    timeout: 5s
    tcp:
      tls: true
      tls_config:
        ca_file: {root.cert}
        server_name: {sni}
        insecure_skip_verify: {"true" if skip else "false"}
""")
        cls.bb_port = t.free_port()
        cls.bb = t.Proc(["/usr/bin/prometheus-blackbox-exporter", f"--config.file={cfg}",
                         f"--web.listen-address=127.0.0.1:{cls.bb_port}"], cls.tmp,
                        name="blackbox")
        t.wait_port("127.0.0.1", cls.bb_port)

    @classmethod
    def tearDownClass(cls):
        cls.bb.stop()
        for s in set(cls.servers.values()):
            s.stop()
        t.shutil.rmtree(cls.tmp, ignore_errors=True)

    def blackbox(self, module, target):
        q = urllib.parse.urlencode({"module": module, "target": target})
        status, _, body = t.http_get(f"http://127.0.0.1:{self.bb_port}/probe?{q}", timeout=15)
        self.assertEqual(status, 200)
        return t.parse_metrics(body.decode())

    def test_parity(self):
        for case, module, sni in (("valid", "tls_ok", NAME), ("expired", "tls_ok", NAME),
                                  ("short", "tls_ok", NAME),
                                  ("wronghost", "tls_wrong", "other.example.test"),
                                  ("expired", "tls_insecure", NAME)):
            with self.subTest(case=case, module=module):
                s = self.servers[case]
                bb = self.blackbox(module, s.addr)
                rc, cw = probe(s.addr, "--server-name", sni, "--ca-file", self.root.cert)
                bb_success = t.metric(bb, "probe_success")
                if module == "tls_insecure":
                    # Verification off: blackbox only says the handshake completed.
                    self.assertEqual(bb_success == 1, cw["success"])
                else:
                    self.assertEqual(bb_success == 1, cw["healthy"], (bb, cw))
                earliest = t.metric(bb, "probe_ssl_earliest_cert_expiry")
                if earliest is not None:
                    self.assertEqual(int(earliest), cw["chain_earliest_not_after"])
                    self.assertEqual(int(earliest), cw["leaf"]["not_after"])
                last_chain = t.metric(bb, "probe_ssl_last_chain_expiry_timestamp_seconds")
                if last_chain is not None and last_chain > 0 and cw["verified"]:
                    self.assertEqual(int(last_chain),
                                     min(c["not_after"] for c in cw["verified_chain"]))
                if case == "valid":
                    self.assertIsNotNone(earliest, "blackbox reports expiry for a valid chain")
                # certwatch reports the leaf's dates even where blackbox cannot.
                self.assertIsNotNone(cw["leaf"])


if __name__ == "__main__":
    unittest.main()
