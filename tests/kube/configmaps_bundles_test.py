"""kubernetes.configmaps and kubernetes.bundles through the binary, against the fake API server
with certificates made in the test. ConfigMaps: one series per certificate of each PEM key
(two CAs of one subject give two series, told apart by serial), keys that are not PEM skipped,
a block that does not parse counted on its ConfigMap; namespaces and label_selector narrow
what is read. Bundles: each CA of the Bundle's target ConfigMaps (labelled
trust.cert-manager.io/bundle) once, and the Synced condition; a cluster without trust-manager
is not an error, and a Bundle API installed later is found without a restart."""

import os
import time
import unittest

import certwatch_testlib as tl




def configmap(ns, name, data, labels=None):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"namespace": ns, "name": name, "labels": labels or {}}, "data": data}


def bundle(name, key, synced=None):
    obj = {"apiVersion": "trust.cert-manager.io/v1alpha1", "kind": "Bundle",
           "metadata": {"name": name},
           "spec": {"sources": [{"useDefaultCAs": False}],
                    "target": {"configMap": {"key": key}}}}
    if synced is not None:
        obj["status"] = {"conditions": [{"type": "Synced", "status": synced,
                                         "reason": "Synced" if synced == "True" else "Failed",
                                         "message": "set by the test"}]}
    return obj


def read(path):
    with open(path) as f:
        return f.read()


class ConfigMapsBundlesTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tl.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        # A rotation bundle: the old and the new root share a subject.
        self.old = tl.CA(os.path.join(self.dir, "old"), "Corp Root CA")
        self.new = tl.CA(os.path.join(self.dir, "new"), "Corp Root CA")
        self.other = tl.CA(self.dir, "Partner CA")
        self.kube = tl.FakeKube(self.dir)
        self.addCleanup(self.kube.stop)

    def serve(self, kubernetes_extra):
        serve = tl.CertwatchServe(self.dir, f"""kubernetes:
  enabled: true
  kubeconfig: "{self.kube.kubeconfig}"
  ingresses: false
  ca_bundles: false
  resync: 2s
{kubernetes_extra}""")
        self.addCleanup(serve.stop)
        return serve

    def wait(self, serve, pred, what):
        try:
            return tl.wait_for(lambda: pred(serve.metrics()), timeout=30, interval=0.3,
                               what=what)
        except TimeoutError:
            self.fail(f"{what}\n{serve.proc.output()[-3000:]}")

    def test_configmaps_two_cas_of_one_subject_not_pem_and_bad_blocks(self):
        bad_block = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        self.kube.apply(
            configmap("prod", "ca-bundle",
                      {"ca.crt": read(self.old.cert) + read(self.new.cert),
                       "partner.pem": read(self.other.cert) + bad_block,
                       "settings.yaml": "retries: 3\n"},
                      {"certwatch.io/bundle": "true"}),
            configmap("prod", "unlabelled", {"ca.crt": read(self.other.cert)}),
            configmap("staging", "ca-bundle", {"ca.crt": read(self.other.cert)},
                      {"certwatch.io/bundle": "true"}))
        serve = self.serve("  configmaps: {enabled: true, namespaces: [prod], "
                           "label_selector: certwatch.io/bundle=true}\n  bundles: false\n")
        name = "certwatch_configmap_cert_not_after_timestamp_seconds"
        got = self.wait(serve, lambda m: tl.all_series(m, name, subject="CN=Corp Root CA") if len(
            tl.all_series(m, name, subject="CN=Corp Root CA")) == 2 else None, "two series")
        self.assertEqual(sorted(got.values()), sorted([tl.cert_not_after(self.old.cert),
                                                        tl.cert_not_after(self.new.cert)]))
        self.assertEqual(len({dict(ls)["serial"] for ls in got}), 2)
        self.assertEqual({(dict(ls)["namespace"], dict(ls)["configmap"], dict(ls)["key"])
                          for ls in got}, {("prod", "ca-bundle", "ca.crt")})
        m = serve.metrics()
        # The good block beside the bad one is exported; the bad one is counted.
        self.assertEqual(tl.metric(m, name, key="partner.pem"), tl.cert_not_after(self.other.cert))
        self.assertEqual(tl.metric(m, "certwatch_configmap_invalid_pem_blocks", namespace="prod",
                                configmap="ca-bundle"), 1)
        # Not PEM: skipped silently. Outside the selector or the namespaces: not read.
        self.assertIsNone(tl.metric(m, name, key="settings.yaml"))
        self.assertIsNone(tl.metric(m, name, configmap="unlabelled"))
        self.assertIsNone(tl.metric(m, name, namespace="staging"))
        self.wait(serve, lambda m: tl.metric(m, "certwatch_source_up", source="kubernetes") == 1
                  or None, "kubernetes source up")

        # The old root leaves the bundle: its series goes, without a restart.
        self.kube.apply(configmap("prod", "ca-bundle", {"ca.crt": read(self.new.cert)},
                                  {"certwatch.io/bundle": "true"}))
        self.wait(serve, lambda m: len(tl.all_series(m, name, subject="CN=Corp Root CA")) == 1
                  or None, "one series left")

    def test_bundle_cas_from_its_targets_and_synced(self):
        pem = read(self.old.cert) + read(self.new.cert)
        label = {"trust.cert-manager.io/bundle": "corp-trust"}
        self.kube.apply(
            bundle("corp-trust", "trust-bundle.pem", synced="True"),
            bundle("stale-trust", "ca.pem", synced="False"),
            configmap("team-a", "corp-trust", {"trust-bundle.pem": pem}, label),
            configmap("team-b", "corp-trust", {"trust-bundle.pem": pem}, label),
            configmap("team-b", "not-a-target", {"trust-bundle.pem": read(self.other.cert)}))
        serve = self.serve("  bundles: true\n  configmaps: {enabled: true, namespaces: [team-b]}\n")
        name = "certwatch_bundle_cert_not_after_timestamp_seconds"
        got = self.wait(serve, lambda m: tl.all_series(m, name, bundle="corp-trust")
                        if len(tl.all_series(m, name, bundle="corp-trust")) == 2 else None,
                        "the Bundle's CAs")
        # Once per CA however many namespaces hold the target.
        self.assertEqual(sorted(got.values()), sorted([tl.cert_not_after(self.old.cert),
                                                        tl.cert_not_after(self.new.cert)]))
        m = serve.metrics()
        self.assertEqual(tl.metric(m, "certwatch_bundle_synced", bundle="corp-trust"), 1)
        self.assertEqual(tl.metric(m, "certwatch_bundle_synced", bundle="stale-trust"), 0)
        self.assertIsNone(tl.metric(m, name, subject="CN=Partner CA"))
        # kubernetes.configmaps reads team-b, but the Bundle's target there is the Bundle's.
        self.assertEqual({dict(ls)["configmap"] for ls in tl.all_series(
            m, "certwatch_configmap_cert_not_after_timestamp_seconds")}, {"not-a-target"})

        tl.run(["kubectl", "--kubeconfig", self.kube.kubeconfig, "patch", "bundles.trust.cert-manager.io",
                "stale-trust", "--subresource=status", "--type=merge", "-p",
                '{"status": {"conditions": [{"type": "Synced", "status": "True", '
                '"reason": "Synced", "message": "ok"}]}}'])
        self.wait(serve, lambda m: tl.metric(m, "certwatch_bundle_synced", bundle="stale-trust") == 1
                  or None, "stale-trust synced")

    def test_no_trust_manager_is_not_an_error_and_it_is_found_later(self):
        self.kube.missing_groups("trust.cert-manager.io")
        self.kube.apply(configmap("team-a", "corp-trust", {"trust-bundle.pem": read(self.new.cert)},
                                  {"trust.cert-manager.io/bundle": "corp-trust"}))
        serve = self.serve("")  # bundles: on by default
        self.wait(serve, lambda m: tl.metric(m, "certwatch_source_up", source="kubernetes") == 1
                  or None, "kubernetes source up")
        time.sleep(1)
        m = serve.metrics()
        self.assertEqual(tl.metric(m, "certwatch_source_up", source="kubernetes"), 1)
        self.assertFalse(tl.all_series(m, "certwatch_bundle_synced"))

        # trust-manager is installed: its Bundle is found at the next check.
        self.kube.missing_groups()
        self.kube.apply(bundle("corp-trust", "trust-bundle.pem", synced="True"))
        self.wait(serve, lambda m: tl.metric(m, "certwatch_bundle_synced", bundle="corp-trust") == 1
                  or None, "the Bundle found")
        self.assertEqual(tl.metric(serve.metrics(),
                                "certwatch_bundle_cert_not_after_timestamp_seconds",
                                bundle="corp-trust"), tl.cert_not_after(self.new.cert))


if __name__ == "__main__":
    unittest.main()
