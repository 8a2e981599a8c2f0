#!/usr/bin/python3
"""DNS probe benchmark: one local dnsmasq (answers from its own records, no upstream) queried by
certwatch's DNS prober (bench_dns_probe: c-ares on the epoll loop, one thread) and by
prometheus-blackbox-exporter's dns module (one probe = one query, driven over HTTP the way
Prometheus scrapes it) in the same run. Prints queries/s, CPU-seconds per 1,000 queries and
queries per CPU-second of each prober process (the HTTP driver and dnsmasq are not counted).

    bench/dns_probe.py --build BUILD_DIR [--queries 20000] [--blackbox-probes 3000]
                       [--concurrency 64]
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import certwatch_testlib as t  # noqa: E402

DNS_HOST = "127.0.0.61"
BB_HOST = "127.0.0.62"
NAME = "t.bench.test"
VALUE = "bench-value-0123456789"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def run_certwatch(build, resolver, queries, concurrency):
    binary = os.path.join(build, "bench", "bench_dns_probe")
    r = t.run([binary, "--resolver", resolver, "--name", NAME, "--type", "TXT",
               "--queries", str(queries), "--concurrency", str(concurrency)], timeout=600)
    return json.loads(r.stdout)


def run_blackbox(workdir, resolver, probes, concurrency):
    conf = os.path.join(workdir, "blackbox.yml")
    with open(conf, "w") as f:
        f.write(f"""modules:
  dns_txt:
    prober: dns
    timeout: 5s
    dns:
      query_name: "{NAME}"
      query_type: TXT
      transport_protocol: udp
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      valid_rcodes: [NOERROR]
""")
    port = t.free_port(BB_HOST)
    proc = t.Proc(["/usr/bin/prometheus-blackbox-exporter", f"--config.file={conf}",
                   f"--web.listen-address={BB_HOST}:{port}", "--log.level=error"],
                  workdir, name="blackbox")
    try:
        t.wait_port(BB_HOST, port)
        path = f"/probe?module=dns_txt&target={resolver}"

        def worker(n):
            conn = http.client.HTTPConnection(BB_HOST, port, timeout=30)
            ok = 0
            for _ in range(n):
                conn.request("GET", path)
                body = conn.getresponse().read()
                if b"\nprobe_success 1" in body:
                    ok += 1
            conn.close()
            return ok

        worker(20)  # warm-up
        per = [probes // concurrency + (1 if i < probes % concurrency else 0)
               for i in range(concurrency)]
        cpu0 = proc_cpu_seconds(proc.pid)
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(concurrency) as ex:
            ok = sum(ex.map(worker, per))
        wall = time.monotonic() - t0
        cpu = proc_cpu_seconds(proc.pid) - cpu0
    finally:
        proc.stop()
    return {"tool": "blackbox_exporter", "queries": probes, "ok": ok, "wall_seconds": wall,
            "cpu_seconds": cpu, "queries_per_second": probes / wall,
            "cpu_ms_per_1000": cpu * 1e6 / probes,
            "queries_per_cpu_second": probes / cpu if cpu > 0 else float("inf")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--queries", type=int, default=20000)
    ap.add_argument("--blackbox-probes", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--blackbox-concurrency", type=int, default=16)
    args = ap.parse_args()
    with t.tempdir("certwatch-bench-dns-") as workdir:
        port = t.free_port_tcp_udp(DNS_HOST)
        dnsmasq = t.Proc(["/usr/sbin/dnsmasq", "--no-daemon", "--conf-file=/dev/null",
                          "--no-resolv", "--no-hosts", "--bind-interfaces",
                          f"--listen-address={DNS_HOST}", f"--port={port}", "--pid-file=",
                          "--log-facility=-", "--dns-forward-max=1000",
                          f"--txt-record={NAME},{VALUE}"], workdir, name="dnsmasq")
        try:
            t.wait_port(DNS_HOST, port)
            resolver = f"{DNS_HOST}:{port}"
            cw = run_certwatch(args.build, resolver, args.queries, args.concurrency)
            bb = run_blackbox(workdir, resolver, args.blackbox_probes, args.blackbox_concurrency)
        finally:
            dnsmasq.stop()
    print(f"DNS probe benchmark: TXT {NAME} against dnsmasq on {DNS_HOST}, one run\n")
    print(f"{'prober':<20}{'queries':>9}{'ok':>8}{'wall s':>9}{'queries/s':>11}"
          f"{'CPU s':>9}{'CPU ms/1k':>11}{'q/CPU-s':>10}")
    for r in (cw, bb):
        print(f"{r['tool']:<20}{r['queries']:>9}{r['ok']:>8}{r['wall_seconds']:>9.2f}"
              f"{r['queries_per_second']:>11.0f}{r['cpu_seconds']:>9.2f}"
              f"{r['cpu_ms_per_1000']:>11.1f}{r['queries_per_cpu_second']:>10.0f}")
    ratio = cw["queries_per_cpu_second"] / bb["queries_per_cpu_second"]
    print(f"\ncertwatch answers {ratio:.1f}x the queries per CPU-second of blackbox_exporter "
          f"(goal: >= 10x)")
    print(json.dumps({"certwatch": cw, "blackbox_exporter": bb, "ratio": ratio}))
    return 0 if cw["ok"] == cw["queries"] and bb["ok"] == bb["queries"] else 1


if __name__ == "__main__":
    sys.exit(main())
