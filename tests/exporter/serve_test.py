"""`certwatch serve` end to end: a real Prometheus scrapes it, promtool lints the scrape,
OpenMetrics when asked (read by the strict OpenMetrics parser), /readyz, config errors at
start, reload keeping the old config, graceful SIGTERM."""

import gzip
import json
import os
import signal
import socket
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

    def test_both_formats_carry_every_series_and_lint_clean(self):
        """Every family kind certwatch writes (files, a TLS probe with its info family, DNS
        probes): the text format lints clean under promtool, and the OpenMetrics answer to
        Prometheus's Accept header passes the strict OpenMetrics parser with the same series."""
        served, served_key = self.ca.issue("app.example.test", outdir=self.dir)
        tls = lib.Proc(["openssl", "s_server", "-accept", f"127.0.0.1:{lib.free_port()}",
                        "-cert", served, "-key", served_key, "-www", "-quiet",
                        "-naccept", "1000000"], self.dir, name="s_server")
        self.addCleanup(tls.stop)
        tls_port = int(tls.args[3].rsplit(":", 1)[1])
        lib.wait_port("127.0.0.1", tls_port)
        closed_udp = lib.free_port(kind=socket.SOCK_DGRAM)  # answers with port unreachable
        s = self.serve(files_config(os.path.join(self.pki, "*.crt")) + f"""tls_probes:
  interval: 1s
  timeout: 1s
  targets:
    - address: "127.0.0.1:{tls_port}"
      server_name: app.example.test
      ca_file: "{self.ca.cert}"
dns_probes:
  interval: 1s
  timeout: 1s
  authoritative: false
  resolvers: ["127.0.0.1:{closed_udp}"]
  queries:
    - name: example.test
      types: [A]
""")

        def probed():
            body = s.get("/metrics")[2].decode()
            return body if "certwatch_tls_info{" in body and "certwatch_dns_answers{" in body \
                else None
        plain = lib.wait_for(probed, timeout=30, interval=0.5, what="probe results")
        lint = lib.run(["promtool", "check", "metrics"], input=plain, check=False)
        self.assertEqual((lint.returncode, (lint.stdout + lint.stderr).strip()), (0, ""),
                         "promtool findings on the text format")
        self.assertNotIn("# EOF", plain)

        status, headers, om = s.get("/metrics", headers={"Accept": lib.PROMETHEUS_ACCEPT})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], lib.OPENMETRICS_CONTENT_TYPE)
        om = om.decode()
        families, samples = lib.parse_openmetrics(om)
        self.assertEqual(families["certwatch_build"], "info")
        self.assertEqual(families["certwatch_tls"], "info")
        self.assertEqual(families["certwatch_source_errors"], "counter")
        self.assertEqual(families["certwatch_config_reload_failures"], "counter")
        self.assertEqual(families["certwatch_dns_answers"], "gauge")
        self.assertEqual(families["certwatch_tls_verify_result"], "gauge")
        self.assertNotIn("unknown", families.values())
        self.assertEqual(lib.metric(samples, "certwatch_tls_info", server_name="app.example.test"),
                         1)
        self.assertEqual(lib.metric(samples, "certwatch_file_cert_not_after_timestamp_seconds",
                                    path=self.cert), lib.cert_not_after(self.cert))
        # The same series (sample names and labels) in both formats.
        text_series = set(lib.parse_metrics(plain))
        self.assertEqual(set(samples), text_series)

        # gzip: the same OpenMetrics document, compressed.
        _, headers, gz = s.get("/metrics", headers={"Accept": lib.PROMETHEUS_ACCEPT,
                                                    "Accept-Encoding": "gzip"})
        self.assertEqual(headers.get("Content-Encoding"), "gzip")
        self.assertEqual(headers["Content-Type"], lib.OPENMETRICS_CONTENT_TYPE)
        self.assertEqual(set(lib.parse_openmetrics(gzip.decompress(gz).decode())[1]), text_series)

        # promtool 2.42 (Debian 12) reads only the text format: it stops at the first
        # OpenMetrics-only type. Should a newer promtool read OpenMetrics, it must lint clean.
        lint_om = lib.run(["promtool", "check", "metrics"], input=om, check=False)
        if lint_om.returncode == 0:
            self.assertEqual((lint_om.stdout + lint_om.stderr).strip(), "")
        else:
            self.assertIn('unknown metric type "info"', lint_om.stdout + lint_om.stderr)

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
