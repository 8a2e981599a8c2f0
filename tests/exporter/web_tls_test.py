"""HTTPS and basic auth of `certwatch serve` from an exporter-toolkit web config, proved with
curl: a certificate made in the test, 401/200 with bcrypt users, client certificates required
(refused without one or with one from another CA), minimum TLS version."""

import os
import subprocess
import unittest
import warnings

import certwatch_testlib as lib

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # noqa: E402  (stdlib bcrypt through libxcrypt; deprecated, still in 3.11)


def bcrypt(password):
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10))


CONFIG = """kubernetes:
  enabled: false
files:
  - path: "{pki}/*.crt"
"""


class WebTlsTest(unittest.TestCase):
    def setUp(self):
        self._tmp = lib.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.ca = lib.CA(self.dir, name="Server CA")
        self.server_cert, self.server_key = self.ca.issue("127.0.0.1", sans=["127.0.0.1", "localhost"])
        self.client_ca = lib.CA(self.dir, name="Client CA")
        self.client_cert, self.client_key = self.client_ca.issue("prometheus", sans=["prometheus.monitoring.test"])
        other = lib.CA(self.dir, name="Other CA")
        self.other_cert, self.other_key = other.issue("intruder", sans=["intruder.test"])
        self.pki = os.path.join(self.dir, "pki")
        os.makedirs(self.pki)
        self.ca.issue("watched", outdir=self.pki)

    def serve(self, web_config):
        path = os.path.join(self.dir, "web.yml")
        with open(path, "w") as f:
            f.write(web_config)
        s = lib.CertwatchServe(self.dir, CONFIG.format(pki=self.pki),
                               args=["--web.config.file", path])
        self.addCleanup(s.stop)
        return s

    def curl(self, url, *args):
        """(exit code, HTTP status or 0, headers text, body)."""
        hdr = os.path.join(self.dir, "headers.txt")
        if os.path.exists(hdr):
            os.remove(hdr)
        r = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-D", hdr,
                            "-w", "\n%{http_code}", *args, url],
                           capture_output=True, text=True, timeout=30)
        body, _, code = r.stdout.rpartition("\n")
        headers = open(hdr).read() if os.path.exists(hdr) else ""
        return r.returncode, int(code or 0), headers, body

    def test_https_with_basic_auth(self):
        s = self.serve(f"""tls_server_config:
  cert_file: {self.server_cert}
  key_file: {self.server_key}
basic_auth_users:
  alice: {bcrypt("correct horse")}
  bob: {bcrypt("battery staple")}
""")
        url = s.url("/metrics", scheme="https")
        rc, code, headers, _ = self.curl(url, "--cacert", self.ca.cert)
        self.assertEqual((rc, code), (0, 401))
        self.assertIn('WWW-Authenticate: Basic realm="certwatch"', headers)
        rc, code, _, _ = self.curl(url, "--cacert", self.ca.cert, "-u", "alice:wrong")
        self.assertEqual(code, 401)
        rc, code, _, _ = self.curl(url, "--cacert", self.ca.cert, "-u", "mallory:correct horse")
        self.assertEqual(code, 401)
        rc, code, _, body = self.curl(url, "--cacert", self.ca.cert, "-u", "alice:correct horse")
        self.assertEqual((rc, code), (0, 200))
        self.assertIn("certwatch_file_cert_not_after_timestamp_seconds{", body)
        # Cached success, and the other user.
        self.assertEqual(self.curl(url, "--cacert", self.ca.cert, "-u", "alice:correct horse")[1], 200)
        self.assertEqual(self.curl(s.url("/", "https"), "--cacert", self.ca.cert, "-u",
                                   "bob:battery staple")[1], 200)
        # The server certificate is the one made here: verification against another CA fails.
        rc, code, _, _ = self.curl(url, "--cacert", self.client_ca.cert, "-u", "alice:correct horse")
        self.assertNotEqual(rc, 0)
        # Plain HTTP on the TLS port gets no metrics.
        rc, code, _, body = self.curl(s.url("/metrics"), "-u", "alice:correct horse")
        self.assertNotIn("certwatch_", body)

    def test_client_certificate_required(self):
        s = self.serve(f"""tls_server_config:
  cert_file: {self.server_cert}
  key_file: {self.server_key}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: {self.client_ca.cert}
""")
        url = s.url("/metrics", scheme="https")
        rc, code, _, body = self.curl(url, "--cacert", self.ca.cert)
        self.assertNotEqual(rc, 0, "handshake without a client certificate must fail")
        self.assertEqual(code, 0)
        rc, code, _, body = self.curl(url, "--cacert", self.ca.cert, "--cert", self.other_cert,
                                      "--key", self.other_key)
        self.assertNotEqual(rc, 0, "a certificate from another CA must be refused")
        rc, code, _, body = self.curl(url, "--cacert", self.ca.cert, "--cert", self.client_cert,
                                      "--key", self.client_key)
        self.assertEqual((rc, code), (0, 200), body)
        self.assertIn("certwatch_build_info{", body)
        self.assertTrue(s.proc.alive())

    def test_allowed_sans_and_min_version(self):
        s = self.serve(f"""tls_server_config:
  cert_file: {self.server_cert}
  key_file: {self.server_key}
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: {self.client_ca.cert}
  client_allowed_sans: ["someone-else.test"]
  min_version: TLS13
""")
        url = s.url("/healthz", scheme="https")
        args = ["--cacert", self.ca.cert, "--cert", self.client_cert, "--key", self.client_key]
        rc, code, _, _ = self.curl(url, *args)
        self.assertEqual(code, 403)
        rc, code, _, _ = self.curl(url, *args, "--tls-max", "1.2")
        self.assertNotEqual(rc, 0, "TLS 1.2 must be refused with min_version TLS13")

    def test_bad_web_config_exits_2(self):
        path = os.path.join(self.dir, "web.yml")
        with open(path, "w") as f:
            f.write("tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n")
        cfg = os.path.join(self.dir, "c.yaml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(pki=self.pki))
        r = lib.run([lib.BIN, "serve", "--config", cfg, "--web.config.file", path,
                     "--web.listen-address", f"127.0.0.1:{lib.free_port()}"], check=False,
                    timeout=20)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("nonexistent", r.stderr)


if __name__ == "__main__":
    unittest.main()
