"""The landing page `/` for a fleet, rendered by headless Chromium from `certwatch serve`
watching the fake Kubernetes API server: one Certificate of each kind (expired, under 7 days,
under 14 days, healthy, renewal failing), a TLS target whose probe fails and an Ingress target
that is not probed. The test reads each tile's count, follows each tile's link and checks that
exactly its rows are listed, sorts by expiry both ways, searches, and measures that the page
fits a 1280-pixel-wide window (document scrollWidth), saving a screenshot as fleet.png."""

import html.parser
import os
import re
import shutil
import struct
import subprocess
import time
import unittest
import urllib.parse

import certwatch_testlib as lib

CHROMIUM = "/usr/bin/chromium"
OUT_DIR = os.path.join(lib.BINARY_DIR, "test-output", "landing_page")
WIDTH = 1280
DAY = 86400
# Kubernetes names are DNS subdomains of up to 253 characters; dots are no line-break
# opportunity for a browser, so a name like this one widens a table that does not wrap it.
LONG_NAME = "healthy." + ".".join(["abcdefghijklmnopqrstuvwxyz0123456789"] * 5)
LONG_DNS = ".".join(["averyveryverylonglabelwithoutanybreaks"] * 5) + ".example.test"
TILES = ["expired", "lt7d", "lt14d", "failing", "skipped"]


class Page(html.parser.HTMLParser):
    """Tiles (<a class="tile" data-tile=...>: count and link), sort headers (<th data-sort>:
    link and arrow), rows (<tr class="row">: data-* attributes and cells by class)."""

    def __init__(self):
        super().__init__()
        self.tiles, self.sorts, self.rows = {}, {}, []
        self._tile = self._sort = self._row = self._cell = None
        self._count = False
        self.summary = None
        self._in_summary = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "a" and "tile" in classes:
            self._tile = {"href": a["href"], "count": "", "active": "active" in classes}
            self.tiles[a["data-tile"] or "all"] = self._tile
        elif tag == "span" and self._tile is not None and "count" in classes:
            self._count = True
        elif tag == "th" and "data-sort" in a:
            self._sort = {"aria": a.get("aria-sort"), "text": "", "href": None}
            self.sorts[a["data-sort"]] = self._sort
        elif tag == "a" and self._sort is not None:
            self._sort["href"] = a["href"]
        elif tag == "tr" and "row" in classes:
            self._row = {"attrs": a, "cells": {}}
        elif tag == "td" and self._row is not None:
            self._cell = {"class": classes, "attrs": a, "text": ""}
        elif tag == "span" and a.get("id") == "summary":
            self._in_summary = True
            self.summary = ""

    def handle_endtag(self, tag):
        if tag == "a" and self._tile is not None:
            self._tile = None
        elif tag == "span":
            self._count = self._in_summary = False
        elif tag == "th":
            self._sort = None
        elif tag == "td" and self._cell is not None:
            self._row["cells"][self._cell["class"][0]] = self._cell
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._count:
            self._tile["count"] += data
        if self._sort is not None:
            self._sort["text"] += data
        if self._cell is not None:
            self._cell["text"] += data
        if self._in_summary:
            self.summary += data

    def names(self):
        return [r["attrs"]["data-name"] for r in self.rows]


def cond(type_, status, reason="", message=""):
    return {"type": type_, "status": status, "reason": reason, "message": message}


def certificate(name, ns, now, not_after_days, ready=True, dns=None, issuing_failed=None):
    not_after = now + int(not_after_days * DAY)
    conditions = [cond("Ready", "True" if ready else "False", "Ready" if ready else "Failed",
                       "Certificate is up to date" if ready else "issuance failed")]
    if issuing_failed:
        conditions.append(cond("Issuing", "False", "Failed", issuing_failed))
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"secretName": f"{name[:40]}-tls",
                     "dnsNames": dns or [f"{name[:40]}.example.test"],
                     "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}},
            "status": {"conditions": conditions,
                       "notBefore": lib.rfc3339(now - 30 * DAY),
                       "notAfter": lib.rfc3339(not_after),
                       # Renewal due after "now" everywhere: only the failing one fails.
                       "renewalTime": lib.rfc3339(max(now + 3600, not_after - DAY)),
                       "revision": 1}}


@unittest.skipUnless(os.access(CHROMIUM, os.X_OK), "chromium not installed")
class LandingFleetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = lib.tempdir()
        cls.dir = cls._tmp.__enter__()
        os.makedirs(OUT_DIR, exist_ok=True)
        now = int(time.time())
        try:
            cls.start(now)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start(cls, now):
        cls.kube = lib.FakeKube(cls.dir)
        cls.kube.apply(
            {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
             "metadata": {"name": "letsencrypt"}, "spec": {"acme": {"server": "acme.test"}},
             "status": {"conditions": [cond("Ready", "True", "ACMEAccountRegistered")]}},
            certificate("gone", "prod", now, -2, ready=False),
            certificate("soon", "prod", now, 3),
            certificate("fortnight", "shop", now, 10),
            certificate(LONG_NAME, "shop", now, 60, dns=[LONG_DNS, "www.healthy.example.test"]),
            certificate("broken", "shop", now, 40, ready=False,
                        issuing_failed="The certificate request has failed to complete and "
                                       "will be retried: 429 urn:ietf:params:acme:error:"
                                       "rateLimited"),
            # Named by an Ingress, covered by no Certificate: discovered, not probed.
            {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
             "metadata": {"name": "sneaky", "namespace": "tenant"},
             "spec": {"tls": [{"hosts": ["metadata.internal"], "secretName": "x"}]},
             "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.7"}]}}})
        # A static probe target where nothing listens: its probe fails.
        cls.down = f"127.0.0.1:{lib.free_port()}"
        config = f"""kubernetes:
  enabled: true
  kubeconfig: "{cls.kube.kubeconfig}"
  ingresses: true
tls_probes:
  interval: 1s
  timeout: 1s
  targets:
    - address: "{cls.down}"
      server_name: "down.example.test"
dns_probes:
  resolvers: []
"""
        cls.serve = lib.CertwatchServe(cls.dir, config)
        lib.wait_for(lambda: cls.serve.get("/readyz")[0] == 200, timeout=30, what="ready")

        def settled():
            m = lib.parse_metrics(cls.serve.get("/metrics")[2].decode())
            skipped = [k for k in m if k[0] == "certwatch_tls_discovered_target_skipped"]
            probed = lib.metric(m, "certwatch_tls_probe_success", target=cls.down)
            return len(skipped) == 1 and probed == 0
        lib.wait_for(settled, timeout=30, interval=0.2, what="probe and discovery round")
        cls.expected = {
            "expired": ["gone"],
            "lt7d": ["soon"],
            "lt14d": ["soon", "fortnight"],
            "failing": ["broken", cls.down],
            "skipped": ["metadata.internal@127.0.0.7:443"],
        }

    @classmethod
    def tearDownClass(cls):
        # Also called by setUpClass when it fails half-way: stop what was started.
        for proc in ("serve", "kube"):
            if hasattr(cls, proc):
                getattr(cls, proc).stop()
        cls._tmp.__exit__(None, None, None)

    def chromium(self, url, *extra):
        profile = os.path.join(self.dir, f"chromium-{time.monotonic_ns()}")
        args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--hide-scrollbars",
                f"--user-data-dir={profile}", f"--window-size={WIDTH},900", *extra, url]
        try:
            out = subprocess.run(args, capture_output=True, text=True, timeout=60, cwd=self.dir)
        finally:
            shutil.rmtree(profile, ignore_errors=True)
        self.assertEqual(out.returncode, 0, out.stderr[-2000:])
        return out.stdout

    def render(self, link="/"):
        """The page at `link` (an href from the page, or a path), as Chromium built it."""
        url = urllib.parse.urljoin(self.serve.url("/"), link)
        page = Page()
        page.feed(self.chromium(url, "--dump-dom"))
        return page

    def test_tiles_count_and_their_links_list_exactly_their_rows(self):
        page = self.render()
        self.assertEqual(len(page.rows), 7)
        self.assertEqual(page.tiles["all"]["count"], "7")
        self.assertTrue(page.tiles["all"]["active"])
        for tile in TILES:
            with self.subTest(tile=tile):
                self.assertEqual(int(page.tiles[tile]["count"]), len(self.expected[tile]))
                self.assertIn(f"tile={tile}", page.tiles[tile]["href"])
                filtered = self.render(page.tiles[tile]["href"])
                self.assertEqual(sorted(filtered.names()), sorted(self.expected[tile]))
                self.assertTrue(filtered.tiles[tile]["active"])
                # Tile counts stay those of the whole (unsearched) fleet.
                self.assertEqual(filtered.tiles["all"]["count"], "7")
        skipped = self.render("/?tile=skipped").rows[0]
        self.assertEqual(skipped["attrs"]["data-kind"], "Skipped target")
        self.assertTrue(skipped["cells"]["failure"]["text"].startswith("not_covered"))

    def test_sort_by_expiry_both_ways(self):
        page = self.render()
        expires = page.sorts["expires"]
        self.assertEqual(expires["aria"], "ascending")  # the default order
        self.assertIn("\u25b2", expires["text"])
        dated = ["gone", "soon", "fortnight", "broken", LONG_NAME]
        self.assertEqual(page.names()[:5], dated)
        desc = self.render(expires["href"])
        self.assertEqual(desc.sorts["expires"]["aria"], "descending")
        self.assertIn("\u25bc", desc.sorts["expires"]["text"])
        self.assertEqual(desc.names()[:5], list(reversed(dated)))
        days = [float(r["cells"]["days"]["text"]) for r in desc.rows[:5]]
        self.assertEqual(days, sorted(days, reverse=True))
        # Rows without a date (the failed probe, the skipped target) stay last.
        self.assertEqual(sorted(desc.names()[5:]),
                         sorted([self.down, "metadata.internal@127.0.0.7:443"]))
        asc = self.render(desc.sorts["expires"]["href"])
        self.assertEqual(asc.names()[:5], dated)
        by_name = self.render(page.sorts["name"]["href"])
        self.assertEqual(by_name.names(), sorted(by_name.names()))
        self.assertIsNone(by_name.sorts["expires"]["aria"])

    def test_search_narrows_rows(self):
        # Case-insensitive, over DNS names (the healthy one's second name) ...
        page = self.render("/?q=WWW.HEALTHY")
        self.assertEqual(page.names(), [LONG_NAME])
        self.assertEqual(page.summary, "showing 1 of 1 rows (7 in total)")
        # ... namespaces, within a tile, and targets.
        self.assertEqual(sorted(self.render("/?q=shop&tile=lt14d").names()), ["fortnight"])
        self.assertEqual(self.render("/?q=127.0.0.7").names(),
                         ["metadata.internal@127.0.0.7:443"])
        self.assertEqual(self.render("/?q=no-such-thing").rows, [])

    def test_bad_query_is_400(self):
        for query in ["?tile=soonish", "?sort=days", "?dir=sideways", "?bogus=1"]:
            with self.subTest(query=query):
                status, _, body = self.serve.get("/" + query)
                self.assertEqual(status, 400)
                self.assertTrue(body.startswith(b"bad request: unknown "), body)
                self.assertIn(b"one of", body)

    def test_fits_1280_pixels_and_screenshot(self):
        # The page as served, plus a probe script that writes the document's scrollWidth into
        # the DOM, loaded from a file: the exporter's page itself needs no script.
        status, _, body = self.serve.get("/")
        self.assertEqual(status, 200)
        probe = ('<div id="measured-width"></div><script>document.getElementById('
                 '"measured-width").textContent = document.documentElement.scrollWidth + " " + '
                 'window.innerWidth;</script></body>')
        measured = os.path.join(self.dir, "measure.html")
        with open(measured, "w") as f:
            f.write(body.decode().replace("</body>", probe))
        dom = self.chromium("file://" + measured, "--dump-dom")
        m = re.search(r'<div id="measured-width">(\d+) (\d+)</div>', dom)
        self.assertIsNotNone(m, dom[-2000:])
        scroll_width, viewport = int(m.group(1)), int(m.group(2))
        self.assertEqual(viewport, WIDTH)  # the measure is taken at 1280 pixels
        self.assertLessEqual(scroll_width, WIDTH, "page scrolls sideways at 1280 px")
        self.assertIn(LONG_DNS[:30], dom)  # the long values are on the page, wrapped

        png = os.path.join(OUT_DIR, "fleet.png")
        if os.path.exists(png):
            os.remove(png)
        self.chromium(self.serve.url("/"), f"--screenshot={png}")
        with open(png, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(struct.unpack(">I", head[16:20])[0], WIDTH)


if __name__ == "__main__":
    unittest.main()
