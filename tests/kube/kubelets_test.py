"""kubernetes.kubelets through the binary: `certwatch serve` watches the fake API server's Nodes
and probes each InternalIP on kubernetes.kubelets.port, where an `openssl s_server` stands in
for the kubelet with a serving certificate made in the test. The results go in certwatch_tls_*
with target="<ip>:<port>", and certwatch_tls_info names the node (source="node:<name>"). The
CA is kubelets.ca_file, or else the one the kubeconfig trusts; label_selector narrows the Nodes;
a Node's new address is probed without a restart; off by default."""

import os
import unittest

import certwatch_testlib as tl


def node(name, ip, labels=None):
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels or {}},
            "status": {"addresses": [{"type": "Hostname", "address": name},
                                     {"type": "InternalIP", "address": ip}]}}


class KubeletsTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tl.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.port = tl.free_port("127.0.0.2")
        self.servers = {}

    def kubelet(self, ca, ip):
        """A kubelet's serving endpoint on ip:self.port, its certificate from `ca` with the IP
        SAN the kubelet-serving signer puts in."""
        cert, key = ca.issue(f"system:node:{ip}", sans=[ip], name=f"kubelet-{ip}")
        proc = tl.Proc(["openssl", "s_server", "-accept", f"{ip}:{self.port}", "-cert", cert,
                        "-key", key, "-www", "-quiet", "-naccept", "1000000"], self.dir,
                       name=f"kubelet-{ip}")
        self.addCleanup(proc.stop)
        tl.wait_port(ip, self.port)
        return cert

    def serve(self, kube, kubelets):
        serve = tl.CertwatchServe(self.dir, f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  ingresses: false
  ca_bundles: false
  kubelets: {kubelets}
tls_probes:
  interval: 1s
  timeout: 1s
""")
        self.addCleanup(serve.stop)
        return serve

    def wait_verified(self, serve, target):
        def probed():
            m = serve.metrics()
            return m if tl.metric(m, "certwatch_tls_cert_verified", target=target) == 1 else None
        try:
            return tl.wait_for(probed, timeout=30, interval=0.3, what=f"{target} verified")
        except TimeoutError:
            m = serve.metrics()
            self.fail(f"{[(k, v) for k, v in m.items() if k[0].startswith('certwatch_tls')]}"
                      f"\n{serve.proc.output()[-3000:]}")

    def test_nodes_probed_with_the_configured_ca_and_label_selector(self):
        ca = tl.CA(self.dir, "Kubelet CA")
        cert = self.kubelet(ca, "127.0.0.2")
        self.kubelet(ca, "127.0.0.4")
        kube = tl.FakeKube(self.dir)
        self.addCleanup(kube.stop)
        kube.apply(node("worker-1", "127.0.0.2", {"node-role.kubernetes.io/worker": ""}),
                   node("control-1", "127.0.0.4", {"node-role.kubernetes.io/control-plane": ""}))
        serve = self.serve(kube, f'{{enabled: true, port: {self.port}, ca_file: "{ca.cert}", '
                                 f'label_selector: "node-role.kubernetes.io/worker"}}')
        target = f"127.0.0.2:{self.port}"
        m = self.wait_verified(serve, target)
        self.assertEqual(tl.metric(m, "certwatch_tls_cert_not_after_timestamp_seconds",
                                   target=target), tl.cert_not_after(cert))
        info = [dict(ls) for (n, ls), v in m.items() if n == "certwatch_tls_info"]
        self.assertEqual([(i["target"], i["source"]) for i in info],
                         [(target, "node:worker-1")])
        # The control-plane Node is not selected: its kubelet is not probed.
        self.assertIsNone(tl.metric(m, "certwatch_tls_probe_success",
                                    target=f"127.0.0.4:{self.port}"))

        # The Node's address changes (a new IP after a reboot): the new one is probed and the
        # old target's series go, without a restart.
        self.kubelet(ca, "127.0.0.5")
        kube.apply(node("worker-1", "127.0.0.5", {"node-role.kubernetes.io/worker": ""}))
        self.wait_verified(serve, f"127.0.0.5:{self.port}")
        tl.wait_for(lambda: tl.metric(serve.metrics(), "certwatch_tls_probe_success",
                                      target=target) is None, timeout=30, interval=0.3,
                    what="the old address's series gone")

    def test_the_api_servers_ca_by_default_and_a_foreign_ca_fails(self):
        kube = tl.FakeKube(self.dir, tls=True)
        self.addCleanup(kube.stop)
        self.kubelet(kube.ca, "127.0.0.2")
        other = tl.CA(os.path.join(self.dir, "other"), "Other CA")
        self.kubelet(other, "127.0.0.4")
        kube.apply(node("worker-1", "127.0.0.2"), node("worker-2", "127.0.0.4"))
        serve = self.serve(kube, f"{{enabled: true, port: {self.port}}}")
        m = self.wait_verified(serve, f"127.0.0.2:{self.port}")
        bad = f"127.0.0.4:{self.port}"
        tl.wait_for(lambda: tl.metric(serve.metrics(), "certwatch_tls_verify_result",
                                      target=bad, reason="unknown_authority") == 1,
                    timeout=30, interval=0.3, what="the foreign CA's kubelet refused")
        self.assertEqual(tl.metric(serve.metrics(), "certwatch_tls_cert_verified",
                                   target=bad), 0)

    def test_off_by_default(self):
        kube = tl.FakeKube(self.dir)
        self.addCleanup(kube.stop)
        kube.apply(node("worker-1", "127.0.0.2"))
        serve = tl.CertwatchServe(self.dir, f"""kubernetes:
  enabled: true
  kubeconfig: "{kube.kubeconfig}"
  ingresses: false
  ca_bundles: false
""", name="serve-default")
        self.addCleanup(serve.stop)
        tl.wait_for(lambda: tl.metric(serve.metrics(), "certwatch_source_up",
                                      source="kubernetes") == 1, timeout=30, interval=0.3,
                    what="kubernetes source up")
        m = serve.metrics()
        self.assertFalse([k for k in m if k[0].startswith("certwatch_tls_")])


if __name__ == "__main__":
    unittest.main()
