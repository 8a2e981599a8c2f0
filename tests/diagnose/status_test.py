"""`certwatch status certificate` end to end: the real binary reads cert-manager objects from
the fake Kubernetes API server, handshakes a real `openssl s_server`, asks real DNS servers
(pebble-challtestsrv on 127.0.0.x) for DNS-01 keys and CAA, and prints the walk ending in one
verdict line, asserted exactly for each failure mode."""

import base64
import datetime
import json
import os
import pty
import subprocess
import time
import unittest
import urllib.request

import certwatch_testlib as t

NS = "shop"
RUNBOOKS = "https://runbooks.example.test/runbooks.md"
LE = "https://acme-v02.api.letsencrypt.org/directory"


def iso(ts):
    return t.rfc3339(ts)


def serial_of(cert_path):
    out = t.run(["openssl", "x509", "-in", cert_path, "-noout", "-serial"]).stdout.strip()
    return out.split("=", 1)[1].lower()


class DnsServer:
    """pebble-challtestsrv as a DNS server on HOST:port whose records are set over HTTP."""

    def __init__(self, workdir, host):
        self.host = host
        self.port = t.free_port_tcp_udp(host)
        self.mgmt = t.free_port("127.0.0.1")
        self.proc = t.Proc(["/usr/bin/pebble-challtestsrv", "-dns01", f"{host}:{self.port}",
                            "-management", f"127.0.0.1:{self.mgmt}", "-http01", "",
                            "-https01", "", "-tlsalpn01", ""],
                           workdir, name=f"challtestsrv-{host}")
        t.wait_port("127.0.0.1", self.mgmt)

    @property
    def addr(self):
        return f"{self.host}:{self.port}"

    def _post(self, what, body):
        status, _, out = t.http_post(f"http://127.0.0.1:{self.mgmt}/{what}",
                                     json.dumps(body).encode())
        if status != 200:
            raise RuntimeError(f"challtestsrv {what}: {status} {out!r}")

    def set_txt(self, host, value):
        self._post("set-txt", {"host": host, "value": value})

    def add_caa(self, host, tag, value):
        self._post("add-caa", {"host": host, "policies": [{"tag": tag, "value": value}]})

    def stop(self):
        self.proc.stop()


class SServer:
    """openssl s_server on 127.0.0.1 and a free port."""

    def __init__(self, workdir, cert, key):
        self.port = t.free_port("127.0.0.1")
        self.proc = t.Proc(["openssl", "s_server", "-accept", f"127.0.0.1:{self.port}",
                            "-cert", cert, "-key", key, "-www", "-quiet",
                            "-naccept", "1000000"], workdir, name="s_server")
        t.wait_port("127.0.0.1", self.port)

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        self.proc.stop()


def meta(name, ns=NS, **extra):
    m = {"name": name, "namespace": ns, "uid": f"uid-{name}"}
    m.update(extra)
    return m


def owner(kind, api, name):
    return [{"apiVersion": api, "kind": kind, "name": name, "uid": f"uid-{name}",
             "controller": True, "blockOwnerDeletion": True}]


def cond(type_, status, reason, message, ts):
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": iso(ts)}


class StatusCertificateTest(unittest.TestCase):
    def setUp(self):
        self._td = t.tempdir()
        self.dir = self._td.__enter__()
        self.addCleanup(self._td.__exit__, None, None, None)
        self.kube = t.FakeKube(self.dir)
        self.addCleanup(self.kube.stop)
        self.now = int(time.time())
        self.ca = t.CA(self.dir)
        self.dns = []
        self.targets = []
        self.ingress_port = None  # set: Ingress discovery on, probing this port
        self.runbook_base_url = RUNBOOKS  # None: the key is left out

    # ------------------------------------------------------------------ fixtures

    def dns_server(self, host):
        s = DnsServer(self.dir, host)
        self.addCleanup(s.stop)
        self.dns.append(s)
        return s

    def issue(self, name, days=90, not_before=None):
        nb = not_before or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        na = nb + datetime.timedelta(days=days)
        return self.ca.issue("web.example.test", sans=["web.example.test"], not_before=nb,
                             not_after=na, name=name)

    def clusterissuer(self, ready=True, message="The ACME account was registered"):
        return {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
                "metadata": {"name": "letsencrypt-prod", "uid": "uid-le"},
                "spec": {"acme": {"server": LE, "email": "ops@example.test",
                                  "privateKeySecretRef": {"name": "le-account"}}},
                "status": {"conditions": [cond("Ready", "True" if ready else "False",
                                               "ACMEAccountRegistered" if ready else "ErrRegister",
                                               message, self.now - 86400)]}}

    def certificate(self, status=None):
        obj = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": meta("web", generation=1),
               "spec": {"secretName": "web-tls", "dnsNames": ["web.example.test"],
                        "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer",
                                      "group": "cert-manager.io"}}}
        if status is not None:
            obj["status"] = status
        return obj

    def ready_status(self, cert_path, revision=1):
        na = t.cert_not_after(cert_path)
        return {"conditions": [cond("Ready", "True", "Ready",
                                    "Certificate is up to date and has not expired",
                                    self.now - 3600)],
                "notBefore": iso(na - 90 * 86400), "notAfter": iso(na),
                "renewalTime": iso(na - 30 * 86400), "revision": revision}

    def secret(self, cert_path, key_path):
        with open(cert_path, "rb") as f:
            crt = f.read()
        with open(key_path, "rb") as f:
            key = f.read()
        return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                "metadata": meta("web-tls"),
                "data": {"tls.crt": base64.b64encode(crt).decode(),
                         "tls.key": base64.b64encode(key).decode()}}

    def request(self, revision, ready, approved=True):
        conds = [ready]
        if approved:
            conds.append(cond("Approved", "True", "cert-manager.io",
                              "Certificate request has been approved by cert-manager.io",
                              self.now - 900))
        return {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
                "metadata": meta(f"web-{revision}", annotations={
                    "cert-manager.io/certificate-name": "web",
                    "cert-manager.io/certificate-revision": str(revision),
                    "cert-manager.io/private-key-secret-name": "web-xyz"},
                    ownerReferences=owner("Certificate", "cert-manager.io/v1", "web"),
                    creationTimestamp=iso(self.now - 900)),
                "spec": {"request": "", "issuerRef": {"name": "letsencrypt-prod",
                                                      "kind": "ClusterIssuer",
                                                      "group": "cert-manager.io"}},
                "status": {"conditions": conds}}

    def order(self, revision, state, reason=""):
        status = {"state": state}
        if reason:
            status["reason"] = reason
        return {"apiVersion": "acme.cert-manager.io/v1", "kind": "Order",
                "metadata": meta(f"web-{revision}-1234",
                                 ownerReferences=owner("CertificateRequest",
                                                       "cert-manager.io/v1", f"web-{revision}"),
                                 creationTimestamp=iso(self.now - 890)),
                "spec": {"request": "", "dnsNames": ["web.example.test"],
                         "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer",
                                       "group": "cert-manager.io"}},
                "status": status}

    def challenge(self, revision, key, state="pending",
                  reason="Waiting for DNS-01 challenge propagation"):
        return {"apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
                "metadata": meta(f"web-{revision}-1234-5678",
                                 ownerReferences=owner("Order", "acme.cert-manager.io/v1",
                                                       f"web-{revision}-1234"),
                                 creationTimestamp=iso(self.now - 880)),
                "spec": {"type": "DNS-01", "dnsName": "web.example.test", "key": key,
                         "wildcard": False, "token": "tok", "url": "https://acme.test/chall/1",
                         "authorizationURL": "https://acme.test/authz/1",
                         "issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer",
                                       "group": "cert-manager.io"},
                         "solver": {"dns01": {"webhook": {"groupName": "x", "solverName": "y"}}}},
                "status": {"presented": True, "processing": True, "state": state,
                           "reason": reason}}

    def event(self, kind, name, reason, message, count):
        api = "acme.cert-manager.io/v1" if kind in ("Order", "Challenge") else "cert-manager.io/v1"
        return {"apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": reason,
                "message": message, "count": count,
                "metadata": meta(f"{name}.{count}", creationTimestamp=iso(self.now - 1800)),
                "involvedObject": {"apiVersion": api, "kind": kind, "name": name,
                                   "namespace": NS, "uid": f"uid-{name}"},
                "firstTimestamp": iso(self.now - 3600), "lastTimestamp": iso(self.now - 1800),
                "source": {"component": "cert-manager-orders"}}

    def target(self, addr):
        self.targets.append(addr)

    def config(self):
        path = os.path.join(self.dir, "certwatch.yaml")
        lines = ["kubernetes:"]
        if self.ingress_port:
            lines += ["  ingresses: true", f"  ingress_port: {self.ingress_port}"]
        else:
            lines += ["  ingresses: false"]
        lines += [
                 "tls_probes:", "  timeout: 5s", "  targets:"]
        for addr in self.targets:
            lines += [f"    - address: \"{addr}\"", "      server_name: web.example.test",
                      f"      ca_file: \"{self.ca.cert}\"", f"      certificate: {NS}/web"]
        if not self.targets:
            lines[-1] = "  targets: []"
        lines += ["dns_probes:", "  timeout: 2s", "  authoritative: false",
                  "  resolvers: [" + ", ".join(f"\"{d.addr}\"" for d in self.dns) + "]"]
        if self.runbook_base_url is not None:
            lines += ["generator:", f"  runbook_base_url: \"{self.runbook_base_url}\""]
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def status(self, *extra, name="web"):
        args = [t.BIN, "status", "certificate", name, "-n", NS, "--kubeconfig",
                self.kube.kubeconfig, "--config", self.config(), *extra]
        r = subprocess.run(args, capture_output=True, text=True, timeout=120)
        return r

    def assert_verdict(self, r, code, line):
        msg = f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}"
        self.assertEqual(r.returncode, code, msg)
        lines = r.stdout.rstrip("\n").split("\n")
        self.assertEqual(lines[-1], line, msg)
        self.assertEqual(sum(1 for x in lines if x.startswith("Verdict:")), 1, msg)
        self.assertNotIn("\033[", r.stdout, "colour when piped")

    def healthy_setup(self):
        """A Ready certificate, its Secret, served by s_server; one DNS server without CAA."""
        cert, key = self.issue("current")
        self.dns_server("127.0.0.2")
        srv = SServer(self.dir, cert, key)
        self.addCleanup(srv.stop)
        self.target(srv.addr)
        self.kube.apply(self.clusterissuer(), self.certificate(self.ready_status(cert)),
                        self.secret(cert, key))
        return cert, key, srv

    # ------------------------------------------------------------------ cases

    def test_healthy(self):
        cert, _, _ = self.healthy_setup()
        na = t.cert_not_after(cert)
        r = self.status()
        self.assert_verdict(r, 0, f"Verdict: healthy: Ready, expires {iso(na)}, renewal due "
                                  f"{iso(na - 30 * 86400)}, served by 1 endpoint")
        # The walk in cmctl's order, then the network checks.
        heads = [x for x in r.stdout.split("\n") if x and not x.startswith(" ")]
        self.assertEqual(heads[:3], [f"Certificate {NS}/web", "ClusterIssuer letsencrypt-prod",
                                     f"Secret {NS}/web-tls"], r.stdout)
        self.assertIn("  [ok]   serves the stored certificate", r.stdout)
        self.assertIn("  [ok]   chain and hostname verify", r.stdout)
        self.assertIn("  [ok]   web.example.test: letsencrypt.org allowed (no CAA records up to "
                      "the root)", r.stdout)

    def test_as_a_kubectl_plugin(self):
        # kubectl runs `kubectl-certwatch` from PATH with every argument after `certwatch`, as
        # it runs cmctl for `kubectl cert-manager`.
        self.healthy_setup()
        bindir = os.path.join(self.dir, "plugins")
        os.makedirs(bindir, exist_ok=True)
        os.symlink(t.BIN, os.path.join(bindir, "kubectl-certwatch"))
        env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
        listed = subprocess.run(["kubectl", "plugin", "list"], capture_output=True, text=True,
                                env=env, timeout=60)
        self.assertIn(os.path.join(bindir, "kubectl-certwatch"), listed.stdout)
        direct = self.status("--no-probes")
        plugin = subprocess.run(
            ["kubectl", "certwatch", "status", "certificate", "web", "-n", NS, "--kubeconfig",
             self.kube.kubeconfig, "--config", self.config(), "--no-probes"],
            capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(plugin.returncode, 0, plugin.stderr)
        # The same report (its relative "in 89d23h" may tick between the two runs).
        self.assertEqual(plugin.stdout.rstrip("\n").split("\n")[-1],
                         direct.stdout.rstrip("\n").split("\n")[-1])
        self.assertEqual(len(plugin.stdout.split("\n")), len(direct.stdout.split("\n")))
        self.assertIn(f"Certificate {NS}/web", plugin.stdout)
        usage = subprocess.run(["kubectl", "certwatch", "--help"], capture_output=True,
                               text=True, env=env, timeout=60)
        self.assertIn("kubectl certwatch", usage.stdout)

    def test_no_probes_reads_only_the_cluster(self):
        cert, _, srv = self.healthy_setup()
        srv.stop()  # a handshake now would fail; --no-probes must not try
        na = t.cert_not_after(cert)
        r = self.status("--no-probes")
        self.assert_verdict(r, 0, f"Verdict: healthy: Ready, expires {iso(na)}, renewal due "
                                  f"{iso(na - 30 * 86400)}")
        self.assertIn("Endpoints\n  [info] not probed: network checks disabled\n", r.stdout)
        self.assertIn("CAA\n  [info] not checked: network checks disabled\n", r.stdout)

    def test_healthy_json(self):
        cert, _, srv = self.healthy_setup()
        r = self.status("-o", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["verdict"]["healthy"])
        self.assertEqual(doc["verdict"]["problem"], "none")
        self.assertTrue(doc["verdict"]["line"].startswith("Verdict: healthy: Ready"))
        self.assertIn({"section": f"Endpoint {srv.addr} (SNI web.example.test)", "level": "ok",
                       "message": "serves the stored certificate"}, doc["findings"])
        self.assertIsNone(doc["backoff"])

    def test_rate_limited(self):
        self.dns_server("127.0.0.2")
        retry = self.now + 5 * 3600
        retry_s = datetime.datetime.fromtimestamp(retry, datetime.timezone.utc) \
            .strftime("%Y-%m-%d %H:%M:%S UTC")
        reason = ("Failed to create Order: 429 urn:ietf:params:acme:error:rateLimited: Error "
                  "creating new order :: too many certificates (5) already issued for this "
                  "exact set of domains in the last 168 hours: web.example.test, retry after "
                  f"{retry_s}: see https://letsencrypt.org/docs/rate-limits/")
        status = {"conditions": [
            cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist",
                 self.now - 900),
            cond("Issuing", "False", "Failed", "The certificate request has failed to complete "
                 "and will be retried: " + reason, self.now - 1800)],
            "lastFailureTime": iso(self.now - 1800), "failedIssuanceAttempts": 1}
        self.kube.apply(self.clusterissuer(), self.certificate(status),
                        self.request(1, cond("Ready", "False", "Failed", reason, self.now - 1800)),
                        self.order(1, "errored", reason), self.event("Order", "web-1-1234",
                                                                     "Failed", reason, 3))
        r = self.status()
        until = iso(retry)
        self.assert_verdict(
            r, 1,
            f"Verdict: stuck at ACME order: rate-limited by letsencrypt-prod until {until}; "
            "next step: do not force retries (they burn the budget); switch spec.issuerRef to a "
            f"fallback issuer (renewer.fallback_issuers), or wait until {until} and let "
            f"cert-manager retry (runbook: {RUNBOOKS}#certwatchacmeratelimited)")
        self.assertIn(f"[warn] 1 failed issuance attempt, last at {iso(self.now - 1800)}",
                      r.stdout)
        self.assertIn(f"backoff 1h: cert-manager retries at {iso(self.now + 1800)}", r.stdout)
        # The issuer's error, as `kubectl describe order` would show it, under the Order.
        self.assertIn(f"Order {NS}/web-1-1234\n  [FAIL] state: errored: {reason}\n"
                      f"  [warn] event Warning Failed (x3) ", r.stdout)

    def test_dns01_not_propagated_on_one_resolver(self):
        good = self.dns_server("127.0.0.2")
        bad = self.dns_server("127.0.0.3")
        key = "dGhlLWNoYWxsZW5nZS1rZXktZGlnZXN0"
        good.set_txt("_acme-challenge.web.example.test.", key)
        status = {"conditions": [
            cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist",
                 self.now - 900),
            cond("Issuing", "True", "DoesNotExist", "Issuing certificate as Secret does not "
                 "exist", self.now - 900)]}
        self.kube.apply(self.clusterissuer(), self.certificate(status),
                        self.request(1, cond("Ready", "False", "Pending",
                                             "Waiting on certificate issuance from order "
                                             "shop/web-1-1234: \"pending\"", self.now - 890)),
                        self.order(1, "pending"), self.challenge(1, key))
        r = self.status()
        self.assert_verdict(
            r, 1,
            "Verdict: stuck at DNS-01 challenge web-1-1234-5678: TXT "
            "_acme-challenge.web.example.test not propagated on resolver "
            f"{bad.addr} (1 of 2; NOERROR, no TXT); next step: check the DNS provider's zone "
            "and the record's TTL, then compare: certwatch probe dns "
            f"_acme-challenge.web.example.test --type TXT --resolver {good.addr} --resolver "
            f"{bad.addr} (runbook: {RUNBOOKS}#certwatchdns01challengenotpropagated)")
        self.assertIn(f"  [ok]   resolver {good.addr}: key present", r.stdout)

    def test_caa_forbids(self):
        cert, _, _ = self.healthy_setup()
        self.dns[0].add_caa("example.test.", "issue", "pki.goog")
        r = self.status()
        self.assert_verdict(
            r, 1,
            "Verdict: stuck at CAA check: CAA at example.test forbids letsencrypt.org for "
            "web.example.test; next step: add a CAA record 'example.test. CAA 0 issue "
            "\"letsencrypt.org\"' or move the certificate to an issuer whose CA is allowed "
            f"(runbook: {RUNBOOKS}#certwatchcaaforbidsissuer)")

    def test_endpoint_stale(self):
        old_cert, old_key = self.issue(
            "old", days=40,
            not_before=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=35))
        new_cert, new_key = self.issue("new")
        self.dns_server("127.0.0.2")
        srv = SServer(self.dir, old_cert, old_key)  # never reloaded after the renewal
        self.addCleanup(srv.stop)
        self.target(srv.addr)
        self.kube.apply(self.clusterissuer(), self.certificate(self.ready_status(new_cert, 2)),
                        self.secret(new_cert, new_key))
        r = self.status()
        self.assert_verdict(
            r, 1,
            f"Verdict: stuck at endpoint {srv.addr}: serves serial {serial_of(old_cert)} expiring "
            f"{iso(t.cert_not_after(old_cert))} but Secret {NS}/web-tls holds serial "
            f"{serial_of(new_cert)} expiring {iso(t.cert_not_after(new_cert))}; next step: "
            f"reload or restart the workload that terminates TLS for {srv.addr} so it loads the "
            f"renewed Secret (runbook: {RUNBOOKS}#certwatchendpointservingstalecertificate)")

    def test_no_status_yet(self):
        self.dns_server("127.0.0.2")
        self.kube.apply(self.clusterissuer(), self.certificate())
        r = self.status()
        self.assert_verdict(
            r, 1,
            f"Verdict: stuck at Certificate {NS}/web: no status yet: cert-manager has not "
            "reconciled it (no Ready condition, no notAfter); next step: check that "
            f"cert-manager's controller runs and watches namespace {NS}: kubectl get pods -n "
            "cert-manager; kubectl logs -n cert-manager -l app=cert-manager --tail=100 "
            f"(runbook: {RUNBOOKS}#certwatchcertificatenotready)")
        self.assertIn(f"CertificateRequest (revision 1)\n  [info] none for revision 1", r.stdout)

    def not_ready_runbook(self):
        """The text and JSON verdicts of a certificate cert-manager never reconciled."""
        self.dns_server("127.0.0.2")
        self.kube.apply(self.clusterissuer(), self.certificate())
        text = self.status()
        self.assertEqual(text.returncode, 1, text.stdout + text.stderr)
        js = self.status("-o", "json")
        self.assertEqual(js.returncode, 1, js.stdout + js.stderr)
        return text.stdout, js.stdout, json.loads(js.stdout)["verdict"]

    def test_runbook_link_names_the_generated_runbook_without_a_base_url(self):
        self.runbook_base_url = None
        text, js, verdict = self.not_ready_runbook()
        link = "runbooks.md#certwatchcertificatenotready"
        self.assertTrue(text.rstrip("\n").endswith(f" (runbook: {link})"), text)
        self.assertEqual(verdict["runbook"], link)
        self.assertTrue(verdict["line"].endswith(f" (runbook: {link})"), verdict["line"])
        for out in (text, js):
            self.assertNotIn("github.com/certwatch", out)

    def test_runbook_link_starts_with_the_configured_base_url(self):
        self.runbook_base_url = "https://wiki.example/runbooks"
        text, _, verdict = self.not_ready_runbook()
        link = "https://wiki.example/runbooks#certwatchcertificatenotready"
        self.assertTrue(text.rstrip("\n").endswith(f" (runbook: {link})"), text)
        self.assertEqual(verdict["runbook"], link)

    def test_endpoint_from_ingress(self):
        """An Ingress whose tls secretName is the Certificate's is handshaken on its
        load-balancer address with its host as SNI."""
        cert, key = self.issue("current")
        stale_cert, stale_key = self.issue("stale", days=30)
        self.dns_server("127.0.0.2")
        srv = SServer(self.dir, stale_cert, stale_key)
        self.addCleanup(srv.stop)
        self.ingress_port = srv.port
        ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                   "metadata": meta("web-ing", annotations={
                       "cert-manager.io/cluster-issuer": "letsencrypt-prod"}),
                   "spec": {"tls": [{"hosts": ["web.example.test"], "secretName": "web-tls"}],
                            "rules": [{"host": "web.example.test"}]},
                   "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}}
        self.kube.apply(self.clusterissuer(), self.certificate(self.ready_status(cert)),
                        self.secret(cert, key), ingress)
        r = self.status()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"Endpoint {srv.addr} (SNI web.example.test)\n"
                      f"  [info] from ingress:{NS}/web-ing\n", r.stdout)
        self.assertTrue(r.stdout.rstrip().split("\n")[-1].startswith(
            f"Verdict: stuck at endpoint {srv.addr}: serves serial {serial_of(stale_cert)} "), r.stdout)

    def test_colour_on_a_terminal(self):
        self.healthy_setup()
        master, slave = pty.openpty()
        try:
            p = subprocess.Popen([t.BIN, "status", "certificate", "web", "-n", NS,
                                  "--kubeconfig", self.kube.kubeconfig, "--config", self.config()],
                                 stdout=slave, stderr=subprocess.DEVNULL,
                                 env=dict(os.environ, TERM="xterm", NO_COLOR=""))
            os.close(slave)
            slave = None
            out = b""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            self.assertEqual(p.wait(timeout=60), 0)
        finally:
            os.close(master)
            if slave is not None:
                os.close(slave)
        text = out.decode()
        self.assertIn("\033[32m[ok]  \033[0m", text)
        self.assertIn("\033[1m\033[32mVerdict: healthy: Ready", text)

    def test_not_found_exits_2_naming_the_object(self):
        self.dns_server("127.0.0.2")
        r = self.status(name="missing")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn(f"Certificate {NS}/missing not found", r.stderr)

    def test_usage_errors_exit_2(self):
        r = subprocess.run([t.BIN, "status", "certificate", "web", "-o", "yaml"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        bad = os.path.join(self.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write("dns_probes:\n  resolverz: []\n")
        r = subprocess.run([t.BIN, "status", "certificate", "web", "-n", NS, "--config", bad,
                            "--kubeconfig", self.kube.kubeconfig],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("bad.yaml:2:3", r.stderr)


if __name__ == "__main__":
    unittest.main()
