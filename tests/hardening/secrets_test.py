"""Private keys never leak: with `kubernetes.secrets: true`, a TLS Secret's tls.key appears in
no log line (at debug level), no metric, not in /api/v1/state or the landing page, and not in a
core image of the running process (gcore) — neither the PEM, its base64 as sent by the API
server, nor the raw private scalar."""

import base64
import json
import os
import re
import shutil
import subprocess
import time
import unittest

import certwatch_testlib as tl


def private_scalar(key_path):
    """The EC private scalar bytes of a PEM key (what an attacker would look for)."""
    out = tl.run(["openssl", "ec", "-in", key_path, "-noout", "-text"]).stdout
    m = re.search(r"priv:\s*\n((?:\s+[0-9a-f:]+\n)+)", out)
    hexstr = re.sub(r"[\s:]", "", m.group(1))
    raw = bytes.fromhex(hexstr)
    return raw.lstrip(b"\x00") if len(raw) > 32 else raw


def sanitizer_shadow(pid):
    """True when the process maps AddressSanitizer's terabytes of shadow memory (a core image
    of it would be huge); the plain build checks the core instead."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) > 1 << 30  # kB: more than 1 TiB
    return False


class SecretsTest(unittest.TestCase):
    def test_tls_key_is_never_kept_logged_or_exported(self):
        with tl.tempdir() as d:
            ca = tl.CA(d, name="Secret CA")
            crt, key = ca.issue("web.prod.example.com")
            with open(crt, "rb") as f:
                crt_pem = f.read()
            with open(key, "rb") as f:
                key_pem = f.read()
            key_b64 = base64.b64encode(key_pem)
            secret = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                      "metadata": {"name": "web-tls", "namespace": "prod"},
                      "data": {"tls.crt": base64.b64encode(crt_pem).decode(),
                               "tls.key": key_b64.decode()}}
            fixture = os.path.join(d, "secret.json")
            with open(fixture, "w") as f:
                json.dump(secret, f)
            with tl.FakeKube(d, fixtures=[fixture]) as kube:
                config = f"""
kubernetes:
  enabled: true
  kubeconfig: {kube.kubeconfig}
  secrets: true
  ingresses: false
dns_probes:
  acme_challenges: false
  caa: false
"""
                serve = tl.CertwatchServe(d, config, args=["--log.level", "debug"])
                try:
                    tl.wait_for(lambda: serve.get("/readyz")[0] == 200, 30, what="ready")
                    # The certificate's facts are there: the Secret was read and parsed.
                    state = serve.get("/api/v1/state")[2]
                    self.assertIn(b"web-tls", state)
                    metrics = serve.get("/metrics")[2]
                    self.assertIn(b'certwatch_secret_cert_not_after_timestamp_seconds', metrics)
                    page = serve.get("/")[2]
                    # Relist and watch once more so the key has crossed the wire repeatedly.
                    kube.close_watches()
                    time.sleep(1.0)
                    core = None
                    if shutil.which("gcore") and not sanitizer_shadow(serve.proc.pid):
                        prefix = os.path.join(d, "core")
                        r = subprocess.run(["gcore", "-o", prefix, str(serve.proc.pid)],
                                           capture_output=True, timeout=120)
                        path = f"{prefix}.{serve.proc.pid}"
                        if r.returncode == 0 and os.path.exists(path):
                            with open(path, "rb") as f:
                                core = f.read()
                            os.unlink(path)
                finally:
                    serve.stop()
                log = serve.proc.output().encode()
            needles = {"key PEM body": key_pem.split(b"\n")[1],
                       "key base64": key_b64[20:80],
                       "private scalar": private_scalar(key)}
            for what, blob in [("log", log), ("metrics", metrics), ("state API", state),
                               ("landing page", page)]:
                leaked = [name for name, needle in needles.items() if needle in blob]
                self.assertEqual(leaked, [], f"found in {what}")
            if core is None:
                self.skipTest("gcore unavailable: core image not checked")
            # The base64 form crosses libcurl's receive buffer, which certwatch does not own;
            # what certwatch decodes (the PEM, the scalar) must be wiped after use.
            del needles["key base64"]
            leaked = [name for name, needle in needles.items() if needle in core]
            self.assertEqual(leaked, [], "found in a core image of certwatch")


if __name__ == "__main__":
    unittest.main()
