"""End to end: `certwatch serve` watches the fake Kubernetes API and serves /api/v1/state;
`certwatch renew` reads that state and re-triggers the overdue Certificate exactly as
`cmctl renew` would, and kubectl reads the condition back. Nothing else is written."""

import os
import time
import unittest

import certwatch_testlib as tl

NS = "shop"


def certificate(name, renewal_ago):
    now = int(time.time())
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"secretName": f"{name}-tls", "dnsNames": [f"{name}.example.test"],
                     "issuerRef": {"name": "ca", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready",
                                       "message": "Certificate is up to date and has not expired",
                                       "lastTransitionTime": tl.rfc3339(now - 40 * 86400)}],
                       "notBefore": tl.rfc3339(now - 60 * 86400),
                       "notAfter": tl.rfc3339(now + 20 * 86400),
                       "renewalTime": tl.rfc3339(now - renewal_ago),
                       "revision": 1}}


class RenewerWithServeTest(unittest.TestCase):
    def test_serve_state_drives_a_cmctl_identical_reissue(self):
        with tl.tempdir() as d, tl.FakeKube(d) as kube:
            kube.apply(certificate("overdue", 3 * 3600), certificate("fresh", -86400))
            serve = tl.CertwatchServe(d, f"""
kubernetes:
  enabled: true
  kubeconfig: {kube.kubeconfig}
  ingresses: false
dns_probes:
  acme_challenges: false
  caa: false
""")
            renew = None
            try:
                tl.wait_for(lambda: serve.get("/readyz")[0] == 200, 30, what="serve ready")
                port = tl.free_port()
                cfg = os.path.join(d, "renew.yaml")
                with open(cfg, "w") as f:
                    f.write(f"""renewer:
  enabled: true
  dry_run: false
  interval: 1s
  lease_namespace: certwatch
  lease_duration: 3s
  listen_address: "127.0.0.1:{port}"
""")
                renew = tl.Proc([tl.BIN, "renew", "--config", cfg, "--kubeconfig", kube.kubeconfig,
                                 "--state-url", serve.url("/api/v1/state")], d, name="renew")

                def writes():
                    return [r for r in kube.requests()
                            if "/leases" not in r["path"] and not r["path"].endswith("/events")]
                tl.wait_for(writes, 30, what="the renewer to write")
                # The exporter now sees Issuing=True; a few more cycles change nothing.
                tl.wait_for(lambda: b"ManuallyTriggered" in serve.get("/api/v1/state")[2], 20,
                            what="the exporter to see the Issuing condition")
                time.sleep(3)
                w = writes()
                self.assertEqual(len(w), 1, w)
                self.assertEqual(w[0]["method"], "PUT")
                self.assertEqual(w[0]["path"],
                                 f"/apis/cert-manager.io/v1/namespaces/{NS}/certificates/overdue/status")
                jp = ('{range .status.conditions[?(@.type=="Issuing")]}'
                      '{.status}|{.reason}|{.message}|{.observedGeneration}{end}')
                out = tl.run(["kubectl", "--kubeconfig", kube.kubeconfig, "get", "certificate",
                              "overdue", "-n", NS, "-o", f"jsonpath={jp}"]).stdout
                gen = tl.run(["kubectl", "--kubeconfig", kube.kubeconfig, "get", "certificate",
                              "overdue", "-n", NS, "-o", "jsonpath={.metadata.generation}"]).stdout
                self.assertEqual(
                    out, f"True|ManuallyTriggered|Certificate re-issuance manually triggered|{gen}")

                # The renewer's /metrics negotiates as the exporter's does.
                metrics_url = f"http://127.0.0.1:{port}/metrics"
                status, headers, plain = tl.http_get(metrics_url)
                self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
                lint = tl.run(["promtool", "check", "metrics"], input=plain.decode(), check=False)
                self.assertEqual((lint.returncode, (lint.stdout + lint.stderr).strip()), (0, ""))
                status, headers, om = tl.http_get(metrics_url,
                                                  headers={"Accept": tl.PROMETHEUS_ACCEPT})
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Type"], tl.OPENMETRICS_CONTENT_TYPE)
                families, samples = tl.parse_openmetrics(om.decode())
                self.assertEqual(families["certwatch_renewer_actions"], "counter")
                self.assertEqual(families["certwatch_renewer_leader"], "gauge")
                self.assertEqual(set(samples), set(tl.parse_metrics(plain.decode())))
                succeeded = sum(v for (name, labels), v in samples.items()
                                if name == "certwatch_renewer_actions_total"
                                and ("result", "success") in labels)
                self.assertEqual(succeeded, 1, samples)
            finally:
                if renew:
                    renew.stop()
                serve.stop()


if __name__ == "__main__":
    unittest.main()
