"""certwatch renew against the fake Kubernetes API server (which records every mutating
request) and a state document served by a small HTTP server in the test: each remediation
fires on its trigger and not otherwise, with the exact request; dry-run writes nothing; the
budget and cooldown stop a storm; stale or unsynced state stops everything; two renewers
sharing one Lease act once; ingress-shim certificates are switched on their Ingress; and
kubectl reads back the Issuing condition exactly as cmctl renew sets it."""

import http.server
import json
import os
import threading
import time
import unittest

import certwatch_testlib as tl

NS = "default"
ISSUING = {
    "type": "Issuing",
    "status": "True",
    "reason": "ManuallyTriggered",
    "message": "Certificate re-issuance manually triggered",
}


class StateServer:
    """Serves /api/v1/state from a document the test sets (the exporter's contract)."""

    def __init__(self):
        self.doc = {"synced": False, "generated_at": 0, "certificates": {}}
        self.age = 0  # generated_at = now - age on every answer
        self.reads = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/api/v1/state":
                    self.send_error(404)
                    return
                outer.reads += 1
                doc = dict(outer.doc)
                doc["generated_at"] = int(time.time()) - outer.age
                body = json.dumps(doc).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v1/state"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def set(self, certificates, synced=True, age=0, **maps):
        doc = {"synced": synced, "certificates": {f"{c['ns']}/{c['name']}": c for c in certificates}}
        doc.update(maps)
        self.doc = doc
        self.age = age

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def now():
    return int(time.time())


def cert_state(name, ns=NS, **kw):
    """A CertificateState as the state API serialises it: Ready, renewal in 10 days."""
    t = now()
    c = {
        "ns": ns, "name": name,
        "issuer": {"name": "letsencrypt-prod", "kind": "ClusterIssuer", "group": "cert-manager.io"},
        "secret_name": f"{name}-tls", "dns_names": [f"{name}.example.test"], "generation": 1,
        "not_before": t - 60 * 86400, "not_after": t + 30 * 86400, "renewal_time": t + 10 * 86400,
        "ready": {"status": "True", "reason": "Ready", "message": "", "last_transition": t - 86400,
                  "observed_generation": 1},
        "issuing": {"status": "", "reason": "", "message": "", "last_transition": 0,
                    "observed_generation": 0},
        "revision": 1, "acme_rate_limited": False, "failure": "none",
    }
    c.update(kw)
    return c


def overdue(name, ns=NS, **kw):
    kw.setdefault("failure", "renewal_overdue")
    return cert_state(name, ns, renewal_time=now() - 3 * 3600, **kw)


def cert_object(name, ns=NS, issuer="letsencrypt-prod", labels=None):
    return {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": {"secretName": f"{name}-tls", "dnsNames": [f"{name}.example.test"],
                 "issuerRef": {"name": issuer, "kind": "ClusterIssuer", "group": "cert-manager.io"}},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                                   "message": "Certificate is up to date and has not expired",
                                   "lastTransitionTime": "2026-11-01T00:00:00Z",
                                   "observedGeneration": 1}],
                   "revision": 1},
    }


class RenewerTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tl.tempdir("certwatch-renewer-")
        self.dir = self._tmp.__enter__()
        self.kube = tl.FakeKube(self.dir)
        self.state = StateServer()
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            p.stop()
        self.state.stop()
        self.kube.stop()
        self._tmp.__exit__(None, None, None)

    # --- helpers ---

    def config(self, name="renewer", dry_run=False, extra="", lease_namespace="certwatch"):
        port = tl.free_port()
        path = os.path.join(self.dir, f"{name}.yaml")
        lease_line = f"  lease_namespace: {lease_namespace}\n" if lease_namespace else ""
        with open(path, "w") as f:
            f.write(f"""renewer:
  enabled: true
  dry_run: {"true" if dry_run else "false"}
  state_url: "{self.state.url}"
  interval: 1s
{lease_line}  lease_duration: 3s
  listen_address: "127.0.0.1:{port}"
  identity: {name}
{extra}""")
        return path, port

    def start(self, name="renewer", dry_run=False, extra="", args=(), lease_namespace="certwatch"):
        cfg, port = self.config(name, dry_run, extra, lease_namespace)
        p = tl.Proc([tl.BIN, "renew", "--config", cfg, "--kubeconfig", self.kube.kubeconfig,
                     "--log.level", "debug", *args], self.dir, name=name)
        self.procs.append(p)
        tl.wait_port("127.0.0.1", port, timeout=20)
        return p, port

    def metrics(self, port):
        status, _, body = tl.http_get(f"http://127.0.0.1:{port}/metrics")
        self.assertEqual(status, 200)
        return tl.parse_metrics(body.decode())

    def writes(self, include_events=False):
        """Mutating requests other than the Lease (and Events unless asked)."""
        out = []
        for r in self.kube.requests():
            if "/leases" in r["path"]:
                continue
            if not include_events and r["path"].endswith("/events"):
                continue
            out.append(r)
        return out

    def events(self):
        return [r["body"] for r in self.kube.requests()
                if r["method"] == "POST" and r["path"].endswith("/events")]

    def wait_reads(self, n, timeout=30):
        start = self.state.reads
        tl.wait_for(lambda: self.state.reads >= start + n, timeout, what=f"{n} state reads")

    def wait_writes(self, n, timeout=30):
        return tl.wait_for(lambda: len(self.writes()) >= n and self.writes(), timeout,
                           what=f"{n} writes")

    def kubectl(self, *args):
        return tl.run(["kubectl", "--kubeconfig", self.kube.kubeconfig, *args]).stdout

    # --- tests ---

    def test_reissue_overdue_is_cmctl_renew_and_kubectl_sees_it(self):
        self.kube.apply(cert_object("web"), cert_object("ok"))
        self.state.set([overdue("web"), cert_state("ok")])
        p, port = self.start()
        writes = self.wait_writes(1)
        self.wait_reads(3)  # more cycles: nothing else, and the cooldown holds
        writes = self.writes()
        self.assertEqual(len(writes), 1, writes)
        w = writes[0]
        self.assertEqual(w["method"], "PUT")
        self.assertEqual(w["path"], f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/web/status")
        self.assertEqual(w["content_type"], "application/json")
        conds = {c["type"]: c for c in w["body"]["status"]["conditions"]}
        issuing = conds["Issuing"]
        for k, v in ISSUING.items():
            self.assertEqual(issuing[k], v)
        self.assertEqual(issuing["observedGeneration"], w["body"]["metadata"]["generation"])
        self.assertRegex(issuing["lastTransitionTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(conds["Ready"]["status"], "True")  # other conditions untouched
        self.assertEqual(w["body"]["spec"], cert_object("web")["spec"])

        # kubectl reads it back as cmctl renew leaves it.
        jp = '{range .status.conditions[?(@.type=="Issuing")]}{.status}|{.reason}|{.message}|{.observedGeneration}{end}'
        out = self.kubectl("get", "certificate", "web", "-n", NS, "-o", f"jsonpath={jp}")
        gen = self.kubectl("get", "certificate", "web", "-n", NS, "-o",
                           "jsonpath={.metadata.generation}")
        self.assertEqual(out, f"True|ManuallyTriggered|Certificate re-issuance manually triggered|{gen}")
        none = self.kubectl("get", "certificate", "ok", "-n", NS, "-o",
                            'jsonpath={.status.conditions[?(@.type=="Issuing")].reason}')
        self.assertEqual(none, "")

        evs = self.events()
        self.assertEqual(len(evs), 1, evs)
        self.assertEqual(evs[0]["reason"], "Reissue")
        self.assertEqual(evs[0]["type"], "Normal")
        self.assertEqual(evs[0]["involvedObject"],
                         {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "name": "web",
                          "namespace": NS})
        m = self.metrics(port)
        self.assertEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                   result="success", dry_run="false"), 1)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                          result="cooldown", dry_run="false"), 1)
        self.assertEqual(tl.metric(m, "certwatch_renewer_leader"), 1)
        self.assertEqual(tl.metric(m, "certwatch_renewer_budget_remaining"), 19)
        self.assertIn("action=Reissue", p.output())

    def test_no_action_without_trigger_or_while_rate_limited_or_propagating(self):
        t = now()
        self.kube.apply(cert_object("ok"), cert_object("limited"), cert_object("dns"),
                        cert_object("young"))
        self.state.set(
            [cert_state("ok"),
             overdue("limited", acme_rate_limited=True, failure="rate_limited"),
             overdue("dns", failure="dns_not_propagated"),
             cert_state("young", renewal_time=t - 600)],  # within renew_overdue_after (1h)
        )
        p, port = self.start()
        self.wait_reads(4)
        self.assertEqual(self.writes(include_events=True), [])
        m = self.metrics(port)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                          result="rate_limited", dry_run="false"), 1)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                          result="challenge_propagating", dry_run="false"), 1)
        # The same renewer does act once the trigger is there (the test can fail).
        self.state.set([overdue("ok")])
        self.wait_writes(1)

    def test_dry_run_writes_nothing(self):
        self.kube.apply(cert_object("web"))
        self.state.set([overdue("web")])
        p, port = self.start(args=["--dry-run"])
        self.wait_reads(3)
        self.assertEqual(self.kube.requests(), [])  # not even a Lease
        m = self.metrics(port)
        self.assertEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                   result="dry_run", dry_run="true"), 1)
        self.assertIn("dry run: would act", p.output())

    def test_budget_and_cooldown_stop_a_storm(self):
        names = [f"c{i:03d}" for i in range(100)]
        self.kube.apply(*[cert_object(n) for n in names])
        self.state.set([overdue(n) for n in names])
        p, port = self.start(extra="  max_actions_per_hour: 20\n")
        self.wait_writes(20)
        self.wait_reads(4)
        writes = self.writes()
        self.assertEqual(len(writes), 20)
        self.assertEqual(len({w["path"] for w in writes}), 20)
        self.assertTrue(all(w["method"] == "PUT" and w["path"].endswith("/status") for w in writes))
        m = self.metrics(port)
        self.assertEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                   result="success", dry_run="false"), 20)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                          result="budget_exhausted", dry_run="false"), 80 * 4)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                          result="cooldown", dry_run="false"), 20)
        self.assertEqual(tl.metric(m, "certwatch_renewer_budget_remaining"), 0)

    def test_stale_or_unsynced_state_stops_all_actions(self):
        self.kube.apply(cert_object("web"))
        self.state.set([overdue("web")], synced=False)
        p, port = self.start()
        self.wait_reads(3)
        self.assertEqual(self.writes(include_events=True), [])
        self.state.set([overdue("web")], synced=True, age=3600)  # older than state_max_age
        self.wait_reads(3)
        self.assertEqual(self.writes(include_events=True), [])
        m = self.metrics(port)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                          result="state_not_synced", dry_run="false"), 1)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_actions_total", action="reissue",
                                          result="state_stale", dry_run="false"), 1)
        self.assertGreaterEqual(tl.metric(m, "certwatch_renewer_state_age_seconds"), 3590)
        self.state.set([overdue("web")], synced=True, age=0)
        self.wait_writes(1)

    def test_lease_namespace_follows_the_kubeconfig_context(self):
        # No renewer.lease_namespace, and the API server refuses creates into namespaces that
        # do not exist (NamespaceLifecycle): the Lease goes to the kubeconfig context's
        # namespace ("default" here), as client-go does, and the renewer acts.
        self.kube.enforce_namespaces()
        self.kube.apply(cert_object("web"))
        self.state.set([overdue("web")])
        p, port = self.start(lease_namespace="")
        writes = self.wait_writes(1)
        self.assertEqual(writes[0]["path"],
                         f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/web/status")
        holder = self.kubectl("get", "lease", "certwatch-renewer", "-n", "default", "-o",
                              "jsonpath={.spec.holderIdentity}")
        self.assertEqual(holder, "renewer")
        self.assertEqual(tl.metric(self.metrics(port), "certwatch_renewer_leader"), 1)
        self.assertEqual(tl.http_get(f"http://127.0.0.1:{port}/readyz")[0], 200)

    def test_lease_in_a_missing_namespace_is_not_ready_and_says_what_to_fix(self):
        self.kube.enforce_namespaces()
        self.kube.apply(cert_object("web"))
        self.state.set([overdue("web")])
        p, port = self.start(lease_namespace="certwatch")  # no such Namespace object

        def not_ready():
            status, _, body = tl.http_get(f"http://127.0.0.1:{port}/readyz")
            return body.decode() if status == 503 else None
        body = tl.wait_for(not_ready, 30, what="/readyz to fail")
        self.assertIn('namespaces "certwatch" not found', body)
        self.assertIn("renewer.lease_namespace", body)
        time.sleep(2.5)  # several lease rounds
        self.assertEqual(tl.metric(self.metrics(port), "certwatch_renewer_leader"), 0)
        self.assertEqual(self.writes(), [])
        # One log line for the one distinct error, naming the key to fix.
        lines = [l for l in p.output().splitlines() if "cannot contest the Lease" in l]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("renewer.lease_namespace", lines[0])
        # The namespace appears: the renewer becomes ready and acts.
        self.kube.apply({"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": "certwatch"}})
        self.wait_writes(1)
        tl.wait_for(lambda: tl.http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200, 30,
                    what="/readyz to pass")

    def test_two_renewers_one_lease_act_once(self):
        names = [f"w{i}" for i in range(5)]
        self.kube.apply(*[cert_object(n) for n in names])
        self.state.set([overdue(n) for n in names])
        a, port_a = self.start("renewer-a")
        b, port_b = self.start("renewer-b")
        self.wait_writes(5)
        self.wait_reads(4)
        writes = self.writes()
        self.assertEqual(sorted(w["path"] for w in writes),
                         sorted(f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/{n}/status"
                                for n in names))
        instances = {e["reportingInstance"] for e in self.events()}
        self.assertEqual(len(instances), 1, instances)
        leaders = [tl.metric(self.metrics(port), "certwatch_renewer_leader")
                   for port in (port_a, port_b)]
        self.assertEqual(sorted(leaders), [0, 1])
        holder = self.kubectl("get", "lease", "certwatch-renewer", "-n", "certwatch", "-o",
                              "jsonpath={.spec.holderIdentity}")
        self.assertEqual({holder}, instances)

        # The leader goes away: the other takes over and acts on what is new.
        leader, follower = (a, b) if holder == "renewer-a" else (b, a)
        leader.stop()
        self.kube.apply(cert_object("late"))
        self.state.set([overdue(n) for n in names] + [overdue("late")])
        tl.wait_for(lambda: any(w["path"].endswith("/late/status") for w in self.writes()), 30,
                    what="the standby to act")
        self.assertEqual(len(self.writes()), 6)

    def test_ingress_shim_fallback_patches_the_ingress_not_the_certificate(self):
        ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
               "metadata": {"name": "web-ing", "namespace": NS,
                            "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-prod"}},
               "spec": {"tls": [{"hosts": ["web.example.test"], "secretName": "web-tls"}]}}
        self.kube.apply(cert_object("web"), cert_object("plain"), ing)
        self.state.set(
            [overdue("web", acme_rate_limited=True, failure="rate_limited", owner_ingress="web-ing"),
             overdue("plain", acme_rate_limited=True, failure="rate_limited")],
            ingresses={f"{NS}/web-ing": {"ns": NS, "name": "web-ing",
                                         "cluster_issuer_annotation": "letsencrypt-prod"}})
        extra = """  fallback_issuers:
    - from: {name: letsencrypt-prod, kind: ClusterIssuer}
      to: {name: zerossl-prod, kind: ClusterIssuer}
"""
        self.start(extra=extra)
        self.wait_writes(2)
        self.wait_reads(2)
        writes = sorted(self.writes(), key=lambda w: w["path"])
        self.assertEqual(len(writes), 2, writes)
        cert_w, ing_w = writes
        self.assertEqual(ing_w["method"], "PATCH")
        self.assertEqual(ing_w["path"], f"/apis/networking.k8s.io/v1/namespaces/{NS}/ingresses/web-ing")
        self.assertEqual(ing_w["content_type"], "application/merge-patch+json")
        at = ing_w["body"]["metadata"]["annotations"]["certwatch.io/fallback-at"]
        self.assertRegex(at, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(ing_w["body"], {"metadata": {"annotations": {
            "certwatch.io/fallback-from": "ClusterIssuer.cert-manager.io/letsencrypt-prod",
            "certwatch.io/fallback-at": at,
            "cert-manager.io/cluster-issuer": "zerossl-prod",
            "cert-manager.io/issuer": None,
            "cert-manager.io/issuer-kind": None,
            "cert-manager.io/issuer-group": None}}})
        # The ingress-shim certificate itself is never written; the plain one is patched.
        self.assertEqual(cert_w["method"], "PATCH")
        self.assertEqual(cert_w["path"], f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/plain")
        self.assertEqual(cert_w["content_type"], "application/merge-patch+json")
        self.assertEqual(cert_w["body"], {
            "metadata": {"annotations": {
                "certwatch.io/fallback-from": "ClusterIssuer.cert-manager.io/letsencrypt-prod",
                "certwatch.io/fallback-at": cert_w["body"]["metadata"]["annotations"]["certwatch.io/fallback-at"]}},
            "spec": {"issuerRef": {"name": "zerossl-prod", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}}})
        self.assertFalse(any("/certificates/web" in w["path"] for w in self.writes()))
        got = self.kubectl("get", "ingress", "web-ing", "-n", NS, "-o",
                           r"jsonpath={.metadata.annotations.cert-manager\.io/cluster-issuer}")
        self.assertEqual(got, "zerossl-prod")
        reasons = sorted(e["reason"] for e in self.events())
        self.assertEqual(reasons, ["SwitchIngressIssuer", "SwitchIssuer"])

    def test_switch_back_after_the_rate_limit_window(self):
        t = now()
        notes = lambda ago: {"certwatch.io/fallback-from": "ClusterIssuer.cert-manager.io/letsencrypt-prod",
                             "certwatch.io/fallback-at": tl.rfc3339(t - ago)}
        objs = []
        for name, ago in (("web", 7200), ("recent", 600)):
            o = cert_object(name, issuer="zerossl-prod")
            o["metadata"]["annotations"] = notes(ago)
            objs.append(o)
        self.kube.apply(*objs)
        zerossl = {"name": "zerossl-prod", "kind": "ClusterIssuer", "group": "cert-manager.io"}
        self.state.set([cert_state("web", issuer=zerossl, certwatch_annotations=notes(7200)),
                        cert_state("recent", issuer=zerossl, certwatch_annotations=notes(600))])
        self.start(extra="""  switch_back: true
  switch_back_after: 1h
  fallback_issuers:
    - from: {name: letsencrypt-prod, kind: ClusterIssuer}
      to: {name: zerossl-prod, kind: ClusterIssuer}
""")
        self.wait_writes(1)
        self.wait_reads(3)
        writes = self.writes()
        self.assertEqual(len(writes), 1, writes)
        w = writes[0]
        self.assertEqual((w["method"], w["path"], w["content_type"]),
                         ("PATCH", f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/web",
                          "application/merge-patch+json"))
        self.assertEqual(w["body"], {
            "metadata": {"annotations": {"certwatch.io/fallback-from": None,
                                         "certwatch.io/fallback-at": None}},
            "spec": {"issuerRef": {"name": "letsencrypt-prod", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}}})
        got = self.kubectl("get", "certificate", "web", "-n", NS, "-o",
                           "jsonpath={.spec.issuerRef.name}|{.metadata.annotations}")
        self.assertTrue(got.startswith("letsencrypt-prod|"), got)
        self.assertNotIn("fallback", got)
        self.assertEqual([e["reason"] for e in self.events()], ["SwitchIssuerBack"])

    def test_stuck_challenge_failed_request_and_opt_in_secret(self):
        t = now()
        objs = [cert_object("web"), cert_object("bad"), cert_object("broken")]
        objs.append({"apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
                     "metadata": {"name": "web-2-1-0", "namespace": NS},
                     "spec": {"type": "DNS-01", "dnsName": "web.example.test"}})
        objs.append({"apiVersion": "acme.cert-manager.io/v1", "kind": "Challenge",
                     "metadata": {"name": "web-2-1-1", "namespace": NS},
                     "spec": {"type": "DNS-01", "dnsName": "www.example.test"}})
        objs.append({"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
                     "metadata": {"name": "bad-2", "namespace": NS}, "spec": {}})
        objs.append({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                     "metadata": {"name": "broken-tls", "namespace": NS}, "data": {}})
        self.kube.apply(*objs)
        not_ready = {"status": "False", "reason": "Failed", "message": "", "last_transition": t - 7200,
                     "observed_generation": 1}
        cond = lambda s, r: {"status": s, "reason": r, "message": "", "last_transition": t - 7200,
                             "observed_generation": 0}
        self.state.set(
            [cert_state("web", issuing=cond("True", "")),  # issuing: no re-trigger
             cert_state("bad", ready=not_ready, issuing=cond("False", "Failed")),
             cert_state("broken", ready=not_ready, issuing=cond("False", "Failed"))],
            requests={f"{NS}/web-2": {"ns": NS, "name": "web-2", "certificate": "web", "revision": 2,
                                      "ready": cond("False", "Pending")},
                      f"{NS}/bad-2": {"ns": NS, "name": "bad-2", "certificate": "bad", "revision": 2,
                                      "ready": cond("False", "Failed")},
                      f"{NS}/bad-1": {"ns": NS, "name": "bad-1", "certificate": "bad", "revision": 1,
                                      "ready": cond("False", "Failed")}},
            orders={f"{NS}/web-2-1": {"ns": NS, "name": "web-2-1", "request": "web-2",
                                      "state": "pending"}},
            challenges={
                f"{NS}/web-2-1-0": {"ns": NS, "name": "web-2-1-0", "order": "web-2-1", "type": "DNS-01",
                                    "dns_name": "web.example.test", "presented": True,
                                    "state": "invalid", "created": t - 7200},
                f"{NS}/web-2-1-1": {"ns": NS, "name": "web-2-1-1", "order": "web-2-1", "type": "DNS-01",
                                    "dns_name": "www.example.test", "presented": True,
                                    "state": "pending", "created": t - 7200}},
            dns_challenges={  # the pending one is still missing on one resolver
                f"{NS}/web-2-1-1|8.8.8.8:53": {"propagated": True},
                f"{NS}/web-2-1-1|1.1.1.1:53": {"propagated": False}},
            secrets={f"{NS}/broken-tls": {"ns": NS, "name": "broken-tls",
                                          "error": "tls.crt: no PEM block"}})
        self.start(extra="  delete_invalid_secrets: true\n")
        self.wait_writes(3)
        self.wait_reads(4)
        self.assertTrue(all(w["body"] is None for w in self.writes()))  # plain DELETEs
        got = sorted((w["method"], w["path"]) for w in self.writes())
        self.assertEqual(got, sorted([
            ("DELETE", f"/apis/acme.cert-manager.io/v1/namespaces/{NS}/challenges/web-2-1-0"),
            ("DELETE", f"/apis/cert-manager.io/v1/namespaces/{NS}/certificaterequests/bad-2"),
            ("DELETE", f"/api/v1/namespaces/{NS}/secrets/broken-tls"),
        ]))
        reasons = sorted(e["reason"] for e in self.events())
        self.assertEqual(reasons, ["DeleteCertificateRequest", "DeleteChallenge", "DeleteSecret"])
        names = {o["metadata"]["name"] for o in self.kube.objects()}
        self.assertNotIn("web-2-1-0", names)
        self.assertIn("web-2-1-1", names)  # still propagating: kept


if __name__ == "__main__":
    unittest.main()
