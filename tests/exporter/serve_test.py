"""`certwatch serve` end to end: a real Prometheus scrapes it, promtool lints the scrape,
/readyz, config errors at start, reload keeping the old config, graceful SIGTERM."""

import gzip
import json
import os
import signal
import time
import unittest
import urllib.parse

import certwatch_testlib as lib


def files_config(pattern):
    return f"""kubernetes:
  enabled: false
files:
  - path: "{pattern}"
"""


class ServeTest(unittest.TestCase):
    def setUp(self):
        self._tmp = lib.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.ca = lib.CA(self.dir)
        self.pki = os.path.join(self.dir, "pki")
        os.makedirs(self.pki)
        self.cert, _ = self.ca.issue("apiserver", days=30, outdir=self.pki)

    def serve(self, config_text, args=()):
        s = lib.CertwatchServe(self.dir, config_text, args)
        self.addCleanup(s.stop)
        return s

    def test_prometheus_scrapes_target_up_and_promtool_lints_clean(self):
        s = self.serve(files_config(os.path.join(self.pki, "*.crt")))
        status, headers, body = s.get("/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        lint = lib.run(["promtool", "check", "metrics"], input=body.decode(), check=False)
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
        self.assertEqual((lint.stdout + lint.stderr).strip(), "", "promtool lint output")

        # gzip when asked, identical content
        status, headers, gz = s.get("/metrics", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(headers.get("Content-Encoding"), "gzip")
        text = gzip.decompress(gz).decode()
        self.assertIn("certwatch_file_cert_not_after_timestamp_seconds{", text)

        prom_port = lib.free_port()
        prom_dir = os.path.join(self.dir, "prom")
        os.makedirs(prom_dir)
        prom_cfg = os.path.join(prom_dir, "prometheus.yml")
        with open(prom_cfg, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: certwatch
    static_configs:
      - targets: ["{s.address}"]
""")
        with lib.Proc(["/usr/bin/prometheus", f"--config.file={prom_cfg}",
                       f"--storage.tsdb.path={os.path.join(prom_dir, 'data')}",
                       f"--web.listen-address=127.0.0.1:{prom_port}"], prom_dir) as prom:
            base = f"http://127.0.0.1:{prom_port}"

            def target_up():
                _, _, b = lib.http_get(base + "/api/v1/targets")
                targets = json.loads(b)["data"]["activeTargets"]
                return [t for t in targets if t["health"] == "up"
                        and t["scrapeUrl"] == s.url("/metrics")]
            try:
                up = lib.wait_for(target_up, timeout=60, interval=0.5, what="target up")
            except TimeoutError:
                self.fail("target never up:\n" + prom.output())
            self.assertEqual(up[0]["labels"]["job"], "certwatch")
            self.assertEqual(up[0]["lastError"], "")

            want = lib.cert_not_after(self.cert)

            def queried():
                q = urllib.parse.quote("certwatch_file_cert_not_after_timestamp_seconds")
                _, _, b = lib.http_get(f"{base}/api/v1/query?query={q}")
                return json.loads(b)["data"]["result"]
            result = lib.wait_for(queried, timeout=30, interval=0.5, what="query result")
            self.assertEqual(len(result), 1)
            self.assertEqual(result[0]["metric"]["path"], self.cert)
            self.assertEqual(float(result[0]["value"][1]), want)

    def test_readyz_healthz_and_state_api(self):
        s = self.serve(files_config(os.path.join(self.pki, "*.crt")))
        self.assertEqual(s.get("/healthz")[0], 200)
        status, _, body = lib.wait_for(lambda: (lambda r: r if r[0] == 200 else None)(
            s.get("/readyz")), what="readyz 200")
        self.assertEqual(body, b"ready\n")
        status, headers, body = s.get("/api/v1/state")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertTrue(doc["synced"])
        self.assertEqual(doc["not_synced"], [])
        files = list(doc["files"].values())
        self.assertEqual([f["path"] for f in files], [self.cert])
        self.assertEqual(files[0]["not_after"], lib.cert_not_after(self.cert))
        self.assertEqual(s.get("/nothing-here")[0], 404)
        self.assertEqual(lib.http_post(s.url("/metrics"))[0], 405)

    def test_state_api_can_be_turned_off(self):
        s = self.serve(files_config(os.path.join(self.pki, "*.crt")) + "web:\n  state_api: false\n")
        self.assertEqual(s.get("/api/v1/state")[0], 404)
        self.assertEqual(s.get("/metrics")[0], 200)

    def test_config_error_at_start_exits_2_with_position(self):
        bad = os.path.join(self.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write("kubernetes:\n  enabled: false\nfiles:\n  - path: \"/x\"\n    colour: red\n")
        r = lib.run([lib.BIN, "serve", "--config", bad, "--web.listen-address",
                     f"127.0.0.1:{lib.free_port()}"], check=False, timeout=20)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertRegex(r.stderr, rf"^{bad}:5:5: ")
        self.assertIn("colour", r.stderr)
        missing = lib.run([lib.BIN, "serve", "--config", os.path.join(self.dir, "nope.yaml")],
                          check=False, timeout=20)
        self.assertEqual(missing.returncode, 2)
        self.assertIn("nope.yaml", missing.stderr)
        usage = lib.run([lib.BIN, "serve", "--config", bad, "--shard", "3/2"], check=False,
                        timeout=20)
        self.assertEqual(usage.returncode, 2)

    def test_reload_keeps_old_config_on_invalid_file_then_applies_a_valid_one(self):
        other = os.path.join(self.dir, "other")
        os.makedirs(other)
        other_cert, _ = self.ca.issue("etcd", days=10, outdir=other)
        s = self.serve(files_config(os.path.join(self.pki, "*.crt")))

        def scrape():
            return lib.parse_metrics(s.get("/metrics")[2].decode())

        m = lib.wait_for(lambda: (lambda m: m if lib.metric(
            m, "certwatch_file_cert_not_after_timestamp_seconds", path=self.cert) else None)(
            scrape()), what="file metric")
        self.assertEqual(lib.metric(m, "certwatch_config_last_reload_successful"), 1)

        # Invalid: SIGHUP keeps the running config.
        s.write_config("files: [\n")
        s.proc.signal(signal.SIGHUP)
        m = lib.wait_for(lambda: (lambda m: m if lib.metric(
            m, "certwatch_config_last_reload_successful") == 0 else None)(scrape()),
            what="reload failure metric")
        self.assertEqual(lib.metric(m, "certwatch_config_reload_failures_total"), 1)
        self.assertEqual(lib.metric(m, "certwatch_file_cert_not_after_timestamp_seconds",
                                    path=self.cert), lib.cert_not_after(self.cert))
        # POST /-/reload says why, and still keeps it.
        status, _, body = lib.http_post(s.url("/-/reload"))
        self.assertEqual(status, 500)
        self.assertIn(s.config_path, body.decode())
        self.assertTrue(s.proc.alive())
        self.assertIn("config reload failed", s.proc.output())
        self.assertEqual(s.get("/readyz")[0], 200)

        # Valid: the new pattern replaces the old one, no stale series.
        s.write_config(files_config(os.path.join(other, "*.crt")))
        status, _, body = lib.http_post(s.url("/-/reload"))
        self.assertEqual(status, 200, body)
        m = lib.wait_for(lambda: (lambda m: m if lib.metric(
            m, "certwatch_file_cert_not_after_timestamp_seconds", path=other_cert) else None)(
            scrape()), what="new file metric")
        self.assertIsNone(lib.metric(m, "certwatch_file_cert_not_after_timestamp_seconds",
                                     path=self.cert))
        self.assertEqual(lib.metric(m, "certwatch_config_last_reload_successful"), 1)
        self.assertGreaterEqual(
            lib.metric(m, "certwatch_config_last_reload_success_timestamp_seconds"),
            time.time() - 60)

    def test_sigterm_exits_zero(self):
        s = self.serve(files_config(os.path.join(self.pki, "*.crt")))
        self.assertEqual(s.get("/healthz")[0], 200)
        s.proc.signal(signal.SIGTERM)
        s.proc.p.wait(timeout=15)
        self.assertEqual(s.proc.p.returncode, 0, s.proc.output())
        self.assertIn("shutting down", s.proc.output())


if __name__ == "__main__":
    unittest.main()
