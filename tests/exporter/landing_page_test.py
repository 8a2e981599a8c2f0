"""The landing page `/` rendered by headless Chromium from a running exporter: the test reads
the DOM Chromium built (rows, their order, the colour of days left, the namespace filter from
?namespace=) and saves a screenshot under the test output folder."""

import datetime
import html.parser
import json
import os
import shutil
import subprocess
import unittest

import certwatch_testlib as lib

CHROMIUM = "/usr/bin/chromium"
OUT_DIR = os.path.join(lib.BINARY_DIR, "test-output", "landing_page")


class Rows(html.parser.HTMLParser):
    """Collects <tr class="row"> elements: their data-* attributes and each cell's class and
    text."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._row = None
        self._cell = None
        self._depth = 0
        self.summary = None
        self._in_summary = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and a.get("class") == "row":
            self._row = {"attrs": a, "cells": []}
        elif tag == "td" and self._row is not None:
            self._cell = {"class": a.get("class", ""), "attrs": a, "text": ""}
        elif tag == "span" and a.get("id") == "summary":
            self._in_summary = True
            self.summary = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row["cells"].append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "span":
            self._in_summary = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        if self._in_summary:
            self.summary += data


def cell(row, cls):
    for c in row["cells"]:
        if cls in c["class"].split():
            return c
    raise AssertionError(f"no cell {cls} in {row}")


@unittest.skipUnless(os.access(CHROMIUM, os.X_OK), "chromium not installed")
class LandingPageTest(unittest.TestCase):
    def setUp(self):
        self._tmp = lib.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        os.makedirs(OUT_DIR, exist_ok=True)
        ca = lib.CA(self.dir)
        self.ca = ca
        pki = os.path.join(self.dir, "pki")
        os.makedirs(pki)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.files = {}
        for name, days in [("green", 60), ("yellow", 10), ("red", 3), ("expired", -2)]:
            cert, _ = ca.issue(name, outdir=pki, not_before=now - datetime.timedelta(days=90),
                               not_after=now + datetime.timedelta(days=days, hours=1))
            self.files[name] = cert
        # Two TLS endpoints that should serve Certificates of two namespaces.
        self.endpoints = {}
        targets = []
        for ns, days in [("shop", 20), ("blog", 40)]:
            cert, key = ca.issue(f"{ns}.example.test", outdir=self.dir,
                                 not_after=now + datetime.timedelta(days=days, hours=1))
            port = lib.free_port()
            p = lib.Proc(["openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}",
                          "-cert", cert, "-key", key, "-www"], self.dir, name=f"s_server-{ns}")
            self.addCleanup(p.stop)
            lib.wait_port("127.0.0.1", port)
            self.endpoints[ns] = f"127.0.0.1:{port}"
            targets.append(f"""    - address: "127.0.0.1:{port}"
      server_name: "{ns}.example.test"
      ca_file: "{ca.cert}"
      certificate: "{ns}/web"
""")
        config = f"""kubernetes:
  enabled: false
files:
  - path: "{pki}/*.crt"
tls_probes:
  interval: 2s
  timeout: 2s
  targets:
{''.join(targets)}"""
        self.serve = lib.CertwatchServe(self.dir, config)
        self.addCleanup(self.serve.stop)
        lib.wait_for(lambda: self.serve.get("/readyz")[0] == 200, timeout=30, what="ready")

        def probed():
            doc = json.loads(self.serve.get("/api/v1/state")[2])
            return len([t for t in doc["tls"].values() if t["leaf"]]) == 2
        lib.wait_for(probed, timeout=30, interval=0.2, what="both endpoints probed")

    def render(self, query, shot):
        profile = os.path.join(self.dir, f"chromium-{shot}")
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                "--window-size=1400,900"]
        url = self.serve.url("/" + query)
        dom = subprocess.run(args + ["--dump-dom", url], capture_output=True, text=True,
                             timeout=90)
        self.assertEqual(dom.returncode, 0, dom.stderr[-2000:])
        png = os.path.join(OUT_DIR, f"{shot}.png")
        if os.path.exists(png):
            os.remove(png)
        subprocess.run(args + [f"--screenshot={png}", url], capture_output=True, timeout=90,
                       cwd=self.dir)
        self.assertTrue(os.path.getsize(png) > 1000, "screenshot written")
        shutil.rmtree(profile, ignore_errors=True)
        parser = Rows()
        parser.feed(dom.stdout)
        return parser

    def test_table_order_colours_and_namespace_filter(self):
        page = self.render("", "all")
        names = [(r["attrs"]["data-kind"], r["attrs"]["data-name"]) for r in page.rows]
        self.assertEqual(names, [
            ("File", self.files["expired"]),
            ("File", self.files["red"]),
            ("File", self.files["yellow"]),
            ("TLS endpoint", self.endpoints["shop"]),
            ("TLS endpoint", self.endpoints["blog"]),
            ("File", self.files["green"]),
        ])
        colours = [cell(r, "days")["attrs"]["data-colour"] for r in page.rows]
        self.assertEqual(colours, ["red", "red", "yellow", "green", "green", "green"])
        days = [float(cell(r, "days")["text"]) for r in page.rows]
        self.assertEqual(days, sorted(days))
        self.assertLess(days[0], 0)
        self.assertAlmostEqual(days[1], 3, delta=0.2)
        self.assertEqual(page.summary, "showing 6 of 6 rows")
        expired = page.rows[0]
        self.assertEqual(cell(expired, "ready")["text"], "False")
        self.assertEqual(cell(expired, "failure")["text"], "expired")
        self.assertEqual(cell(page.rows[1], "ready")["text"], "True")
        shop = page.rows[3]
        self.assertEqual(shop["attrs"]["data-namespace"], "shop")
        self.assertEqual(cell(shop, "ready")["text"], "True")
        self.assertEqual(cell(shop, "failure")["text"], "")

        filtered = self.render("?namespace=shop", "namespace-shop")
        self.assertEqual([r["attrs"]["data-name"] for r in filtered.rows],
                         [self.endpoints["shop"]])
        self.assertEqual(filtered.summary, "showing 1 of 1 rows (6 in total)")
        none = self.render("?namespace=nothing-here", "namespace-none")
        self.assertEqual(none.rows, [])


if __name__ == "__main__":
    unittest.main()
