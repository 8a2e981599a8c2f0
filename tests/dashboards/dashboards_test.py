"""The generated Grafana dashboards carry what Grafana needs to import them: a stable uid,
title, schemaVersion, panels with unique ids and a gridPos inside the 24-column grid, and every
datasource reference resolving to a template variable of type datasource; cluster and
namespace filters exist and are used; the ConfigMap is labelled for the Grafana sidecar."""

import json
import os
import re
import subprocess
import unittest

import certwatch_testlib as t

DASHBOARDS = ["certwatch-fleet.json", "certwatch-endpoints.json", "certwatch-dns.json",
              "certwatch-renewer.json", "certwatch-cluster-trust.json"]


def generate(workdir, config_text):
    cfg = os.path.join(workdir, "c.yaml")
    with open(cfg, "w") as f:
        f.write(config_text)
    out = os.path.join(workdir, "out")
    r = subprocess.run([t.BIN, "generate", "--config", cfg, "--out", out],
                       capture_output=True, text=True, timeout=300, env=t.generate_env())
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return out


def import_problems(d):
    """What would stop Grafana from importing the model (independent of the generator's own
    check in dashboards/check.cc)."""
    problems = []
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", d.get("uid") or ""):
        problems.append("uid")
    if not d.get("title"):
        problems.append("title")
    if not isinstance(d.get("schemaVersion"), int):
        problems.append("schemaVersion")
    variables = d.get("templating", {}).get("list", [])
    ds_vars = {v["name"] for v in variables if v.get("type") == "datasource"}
    if not ds_vars:
        problems.append("no datasource variable")

    def resolves(ref):
        uid = ref.get("uid") if isinstance(ref, dict) else ref
        m = re.fullmatch(r"\$\{(\w+)\}|\$(\w+)", uid or "")
        return bool(m) and (m.group(1) or m.group(2)) in ds_vars

    for v in variables:
        if v.get("type") == "query" and not resolves(v.get("datasource")):
            problems.append(f"variable {v.get('name')} datasource")
    ids = set()
    panels = d.get("panels") or []
    if not panels:
        problems.append("no panels")
    for i, p in enumerate(panels):
        if not isinstance(p.get("id"), int) or p["id"] in ids:
            problems.append(f"panel {i} id")
        ids.add(p.get("id"))
        g = p.get("gridPos") or {}
        if not all(isinstance(g.get(k), int) for k in "xywh") or g["x"] + g["w"] > 24 or g["w"] < 1:
            problems.append(f"panel {i} gridPos")
        if not resolves(p.get("datasource")):
            problems.append(f"panel {i} datasource")
        for j, target in enumerate(p.get("targets") or []):
            if not resolves(target.get("datasource")) or not target.get("expr") or not target.get("refId"):
                problems.append(f"panel {i} target {j}")
    return problems


def overlapping(panels):
    cells = set()
    for p in panels:
        g = p["gridPos"]
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    return p["title"]
                cells.add((x, y))
    return None


class DashboardsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = t.tempdir()
        cls.dir = cls._tmp.__enter__()
        cls.out = generate(cls.dir, "generator: {}\n")
        cls.dashboards = {}
        for name in DASHBOARDS:
            with open(os.path.join(cls.out, "dashboards", name)) as f:
                cls.dashboards[name] = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.__exit__(None, None, None)

    def test_importable(self):
        uids = set()
        for name, d in self.dashboards.items():
            self.assertEqual(import_problems(d), [], name)
            self.assertIsNone(overlapping(d["panels"]), name)
            uids.add(d["uid"])
        self.assertEqual(uids, {n[:-5] for n in DASHBOARDS})  # stable uid = file name

    def test_check_catches_a_broken_model(self):
        d = json.loads(json.dumps(self.dashboards["certwatch-fleet.json"]))
        d["panels"][0]["targets"][0]["datasource"] = {"uid": "${nope}"}
        del d["panels"][1]["gridPos"]
        self.assertEqual(import_problems(d), ["panel 0 target 0", "panel 1 gridPos"])

    def test_filters(self):
        for name, d in self.dashboards.items():
            variables = {v["name"]: v for v in d["templating"]["list"]}
            self.assertIn("datasource", variables, name)
            self.assertIn("cluster", variables, name)
            for p in d["panels"]:
                for target in p["targets"]:
                    self.assertIn('cluster=~"$cluster"', target["expr"], f"{name}: {p['title']}")
            if "namespace" in variables:
                self.assertTrue(any('=~"$namespace"' in tg["expr"] for p in d["panels"] for tg in p["targets"]), name)
        self.assertIn("namespace", {v["name"] for v in self.dashboards["certwatch-fleet.json"]["templating"]["list"]})

    def test_fleet_expiry_table(self):
        d = self.dashboards["certwatch-fleet.json"]
        tables = [p for p in d["panels"] if p["type"] == "table"]
        self.assertEqual(len(tables), 1)
        table = tables[0]
        self.assertIn("< 30", table["targets"][0]["expr"])
        self.assertTrue(table["targets"][0]["expr"].startswith("sort("))
        steps = table["fieldConfig"]["defaults"]["thresholds"]["steps"]
        self.assertEqual([(s["color"], s["value"]) for s in steps],
                         [("red", None), ("yellow", 7), ("green", 14)])

    def test_configmap_for_the_sidecar(self):
        cm = open(os.path.join(self.out, "grafana-dashboards-configmap.yaml")).read()
        self.assertIn('grafana_dashboard: "1"', cm)
        self.assertIn("\nkind: ConfigMap\n", cm)
        for name in DASHBOARDS:
            self.assertIn(f"{name}: |", cm)

    def test_datasource_default_from_config(self):
        with t.tempdir() as d:
            out = generate(d, "generator:\n  datasource: thanos\n")
            with open(os.path.join(out, "dashboards", "certwatch-dns.json")) as f:
                dns = json.load(f)
        ds = [v for v in dns["templating"]["list"] if v["type"] == "datasource"][0]
        self.assertEqual(ds["current"]["value"], "thanos")


if __name__ == "__main__":
    unittest.main()
