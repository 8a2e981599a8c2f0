"""A real Prometheus scraping certwatch with the generated rules loaded, for the end-to-end
tests: start it, query it, read the firing alerts, and check that every panel of a generated
dashboard returns data."""

import json
import os
import re
import time
import unittest
import urllib.parse

import certwatch_testlib as t

# The `cluster` label Prometheus adds to every target (the dashboards' $cluster).
CLUSTER = "e2e"


def alert_key(a):
    labels = a["labels"]
    who = labels.get("certificate") or labels.get("name") or ""
    return (labels["alertname"], f"{labels.get('namespace', '')}/{who}" if who else "")


class PrometheusTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = t.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.now = int(time.time())

    def start(self, proc):
        self.addCleanup(proc.stop)
        return proc

    def prometheus_get(self, path, **params):
        url = f"{self.prom}{path}?{urllib.parse.urlencode(params)}"
        status, _, body = t.http_get(url, timeout=30)
        data = json.loads(body)
        if status != 200 or data.get("status") != "success":
            raise AssertionError(f"{url}: {status} {body[:500]!r}")
        return data["data"]

    def firing(self):
        return {alert_key(a) for a in self.prometheus_get("/api/v1/alerts")["alerts"]
                if a["state"] == "firing"}

    def assert_scraped_openmetrics(self, expected):
        """Each target is up and Prometheus read it as OpenMetrics: its metadata holds the
        family under its OpenMetrics name and type ({instance: (family, type)}), which only
        an OpenMetrics scrape reports (the text format has no info type, and names counter
        families with _total)."""
        def up():
            result = self.prometheus_get("/api/v1/query", query='up{job="certwatch"}')["result"]
            values = {r["metric"]["instance"]: r["value"][1] for r in result}
            return values if all(values.get(i) == "1" for i in expected) else None
        t.wait_for(up, timeout=60, interval=1.0, what="targets up")
        for instance, (family, typ) in expected.items():
            def metadata():
                try:
                    return self.prometheus_get(
                        "/api/v1/targets/metadata", metric=family,
                        match_target=f'{{instance="{instance}"}}')
                except AssertionError:
                    return None  # not scraped yet, or not read as OpenMetrics
            got = t.wait_for(metadata, timeout=30, interval=1.0, what=f"{family} metadata")
            self.assertEqual([m["type"] for m in got], [typ], got)

    def generate_and_serve(self, config_text, serve_port):
        """Writes `config_text` as the config, generates the rules and dashboards from it
        (checked with promtool), and starts `certwatch serve` on 127.0.0.1:`serve_port`;
        returns (config path, generated dir, serve Proc)."""
        cfg = os.path.join(self.dir, "certwatch.yaml")
        with open(cfg, "w") as f:
            f.write(config_text)
        gen = os.path.join(self.dir, "generated")
        r = t.run([t.BIN, "generate", "--config", cfg, "--out", gen], timeout=300, check=False,
                  env=t.generate_env())
        self.assertEqual(r.returncode, 0, r.stderr)
        t.run(["promtool", "check", "rules", os.path.join(gen, "rules.yaml")])
        serve = self.start(t.Proc([t.BIN, "serve", "--config", cfg, "--web.listen-address",
                                   f"127.0.0.1:{serve_port}"], self.dir, name="serve"))
        t.wait_port("127.0.0.1", serve_port)
        return cfg, gen, serve

    def start_prometheus(self, gen, targets):
        prom_port = t.free_port()
        prom_dir = os.path.join(self.dir, "prometheus")
        os.makedirs(prom_dir)
        with open(os.path.join(prom_dir, "prometheus.yml"), "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{os.path.join(gen, 'rules.yaml')}"]
scrape_configs:
  - job_name: certwatch
    static_configs:
      - targets: {json.dumps(targets)}
        labels: {{cluster: {CLUSTER}}}
""")
        prom = self.start(t.Proc(["/usr/bin/prometheus",
                           f"--config.file={os.path.join(prom_dir, 'prometheus.yml')}",
                           f"--storage.tsdb.path={os.path.join(prom_dir, 'data')}",
                           f"--web.listen-address=127.0.0.1:{prom_port}"], prom_dir,
                          name="prometheus"))
        self.prom = f"http://127.0.0.1:{prom_port}"
        t.wait_port("127.0.0.1", prom_port, timeout=60)
        return prom

    def panels_without_data(self, gen, dashboards, empty_allowed_with_no_value=False):
        """Panels and template variables of the dashboards whose queries return nothing
        (each given 30 s), with Grafana's variables as the dashboard sets them. With
        empty_allowed_with_no_value, a panel with fieldConfig.defaults.noValue (the text
        Grafana shows in place of "No data") may be empty."""
        def substitute(expr):
            return (expr.replace("$cluster", CLUSTER).replace("$namespace", "prod")
                    .replace("$__rate_interval", "1m"))

        empty = []
        checked = 0
        for name in dashboards:
            with open(os.path.join(gen, "dashboards", name)) as f:
                dashboard = json.load(f)
            for panel in dashboard["panels"]:
                no_value = panel.get("fieldConfig", {}).get("defaults", {}).get("noValue")
                if empty_allowed_with_no_value and no_value:
                    continue
                for target in panel["targets"]:
                    expr = substitute(target["expr"])
                    checked += 1

                    def has_data():
                        return self.prometheus_get("/api/v1/query", query=expr)["result"]
                    try:
                        t.wait_for(has_data, timeout=30, interval=1.0, what=expr)
                    except TimeoutError:
                        empty.append(f"{name} / {panel['title']}: {expr}")
            for var in dashboard["templating"]["list"]:
                if var["type"] != "query":
                    continue
                m = re.fullmatch(r"label_values\((.+), (\w+)\)", var["query"]["query"])
                self.assertIsNotNone(m, var["query"])
                values = self.prometheus_get(f"/api/v1/label/{m.group(2)}/values",
                                             **{"match[]": m.group(1)})
                if not values:
                    empty.append(f"{name} / variable {var['name']}: {var['query']['query']}")
        return empty, checked
