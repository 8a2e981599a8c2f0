"""CRLs end to end: a CA made here with `openssl ca` revokes one of two leaves and publishes its
CRL (`openssl ca -gencrl`) over HTTP (python3 -m http.server) and on disk; two real
`openssl s_server` serve the leaves; `certwatch serve` reads the CRLs and says which leaf is
revoked. A stale CRL and one signed by another CA of the same name give no verdict; a leaf's
CRL Distribution Point is fetched when revocation.fetch_distribution_points is on."""

import base64
import datetime
import os
import time
import unittest

import certwatch_testlib as t

HOST = "127.0.0.1"
NAME = "app.example.test"
UTC = datetime.timezone.utc
FMT = "%Y%m%d%H%M%SZ"


class CrlCA(t.CA):
    """A CA whose leaves may name a CRL Distribution Point, and that revokes and publishes
    CRLs with `openssl ca`."""

    cdp = None

    def _conf(self, ext_lines):
        if self.cdp and any("CA:FALSE" in line for line in ext_lines):
            ext_lines = list(ext_lines) + [f"crlDistributionPoints=URI:{self.cdp}"]
        return super()._conf(ext_lines)

    def _ca_args(self):
        return ["-config", self._conf(["basicConstraints=CA:FALSE"]), "-cert", self.cert,
                "-keyfile", self.key]

    def revoke(self, cert):
        t.run(["openssl", "ca", *self._ca_args(), "-revoke", cert])

    def gencrl(self, out, last=None, next_=None):
        """A PEM CRL valid for a day from now, or from `last` to `next_` (aware datetimes)."""
        args = ["openssl", "ca", *self._ca_args(), "-gencrl", "-out", out]
        if last is not None:
            args += ["-crl_lastupdate", last.strftime(FMT), "-crl_nextupdate", next_.strftime(FMT)]
        else:
            args += ["-crldays", "1"]
        t.run(args)
        return out


def crl_times(path):
    """(thisUpdate, nextUpdate) of a CRL as unix seconds, read by openssl."""
    out = t.run(["openssl", "crl", "-in", path, "-noout", "-lastupdate", "-nextupdate"]).stdout
    times = {}
    for line in out.splitlines():
        k, v = line.split("=", 1)
        times[k] = int(datetime.datetime.strptime(v, "%b %d %H:%M:%S %Y %Z")
                       .replace(tzinfo=UTC).timestamp())
    return times["lastUpdate"], times["nextUpdate"]


def serial_of(cert):
    return t.run(["openssl", "x509", "-in", cert, "-noout", "-serial"]).stdout.split("=")[1].strip()


class SServer:
    """openssl s_server on HOST and a free port, stopped by PID."""

    def __init__(self, workdir, cert, key):
        self.port = t.free_port(HOST)
        self.proc = t.Proc(["openssl", "s_server", "-accept", f"{HOST}:{self.port}", "-cert", cert,
                            "-key", key, "-www", "-quiet", "-naccept", "1000000"],
                           workdir, name="s_server")
        t.wait_port(HOST, self.port)
        self.addr = f"{HOST}:{self.port}"

    def stop(self):
        self.proc.stop()


class HttpServer:
    """python3 -m http.server serving `directory` on HOST and a free port, stopped by PID."""

    def __init__(self, workdir, directory):
        self.port = t.free_port(HOST)
        self.proc = t.Proc(["/usr/bin/python3", "-m", "http.server", "--bind", HOST,
                            "--directory", directory, str(self.port)], workdir, name="http.server")
        t.wait_port(HOST, self.port)

    def url(self, name):
        return f"http://{HOST}:{self.port}/{name}"

    def stop(self):
        self.proc.stop()


def targets_yaml(servers, ca_file):
    return "".join(f"""    - address: "{s.addr}"
      server_name: {NAME}
      ca_file: "{ca_file}"
""" for s in servers)


class CrlTest(t.ServersTestCase):
    def setUp(self):
        super().setUp()
        self.www = os.path.join(self.workdir, "www")
        os.makedirs(self.www)
        self.http = self.keep(HttpServer(self.workdir, self.www))

    def make_ca(self, name="CRL Test CA", cdp=None, subdir=""):
        d = os.path.join(self.workdir, subdir)
        os.makedirs(d, exist_ok=True)
        ca = CrlCA(d, name=name)
        ca.cdp = cdp
        good = ca.issue(NAME, name="good")
        bad = ca.issue(NAME, name="bad")
        ca.revoke(bad[0])
        return ca, good, bad

    def serve_tls(self, *leaves):
        return [self.keep(SServer(self.workdir, cert, key)) for cert, key in leaves]

    def scrape_until(self, cw, pred, what, timeout=30):
        last = {}

        def ok():
            nonlocal last
            last = t.parse_metrics(cw.get("/metrics")[2].decode())
            return pred(last)
        try:
            t.wait_for(ok, timeout=timeout, what=what)
        except Exception:
            print("\n".join(f"{n}{dict(ls)} {v}" for (n, ls), v in sorted(last.items())
                            if "crl" in n or "revoked" in n or "verify" in n))
            print(cw.proc.output())
            raise
        return last

    def serve(self, config):
        cw = t.CertwatchServe(self.workdir, config)
        self.keep(cw)
        return cw

    def test_fresh_crl_revokes_one_leaf(self):
        ca, good, bad = self.make_ca()
        pem = ca.gencrl(os.path.join(self.www, "ca.crl"))
        der = os.path.join(self.workdir, "ca.crl.der")
        t.run(["openssl", "crl", "-in", pem, "-outform", "DER", "-out", der])
        this_update, next_update = crl_times(pem)
        s_good, s_bad = self.serve_tls(good, bad)
        url = self.http.url("ca.crl")
        cw = self.serve(f"""kubernetes: {{enabled: false}}
tls_probes:
  interval: 1s
  targets:
{targets_yaml([s_good, s_bad], ca.cert)}
crls:
  - url: "{url}"
  - path: "{self.workdir}/*.der"
revocation:
  min_refetch_interval: 1s
""")
        m = self.scrape_until(
            cw, lambda m: t.metric(m, "certwatch_tls_cert_revoked", target=s_bad.addr) == 1
            and t.metric(m, "certwatch_tls_cert_revoked", target=s_good.addr) == 0,
            "revocation verdicts")
        issuer = "CN=CRL Test CA"
        for source in (url, der):
            self.assertEqual(t.metric(m, "certwatch_crl_fetch_success", source=source), 1)
            self.assertEqual(t.metric(m, "certwatch_crl_next_update_timestamp_seconds",
                                      source=source, issuer=issuer), next_update)
            self.assertEqual(t.metric(m, "certwatch_crl_this_update_timestamp_seconds",
                                      source=source, issuer=issuer), this_update)
            self.assertEqual(t.metric(m, "certwatch_crl_signature_verified", source=source,
                                      reason="ok"), 1)
            self.assertEqual(t.metric(m, "certwatch_crl_revoked_certificates", source=source), 1)
            self.assertEqual(t.metric(m, "certwatch_crl_verify_failures_total", source=source), 0)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", target=s_bad.addr,
                                  reason="revoked"), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", target=s_bad.addr,
                                  reason="ok"), 0)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_verified", target=s_bad.addr), 0)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", target=s_good.addr,
                                  reason="ok"), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", target=s_good.addr,
                                  reason="revoked"), 0)
        self.assertEqual(t.metric(m, "certwatch_tls_cert_verified", target=s_good.addr), 1)
        self.assertEqual(t.metric(m, "certwatch_source_up", source="crls"), 1)

        # Cached by nextUpdate (a day away): not fetched again meanwhile.
        fetched = t.metric(m, "certwatch_crl_last_fetch_timestamp_seconds", source=url)
        time.sleep(3)
        m = t.parse_metrics(cw.get("/metrics")[2].decode())
        self.assertEqual(t.metric(m, "certwatch_crl_last_fetch_timestamp_seconds", source=url),
                         fetched)

    def test_refetched_after_next_update_with_backoff(self):
        ca, good, bad = self.make_ca()
        path = os.path.join(self.www, "ca.crl")
        t.run(["openssl", "ca", *ca._ca_args(), "-gencrl", "-out", path, "-crlsec", "6"])
        s_bad, = self.serve_tls(bad)
        url = self.http.url("ca.crl")
        cw = self.serve(f"""kubernetes: {{enabled: false}}
tls_probes:
  interval: 1s
  targets:
{targets_yaml([s_bad], ca.cert)}
crls:
  - url: "{url}"
revocation:
  min_refetch_interval: 1s
  backoff_max: 2s
""")
        self.scrape_until(cw, lambda m: t.metric(m, "certwatch_tls_cert_revoked",
                                                 target=s_bad.addr) == 1, "revoked")
        # The URL fails after nextUpdate: the refetch fails, the stale CRL gives no verdict.
        os.remove(path)
        m = self.scrape_until(
            cw, lambda m: t.metric(m, "certwatch_crl_fetch_success", source=url) == 0,
            "failed refetch after nextUpdate", timeout=20)
        self.assertGreaterEqual(t.metric(m, "certwatch_crl_fetch_failures_total", source=url), 1)
        self.assertEqual(t.metric(m, "certwatch_source_up", source="crls"), 0)
        self.scrape_until(cw, lambda m: t.metric(m, "certwatch_tls_cert_revoked",
                                                 target=s_bad.addr) is None, "stale CRL unused")
        # A new CRL is picked up by the retries (backoff at most 2 s).
        ca.gencrl(path)
        _, next_update = crl_times(path)
        m = self.scrape_until(
            cw, lambda m: t.metric(m, "certwatch_tls_cert_revoked", target=s_bad.addr) == 1,
            "new CRL fetched", timeout=20)
        self.assertEqual(t.metric(m, "certwatch_crl_fetch_success", source=url), 1)
        self.assertEqual(t.metric(m, "certwatch_crl_next_update_timestamp_seconds", source=url),
                         next_update)

    def test_stale_and_foreign_crls_give_no_verdict(self):
        ca, good, bad = self.make_ca()
        now = datetime.datetime.now(UTC).replace(microsecond=0)
        stale = ca.gencrl(os.path.join(self.www, "stale.crl"), last=now - datetime.timedelta(days=2),
                          next_=now - datetime.timedelta(days=1))
        _, stale_next = crl_times(stale)
        # Another CA of the same name (another key) revokes the same serial.
        other, _, other_bad = self.make_ca(subdir="other")
        self.assertEqual(serial_of(other_bad[0]), serial_of(bad[0]))
        foreign = other.gencrl(os.path.join(self.www, "foreign.crl"))
        _, foreign_next = crl_times(foreign)
        s_good, s_bad = self.serve_tls(good, bad)
        stale_url, foreign_url = self.http.url("stale.crl"), self.http.url("foreign.crl")
        cw = self.serve(f"""kubernetes: {{enabled: false}}
tls_probes:
  interval: 1s
  targets:
{targets_yaml([s_good, s_bad], ca.cert)}
crls:
  - url: "{stale_url}"
  - url: "{foreign_url}"
revocation:
  min_refetch_interval: 1s
""")
        m = self.scrape_until(
            cw, lambda m: t.metric(m, "certwatch_crl_signature_verified", source=foreign_url,
                                   reason="bad_signature") == 1
            and t.metric(m, "certwatch_crl_signature_verified", source=stale_url,
                         reason="ok") == 1
            and t.metric(m, "certwatch_tls_verify_result", target=s_bad.addr, reason="ok") == 1,
            "CRLs read and verified")
        issuer = "CN=CRL Test CA"
        self.assertEqual(t.metric(m, "certwatch_crl_next_update_timestamp_seconds",
                                  source=stale_url, issuer=issuer), stale_next)
        self.assertLess(stale_next, time.time())
        self.assertEqual(t.metric(m, "certwatch_crl_next_update_timestamp_seconds",
                                  source=foreign_url, issuer=issuer), foreign_next)
        self.assertGreaterEqual(
            t.metric(m, "certwatch_crl_verify_failures_total", source=foreign_url), 1)
        self.assertEqual(t.metric(m, "certwatch_crl_fetch_success", source=foreign_url), 1)
        for s in (s_good, s_bad):
            self.assertIsNone(t.metric(m, "certwatch_tls_cert_revoked", target=s.addr))
            self.assertEqual(t.metric(m, "certwatch_tls_verify_result", target=s.addr,
                                      reason="revoked"), 0)
            self.assertEqual(t.metric(m, "certwatch_tls_cert_verified", target=s.addr), 1)

    def test_distribution_point_fetched_when_opted_in(self):
        cdp = self.http.url("cdp.crl")
        ca, good, bad = self.make_ca(name="CDP Test CA", cdp=cdp)
        ca.gencrl(os.path.join(self.www, "cdp.crl"))
        s_good, s_bad = self.serve_tls(good, bad)
        targets = targets_yaml([s_good, s_bad], ca.cert)
        cw = self.serve(f"""kubernetes: {{enabled: false}}
tls_probes:
  interval: 1s
  targets:
{targets}
revocation:
  fetch_distribution_points: true
  min_refetch_interval: 1s
""")
        m = self.scrape_until(
            cw, lambda m: t.metric(m, "certwatch_tls_cert_revoked", target=s_bad.addr) == 1
            and t.metric(m, "certwatch_tls_cert_revoked", target=s_good.addr) == 0,
            "revocation verdicts from the distribution point")
        self.assertEqual(t.metric(m, "certwatch_crl_fetch_success", source=cdp), 1)
        self.assertEqual(t.metric(m, "certwatch_tls_verify_result", target=s_bad.addr,
                                  reason="revoked"), 1)
        cw.stop()

        # Off (the default): the distribution point is not fetched.
        cw = self.serve(f"""kubernetes: {{enabled: false}}
tls_probes:
  interval: 1s
  targets:
{targets}
""")
        m = self.scrape_until(
            cw, lambda m: t.metric(m, "certwatch_tls_verify_result", target=s_bad.addr,
                                   reason="ok") == 1, "probe without CRLs")
        self.assertIsNone(t.metric(m, "certwatch_crl_fetch_success", source=cdp))
        self.assertIsNone(t.metric(m, "certwatch_tls_cert_revoked", target=s_bad.addr))

    def test_secret_revoked_through_the_kubernetes_source(self):
        ca, good, bad = self.make_ca()
        crl = ca.gencrl(os.path.join(self.workdir, "ca.crl"))
        kube = self.keep(t.FakeKube(self.workdir))

        def b64(path):
            with open(path, "rb") as f:
                return base64.b64encode(f.read()).decode()

        def secret(name, data):
            return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                    "metadata": {"name": name, "namespace": "shop"}, "data": data}
        chain = os.path.join(self.workdir, "good-chain.crt")
        with open(chain, "wb") as out:
            for part in (good[0], ca.cert):
                with open(part, "rb") as f:
                    out.write(f.read())
        # The issuer in tls.crt's chain for one, in ca.crt for the other.
        kube.apply(secret("good-tls", {"tls.crt": b64(chain), "tls.key": b64(good[1])}),
                   secret("bad-tls", {"tls.crt": b64(bad[0]), "ca.crt": b64(ca.cert),
                                      "tls.key": b64(bad[1])}))
        cw = self.serve(f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  ingresses: false
  secrets: true
dns_probes:
  resolvers: []
crls:
  - path: "{crl}"
revocation:
  min_refetch_interval: 1s
""")
        m = self.scrape_until(
            cw, lambda m: t.metric(m, "certwatch_secret_cert_revoked", namespace="shop",
                                   secret="bad-tls") == 1
            and t.metric(m, "certwatch_secret_cert_revoked", namespace="shop",
                         secret="good-tls") == 0, "Secret verdicts")
        self.assertEqual(t.metric(m, "certwatch_crl_signature_verified", source=crl,
                                  reason="ok"), 1)


if __name__ == "__main__":
    unittest.main()
