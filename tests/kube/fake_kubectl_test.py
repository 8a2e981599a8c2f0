"""Proves the fake Kubernetes API server (tests/fakes/kube_api.py) speaks the real protocol:
the real `kubectl` lists, reads, watches, patches the status subresource and deletes
cert-manager objects through it, over TLS with a bearer token."""

import json
import os
import subprocess
import time
import unittest
import urllib.request

import certwatch_testlib as tl


def certificate(name, ns="default", ready="True"):
    return {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {"secretName": f"{name}-tls", "dnsNames": [f"{name}.example.test"],
                 "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer",
                               "group": "cert-manager.io"}},
        "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "Ready",
                                   "message": "Certificate is up to date and has not expired",
                                   "lastTransitionTime": "2026-11-01T00:00:00Z"}],
                   "notAfter": "2027-01-30T00:00:00Z"},
    }


class FakeKubectlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tl.tempdir()
        cls.dir = cls._tmp.__enter__()
        cls.kube = tl.FakeKube(cls.dir, tls=True, token="s3cret")
        cls.kube.apply(*(certificate(f"web-{i}") for i in range(5)),
                       certificate("api", ns="prod", ready="False"))

    @classmethod
    def tearDownClass(cls):
        cls.kube.stop()
        cls._tmp.__exit__(None, None, None)

    def kubectl(self, *args, check=True, timeout=60):
        r = subprocess.run(["kubectl", "--kubeconfig", self.kube.kubeconfig, *args],
                           capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            self.fail(f"kubectl {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r

    def test_get_names_and_namespaces(self):
        out = self.kubectl("get", "certificates", "-o", "name").stdout.split()
        self.assertEqual(out, [f"certificate.cert-manager.io/web-{i}" for i in range(5)])
        out = self.kubectl("get", "certificates.cert-manager.io", "-A", "--no-headers").stdout
        self.assertIn("prod", out)
        self.assertIn("api", out)
        self.assertEqual(len(out.strip().splitlines()), 6)
        # short name from discovery
        out = self.kubectl("get", "cert", "-n", "prod", "-o", "name").stdout.split()
        self.assertEqual(out, ["certificate.cert-manager.io/api"])

    def test_get_json_and_pagination(self):
        doc = json.loads(self.kubectl("get", "certificates", "-o", "json", "--chunk-size=2").stdout)
        self.assertEqual([i["metadata"]["name"] for i in doc["items"]],
                         [f"web-{i}" for i in range(5)])
        self.assertEqual(doc["items"][0]["status"]["notAfter"], "2027-01-30T00:00:00Z")
        one = json.loads(self.kubectl("get", "certificate", "web-1", "-o", "json").stdout)
        self.assertEqual(one["spec"]["secretName"], "web-1-tls")
        r = self.kubectl("get", "certificate", "nope", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('"nope" not found', r.stderr)

    def test_label_selector(self):
        out = self.kubectl("get", "certificates", "-l", "app=web-3", "-o", "name").stdout.split()
        self.assertEqual(out, ["certificate.cert-manager.io/web-3"])

    def test_wrong_token_is_rejected(self):
        bad = self.kube.write_kubeconfig(os.path.join(self.dir, "bad.kubeconfig"), token="wrong")
        r = subprocess.run(["kubectl", "--kubeconfig", bad, "get", "certificates"],
                           capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Unauthorized", r.stderr + r.stdout)

    def test_patch_status_subresource(self):
        patch = json.dumps({"status": {"conditions": [{"type": "Ready", "status": "False",
                                                       "reason": "Failed", "message": "m"}]}})
        self.kubectl("patch", "certificate", "web-2", "--subresource=status", "--type=merge",
                     "-p", patch)
        got = json.loads(self.kubectl("get", "certificate", "web-2", "-o", "json").stdout)
        self.assertEqual(got["status"]["conditions"][0]["status"], "False")
        self.assertNotIn("notAfter", json.dumps(got["status"]["conditions"]))
        # Through the main resource, status does not change but spec does.
        self.kubectl("patch", "certificate", "web-2", "--type=merge", "-p",
                     json.dumps({"spec": {"secretName": "other"},
                                 "status": {"notAfter": "2000-01-01T00:00:00Z"}}))
        got = json.loads(self.kubectl("get", "certificate", "web-2", "-o", "json").stdout)
        self.assertEqual(got["spec"]["secretName"], "other")
        self.assertEqual(got["status"]["notAfter"], "2027-01-30T00:00:00Z")
        self.assertEqual(got["metadata"]["generation"], 2)
        # JSON patch on the status subresource.
        self.kubectl("patch", "certificate", "web-2", "--subresource=status", "--type=json", "-p",
                     json.dumps([{"op": "replace", "path": "/status/notAfter",
                                  "value": "2028-01-01T00:00:00Z"}]))
        got = json.loads(self.kubectl("get", "certificate", "web-2", "-o", "json").stdout)
        self.assertEqual(got["status"]["notAfter"], "2028-01-01T00:00:00Z")
        # Every mutating request was recorded.
        reqs = [r for r in self.kube.requests() if r["path"].endswith("/web-2/status")]
        self.assertEqual(len(reqs), 2)
        self.assertEqual(reqs[0]["method"], "PATCH")
        self.assertEqual(reqs[0]["content_type"], "application/merge-patch+json")
        self.assertEqual(reqs[1]["content_type"], "application/json-patch+json")

    def test_watch_sees_changes(self):
        self.kube.apply(certificate("watched", ns="watch"))
        w = subprocess.Popen(["kubectl", "--kubeconfig", self.kube.kubeconfig, "get",
                              "certificates", "-n", "watch", "--watch", "-o", "name",
                              "--request-timeout=6s"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(1.5)
            self.kube.apply(certificate("added-later", ns="watch"))
            changed = certificate("watched", ns="watch", ready="False")
            self.kube.apply(changed)
            out, err = w.communicate(timeout=30)
        finally:
            if w.poll() is None:
                w.kill()
                w.wait(timeout=10)
        lines = out.split()
        self.assertEqual(lines[0], "certificate.cert-manager.io/watched", err)
        self.assertIn("certificate.cert-manager.io/added-later", lines[1:])
        self.assertGreaterEqual(lines.count("certificate.cert-manager.io/watched"), 2, out)

    def test_streaming_list_through_kubectl_raw(self):
        # WatchList: a watch with sendInitialEvents=true sends every current object as ADDED,
        # then a BOOKMARK annotated k8s.io/initial-events-end, then changes; kubectl reads the
        # stream until the server's timeoutSeconds ends it.
        for i in range(3):
            self.kube.apply(certificate(f"s-{i}", ns="stream"))
        before = self.kube.stats()["watch_lists"]
        path = ("/apis/cert-manager.io/v1/namespaces/stream/certificates?watch=1"
                "&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                "&allowWatchBookmarks=true&timeoutSeconds=2")
        out = self.kubectl("get", "--raw", path, timeout=30).stdout
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertEqual([e["type"] for e in events[:4]], ["ADDED"] * 3 + ["BOOKMARK"], out)
        self.assertEqual(sorted(e["object"]["metadata"]["name"] for e in events[:3]),
                         ["s-0", "s-1", "s-2"])
        end = events[3]["object"]["metadata"]
        self.assertEqual(end["annotations"], {"k8s.io/initial-events-end": "true"})
        self.assertTrue(int(end["resourceVersion"]) > 0)
        self.assertEqual(self.kube.stats()["watch_lists"], before + 1)

        # kube-apiserver's validation of the parameters, as kubectl reports it.
        r = self.kubectl("get", "--raw", path.replace("&allowWatchBookmarks=true", ""),
                         check=False, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("sendInitialEvents requires setting allowWatchBookmarks to true", r.stderr)

        # A server without the WatchList feature: 422 Invalid, which is what tells a client
        # to fall back to a paginated list; the same list works through kubectl.
        self.kube.control("POST", "watch-list", {"enabled": False})
        try:
            r = self.kubectl("get", "--raw", path, check=False, timeout=30)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("sendInitialEvents is forbidden", r.stderr)
            out = self.kubectl("get", "certificates", "-n", "stream", "-o", "name").stdout
            self.assertEqual(len(out.split()), 3)
        finally:
            self.kube.control("POST", "watch-list", {"enabled": True})

    def test_delete(self):
        self.kube.apply(certificate("doomed", ns="del"))
        r = self.kubectl("delete", "certificate", "doomed", "-n", "del", "--timeout=20s")
        self.assertIn("deleted", r.stdout)
        r = self.kubectl("get", "certificate", "doomed", "-n", "del", check=False)
        self.assertIn("not found", r.stderr)

    def test_watch_resource_version_expiry_is_410(self):
        # A raw watch from a resourceVersion older than the compaction point gets ERROR 410.
        auth = {"Authorization": "Bearer s3cret"}
        req = urllib.request.Request(f"{self.kube.url}/apis/cert-manager.io/v1/certificates",
                                     headers=auth)
        with urllib.request.urlopen(req, timeout=10, context=self.kube._ctx) as resp:
            rv = json.loads(resp.read())["metadata"]["resourceVersion"]
        self.assertTrue(rv)
        self.kube.expire()
        req = urllib.request.Request(
            f"{self.kube.url}/apis/cert-manager.io/v1/certificates?watch=1&resourceVersion={rv}",
            headers=auth)
        with urllib.request.urlopen(req, timeout=10, context=self.kube._ctx) as resp:
            ev = json.loads(resp.readline())
        self.assertEqual(ev["type"], "ERROR")
        self.assertEqual(ev["object"]["code"], 410)

    def test_missing_group_and_faults(self):
        self.kube.missing_groups("cert-manager.io")
        try:
            r = self.kubectl("get", "certificates.cert-manager.io", check=False)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("the server doesn't have a resource type", r.stderr)
        finally:
            self.kube.missing_groups()
        self.kube.fault(count=1, status=500, path_contains="/prod/certificates", method="GET",
                        message="etcd is sad")
        r = self.kubectl("get", "certificates", "-n", "prod", "-o", "name", check=False)
        # kubectl does not retry a 500 on list.
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("etcd is sad", r.stderr)
        r = self.kubectl("get", "certificates", "-n", "prod", "-o", "name")
        self.assertEqual(r.stdout.split(), ["certificate.cert-manager.io/api"])

    def test_kinds_outside_cert_manager(self):
        """The kinds of kubernetes.configmaps/bundles/ca_bundles/csrs/kubelets, created, read,
        listed and patched through kubectl."""
        ca = "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0tCg=="
        objs = [
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "ca-bundle", "namespace": "default",
                          "labels": {"trust.cert-manager.io/bundle": "corp"}},
             "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\n"}},
            {"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": "hook", "namespace": "default"},
             "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 8443}]}},
            {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": {"name": "hook-abcde", "namespace": "default",
                          "labels": {"kubernetes.io/service-name": "hook"}},
             "addressType": "IPv4",
             "endpoints": [{"addresses": ["127.0.0.9"], "conditions": {"ready": True}}],
             "ports": [{"name": "https", "port": 8443, "protocol": "TCP"}]},
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"},
             "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.10"}]}},
            {"apiVersion": "admissionregistration.k8s.io/v1",
             "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "hook"},
             "webhooks": [{"name": "v.hook.example.test", "sideEffects": "None",
                           "admissionReviewVersions": ["v1"],
                           "clientConfig": {"caBundle": ca, "service": {
                               "namespace": "default", "name": "hook", "port": 443}}}]},
            {"apiVersion": "admissionregistration.k8s.io/v1",
             "kind": "MutatingWebhookConfiguration", "metadata": {"name": "hook"},
             "webhooks": [{"name": "m.hook.example.test", "sideEffects": "None",
                           "admissionReviewVersions": ["v1"],
                           "clientConfig": {"url": "https://127.0.0.9:8443/mutate"}}]},
            {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
             "metadata": {"name": "v1beta1.metrics.k8s.io"},
             "spec": {"group": "metrics.k8s.io", "version": "v1beta1", "caBundle": ca,
                      "service": {"namespace": "default", "name": "hook", "port": 443},
                      "groupPriorityMinimum": 100, "versionPriority": 100}},
            {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
             "metadata": {"name": "widgets.example.test"},
             "spec": {"group": "example.test", "names": {"plural": "widgets", "kind": "Widget"},
                      "scope": "Namespaced",
                      "conversion": {"strategy": "Webhook", "webhook": {
                          "conversionReviewVersions": ["v1"],
                          "clientConfig": {"caBundle": ca, "service": {
                              "namespace": "default", "name": "hook", "path": "/convert"}}}}}},
            {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
             "metadata": {"name": "csr-node-a"},
             "spec": {"signerName": "kubernetes.io/kubelet-serving", "request": ca,
                      "usages": ["server auth"]}},
            {"apiVersion": "trust.cert-manager.io/v1alpha1", "kind": "Bundle",
             "metadata": {"name": "corp"},
             "spec": {"sources": [{"useDefaultCAs": True}],
                      "target": {"configMap": {"key": "ca.crt"}}}},
        ]
        r = subprocess.run(["kubectl", "--kubeconfig", self.kube.kubeconfig, "create", "--validate=false",
                            "-f", "-"],
                           input=json.dumps({"apiVersion": "v1", "kind": "List", "items": objs}),
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        for resource, want in [
                ("configmaps", "configmap/ca-bundle"), ("svc", "service/hook"),
                ("endpointslices", "endpointslice.discovery.k8s.io/hook-abcde"),
                ("nodes", "node/node-a"),
                ("validatingwebhookconfigurations",
                 "validatingwebhookconfiguration.admissionregistration.k8s.io/hook"),
                ("mutatingwebhookconfigurations",
                 "mutatingwebhookconfiguration.admissionregistration.k8s.io/hook"),
                ("apiservices", "apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io"),
                ("crd", "customresourcedefinition.apiextensions.k8s.io/widgets.example.test"),
                ("csr", "certificatesigningrequest.certificates.k8s.io/csr-node-a"),
                ("bundles.trust.cert-manager.io", "bundle.trust.cert-manager.io/corp")]:
            out = self.kubectl("get", resource, "-o", "name").stdout.split()
            self.assertIn(want, out, resource)
        out = self.kubectl("get", "configmaps", "-l", "trust.cert-manager.io/bundle=corp",
                           "-o", "name").stdout.split()
        self.assertEqual(out, ["configmap/ca-bundle"])
        # A caBundle patched as cainjector does, seen by the next read.
        self.kubectl("patch", "validatingwebhookconfiguration", "hook", "--type=json", "-p",
                     json.dumps([{"op": "replace", "path": "/webhooks/0/clientConfig/caBundle",
                                  "value": "Zm9v"}]))
        got = json.loads(self.kubectl("get", "validatingwebhookconfiguration", "hook",
                                      "-o", "json").stdout)
        self.assertEqual(got["webhooks"][0]["clientConfig"]["caBundle"], "Zm9v")
        # CSR conditions live in the status subresource.
        self.kubectl("patch", "csr", "csr-node-a", "--subresource=status", "--type=merge", "-p",
                     json.dumps({"status": {"conditions": [
                         {"type": "Approved", "status": "True", "reason": "AutoApproved"}]}}))
        got = json.loads(self.kubectl("get", "csr", "csr-node-a", "-o", "json").stdout)
        self.assertEqual(got["status"]["conditions"][0]["type"], "Approved")
        # A cluster without trust-manager: the group is absent.
        self.kube.missing_groups("trust.cert-manager.io")
        try:
            r = self.kubectl("get", "bundles.trust.cert-manager.io", check=False)
            self.assertNotEqual(r.returncode, 0)
        finally:
            self.kube.missing_groups()
        self.kube.delete(*objs)


if __name__ == "__main__":
    unittest.main()
