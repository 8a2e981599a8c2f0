"""kubernetes.csrs through the binary: `certwatch serve` watches CertificateSigningRequests of
the fake API server and exports each one's state (one series per state, the current one 1)
and creation time; a state change is seen without a restart, a deleted CSR's series go, and
signer_names narrows what is watched (server-side for one signer, here for several)."""

import os
import time
import unittest

import certwatch_testlib as tl

KUBELET_SERVING = "kubernetes.io/kubelet-serving"
KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client"
STATES = ("Pending", "Approved", "Denied", "Failed", "Issued")



def csr(name, signer, created, conditions=(), certificate=None):
    obj = {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
           "metadata": {"name": name, "creationTimestamp": tl.rfc3339(created)},
           "spec": {"signerName": signer, "request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
                    "usages": ["digital signature", "server auth"]},
           "status": {"conditions": [{"type": t, "status": "True", "reason": "ByTest",
                                      "message": "set by the test"} for t in conditions]}}
    if certificate:
        obj["status"]["certificate"] = certificate
    return obj


class CsrsTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tl.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.now = int(time.time()) - 3600
        self.kube = tl.FakeKube(self.dir)
        self.addCleanup(self.kube.stop)
        self.kube.apply(
            csr("pending", KUBELET_SERVING, self.now),
            csr("approved", KUBELET_SERVING, self.now + 1, ["Approved"]),
            csr("issued", KUBELET_SERVING, self.now + 2, ["Approved"], certificate="LS0tLS1C"),
            csr("denied", KUBE_APISERVER_CLIENT, self.now + 3, ["Denied"]),
            csr("failed", "example.com/custom", self.now + 4, ["Approved", "Failed"]))

    def serve(self, csrs_config):
        serve = tl.CertwatchServe(self.dir, f"""kubernetes:
  enabled: true
  kubeconfig: "{self.kube.kubeconfig}"
  ingresses: false
  csrs: {csrs_config}
""")
        self.addCleanup(serve.stop)
        return serve

    def states(self, serve, name):
        m = serve.metrics()
        return {s: tl.metric(m, "certwatch_csr_condition", name=name, condition=s) for s in STATES}

    def wait_state(self, serve, name, want):
        def current():
            got = self.states(serve, name)
            on = [s for s, v in got.items() if v == 1]
            return got if on == [want] and all(v == 0 for s, v in got.items() if s != want) else None
        try:
            tl.wait_for(current, timeout=30, interval=0.2, what=f"{name} {want}")
        except TimeoutError:
            self.fail(f"{name}: {self.states(serve, name)}, want {want}\n{serve.proc.output()[-2000:]}")

    def test_each_state_its_creation_time_and_changes_without_restart(self):
        serve = self.serve("true")
        for name, state in (("pending", "Pending"), ("approved", "Approved"),
                            ("issued", "Issued"), ("denied", "Denied"), ("failed", "Failed")):
            self.wait_state(serve, name, state)
        m = serve.metrics()
        self.assertEqual(tl.metric(m, "certwatch_csr_created_timestamp_seconds", name="pending",
                                   signer_name=KUBELET_SERVING), self.now)
        self.assertEqual(tl.metric(m, "certwatch_csr_created_timestamp_seconds", name="failed",
                                   signer_name="example.com/custom"), self.now + 4)
        tl.wait_for(lambda: tl.metric(serve.metrics(), "certwatch_source_up",
                                      source="kubernetes") == 1, timeout=30, interval=0.2,
                    what="kubernetes source up")

        # Approved, then issued, through the status subresource as the approver and signer do.
        tl.run(["kubectl", "--kubeconfig", self.kube.kubeconfig, "patch", "csr", "pending",
                "--subresource=status", "--type=merge", "-p",
                '{"status": {"conditions": [{"type": "Approved", "status": "True", '
                '"reason": "KubectlApprove", "message": "ok"}]}}'])
        self.wait_state(serve, "pending", "Approved")
        tl.run(["kubectl", "--kubeconfig", self.kube.kubeconfig, "patch", "csr", "pending",
                "--subresource=status", "--type=merge", "-p",
                '{"status": {"certificate": "LS0tLS1CRUdJTg=="}}'])
        self.wait_state(serve, "pending", "Issued")

        self.kube.delete(csr("denied", KUBE_APISERVER_CLIENT, self.now))
        tl.wait_for(lambda: self.states(serve, "denied")["Denied"] is None, timeout=30,
                    interval=0.2, what="the deleted CSR's series gone")
        self.assertIsNone(tl.metric(serve.metrics(), "certwatch_csr_created_timestamp_seconds",
                                 name="denied"))

    def test_one_signer_through_a_field_selector(self):
        serve = self.serve(f"{{enabled: true, signer_names: [{KUBELET_SERVING}]}}")
        self.wait_state(serve, "issued", "Issued")
        m = serve.metrics()
        for name in ("denied", "failed"):
            self.assertIsNone(tl.metric(m, "certwatch_csr_created_timestamp_seconds", name=name))

    def test_several_signers_are_filtered_by_certwatch(self):
        serve = self.serve(f"{{enabled: true, signer_names: [{KUBELET_SERVING}, "
                           f"{KUBE_APISERVER_CLIENT}]}}")
        self.wait_state(serve, "denied", "Denied")
        self.wait_state(serve, "pending", "Pending")
        self.assertIsNone(tl.metric(serve.metrics(), "certwatch_csr_created_timestamp_seconds",
                                    name="failed"))

    def test_off_by_default(self):
        serve = tl.CertwatchServe(self.dir, f"""kubernetes:
  enabled: true
  kubeconfig: "{self.kube.kubeconfig}"
  ingresses: false
""", name="serve-default")
        self.addCleanup(serve.stop)
        tl.wait_for(lambda: tl.metric(serve.metrics(), "certwatch_source_up",
                                      source="kubernetes") == 1, timeout=30, interval=0.2,
                    what="kubernetes source up")
        m = serve.metrics()
        self.assertFalse(any(n.startswith("certwatch_csr_") for n, _ in m), "no CSR series")


if __name__ == "__main__":
    unittest.main()
