"""Fault soak of the Kubernetes source: the fake API server answers 500, 429, garbage, closes
connections, stalls mid-list, ends watches at once, expires resourceVersions and continue tokens
(410), and goes away for a long outage. Each fault is delivered CERTWATCH_SOAK_REPETITIONS times
(default 1,000), counted by the server. Throughout, every scrape answers and keeps every series
(the last known Certificates and a file certificate); certwatch_source_up{source="kubernetes"}
drops to 0 while the API misbehaves and comes back by itself; file descriptors and RSS end where
they started. With CERTWATCH_RELIABILITY_DIR set, the counts are written to kube_faults.json."""

import json
import os
import time
import unittest

import certwatch_testlib as tl

REPETITIONS = int(os.environ.get("CERTWATCH_SOAK_REPETITIONS", "1000"))
OUTAGE_SECONDS = float(os.environ.get("CERTWATCH_SOAK_OUTAGE_SECONDS", "120"))
CERTIFICATES = 20
REQUEST_TIMEOUT_MS = 150
DAY = 86400

# name, fault (as POST /_fake/faults takes it), what it is, counted as a source error
FAULTS = [
    ("status_500", dict(status=500), "API answers 500 to lists and watches", True),
    ("status_429", dict(status=429, retry_after=0), "API answers 429 (Retry-After: 0)", True),
    ("garbage", dict(mode="garbage"), "API answers 200 with garbage JSON", True),
    ("close", dict(mode="close"), "API closes the connection before answering", True),
    ("stall_mid_list", dict(mode="stall_body", stall_seconds=2, watch=False),
     f"API stalls mid-list (request timeout {REQUEST_TIMEOUT_MS} ms)", True),
    ("continue_410", dict(status=410, query_contains="continue="),
     "continue token expired (410) mid-list", False),
    ("watch_ends", dict(mode="end", watch=True), "watch ended at once by the server", False),
]


def certificate(i, now):
    ts = tl.rfc3339
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": f"soak-{i:03d}", "namespace": "soak"},
            "spec": {"secretName": f"soak-{i:03d}-tls", "dnsNames": [f"soak-{i}.example.com"],
                     "issuerRef": {"name": "ca", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
                       "notBefore": ts(now - DAY), "notAfter": ts(now + (30 + i) * DAY),
                       "renewalTime": ts(now + (10 + i) * DAY), "revision": 1}}


def certificate_request(i):
    """A second paginated kind, so two watchers meet the list faults."""
    return {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
            "metadata": {"name": f"soak-{i:03d}-1", "namespace": "soak",
                         "annotations": {"cert-manager.io/certificate-name": f"soak-{i:03d}",
                                         "cert-manager.io/certificate-revision": "1"}},
            "spec": {"issuerRef": {"name": "ca", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"}},
            "status": {"conditions": [{"type": "Approved", "status": "True"},
                                      {"type": "Ready", "status": "True", "reason": "Issued"}]}}


def expirations(m):
    """Certificate name -> certwatch_certificate_expiration_timestamp_seconds."""
    return {dict(ls)["name"]: v for (n, ls), v in m.items()
            if n == "certwatch_certificate_expiration_timestamp_seconds"}


class KubeFaultSoakTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tl.tempdir()
        self.dir = self._tmp.__enter__()
        self.addCleanup(self._tmp.__exit__, None, None, None)
        self.now = int(time.time())
        fixtures = os.path.join(self.dir, "fixtures.json")
        with open(fixtures, "w") as f:
            json.dump([certificate(i, self.now) for i in range(CERTIFICATES)]
                      + [certificate_request(i) for i in range(CERTIFICATES)], f)
        self.kube = tl.FakeKube(self.dir, fixtures=[fixtures])
        self.addCleanup(self.kube.stop)
        ca = tl.CA(self.dir)
        self.file_cert, _ = ca.issue("file.example.com", name="file")
        config = f"""kubernetes:
  enabled: true
  kubeconfig: "{self.kube.kubeconfig}"
  ingresses: false
  list_page_size: 5
  # The soak is about paginated lists (stalls and expired continue tokens mid-list);
  # streaming lists have their own tests in tests/kube/source_test.cc.
  watch_list: false
  request_timeout: {REQUEST_TIMEOUT_MS}ms
  backoff_initial: 5ms
  backoff_max: 50ms
files:
  - path: "{self.file_cert}"
dns_probes:
  resolvers: []
"""
        self.serve = tl.CertwatchServe(self.dir, config)
        self.addCleanup(self.serve.stop)
        self.pid = self.serve.proc.pid
        self.records = []
        self.scrapes = 0

    # -- observation

    def scrape(self, strict=True):
        """One scrape; it must answer within its timeout and (strict) keep every series."""
        status, _, body = self.serve.get("/metrics", timeout=5)
        self.assertEqual(status, 200)
        m = tl.parse_metrics(body.decode())
        self.scrapes += 1
        if not strict:
            return m
        expiry = expirations(m)
        self.assertEqual(len(expiry), CERTIFICATES, "a Certificate series was lost")
        for i in range(CERTIFICATES):
            self.assertEqual(expiry[f"soak-{i:03d}"], self.now + (30 + i) * DAY)
        self.assertIsNotNone(tl.metric(m, "certwatch_file_cert_not_after_timestamp_seconds",
                                       path=self.file_cert), "the file certificate was lost")
        return m

    def up(self, m):
        return tl.metric(m, "certwatch_source_up", source="kubernetes")

    def errors(self, m):
        return tl.metric(m, "certwatch_source_errors_total", source="kubernetes") or 0

    def wait_up(self, timeout=30, strict=True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = self.scrape(strict)
            if self.up(m) == 1:
                return m
            time.sleep(0.1)
        self.fail(f"certwatch_source_up{{source=kubernetes}} not back to 1 in {timeout}s")

    def delivered(self, name):
        return self.kube.control("GET", "faults")["delivered"].get(name, 0)

    # -- one fault kind

    def soak(self, name, fault, what, is_error, deadline_seconds):
        before = self.scrape()
        errors_before = self.errors(before)
        fds_before, rss_before = tl.proc_fds(self.pid), tl.proc_rss_kib(self.pid)
        self.kube.fault(count=REPETITIONS, name=name, method="GET", **fault)
        # Open watches are past their request; expiring the history makes every watcher
        # relist and watch anew, into the faults.
        self.kube.expire()
        saw_down = False
        start = time.monotonic()
        while self.delivered(name) < REPETITIONS:
            self.assertLess(time.monotonic() - start, deadline_seconds,
                            f"{name}: only {self.delivered(name)} of {REPETITIONS} delivered; "
                            "requests are not retried (or outlive their timeout)")
            self.assertTrue(self.serve.proc.alive(), "certwatch died")
            m = self.scrape()
            saw_down = saw_down or self.up(m) == 0
            time.sleep(0.2)
        elapsed = time.monotonic() - start
        print(f"{name}: {REPETITIONS} in {elapsed:.1f} s", flush=True)
        self.kube.clear_faults()
        after = self.wait_up()
        errors_seen = self.errors(after) - errors_before
        if is_error:
            self.assertGreaterEqual(errors_seen, REPETITIONS,
                                    f"{name}: {errors_seen} errors counted for {REPETITIONS}")
            self.assertTrue(saw_down, f"{name}: source_up never dropped to 0")
        self.records.append({
            "kind": "fault", "area": "kubernetes", "fault": what,
            "injected": self.delivered(name), "survived": self.delivered(name),
            "timeout_ok": True, "metric": 'certwatch_source_up{source="kubernetes"}'
            if is_error else "(not an error: list or watch started anew)",
            "others_kept": True, "recovered": True, "seconds": round(elapsed, 1),
            "fd_before": fds_before, "fd_after": tl.proc_fds(self.pid),
            "rss_before_kib": rss_before, "rss_after_kib": tl.proc_rss_kib(self.pid)})

    def expire_soak(self):
        """Compacted history: open watches get ERROR 410, old continue tokens 410; relists."""
        def gone():
            s = self.kube.stats()
            return s.get("gone_watch", 0) + s.get("gone_continue", 0)
        fds_before, rss_before = tl.proc_fds(self.pid), tl.proc_rss_kib(self.pid)
        first = gone()
        start = time.monotonic()
        while gone() - first < REPETITIONS:
            self.assertLess(time.monotonic() - start, 180, "410s are not followed by relists")
            self.kube.expire()
            time.sleep(0.02)
            if int((time.monotonic() - start) * 10) % 5 == 0:
                self.scrape()
        elapsed = time.monotonic() - start
        self.wait_up()
        self.records.append({
            "kind": "fault", "area": "kubernetes",
            "fault": "resourceVersion expired (410 on watches and continue tokens)",
            "injected": gone() - first, "survived": gone() - first, "timeout_ok": True,
            "metric": "(relist, no error)", "others_kept": True, "recovered": True,
            "seconds": round(elapsed, 1), "fd_before": fds_before,
            "fd_after": tl.proc_fds(self.pid), "rss_before_kib": rss_before,
            "rss_after_kib": tl.proc_rss_kib(self.pid)})

    def outage(self):
        """The API server goes away (connections refused at once) and comes back."""
        fds_before, rss_before = tl.proc_fds(self.pid), tl.proc_rss_kib(self.pid)
        requests_before = self.kube.stats()["requests"]
        self.kube.set_down(True, mode="close")
        start = time.monotonic()
        saw_down = False
        while time.monotonic() - start < OUTAGE_SECONDS:
            m = self.scrape()
            saw_down = saw_down or self.up(m) == 0
            time.sleep(0.5)
        attempts = self.kube.stats()["requests"] - requests_before
        self.kube.set_down(False)
        back = time.monotonic()
        self.wait_up(timeout=30)
        self.assertTrue(saw_down, "source_up stayed 1 through the outage")
        self.records.append({
            "kind": "fault", "area": "kubernetes",
            "fault": f"API server away for {OUTAGE_SECONDS:.0f} s",
            "injected": attempts, "survived": attempts, "timeout_ok": True,
            "metric": 'certwatch_source_up{source="kubernetes"}', "others_kept": True,
            "recovered": True, "seconds": round(time.monotonic() - back, 1),
            "fd_before": fds_before, "fd_after": tl.proc_fds(self.pid),
            "rss_before_kib": rss_before, "rss_after_kib": tl.proc_rss_kib(self.pid)})

    def test_soak(self):
        self.wait_up(timeout=30, strict=False)
        # Warm-up: allocator pools, curl handles and connections reach their steady size.
        self.kube.fault(count=100, name="warmup", status=500, method="GET")
        self.kube.expire()
        tl.wait_for(lambda: self.delivered("warmup") >= 100, 60, what="warm-up faults")
        self.kube.clear_faults()
        self.wait_up()
        fds_start, rss_start = tl.quiet_fds(self.pid), tl.proc_rss_kib(self.pid)

        for name, fault, what, is_error in FAULTS:
            with self.subTest(fault=name):
                self.soak(name, fault, what, is_error, deadline_seconds=240)
        self.expire_soak()
        self.outage()

        # Recovery is real, not stale: a change made now shows up through the new watches.
        changed = certificate(0, self.now)
        changed["status"]["notAfter"] = tl.rfc3339(self.now + 99 * DAY)
        self.kube.apply(changed)
        tl.wait_for(lambda: expirations(self.scrape(strict=False)).get("soak-000")
                    == self.now + 99 * DAY, 30, what="a change after the faults")
        self.kube.apply(certificate(0, self.now))
        tl.wait_for(lambda: expirations(self.scrape(strict=False)).get("soak-000")
                    == self.now + 30 * DAY, 30, what="the change reverted")

        fds_end, rss_end = tl.quiet_fds(self.pid), tl.proc_rss_kib(self.pid)
        total = sum(r["injected"] for r in self.records)
        print(f"kubernetes soak: {total} faults, {self.scrapes} scrapes; "
              f"fds {fds_start} -> {fds_end}; rss {rss_start} -> {rss_end} KiB")
        self.assertLessEqual(fds_end, fds_start + 2, "file descriptors leaked")
        if not tl.sanitized(self.pid):
            self.assertLess(rss_end - rss_start, 16 * 1024, "memory grew by more than 16 MiB")
        self.assertTrue(self.serve.proc.alive())
        out = os.environ.get("CERTWATCH_RELIABILITY_DIR")
        if out:
            os.makedirs(out, exist_ok=True)
            for r in self.records:
                r["scrapes"] = self.scrapes
            self.records.append({"kind": "soak_total", "area": "kubernetes", "faults": total,
                                 "scrapes": self.scrapes, "fd_before": fds_start,
                                 "fd_after": fds_end, "rss_before_kib": rss_start,
                                 "rss_after_kib": rss_end})
            with open(os.path.join(out, "kube_faults.json"), "w") as f:
                json.dump(self.records, f, indent=1)


if __name__ == "__main__":
    unittest.main()
