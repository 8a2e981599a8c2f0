#!/usr/bin/python3
"""Load benchmark: 50 concurrent scrapers while 10,000 TLS targets and 100,000 certificates
are live.

Sets up the fake Kubernetes API server (tests/fakes/kube_api.py) with 100,000 cert-manager
Certificates (status dates and conditions, 1 in 100 with a failed issuance), one nginx serving
TLS on a few 127.0.0.1 ports (certificate for *.load.test from a CA made with the openssl
CLI) and `certwatch serve` probing 10,000 TLS targets there (one server_name each, so 10,000
series per TLS family) every 30 s. Once every certificate and every target is in /metrics, it
samples certwatch's RSS and file descriptors idle, then runs bench_load_scrapers (50 threads,
gzip scrapes as Prometheus asks, every 10th plain) for a bounded time while a second thread
renews 500 Certificates a second through the API (notAfter, renewalTime and notBefore move
together, so a half-applied update shows in a scrape) and the prober keeps handshaking; RSS
and FDs are sampled throughout and after (FDs before/after: the floor over a 5 s window, as
probe sockets come and go). Prints one summary; with CERTWATCH_RELIABILITY_DIR
set, writes load.json (a list with one "load" record).

    bench/load.py --build BUILD_DIR [--certificates 100000] [--tls-targets 10000]
                  [--scrapers 50] [--duration 120] [--interval 30s]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)

DAY = 86400
VALIDITY = 90 * DAY        # notAfter - notBefore of every Certificate
RENEW_BEFORE = 30 * DAY    # notAfter - renewalTime of every Certificate
HOST = "127.0.0.1"
DOMAIN = "load.test"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default="build")
    p.add_argument("--certificates", type=int, default=100_000)
    p.add_argument("--tls-targets", type=int, default=10_000)
    p.add_argument("--scrapers", type=int, default=50)
    p.add_argument("--duration", type=float, default=120, help="seconds of scraping")
    p.add_argument("--timeout", type=float, default=120, help="per scrape, seconds")
    p.add_argument("--interval", default="30s", help="tls_probes.interval")
    p.add_argument("--ports", type=int, default=4, help="nginx TLS ports the targets share")
    p.add_argument("--failing-every", type=int, default=100)
    p.add_argument("--renewals-per-second", type=int, default=500)
    p.add_argument("--plain-every", type=int, default=10)
    p.add_argument("--no-keepalive", action="store_true",
                   help="a new connection per scrape (Prometheus keeps them; for comparison)")
    return p.parse_args()


ARGS = parse_args()
BUILD = os.path.abspath(ARGS.build)
os.environ.setdefault("CERTWATCH_BIN", os.path.join(BUILD, "certwatch"))
os.environ.setdefault("CERTWATCH_SOURCE_DIR", SOURCE)
os.environ.setdefault("CERTWATCH_BINARY_DIR", BUILD)
sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
import certwatch_testlib as t  # noqa: E402

SCRAPERS_BIN = os.path.join(BUILD, "bench", "bench_load_scrapers")


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- the cluster

def certificate(i, not_after, revision=1):
    """Certificate i as cert-manager writes it; every 'failing_every'th one has a failed
    renewal in progress (Issuing=True, lastFailureTime) while the old certificate is valid."""
    ns = f"team-{i % 200}"
    failing = ARGS.failing_every > 0 and i % ARGS.failing_every == 0
    conditions = [{"type": "Ready", "status": "True", "reason": "Ready",
                   "message": "Certificate is up to date and has not expired",
                   "lastTransitionTime": t.rfc3339(not_after - VALIDITY),
                   "observedGeneration": 1}]
    status = {"notBefore": t.rfc3339(not_after - VALIDITY), "notAfter": t.rfc3339(not_after),
              "renewalTime": t.rfc3339(not_after - RENEW_BEFORE), "revision": revision}
    if failing:
        conditions.append({"type": "Issuing", "status": "True", "reason": "Failed",
                           "message": "The certificate request has failed to complete",
                           "lastTransitionTime": t.rfc3339(not_after - RENEW_BEFORE),
                           "observedGeneration": 1})
        status["lastFailureTime"] = t.rfc3339(not_after - RENEW_BEFORE + 600)
        status["failedIssuanceAttempts"] = 1
    status["conditions"] = conditions
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": f"app-{i}", "namespace": ns, "generation": 1,
                         "labels": {"app.kubernetes.io/name": f"app-{i}"}},
            "spec": {"secretName": f"app-{i}-tls", "dnsNames": [f"app-{i}.{ns}.example.com"],
                     "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer",
                                   "group": "cert-manager.io"},
                     "privateKey": {"algorithm": "ECDSA", "size": 256}},
            "status": status}


def post_objects(kube, objs):
    data = json.dumps(objs, separators=(",", ":")).encode()
    req = urllib.request.Request(f"{kube.url}/_fake/objects", data=data, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        r.read()


def load_certificates(kube, n, base):
    kube.apply({"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
                "metadata": {"name": "letsencrypt"},
                "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory"}},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    not_after = {}
    for start in range(0, n, 10_000):
        batch = []
        for i in range(start, min(start + 10_000, n)):
            not_after[i] = base + (i % 60) * DAY
            batch.append(certificate(i, not_after[i]))
        post_objects(kube, batch)
    return not_after


class Renewer(threading.Thread):
    """Renews `per_second` Certificates a second through the API while the scrapers run:
    notAfter, renewalTime and notBefore of each move together in one object update."""

    def __init__(self, kube, not_after, per_second):
        super().__init__(daemon=True)
        self.kube, self.not_after, self.per_second = kube, not_after, per_second
        self.stop_event = threading.Event()
        self.renewed = 0
        self.errors = 0
        self.revision = 1

    def run(self):
        ids = sorted(self.not_after)
        pos = 0
        while not self.stop_event.is_set() and ids:
            t0 = time.monotonic()
            self.revision += 1
            batch = []
            for _ in range(min(self.per_second, len(ids))):
                i = ids[pos % len(ids)]
                pos += 1
                self.not_after[i] += DAY
                batch.append(certificate(i, self.not_after[i], self.revision))
            try:
                post_objects(self.kube, batch)
                self.renewed += len(batch)
            except Exception:  # noqa: BLE001 - counted, the run goes on
                self.errors += 1
            self.stop_event.wait(max(0.0, 1.0 - (time.monotonic() - t0)))


# --------------------------------------------------------------------------- TLS servers

def start_nginx(tmp, cert, key, ports, status_port):
    # A plain-HTTP stub_status server counts the handshakes nginx completed.
    status = f"""  server {{
    listen {HOST}:{status_port};
    location / {{ stub_status; }}
  }}
"""
    p = t.start_tls_nginx(tmp, HOST, ports, cert, key, f"*.{DOMAIN}", extra_servers=status)
    t.wait_port(HOST, status_port)
    return p


def seconds(duration):
    """Prometheus-style duration (90s, 15m, 1h) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit) and duration[:-len(unit)].replace(".", "").isdigit():
            return float(duration[:-len(unit)]) * units[unit]
    raise ValueError(f"bad duration {duration}")


def nginx_accepts(status_port):
    """Connections nginx accepted so far (stub_status), i.e. handshakes the prober made."""
    _, _, body = t.http_get(f"http://{HOST}:{status_port}/")
    return int(body.decode().splitlines()[2].split()[0])


# --------------------------------------------------------------------------- certwatch

def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"):
                out[k] = int(v.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """VmRSS and open FDs of certwatch every 0.25 s."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.samples = []
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            try:
                self.samples.append(proc_status(self.pid))
            except OSError:
                return
            self.stop_event.wait(0.25)


def window(pid, seconds):
    """Samples over a quiet window: (median RSS KiB, max FDs, min FDs)."""
    s = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s.append(proc_status(pid))
        time.sleep(0.25)
    return (int(statistics.median(x["VmRSS"] for x in s)), max(x["fds"] for x in s),
            min(x["fds"] for x in s))


def run_scrapers(url, extra, timeout):
    r = subprocess.run([SCRAPERS_BIN, "--url", url, *map(str, extra)], capture_output=True,
                       text=True, timeout=timeout)
    lines = r.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"bench_load_scrapers failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.returncode, lines[:-1], json.loads(lines[-1])


def wait_populated(url, certificates, targets, timeout):
    """Until one scrape holds every certificate and every TLS target with a served leaf."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        _, _, j = run_scrapers(url, ["--scrapers", 1, "--max-scrapes", 1, "--duration", 600,
                                     "--plain-every", 0], 300)
        last = j
        if (j["complete"] == 1 and j["certificates"] == certificates
                and j["tls_targets"] == targets and j["tls_leaves_min"] == targets):
            return j
        time.sleep(3)
    raise TimeoutError(f"certwatch did not show every certificate and target: {last}")


def main():
    if not os.access(SCRAPERS_BIN, os.X_OK) or not os.access(t.BIN, os.X_OK):
        sys.exit(f"build certwatch and bench_load_scrapers in {BUILD} first")
    n, targets = ARGS.certificates, ARGS.tls_targets
    started = time.monotonic()
    print(f"load benchmark: {ARGS.scrapers} scrapers, {n} Certificates, {targets} TLS targets "
          f"(probe interval {ARGS.interval}), {ARGS.duration:.0f} s of scraping; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    with t.tempdir(prefix="certwatch-load-") as tmp:
        ca = t.CA(tmp, name="Load CA")
        cert, key = ca.issue(f"*.{DOMAIN}", sans=[f"*.{DOMAIN}"], name="wildcard")
        ports = [t.free_port(HOST) for _ in range(ARGS.ports)]
        status_port = t.free_port(HOST)
        nginx = start_nginx(tmp, cert, key, ports, status_port)
        kube = None
        serve = None
        try:
            kube = t.FakeKube(tmp)
            base = int(time.time()) + 30 * DAY
            t0 = time.monotonic()
            not_after = load_certificates(kube, n, base)
            log(f"fake API server holds {n} Certificates ({time.monotonic() - t0:.0f} s)")

            target_yaml = "".join(
                f'    - address: "{HOST}:{ports[i % len(ports)]}"\n'
                f'      server_name: "t{i}.{DOMAIN}"\n'
                f'      ca_file: "{ca.cert}"\n' for i in range(targets))
            config = f"""kubernetes:
  enabled: true
  kubeconfig: {kube.kubeconfig}
  ingresses: false
tls_probes:
  interval: {ARGS.interval}
  timeout: 10s
  targets:
{target_yaml}dns_probes:
  resolvers: []
  acme_challenges: false
  caa: false
"""
            serve = t.CertwatchServe(tmp, config, args=["--log.level", "warn"], name="serve")
            url = serve.url("/metrics")
            pid = serve.proc.pid
            t0 = time.monotonic()
            t.wait_for(lambda: serve.get("/readyz")[0] == 200, 300, interval=0.5,
                       what="certwatch ready")
            log(f"certwatch ready ({time.monotonic() - t0:.0f} s)")
            first = wait_populated(url, n, targets, 300)
            log(f"every certificate and TLS target in /metrics "
                f"({time.monotonic() - t0:.0f} s since start; probe success "
                f"{first['tls_success_min']}/{targets})")

            # The checker must be able to say no: one real exposition passes, each kind of
            # damage it claims to catch is caught.
            expect = ["--certificates", n, "--tls-targets", targets,
                      "--failing", len([i for i in range(n)
                                        if ARGS.failing_every and i % ARGS.failing_every == 0]),
                      "--renewal-before", RENEW_BEFORE, "--validity", VALIDITY]
            r = subprocess.run([SCRAPERS_BIN, "--self-check", "--url", url, *map(str, expect)],
                               capture_output=True, text=True, timeout=300)
            print(r.stdout.rstrip(), flush=True)
            if r.returncode != 0:
                raise RuntimeError(f"checker self-check failed:\n{r.stderr}")
            self_check = json.loads(r.stdout.strip().splitlines()[-1])

            rss_idle, fd_idle_max, fd_idle_min = window(pid, 5)
            hwm_before = proc_status(pid)["VmHWM"]
            # Reset VmHWM so that the peak below is the peak under load (Linux clear_refs 5);
            # where that is refused, the peak includes the start-up.
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as f:
                    f.write("5")
            except OSError as e:
                log(f"cannot reset VmHWM ({e}); the peak below includes the start-up")
            log(f"idle: RSS {rss_idle / 1024:.0f} MiB, FDs {fd_idle_min}..{fd_idle_max}; "
                f"peak RSS since start {hwm_before / 1024:.0f} MiB")

            sampler = Sampler(pid)
            renewer = Renewer(kube, not_after, ARGS.renewals_per_second)
            # certwatch's CPU with renewals landing and probes running but nobody scraping,
            # so that the scrapes' own share can be told apart.
            renewer.start()
            time.sleep(1)
            base_cpu0, base_t0 = proc_cpu_seconds(pid), time.monotonic()
            time.sleep(10)
            background = (proc_cpu_seconds(pid) - base_cpu0) / (time.monotonic() - base_t0)
            accepts0 = nginx_accepts(status_port)
            cpu0 = proc_cpu_seconds(pid)
            sampler.start()
            storm_t0 = time.monotonic()
            rc, summary, res = run_scrapers(
                url, ["--scrapers", ARGS.scrapers, "--duration", ARGS.duration,
                      "--timeout", ARGS.timeout, "--plain-every", ARGS.plain_every, *expect,
                      *(["--no-keepalive"] if ARGS.no_keepalive else [])],
                ARGS.duration + ARGS.timeout + 120)
            renewer.stop_event.set()
            renewer.join(30)
            storm_cpu = proc_cpu_seconds(pid) - cpu0
            storm_wall = time.monotonic() - storm_t0
            scrape_cpu = max(0.0, storm_cpu - background * storm_wall)
            handshakes = nginx_accepts(status_port) - accepts0
            sampler.stop_event.set()
            sampler.join(5)
            peak = proc_status(pid)["VmHWM"]
            during_fd_max = max((x["fds"] for x in sampler.samples), default=0)
            during_threads_max = max((x["Threads"] for x in sampler.samples), default=0)
            time.sleep(5)  # let the last connections close
            rss_after, fd_after_max, fd_after_min = window(pid, 5)
            alive = serve.proc.alive()
            # One more scrape once the load is gone: still whole and consistent.
            _, _, last = run_scrapers(url, ["--scrapers", 1, "--max-scrapes", 1, "--duration",
                                            600, "--plain-every", 0, *expect], 300)
        finally:
            if serve:
                serve.stop()
            if kube:
                kube.stop()
            nginx.stop()

    for line in summary:
        print("  " + line)
    # The prober must keep its schedule while scrapes run; far fewer handshakes than the
    # schedule asks for means probing stalled under the scrape load.
    expected_rate = targets / seconds(ARGS.interval)
    probes_kept_up = handshakes / storm_wall >= 0.8 * expected_rate
    probes_note = "" if probes_kept_up else " -- PROBING FELL BEHIND under the scrape load"
    wall = res["duration_s"]
    print(f"""
load: {ARGS.scrapers} concurrent scrapers for {wall:.0f} s against {n} Certificates and {targets} TLS targets
  scrapes              {res['scrapes']} ({res['gzip']} gzip, {res['plain']} plain), answered {res['answered']}
  complete             {res['complete']}
  consistent           {res['consistent']}   (every object in every family, dates of one version)
  latency              p50 {res['p50_ms']:.0f} ms, p99 {res['p99_ms']:.0f} ms, max {res['max_ms']:.0f} ms (request to last byte)
  fairness             {res['per_scraper_min']}..{res['per_scraper_max']} scrapes per scraper
  collection           p50 {res['collect_p50_ms']:.0f} ms, max {res['collect_max_ms']:.0f} ms (certwatch_scrape_duration_seconds: the collectors alone)
  certwatch CPU        {storm_cpu:.1f} s during the run; {background:.2f} CPU-s/s without scrapes (probes, renewals landing), so ~{scrape_cpu:.0f} s for the scrapes = {1000 * scrape_cpu / max(res['answered'], 1):.0f} ms per answered scrape
  collections          {res['collections_gzip']} gzip + {res['collections_plain']} plain seen by the scrapers (distinct certwatch_scrape_duration_seconds) for {res['answered']} answers
  scrapers' checking   {res['answered'] - res['reused_verdicts']} bodies checked in full, {res['reused_verdicts']} byte-identical to a checked one; scraper CPU {res['client_cpu_s']:.0f} s
  renewals             {renewer.renewed} Certificates renewed through the API during the run ({renewer.errors} failed posts), {res['renewals_seen']:.0f} seen landing between the first and last complete scrape
  checker self-check   {self_check['self_check_cases'] - self_check['missed']}/{self_check['self_check_cases']} (a real exposition passes, each kind of damage is caught)
  TLS handshakes       {handshakes} during the run: {handshakes / storm_wall:.0f}/s of the {expected_rate:.0f}/s that {targets} targets every {ARGS.interval} need{probes_note}
  RSS                  idle {rss_idle / 1024:.0f} MiB, peak under load {peak / 1024:.0f} MiB, after {rss_after / 1024:.0f} MiB (peak before the run {hwm_before / 1024:.0f} MiB)
  FDs                  idle {fd_idle_min}..{fd_idle_max}, max under load {during_fd_max}, after {fd_after_min}..{fd_after_max}
  threads              max {during_threads_max} under load
  process              {'alive' if alive else 'DEAD'}; afterwards a scrape {'complete and consistent' if last['consistent'] == 1 else 'NOT complete and consistent'}: {last['certificates']} certificates, {last['tls_targets']} targets
  whole benchmark      {time.monotonic() - started:.0f} s (machine load average now {os.getloadavg()[0]:.1f}: other work shares these {os.cpu_count()} CPUs)""")
    goal = res["answered"] == res["scrapes"] == res["complete"] == res["consistent"]
    print(f"  goal (every scrape complete and consistent): {'met' if goal else 'NOT met'}")

    out_dir = os.environ.get("CERTWATCH_RELIABILITY_DIR")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        record = {"kind": "load", "scrapers": ARGS.scrapers, "scrapes": res["scrapes"],
                  "complete": res["complete"], "consistent": res["consistent"],
                  "p50_ms": res["p50_ms"], "p99_ms": res["p99_ms"], "max_ms": res["max_ms"],
                  "tls_targets": res["tls_targets"], "certificates": res["certificates"],
                  "rss_idle_kib": rss_idle, "rss_peak_kib": peak,
                  "fd_before": fd_idle_min, "fd_after": fd_after_min,
                  "rss_after_kib": rss_after, "duration_s": round(wall, 1),
                  "gzip": res["gzip"], "plain": res["plain"], "answered": res["answered"],
                  "renewals": renewer.renewed, "tls_handshakes": handshakes,
                  "tls_handshakes_expected": round(expected_rate * storm_wall),
                  "collections": res["collections_gzip"] + res["collections_plain"],
                  "load_average": round(os.getloadavg()[0], 1)}
        with open(os.path.join(out_dir, "load.json"), "w") as f:
            json.dump([record], f, indent=1)
        print(f"  reliability record   {os.path.join(out_dir, 'load.json')}")
    # Slow scrapes are a measurement; a 200 answer cut short or half-updated is a fault.
    return 1 if rc != 0 or not alive or last["consistent"] != 1 else 0


if __name__ == "__main__":
    sys.exit(main())
