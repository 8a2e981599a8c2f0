"""certwatch generate against real promtool: the rule file and the PrometheusRule's spec pass
`promtool check rules`, the generated unit tests pass `promtool test rules` (firing and quiet
for every alert), thresholds follow the config, unknown keys fail, the jsonnet CLI gets the
same mixin from the source tree, and a YAML 1.1 reader (PyYAML) reads the generated YAML as the
documents the mixin produced."""

import json
import os
import re
import subprocess
import unittest

import yaml

import certwatch_testlib as t

# Generator strings that a YAML reader would take for another type or for syntax if written
# plain, as rule label values (and two as label names).
TRICKY_LABELS = {
    "yes_word": "yes", "exponent": "1e3", "octal12": "0o17", "octal11": "012",
    "sexagesimal": "1:20", "dash": "- x", "colon": "a: b", "comment": "a #b", "empty": "",
    "leading_space": " x", "null_word": "null", "tilde": "~", "date": "2001-12-14",
    "at": "@x", "percent": "%x", "on": "off", "1:20": "plain words",
}


# Under the sanitizers each `certwatch generate` takes ~20 s: libjsonnet's allocations go
# through ASan's allocator. The cases that re-check what the mixin evaluates to for other
# configs (jsonnet and promtool, not certwatch's C++) run in the Release suite only; the
# default config, the errors and the working directory run in both.
SANITIZED = os.environ.get("CERTWATCH_SANITIZED") == "1"
mixin_only = unittest.skipIf(SANITIZED, "mixin evaluation, checked in the Release suite")


def generate(workdir, config_text, name="out"):
    cfg = os.path.join(workdir, f"{name}.yaml")
    with open(cfg, "w") as f:
        f.write(config_text)
    out = os.path.join(workdir, name)
    r = subprocess.run([t.BIN, "generate", "--config", cfg, "--out", out],
                       capture_output=True, text=True, timeout=300, env=t.generate_env())
    return r, out


def prometheus_rule_spec(path, dest):
    """The `spec:` block of the generated PrometheusRule, de-indented into a plain rule file
    (promtool rejects the CRD itself)."""
    lines = open(path).read().splitlines()
    start = lines.index("spec:")
    body = []
    for line in lines[start + 1:]:
        if line and not line.startswith("  "):
            break
        body.append(line[2:])
    with open(dest, "w") as f:
        f.write("\n".join(body) + "\n")
    return dest


def rule_count(promtool_output):
    m = re.search(r"SUCCESS: (\d+) rules found", promtool_output)
    return int(m.group(1)) if m else None


def runbook_urls(out):
    """{alert: runbook_url} of the generated PrometheusRule, checking rules.yaml agrees."""
    def urls(doc):
        return {r["alert"]: r["annotations"]["runbook_url"]
                for g in doc["groups"] for r in g["rules"] if "alert" in r}
    with open(os.path.join(out, "prometheus-rule.yaml")) as f:
        crd = urls(yaml.safe_load(f)["spec"])
    with open(os.path.join(out, "rules.yaml")) as f:
        assert urls(yaml.safe_load(f)) == crd, "rules.yaml and prometheus-rule.yaml differ"
    return crd


def alert_names(rules_yaml):
    return re.findall(r"^\s*- alert: \"?([A-Za-z0-9]+)\"?$", rules_yaml, re.M)


class GenerateTest(unittest.TestCase):
    def setUp(self):
        self._tmp = t.tempdir()
        self.dir = self._tmp.__enter__()

    def tearDown(self):
        self._tmp.__exit__(None, None, None)

    def check_outputs(self, out, lifetimes=True):
        lifetimes = lifetimes and not SANITIZED
        rules = t.run(["promtool", "check", "rules", os.path.join(out, "rules.yaml")])
        spec = prometheus_rule_spec(os.path.join(out, "prometheus-rule.yaml"),
                                    os.path.join(self.dir, "spec.yaml"))
        crd = t.run(["promtool", "check", "rules", spec])
        self.assertIsNotNone(rule_count(rules.stdout), rules.stdout)
        self.assertEqual(rule_count(rules.stdout), rule_count(crd.stdout))
        # promtool resolves rule_files relative to the test file.
        tested = t.run(["promtool", "test", "rules", os.path.join(out, "rules.test.yaml")], timeout=300)
        self.assertIn("SUCCESS", tested.stdout)
        # Whole lifetimes (6, 47, 90, 398 days), healthy and with a failing renewal (about
        # 15 s of promtool; run where thresholds or metric names change).
        if lifetimes:
            lifetimes = t.run(["promtool", "test", "rules", os.path.join(out, "rules.lifetime.test.yaml")],
                              timeout=300)
            self.assertIn("SUCCESS", lifetimes.stdout)
        # Every alert has a test where it fires and one where it stays quiet.
        names = alert_names(open(os.path.join(out, "rules.yaml")).read())
        tests = open(os.path.join(out, "rules.test.yaml")).read()
        self.assertGreaterEqual(len(names), 20)
        for name in names:
            self.assertIn(f'name: {name} fires', tests)
            self.assertIn(f'name: {name} stays quiet', tests)
        return names

    def test_default_config(self):
        r, out = generate(self.dir, "generator: {}\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = self.check_outputs(out)
        self.assertIn("CertwatchCertificateExpiringSoon", names)
        # Written as people write manifests: ordinary words are not quoted.
        crd = open(os.path.join(out, "prometheus-rule.yaml")).read().splitlines()
        self.assertIn("apiVersion: monitoring.coreos.com/v1", crd)
        self.assertIn("kind: PrometheusRule", crd)
        for f in ["prometheus-rule.yaml", "rules.yaml", "rules.test.yaml", "rules.lifetime.test.yaml", "runbooks.md",
                  "grafana-dashboards-configmap.yaml", "dashboards/certwatch-fleet.json"]:
            self.assertIn(os.path.join(out, f), r.stdout.splitlines())
        # No runbook_base_url: the links name the runbook written next to the rules.
        for written in r.stdout.splitlines():
            with open(written) as f:
                self.assertNotIn("github.com/certwatch", f.read(), written)
        self.assertEqual(runbook_urls(out), {n: "runbooks.md#" + n.lower() for n in names})

    @mixin_only
    def test_runbook_base_url_starts_every_runbook_link(self):
        base = "https://wiki.example/runbooks"
        r, out = generate(self.dir, f"generator:\n  runbook_base_url: {base}\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = self.check_outputs(out, lifetimes=False)  # the expected annotations follow too
        self.assertEqual(runbook_urls(out), {n: f"{base}#{n.lower()}" for n in names})

    @mixin_only
    def test_short_for_and_cert_manager_metrics_under_a_service_monitor(self):
        r, out = generate(self.dir, """
generator:
  rule_name: tls
  rule_namespace: observability
  rule_labels: {release: prom}
  alerts:
    use_cert_manager_metrics: true
    cert_manager_namespace_label: exported_namespace
    expiring_warning_for: 1s
    expiring_critical_for: 1s
    not_ready_for: 1s
    default_for: 1s
    drift_for: 1s
    dns_not_propagated_for: 1s
    renewal_error_rate: 0.05
""")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = self.check_outputs(out)
        self.assertIn("CertwatchCertManagerAbsent", names)
        rules = open(os.path.join(out, "rules.yaml")).read()
        self.assertIn("certmanager_certificate_expiration_timestamp_seconds", rules)
        self.assertIn("$labels.exported_namespace", rules)
        self.assertNotIn('for: "1h"', rules)
        crd = open(os.path.join(out, "prometheus-rule.yaml")).read()
        self.assertIn('  name: tls\n', crd)
        self.assertIn('  namespace: observability\n', crd)
        self.assertIn('    release: prom\n', crd)

    @mixin_only
    def test_changing_a_threshold_changes_the_rule(self):
        def expiring_rule(config):
            r, out = generate(self.dir, config, name=f"out{len(os.listdir(self.dir))}")
            self.assertEqual(r.returncode, 0, r.stderr)
            rules = open(os.path.join(out, "rules.yaml")).read()
            block = rules[rules.index('alert: CertwatchCertificateExpiringSoon'):]
            return block[:block.index("- alert:")], out

        default, _ = expiring_rule("generator: {}\n")
        changed, out = expiring_rule("generator:\n  alerts:\n    expiring_warning: 21d\n")
        self.assertIn("< 604800", default)
        self.assertIn("< 1814400", changed)
        self.assertIn("less than 3w (or 16.67% of its lifetime).", changed)
        self.check_outputs(out, lifetimes=False)  # the generated tests follow the new threshold

    def test_unknown_config_key_fails(self):
        r, _ = generate(self.dir, "generator:\n  alerts:\n    expiring_warnign: 14d\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("expiring_warnign", r.stderr)

    def test_bad_value_names_file_and_key(self):
        r, _ = generate(self.dir, "generator:\n  alerts:\n    remaining_lifetime_fraction: 3\n")
        self.assertEqual(r.returncode, 2)
        self.assertIn("remaining_lifetime_fraction", r.stderr)

    def test_works_from_any_directory(self):
        cfg = os.path.join(self.dir, "c.yaml")
        with open(cfg, "w") as f:
            f.write("generator: {}\n")
        r = subprocess.run([t.BIN, "generate", "--config", cfg, "--out", "rel-out"],
                           cwd=self.dir, capture_output=True, text=True, timeout=300,
                           env=t.generate_env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "rel-out", "rules.yaml")))

    @mixin_only
    def test_jsonnet_cli_evaluates_the_same_mixin(self):
        rules_dir = os.path.join(t.SOURCE_DIR, "rules")
        mixin = json.loads(t.run(["jsonnet", "-J", rules_dir,
                                  os.path.join(rules_dir, "mixin.libsonnet")], timeout=300).stdout)
        self.assertEqual(set(mixin), {"prometheusAlerts", "prometheusRules", "grafanaDashboards"})
        r, out = generate(self.dir, "generator: {}\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        for name, dashboard in mixin["grafanaDashboards"].items():
            with open(os.path.join(out, "dashboards", name)) as f:
                self.assertEqual(json.load(f), dashboard, name)
        generated = alert_names(open(os.path.join(out, "rules.yaml")).read())
        cli = [r["alert"] for g in mixin["prometheusAlerts"]["groups"] for r in g["rules"]]
        self.assertEqual(generated, cli)

    @mixin_only
    def test_tricky_strings_read_back_unchanged(self):
        labels = "".join(f"    {json.dumps(k)}: {json.dumps(v)}\n" for k, v in TRICKY_LABELS.items())
        r, out = generate(self.dir, "generator:\n  rule_labels:\n" + labels +
                          "  grafana_folder: \"on\"\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "prometheus-rule.yaml")) as f:
            crd = yaml.safe_load(f)
        self.assertEqual(crd["metadata"]["labels"], TRICKY_LABELS)
        with open(os.path.join(out, "grafana-dashboards-configmap.yaml")) as f:
            cm = yaml.safe_load(f)
        self.assertEqual(cm["metadata"]["annotations"]["grafana_folder"], "on")
        self.check_outputs(out, lifetimes=False)

    @mixin_only
    def test_yaml_reads_back_as_the_mixin_manifests_it(self):
        """Every generated YAML file, read by PyYAML (YAML 1.1 typing), equals the JSON that the
        jsonnet CLI manifests from the same mixin: no string became a number, bool, date or
        null, and no value changed."""
        rules_dir = os.path.join(t.SOURCE_DIR, "rules")
        cli = os.path.join(self.dir, "cli")
        os.makedirs(os.path.join(cli, "dashboards"))
        t.run(["jsonnet", "-J", rules_dir, "-m", cli, os.path.join(rules_dir, "outputs.jsonnet")],
              timeout=300)
        r, out = generate(self.dir, "generator: {}\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [n for n in os.listdir(out) if n.endswith(".yaml")]
        self.assertEqual(sorted(names), ["grafana-dashboards-configmap.yaml",
                                         "prometheus-rule.yaml", "rules.lifetime.test.yaml",
                                         "rules.test.yaml", "rules.yaml"])
        for name in names:
            with open(os.path.join(out, name)) as f:
                written = yaml.safe_load(f)
            with open(os.path.join(cli, name)) as f:
                manifested = json.load(f)
            if name == "grafana-dashboards-configmap.yaml":
                # The generator re-indents the dashboards' JSON; compare it as JSON.
                for doc in (written, manifested):
                    doc["data"] = {k: json.loads(v) for k, v in doc["data"].items()}
            self.assertEqual(written, manifested, name)


if __name__ == "__main__":
    unittest.main()
