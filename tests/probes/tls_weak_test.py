"""`certwatch serve` probing a real `openssl s_server` that serves what TLS clients refuse: an
RSA-1024 leaf signed with SHA-1 by a CA made here, over TLS 1.2 with SHA-1 handshake
signatures only (the server itself needs security level 0 for that). The probe must complete
(the prober handshakes at security level 0), export the crypto facts and the weak gauge, and
still fail verification as every client does; the prober's own client certificate is
exported with its notAfter."""

import datetime
import os
import unittest

import certwatch_testlib as t

HOST = "127.0.0.11"
NAME = "weak.example.test"
UTC = datetime.timezone.utc


class TlsWeakTest(unittest.TestCase):
    def setUp(self):
        self._tmp = t.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)

    def sh(self, *args):
        t.run(list(args))

    def metrics(self, s):
        status, _, body = s.get("/metrics")
        self.assertEqual(status, 200)
        return t.parse_metrics(body.decode())

    def test_rsa1024_sha1_server_is_probed_and_reported_weak(self):
        d = self.dir
        ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
        self.sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes",
                "-keyout", ca_key, "-out", ca_crt, "-days", "30", "-subj", "/CN=Weak Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        key, csr, crt = (os.path.join(d, f"weak.{x}") for x in ("key", "csr", "crt"))
        self.sh("openssl", "req", "-new", "-newkey", "rsa:1024", "-sha1", "-nodes", "-keyout",
                key, "-out", csr, "-subj", f"/CN={NAME}")
        ext = os.path.join(d, "leaf.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{NAME}\nbasicConstraints=critical,CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        self.sh("openssl", "x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                "-sha1", "-days", "20", "-set_serial", "0x5eed", "-extfile", ext, "-out", crt)
        # The prober's client certificate (mTLS config; this server does not ask for it).
        client_key, client_crt = os.path.join(d, "client.key"), os.path.join(d, "client.crt")
        self.sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", client_key, "-out", client_crt,
                "-days", "9", "-subj", "/CN=certwatch-prober")

        port = t.free_port(HOST)
        server = t.Proc(["openssl", "s_server", "-accept", f"{HOST}:{port}", "-cert", crt,
                         "-key", key, "-cert_chain", ca_crt, "-www", "-quiet",
                         "-naccept", "1000000", "-tls1_2", "-sigalgs", "RSA+SHA1",
                         "-cipher", "DEFAULT@SECLEVEL=0"], d, name="s_server")
        self.addCleanup(server.stop)
        t.wait_port(HOST, port)

        s = t.CertwatchServe(d, f"""kubernetes:
  enabled: false
tls_probes:
  interval: 2s
  timeout: 2s
  targets:
    - address: "{HOST}:{port}"
      server_name: {NAME}
      ca_file: "{ca_crt}"
      client_cert_file: "{client_crt}"
      client_key_file: "{client_key}"
dns_probes:
  resolvers: []
""")
        self.addCleanup(s.stop)
        ids = dict(target=f"{HOST}:{port}", server_name=NAME)

        def probed():
            return t.metric(self.metrics(s), "certwatch_tls_probe_success", **ids) is not None
        t.wait_for(probed, 30, what="first probe")
        m = self.metrics(s)
        out = s.proc.output()[-3000:]
        self.assertEqual(t.metric(m, "certwatch_tls_probe_success", **ids), 1, out)

        weak = {dict(ls)["reason"]: v for (n, ls), v in m.items()
                if n == "certwatch_tls_cert_weak" and dict(ls)["target"] == ids["target"]}
        self.assertEqual(weak, {"rsa_key_too_small": 1, "sha1_signature": 1})
        self.assertEqual(t.metric(m, "certwatch_tls_cert_weak", reason="rsa_key_too_small",
                                  **ids), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_weak", reason="sha1_signature", **ids),
                         1)
        for (n, ls), v in m.items():
            if n == "certwatch_tls_cert_weak":
                self.assertEqual(set(dict(ls)), {"target", "server_name", "reason"})

        info = [dict(ls) for (n, ls), v in m.items() if n == "certwatch_tls_info"]
        self.assertEqual(len(info), 1)
        self.assertEqual(info[0]["key_type"], "rsa")
        self.assertEqual(info[0]["key_bits"], "1024")
        self.assertEqual(info[0]["signature_algorithm"], "sha1WithRSAEncryption")
        self.assertEqual(info[0]["version"], "TLS 1.2")
        self.assertEqual(info[0]["serial"], "5eed")
        self.assertEqual(info[0]["source"], "static")
        self.assertEqual(set(info[0]), {"target", "server_name", "source", "version", "cipher",
                                        "serial", "fingerprint_sha256", "subject", "issuer",
                                        "key_type", "key_bits", "signature_algorithm"})

        # Verification is not weakened by the handshake's security level: the 1024-bit key
        # (and the SHA-1 signature) fail it as they do for every client at the default level.
        self.assertEqual(t.metric(m, "certwatch_tls_cert_verified", **ids), 0)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", reason="bad_signature",
                                  **ids), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", reason="ok", **ids), 0)

        self.assertEqual(
            t.metric(m, "certwatch_tls_client_cert_not_after_timestamp_seconds", path=client_crt,
                     **ids),
            t.cert_not_after(client_crt))

    def test_healthy_server_has_no_weak_series(self):
        root = t.CA(self.dir, name="Healthy Root CA")
        crt, key = root.issue("good.example.test", name="good", days=30)
        port = t.free_port(HOST)
        server = t.Proc(["openssl", "s_server", "-accept", f"{HOST}:{port}", "-cert", crt,
                         "-key", key, "-www", "-quiet", "-naccept", "1000000"], self.dir,
                        name="s_server")
        self.addCleanup(server.stop)
        t.wait_port(HOST, port)
        s = t.CertwatchServe(self.dir, f"""kubernetes:
  enabled: false
tls_probes:
  interval: 2s
  timeout: 2s
  targets:
    - address: "{HOST}:{port}"
      server_name: good.example.test
      ca_file: "{root.cert}"
dns_probes:
  resolvers: []
""")
        self.addCleanup(s.stop)
        ids = dict(target=f"{HOST}:{port}", server_name="good.example.test")
        t.wait_for(lambda: t.metric(self.metrics(s), "certwatch_tls_probe_success", **ids) == 1,
                   30, what="probe success")
        m = self.metrics(s)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", reason="ok", **ids), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_info", key_type="ecdsa", key_bits="256",
                                  signature_algorithm="ecdsa-with-SHA256", **ids), 1)
        self.assertEqual([k for k in m if k[0] == "certwatch_tls_cert_weak"], [])
        self.assertEqual(
            [k for k in m if k[0] == "certwatch_tls_client_cert_not_after_timestamp_seconds"], [])


if __name__ == "__main__":
    unittest.main()
