"""config/deploy renders with `kubectl kustomize`, and its RBAC grants the exporter no write
verb and the renewer only the verbs its actions need."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import yaml

from certwatch_testlib import SOURCE_DIR, generate_env

READ_VERBS = {"get", "list", "watch"}


def render(path):
    out = subprocess.run(["kubectl", "kustomize", os.path.join(SOURCE_DIR, path)],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError(f"kubectl kustomize {path} failed:\n{out.stderr}")
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def verbs_by_resource(role):
    """{(apiGroup, resource): set(verbs)} over every rule of a role."""
    out = {}
    for rule in role["rules"]:
        for group in rule.get("apiGroups", [""]):
            for res in rule["resources"]:
                out.setdefault((group, res), set()).update(rule["verbs"])
    return out


@unittest.skipIf(shutil.which("kubectl") is None, "kubectl not installed")
class DeployTest(unittest.TestCase):
    def test_base_renders_every_required_object(self):
        docs = render("config/deploy/base")
        kinds = {d["kind"] for d in docs}
        for k in ["PrometheusRule", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
                  "RoleBinding", "Deployment", "Service", "ServiceMonitor",
                  "PodDisruptionBudget", "NetworkPolicy", "ConfigMap"]:
            self.assertIn(k, kinds)
        for d in docs:
            if d["kind"] != "Namespace":
                self.assertEqual(d["metadata"].get("namespace", "certwatch"), "certwatch",
                                 f'{d["kind"]}/{d["metadata"]["name"]}')

    def test_deploy_folder_itself_is_the_base(self):
        # `kubectl kustomize config/deploy` (and `kubectl apply -k config/deploy`) renders
        # exactly the base's objects.
        self.assertEqual(render("config/deploy"), render("config/deploy/base"))

    def test_exporter_role_is_read_only(self):
        roles = by_kind(render("config/deploy/base"), "ClusterRole")
        exporter = verbs_by_resource(roles["certwatch-exporter"])
        self.assertEqual(exporter[("cert-manager.io", "certificates")], READ_VERBS)
        self.assertEqual(exporter[("acme.cert-manager.io", "challenges")], READ_VERBS)
        for key, verbs in exporter.items():
            self.assertLessEqual(verbs, READ_VERBS, f"exporter may {verbs - READ_VERBS} {key}")
        self.assertNotIn(("", "secrets"), exporter, "secrets are opt-in (components/read-secrets)")

    def test_exporter_reads_exactly_the_kinds_of_its_default_sources(self):
        roles = by_kind(render("config/deploy/base"), "ClusterRole")
        exporter = verbs_by_resource(roles["certwatch-exporter"])
        self.assertEqual(exporter, {
            ("cert-manager.io", "certificates"): READ_VERBS,
            ("cert-manager.io", "certificaterequests"): READ_VERBS,
            ("cert-manager.io", "issuers"): READ_VERBS,
            ("cert-manager.io", "clusterissuers"): READ_VERBS,
            ("acme.cert-manager.io", "orders"): READ_VERBS,
            ("acme.cert-manager.io", "challenges"): READ_VERBS,
            ("networking.k8s.io", "ingresses"): READ_VERBS,
            ("", "events"): {"list", "watch"},
            ("trust.cert-manager.io", "bundles"): READ_VERBS,
            ("", "configmaps"): READ_VERBS,
            ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): READ_VERBS,
            ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): READ_VERBS,
            ("apiregistration.k8s.io", "apiservices"): READ_VERBS,
            ("apiextensions.k8s.io", "customresourcedefinitions"): READ_VERBS,
            ("", "services"): READ_VERBS,
            ("discovery.k8s.io", "endpointslices"): READ_VERBS,
        })

    def test_renewer_role_has_only_the_verbs_its_actions_need(self):
        docs = render("config/deploy/base")
        roles = by_kind(docs, "ClusterRole")
        renewer = verbs_by_resource(roles["certwatch-renewer"])
        self.assertEqual(renewer, {
            ("cert-manager.io", "certificates/status"): {"update", "patch"},
            ("cert-manager.io", "certificates"): {"patch"},
            ("cert-manager.io", "certificaterequests"): {"delete"},
            ("acme.cert-manager.io", "challenges"): {"delete"},
            ("networking.k8s.io", "ingresses"): {"patch"},
            ("", "events"): {"create", "patch"},
            ("events.k8s.io", "events"): {"create", "patch"},
        })
        lease = verbs_by_resource(by_kind(docs, "Role")["certwatch-renewer-lease"])
        self.assertEqual(lease, {("coordination.k8s.io", "leases"): {"get", "create", "update"}})
        self.assertNotIn("certwatch-renewer-optin", roles, "opt-in rules are not in the base")

    def test_pod_is_hardened_with_probes_and_limits(self):
        dep = by_kind(render("config/deploy/base"), "Deployment")["certwatch"]
        pod = dep["spec"]["template"]["spec"]
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertEqual(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault")
        names = [c["name"] for c in pod["containers"]]
        self.assertEqual(names, ["exporter", "renewer"])
        for c in pod["containers"]:
            sc = c["securityContext"]
            self.assertTrue(sc["readOnlyRootFilesystem"], c["name"])
            self.assertFalse(sc["allowPrivilegeEscalation"], c["name"])
            self.assertEqual(sc["capabilities"]["drop"], ["ALL"], c["name"])
            self.assertIn("limits", c["resources"], c["name"])
            self.assertIn("requests", c["resources"], c["name"])
        exporter = pod["containers"][0]
        self.assertEqual(exporter["readinessProbe"]["httpGet"]["path"], "/readyz")
        self.assertEqual(exporter["livenessProbe"]["httpGet"]["path"], "/healthz")
        self.assertEqual(exporter["args"][0], "serve")
        self.assertEqual(pod["containers"][1]["args"][0], "renew")

    def test_config_map_holds_a_config_that_certwatch_accepts(self):
        docs = render("config/deploy/base")
        cms = [d for d in docs if d["kind"] == "ConfigMap" and
               d["metadata"]["name"].startswith("certwatch-config")]
        self.assertEqual(len(cms), 1)
        bin_path = os.environ.get("CERTWATCH_BIN")
        if not bin_path or not os.path.exists(bin_path):
            self.skipTest("certwatch binary not built")
        cfg = os.path.join(SOURCE_DIR, "config/deploy/base/certwatch.yaml")
        r = subprocess.run([bin_path, "check-config", cfg], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_generated_rules_and_dashboards_are_current(self):
        bin_path = os.environ.get("CERTWATCH_BIN")
        if not bin_path or not os.path.exists(bin_path):
            self.skipTest("certwatch binary not built")
        base = os.path.join(SOURCE_DIR, "config/deploy/base")
        with tempfile.TemporaryDirectory() as out:
            r = subprocess.run([bin_path, "generate", "--config",
                                os.path.join(base, "certwatch.yaml"), "--out", out],
                               capture_output=True, text=True, timeout=300, env=generate_env())
            self.assertEqual(r.returncode, 0, r.stderr)
            for name in ["prometheus-rule.yaml", "grafana-dashboards-configmap.yaml"]:
                with open(os.path.join(out, name)) as f:
                    fresh = f.read()
                with open(os.path.join(base, "generated", name)) as f:
                    committed = f.read()
                self.assertEqual(committed, fresh, f"config/deploy/base/generated/{name} is stale; "
                                 "run certwatch generate and commit the result")
                self.assertNotIn("github.com/certwatch", committed, name)
        docs = render("config/deploy/base")
        self.assertIn("PrometheusRule", {d["kind"] for d in docs})
        cms = [d for d in docs if d["kind"] == "ConfigMap" and
               d["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
        self.assertEqual(len(cms), 1)

    def test_sharded_overlay_runs_two_shards(self):
        docs = render("config/deploy/overlays/sharded")
        self.assertNotIn("Deployment", {d["kind"] for d in docs})
        sts = by_kind(docs, "StatefulSet")["certwatch"]
        self.assertEqual(sts["spec"]["replicas"], 2)
        args = sts["spec"]["template"]["spec"]["containers"][0]["args"]
        self.assertIn("--shard=$(POD_INDEX)/2", args)
        renewer_args = sts["spec"]["template"]["spec"]["containers"][1]["args"]
        self.assertIn("--lease-name=certwatch-renewer-$(POD_INDEX)", renewer_args)
        env = {e["name"]: e for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]}
        self.assertEqual(env["POD_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"],
                         "metadata.labels['apps.kubernetes.io/pod-index']")

    def test_read_secrets_component_adds_only_read_verbs(self):
        exporter = self.exporter_with_component("read-secrets")
        self.assertEqual(exporter[("", "secrets")], READ_VERBS)

    def test_read_csrs_and_read_nodes_components_add_one_read_rule_each(self):
        base = verbs_by_resource(by_kind(render("config/deploy/base"),
                                         "ClusterRole")["certwatch-exporter"])
        for component, key in [("read-csrs", ("certificates.k8s.io", "certificatesigningrequests")),
                               ("read-nodes", ("", "nodes"))]:
            exporter = self.exporter_with_component(component)
            self.assertEqual(exporter, {**base, key: READ_VERBS}, component)

    def exporter_with_component(self, component):
        with tempfile.TemporaryDirectory() as d:
            # kustomize wants paths relative to the kustomization for local bases
            rel_base = os.path.relpath(os.path.join(SOURCE_DIR, "config/deploy/base"), d)
            rel_comp = os.path.relpath(os.path.join(SOURCE_DIR,
                                                    "config/deploy/components", component), d)
            with open(os.path.join(d, "kustomization.yaml"), "w") as f:
                json.dump({"resources": [rel_base], "components": [rel_comp]}, f)
            out = subprocess.run(["kubectl", "kustomize", "--load-restrictor",
                                  "LoadRestrictionsNone", d], capture_output=True, text=True,
                                 timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            roles = by_kind([x for x in yaml.safe_load_all(out.stdout) if x], "ClusterRole")
            return verbs_by_resource(roles["certwatch-exporter"])


if __name__ == "__main__":
    unittest.main()
