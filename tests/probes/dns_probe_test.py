"""The DNS prober against real DNS servers on 127.0.0.x: Debian's pebble-challtestsrv (records
set over its HTTP API while certwatch runs) and dnsmasq, plus a small misbehaving server for
timeouts, SERVFAIL, truncation (TCP retry) and malformed answers. Both the one-shot
`certwatch probe dns` and `certwatch serve` (DNS-01 challenges and CAA from a fake Kubernetes
API, configured queries) are exercised."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import certwatch_testlib as cw  # noqa: E402
from dns_fake_server import FakeDns  # noqa: E402

CHALLTESTSRV = "/usr/bin/pebble-challtestsrv"
DNSMASQ = "/usr/sbin/dnsmasq"
LE = "https://acme-v02.api.letsencrypt.org/directory"
ZEROSSL = "https://acme.zerossl.com/v2/DV90"


class ChallTestSrv:
    """pebble-challtestsrv as a DNS server on HOST:port whose records are set over HTTP."""

    def __init__(self, workdir, host):
        self.host = host
        self.port = cw.free_port_tcp_udp(host)
        self.mgmt = cw.free_port(host)
        self.address = f"{host}:{self.port}"
        self.proc = cw.Proc([CHALLTESTSRV, "-dns01", self.address,
                             "-management", f"{host}:{self.mgmt}",
                             "-http01", "", "-https01", "", "-tlsalpn01", ""],
                            workdir, name=f"challtestsrv-{host}")
        cw.wait_port(host, self.mgmt)
        cw.wait_port(host, self.port)

    def _post(self, what, body):
        status, _, out = cw.http_post(f"http://{self.host}:{self.mgmt}/{what}",
                                      json.dumps(body).encode())
        if status != 200:
            raise AssertionError(f"challtestsrv {what}: {status} {out!r}")

    def set_txt(self, name, value):
        self._post("set-txt", {"host": name + ".", "value": value})

    def clear_txt(self, name):
        self._post("clear-txt", {"host": name + "."})

    def add_caa(self, name, *policies):
        self._post("add-caa", {"host": name + ".",
                               "policies": [{"tag": t, "value": v} for t, v in policies]})

    def stop(self):
        self.proc.stop()


class Dnsmasq:
    """dnsmasq answering only what its flags define (no upstream, no hosts file); names under
    `local` domains that it does not know get NXDOMAIN."""

    def __init__(self, workdir, host, records, local=("test",)):
        self.host = host
        self.port = cw.free_port_tcp_udp(host)
        self.address = f"{host}:{self.port}"
        args = [DNSMASQ, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                "--bind-interfaces", f"--listen-address={host}", f"--port={self.port}",
                "--pid-file=", "--log-facility=-"]
        args += [f"--local=/{d}/" for d in local]
        args += records
        self.proc = cw.Proc(args, workdir, name=f"dnsmasq-{host}")
        cw.wait_port(host, self.port)

    def stop(self):
        self.proc.stop()


def caa_rr(name, flags, tag, value):
    """dnsmasq --dns-rr for a CAA record (type 257) in RDATA hex."""
    rdata = bytes([flags, len(tag)]) + tag.encode() + value.encode()
    return f"--dns-rr={name},257,{rdata.hex()}"


def probe_dns(name, rtype, resolvers, *extra, timeout=60):
    args = [cw.BIN, "probe", "dns", name, "--type", rtype, "-o", "json", *extra]
    for r in resolvers:
        args += ["--resolver", r]
    r = cw.run(args, timeout=timeout, check=False)
    if r.returncode not in (0, 1):
        raise AssertionError(f"probe dns exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r.returncode, json.loads(r.stdout)


def by_resolver(report):
    return {x["resolver"]: x for x in report["results"]}


class OneShotTest(cw.ServersTestCase):
    def test_txt_on_two_of_three_then_all(self):
        a, b, c = (self.keep(ChallTestSrv(self.workdir, f"127.0.0.{i}")) for i in (21, 22, 23))
        name = "_acme-challenge.example.test"
        a.set_txt(name, "key-1")
        b.set_txt(name, "key-1")
        rc, rep = probe_dns(name, "TXT", [a.address, b.address, c.address], "--expect", "key-1")
        self.assertEqual(rc, 1)
        self.assertFalse(rep["consistent"])
        res = by_resolver(rep)
        self.assertEqual(res[a.address]["answers"], ["key-1"])
        self.assertEqual(res[b.address]["answers"], ["key-1"])
        self.assertEqual(res[c.address]["answers"], [])
        self.assertEqual([res[x]["agrees"] for x in (a.address, b.address, c.address)],
                         [True, True, False])
        # The text table marks the odd one out.
        text = cw.run([cw.BIN, "probe", "dns", name, "-t", "TXT", "-r", a.address, "-r",
                       b.address, "-r", c.address], check=False)
        self.assertEqual(text.returncode, 1)
        marked = [ln for ln in text.stdout.splitlines() if ln.startswith("!")]
        self.assertEqual(len(marked), 1, text.stdout)
        self.assertIn(c.address, marked[0])
        self.assertIn("resolvers disagree", text.stdout)

        c.set_txt(name, "key-1")
        rc, rep = probe_dns(name, "TXT", [a.address, b.address, c.address], "--expect", "key-1")
        self.assertEqual(rc, 0, rep)
        self.assertTrue(rep["consistent"])
        self.assertTrue(rep["expect_found_everywhere"])

    def test_failure_modes(self):
        good = self.keep(Dnsmasq(self.workdir, "127.0.0.31",
                                 ["--txt-record=t.example.test,fake-txt"]))
        silent = self.keep(FakeDns("127.0.0.32", mode="silent"))
        servfail = self.keep(FakeDns("127.0.0.33", mode="servfail"))
        trunc = self.keep(FakeDns("127.0.0.34", mode="truncate"))
        broken = self.keep(FakeDns("127.0.0.35", mode="malformed"))
        resolvers = [good.address, silent.address, servfail.address, trunc.address,
                     broken.address]
        start = time.monotonic()
        rc, rep = probe_dns("t.example.test", "TXT", resolvers, "--timeout", "1s")
        took = time.monotonic() - start
        self.assertEqual(rc, 1)
        res = by_resolver(rep)
        self.assertEqual(res[good.address]["rcode"], "NOERROR")
        self.assertEqual(res[good.address]["answers"], ["fake-txt"])
        self.assertEqual(res[silent.address]["rcode"], "TIMEOUT")
        self.assertEqual(res[servfail.address]["rcode"], "SERVFAIL")
        self.assertFalse(res[servfail.address]["success"])
        # Truncated over UDP, answered over TCP.
        self.assertEqual(res[trunc.address]["rcode"], "NOERROR")
        self.assertTrue(res[trunc.address]["success"])
        self.assertEqual(res[trunc.address]["answers"], ["fake-txt"])
        self.assertGreaterEqual(trunc.udp_queries, 1)
        self.assertGreaterEqual(trunc.tcp_queries, 1)
        self.assertEqual(res[broken.address]["rcode"], "MALFORMED")
        self.assertIn("TXT", res[broken.address]["error"])
        # The good and the truncating resolver agree; failures are not opinions.
        self.assertTrue(rep["consistent"])
        self.assertFalse(rep["all_succeeded"])
        self.assertLess(took, 6.0)

    def test_caa_from_dnsmasq_and_usage_errors(self):
        d = self.keep(Dnsmasq(self.workdir, "127.0.0.36",
                              [caa_rr("deny.test", 0, "issue", "sectigo.com"),
                               caa_rr("deny.test", 128, "iodef", "mailto:sec@deny.test")]))
        rc, rep = probe_dns("deny.test", "CAA", [d.address])
        self.assertEqual(rc, 0, rep)
        self.assertEqual(rep["results"][0]["answers"],
                         ['0 issue "sectigo.com"', '128 iodef "mailto:sec@deny.test"'])
        rc, rep = probe_dns("nothing.deny.test", "CAA", [d.address])
        self.assertEqual(rc, 1)
        self.assertEqual(rep["results"][0]["rcode"], "NXDOMAIN")
        bad = cw.run([cw.BIN, "probe", "dns", "x.test", "--type", "MX", "-r", d.address],
                     check=False)
        self.assertEqual(bad.returncode, 2)
        bad = cw.run([cw.BIN, "probe", "dns", "x.test", "-r", "resolver.example:53"],
                     check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("not an IP", bad.stderr)


def k8s_objects(challenge_key, domain="example.test"):
    issuer = lambda name, server: {  # noqa: E731
        "apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
        "metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": "1",
                     "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"acme": {"server": server, "email": "ops@example.test",
                          "privateKeySecretRef": {"name": name}}},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    cert = lambda name, issuer_name, names: {  # noqa: E731
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": name, "namespace": "apps", "uid": f"uid-{name}",
                     "resourceVersion": "1", "generation": 1,
                     "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"secretName": f"{name}-tls", "dnsNames": names,
                 "issuerRef": {"name": issuer_name, "kind": "ClusterIssuer",
                               "group": "cert-manager.io"}},
        "status": {}}
    created = cw.rfc3339(time.time() - 120)
    challenge = {
        "apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
        "metadata": {"name": "web-1-2-3", "namespace": "apps", "uid": "uid-ch",
                     "resourceVersion": "1", "creationTimestamp": created},
        "spec": {"type": "DNS-01", "dnsName": domain, "key": challenge_key,
                 "token": "tok", "url": "https://acme.example/chall/1", "wildcard": False,
                 "issuerRef": {"name": "le", "kind": "ClusterIssuer",
                               "group": "cert-manager.io"},
                 "solver": {"dns01": {"webhook": {}}}},
        "status": {"presented": True, "processing": True, "state": "pending"}}
    return [issuer("le", LE), issuer("zero", ZEROSSL),
            cert("allow", "le", ["www.allow.test"]),
            cert("allow-zero", "zero", ["www.allow.test"]),
            cert("deny", "le", ["www.deny.test", "*.deny.test"]),
            cert("absent", "le", ["a.b.none.test"]),
            challenge]


def serve_config(kubeconfig, resolvers, queries=None, kubernetes=True, auth_port=None):
    lines = ["kubernetes:"]
    if kubernetes:
        lines += [f"  kubeconfig: {kubeconfig}", "  ingresses: false"]
    else:
        lines += ["  enabled: false"]
    lines += ["dns_probes:", "  interval: 1s", "  timeout: 1s",
              f"  authoritative: {'true' if auth_port else 'false'}",
              f"  authoritative_port: {auth_port or 53}",
              "  resolvers: [" + ", ".join(f'"{r}"' for r in resolvers) + "]"]
    if queries:
        lines.append("  queries:")
        for name, types in queries:
            lines.append(f'    - name: "{name}"')
            lines.append("      types: [" + ", ".join(types) + "]")
    return "\n".join(lines) + "\n"


class ServeTest(cw.ServersTestCase):
    def metrics(self, serve):
        status, _, body = serve.get("/metrics")
        self.assertEqual(status, 200)
        return cw.parse_metrics(body.decode())

    def test_challenge_propagation_and_caa_without_restart(self):
        a, b, c = (self.keep(ChallTestSrv(self.workdir, f"127.0.0.{i}")) for i in (41, 42, 43))
        key = "k3y-" + str(int(time.time()))
        name = "_acme-challenge.example.test"
        a.set_txt(name, key)
        b.set_txt(name, key)
        c.set_txt(name, "some-other-key")
        # CAA on the first resolver (the one CAA is evaluated on): allow.test lets Let's
        # Encrypt issue, deny.test only Sectigo, none.test has nothing up to the root.
        a.add_caa("allow.test", ("issue", "letsencrypt.org"))
        a.add_caa("deny.test", ("issue", "sectigo.com"), ("issuewild", ";"))
        kube = self.keep(cw.FakeKube(self.workdir))
        kube.apply(*k8s_objects(key))
        serve = self.keep(cw.CertwatchServe(
            self.workdir, serve_config(kube.kubeconfig, [a.address, b.address, c.address])))

        def propagated():
            m = self.metrics(serve)
            vals = [cw.metric(m, "certwatch_dns_challenge_propagated", namespace="apps",
                              challenge="web-1-2-3", domain="example.test", resolver=r)
                    for r in (a.address, b.address, c.address)]
            return vals if None not in vals else None

        self.assertEqual(cw.wait_for(propagated, 30, what="challenge series"), [1, 1, 0])
        # CAA is a separate job of the same round: wait for its series as well, not only
        # for the challenge's (on a slow machine they land in different scrapes).
        caa_series = [("allow", "www.allow.test"), ("allow-zero", "www.allow.test"),
                      ("deny", "www.deny.test"), ("deny", "*.deny.test"),
                      ("absent", "a.b.none.test")]

        def all_caa():
            snapshot = self.metrics(serve)
            for cert, domain in caa_series:
                if cw.metric(snapshot, "certwatch_caa_issuance_allowed", namespace="apps",
                             certificate=cert, domain=domain) is None:
                    return None
            return snapshot

        m = cw.wait_for(all_caa, 30, what="CAA series")
        presented = cw.metric(m, "certwatch_dns_challenge_presented_seconds",
                              namespace="apps", challenge="web-1-2-3")
        self.assertGreater(presented, 60)

        def caa(cert, domain):
            return cw.metric(m, "certwatch_caa_issuance_allowed", namespace="apps",
                             certificate=cert, domain=domain)

        self.assertEqual(caa("allow", "www.allow.test"), 1)
        self.assertEqual(caa("allow-zero", "www.allow.test"), 0)
        self.assertEqual(cw.metric(m, "certwatch_caa_issuance_allowed", certificate="allow-zero",
                                   ca_domain="sectigo.com"), 0)
        self.assertEqual(caa("deny", "www.deny.test"), 0)
        self.assertEqual(caa("deny", "*.deny.test"), 0)
        self.assertEqual(caa("absent", "a.b.none.test"), 1)

        # The key reaches the third resolver, and Sectigo gets allowed on allow.test: both
        # show up on the next rounds, same process.
        pid = serve.proc.pid
        c.set_txt(name, key)
        a.add_caa("allow.test", ("issue", "letsencrypt.org"), ("issue", "sectigo.com"))
        self.assertEqual(cw.wait_for(lambda: propagated() == [1, 1, 1] and [1, 1, 1], 30,
                                     what="third resolver to see the key"), [1, 1, 1])
        cw.wait_for(lambda: caa_now(self, serve, "allow-zero") == 1, 30, what="CAA update")
        self.assertTrue(serve.proc.alive())
        self.assertEqual(serve.proc.pid, pid)

        # The challenge goes away: its series go with it.
        kube.delete(k8s_objects(key)[-1])
        cw.wait_for(lambda: propagated() is None, 30, what="challenge series to vanish")

    def test_authoritative_servers_found_through_ns(self):
        # The recursive resolver (dnsmasq) knows the delegation auth.test NS ns1.auth.test and
        # the server's address, but not the challenge record yet; the authoritative server
        # (challtestsrv on 127.0.0.71) has it.
        auth = self.keep(ChallTestSrv(self.workdir, "127.0.0.71"))
        ns_rdata = b"".join(bytes([len(p)]) + p.encode() for p in "ns1.auth.test".split("."))
        ns_rdata += bytes([0])
        resolver = self.keep(Dnsmasq(self.workdir, "127.0.0.72", [
            f"--dns-rr=auth.test,2,{ns_rdata.hex()}",
            "--host-record=ns1.auth.test,127.0.0.71"]))
        key = "auth-key-1"
        auth.set_txt("_acme-challenge.auth.test", key)
        kube = self.keep(cw.FakeKube(self.workdir))
        kube.apply(*k8s_objects(key, domain="auth.test"))
        serve = self.keep(cw.CertwatchServe(
            self.workdir, serve_config(kube.kubeconfig, [resolver.address],
                                       [("www.auth.test", ["A"])], auth_port=auth.port)))

        def got():
            m = self.metrics(serve)
            vals = [cw.metric(m, "certwatch_dns_challenge_propagated", challenge="web-1-2-3",
                              resolver=r) for r in ("auth:ns1.auth.test", resolver.address)]
            return (m, vals) if None not in vals else None

        m, vals = cw.wait_for(got, 30, what="authoritative challenge series")
        self.assertEqual(vals, [1, 0])
        self.assertEqual(series(m, "certwatch_dns_probe_success", resolver="auth:ns1.auth.test",
                                name="www.auth.test", type="A"), 1)
        self.assertEqual(series(m, "certwatch_dns_probe_success", resolver=resolver.address,
                                name="www.auth.test", type="A"), 0)
        self.assertEqual(series(m, "certwatch_dns_answers_consistent", name="www.auth.test",
                                type="A"), 0)

        # The one-shot command finds the same authoritative server and shows the gap.
        rc, rep = probe_dns("_acme-challenge.auth.test", "TXT", [resolver.address],
                            "--authoritative", "--authoritative-port", str(auth.port))
        self.assertEqual(rc, 1)
        res = by_resolver(rep)
        self.assertEqual(res[resolver.address]["rcode"], "NXDOMAIN")
        self.assertEqual(res[f"auth:ns1.auth.test (127.0.0.71:{auth.port})"]["answers"], [key])
        self.assertFalse(rep["consistent"])

    def test_configured_queries_failures_and_consistency(self):
        good = self.keep(ChallTestSrv(self.workdir, "127.0.0.51"))
        other = self.keep(FakeDns("127.0.0.52", mode="answer", a="192.0.2.99"))
        silent = self.keep(FakeDns("127.0.0.53", mode="silent"))
        servfail = self.keep(FakeDns("127.0.0.54", mode="servfail"))
        trunc = self.keep(FakeDns("127.0.0.55", mode="truncate", a="127.0.0.1"))
        broken = self.keep(FakeDns("127.0.0.56", mode="malformed"))
        resolvers = [good.address, other.address, silent.address, servfail.address,
                     trunc.address, broken.address]
        serve = self.keep(cw.CertwatchServe(
            self.workdir, serve_config("", resolvers, [("www.example.test", ["A", "TXT"])],
                                       kubernetes=False)))

        def ready():
            m = self.metrics(serve)
            return m if cw.metric(m, "certwatch_dns_probe_success", resolver=broken.address,
                                  type="A") is not None else None

        m = cw.wait_for(ready, 30, what="dns probe series")

        def succ(r, t="A"):
            return series(m, "certwatch_dns_probe_success", resolver=r,
                          name="www.example.test", type=t)

        def rcode(r, t="A"):
            found = [dict(ls)["rcode"] for (n, ls), v in m.items()
                     if n == "certwatch_dns_probe_rcode" and v == 1
                     and dict(ls)["resolver"] == r and dict(ls)["type"] == t]
            return found[0] if len(found) == 1 else found

        self.assertEqual(succ(good.address), 1)
        self.assertEqual(succ(other.address), 1)
        self.assertEqual(succ(silent.address), 0)
        self.assertEqual(rcode(silent.address), "TIMEOUT")
        self.assertEqual(rcode(servfail.address), "SERVFAIL")
        self.assertEqual(succ(trunc.address), 1)
        self.assertGreaterEqual(trunc.tcp_queries, 1)
        self.assertEqual(rcode(broken.address, "TXT"), "MALFORMED")
        self.assertEqual(cw.metric(m, "certwatch_dns_answers", resolver=other.address,
                                   type="A"), 1)
        self.assertEqual(cw.metric(m, "certwatch_dns_answer_ttl_seconds", resolver=other.address,
                                   type="A"), 60)
        self.assertGreater(cw.metric(m, "certwatch_dns_probe_duration_seconds",
                                     resolver=silent.address, type="A"), 0.5)
        # 127.0.0.1 (challtestsrv's default, and the truncating server) vs 192.0.2.99.
        self.assertEqual(series(m, "certwatch_dns_answers_consistent",
                                name="www.example.test", type="A"), 0)
        time.sleep(2.5)
        m = self.metrics(serve)
        self.assertGreaterEqual(series(m, "certwatch_dns_inconsistent_seconds",
                                       name="www.example.test", type="A"), 1)
        self.assertEqual(cw.metric(m, "certwatch_source_up", source="dns_probes"), 1)


def series(m, metric_name, **labels):
    """cw.metric for label sets that include a label called `name`."""
    found = [v for (n, ls), v in m.items()
             if n == metric_name and set(labels.items()) <= set(ls)]
    if len(found) > 1:
        raise AssertionError(f"{len(found)} series of {metric_name} match {labels}")
    return found[0] if found else None


def caa_now(test, serve, cert):
    m = test.metrics(serve)
    return cw.metric(m, "certwatch_caa_issuance_allowed", namespace="apps", certificate=cert,
                     domain="www.allow.test")


if __name__ == "__main__":
    unittest.main()
