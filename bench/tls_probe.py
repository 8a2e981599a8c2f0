#!/usr/bin/python3
"""TLS probe benchmark: N local nginx endpoints (EC P-256 leaf, full handshakes: no session
cache, no tickets) probed by certwatch's prober (bench_tls_probe, one event-loop thread) and by
prometheus-blackbox-exporter (tcp prober with TLS) in the same run. Prints handshakes/s and
client CPU-seconds per 1,000 handshakes for both, and the OpenSSL floor for the client's share
of the handshake from `openssl speed` (X25519 key generation + shared secret, ECDSA P-256
verification of the server's CertificateVerify and of the leaf's signature).

    bench/tls_probe.py --build BUILD_DIR [--endpoints 20] [--handshakes 3000] [--concurrency 64]
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "lib"))
import certwatch_testlib as t  # noqa: E402

HOST = "127.0.0.5"
NAME = "bench.example.test"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid):
    """utime + stime of a process (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def start_nginx(tmp, cert, key, ports):
    return t.start_tls_nginx(tmp, HOST, ports, cert, key, NAME, workers=2, connections=8192)


def openssl_floor():
    """CPU-seconds of the client's public-key work in one handshake, from `openssl speed`."""
    out = t.run(["openssl", "speed", "-seconds", "2", "ecdsap256", "ecdhx25519"],
                timeout=120).stdout
    verify = ecdh = None
    for line in out.splitlines():
        m = re.match(r"\s*256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            verify = float(m.group(2))
        m = re.match(r"\s*253 bits ecdh \(X25519\)\s+\S+s\s+([\d.]+)", line)
        if m:
            ecdh = float(m.group(1))
    if not verify or not ecdh:
        raise RuntimeError(f"cannot parse openssl speed output:\n{out}")
    per_handshake = 2 / ecdh + 2 / verify
    return {"x25519_ops_per_second": ecdh, "ecdsa_p256_verify_per_second": verify,
            "cpu_seconds_per_1000": 1000 * per_handshake}


def run_s_time(ca, target, seconds=3):
    """OpenSSL's own client, `openssl s_time -new`: one handshake after another, as a
    reference for what OpenSSL 3's TLS stack costs beyond the public-key floor."""
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = t.run(["openssl", "s_time", "-connect", target, "-new", "-time", str(seconds),
               "-CAfile", ca], timeout=60, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    m = re.search(r"(\d+) connections in [\d.]+s;", r.stdout)
    n = int(m.group(1)) if m else 0
    return {"prober": "openssl s_time", "handshakes": n, "ok": n,
            "cpu_seconds_per_1000": round(1000 * cpu / n, 4) if n else None,
            "handshakes_per_second": round(n / seconds, 1)}


def run_certwatch(bench_bin, ca, targets, handshakes, concurrency):
    r = t.run([bench_bin, "--ca-file", ca, "--server-name", NAME, "--handshakes",
               str(handshakes), "--concurrency", str(concurrency), *targets], timeout=900,
              check=False)
    if not r.stdout.strip():
        raise RuntimeError(f"bench_tls_probe failed: {r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_blackbox(tmp, ca, targets, handshakes, concurrency):
    cfg = os.path.join(tmp, "blackbox.yml")
    with open(cfg, "w") as f:
        f.write(f"""modules:
  tls:
    prober: tcp
    timeout: 10s
    tcp:
      tls: true
      tls_config:
        ca_file: {ca}
        server_name: {NAME}
""")
    port = t.free_port()
    bb = t.Proc(["/usr/bin/prometheus-blackbox-exporter", f"--config.file={cfg}",
                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"], tmp,
                name="blackbox")
    try:
        t.wait_port("127.0.0.1", port)

        def one(i):
            q = urllib.parse.urlencode({"module": "tls", "target": targets[i % len(targets)]})
            status, _, body = t.http_get(f"http://127.0.0.1:{port}/probe?{q}", timeout=30)
            return status == 200 and b"\nprobe_success 1" in body

        one(0)  # warm-up outside the measurement
        cpu0 = proc_cpu_seconds(bb.pid)
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as ex:
            ok = sum(ex.map(one, range(handshakes)))
        wall = time.monotonic() - t0
        cpu = proc_cpu_seconds(bb.pid) - cpu0
    finally:
        bb.stop()
    return {"prober": "blackbox_exporter", "handshakes": handshakes, "ok": ok,
            "wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
            "handshakes_per_second": round(handshakes / wall, 1),
            "cpu_seconds_per_1000": round(1000 * cpu / handshakes, 4)}


def median_run(results):
    """The run with the median CPU per 1,000 handshakes, with every run's figure beside it."""
    measured = [r for r in results if r["cpu_seconds_per_1000"] is not None]
    if not measured:
        return results[0]
    measured.sort(key=lambda r: r["cpu_seconds_per_1000"])
    out = dict(measured[len(measured) // 2])
    out["cpu_seconds_per_1000_runs"] = [r["cpu_seconds_per_1000"] for r in results]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(t.SOURCE_DIR, "build"))
    ap.add_argument("--bench-bin", default=None)
    ap.add_argument("--endpoints", type=int, default=20)
    ap.add_argument("--handshakes", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3,
                    help="each prober runs once per round, in turn; the medians are reported "
                         "(the machine's load moves between one prober's run and the next)")
    ap.add_argument("--json", action="store_true", help="print one JSON document only")
    args = ap.parse_args()
    bench_bin = args.bench_bin or os.path.join(args.build, "bench", "bench_tls_probe")

    with t.tempdir(prefix="certwatch-bench-tls-") as tmp:
        os.chmod(tmp, 0o755)
        ca = t.CA(tmp, name="Bench Root CA")
        cert, key = ca.issue(NAME, name="leaf")
        ports = []
        while len(ports) < args.endpoints:
            p = t.free_port(HOST)
            if p not in ports:
                ports.append(p)
        targets = [f"{HOST}:{p}" for p in ports]
        nginx = start_nginx(tmp, cert, key, ports)
        runs = {"certwatch": [], "blackbox": [], "s_time": []}
        try:
            for _ in range(max(1, args.rounds)):
                runs["certwatch"].append(
                    run_certwatch(bench_bin, ca.cert, targets, args.handshakes, args.concurrency))
                runs["blackbox"].append(
                    run_blackbox(tmp, ca.cert, targets, args.handshakes, args.concurrency))
                runs["s_time"].append(run_s_time(ca.cert, targets[0]))
        finally:
            nginx.stop()
        cw, bb, st = (median_run(runs[k]) for k in ("certwatch", "blackbox", "s_time"))
        floor = openssl_floor()

    cw_cpu = cw["cpu_seconds_per_1000"]
    result = {
        "endpoints": args.endpoints, "handshakes": args.handshakes,
        "concurrency": args.concurrency, "certwatch": cw, "blackbox_exporter": bb,
        "openssl_s_time": st,
        "openssl_floor": floor,
        "cpu_ratio_blackbox_over_certwatch": round(bb["cpu_seconds_per_1000"] / cw_cpu, 2),
        "cpu_ratio_certwatch_over_floor": round(cw_cpu / floor["cpu_seconds_per_1000"], 2),
        "cpu_ratio_certwatch_over_s_time": (round(cw_cpu / st["cpu_seconds_per_1000"], 2)
                                            if st["cpu_seconds_per_1000"] else None),
        "targets_per_minute_on_one_core": int(60 * 1000 / cw_cpu),
    }
    s_time_ratio = result["cpu_ratio_certwatch_over_s_time"]
    result["goals"] = {
        "client CPU per handshake <= openssl s_time -new's":
            s_time_ratio is not None and s_time_ratio <= 1.0,
        ">=2x less client CPU than blackbox": result["cpu_ratio_blackbox_over_certwatch"] >= 2,
        "10,000 targets/min on one core": result["targets_per_minute_on_one_core"] >= 10000,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"TLS probe benchmark: {args.endpoints} nginx endpoints on {HOST}, "
          f"{args.handshakes} full handshakes per run, concurrency {args.concurrency}, "
          f"ECDSA P-256 leaf, X25519; the median of {max(1, args.rounds)} rounds")
    print(f"{'prober':<20}{'ok':>7}{'handshakes/s':>14}{'CPU-s/1000':>12}   every round")
    for r in (cw, bb, st):
        if r["cpu_seconds_per_1000"] is None:
            continue
        rounds = " ".join(f"{x:.4f}" if x is not None else "-"
                          for x in r["cpu_seconds_per_1000_runs"])
        print(f"{r['prober']:<20}{r['ok']:>7}{r['handshakes_per_second']:>14.1f}"
              f"{r['cpu_seconds_per_1000']:>12.4f}   {rounds}")
    print(f"{'openssl floor':<20}{'':>7}{'':>14}{floor['cpu_seconds_per_1000']:>12.4f}"
          f"   (2 x X25519 at {floor['x25519_ops_per_second']:.0f}/s + 2 x ECDSA verify at "
          f"{floor['ecdsa_p256_verify_per_second']:.0f}/s)")
    print(f"blackbox / certwatch CPU: {result['cpu_ratio_blackbox_over_certwatch']}x; "
          f"certwatch / s_time: {s_time_ratio}x; "
          f"certwatch / floor: {result['cpu_ratio_certwatch_over_floor']}x; "
          f"one core: {result['targets_per_minute_on_one_core']} targets/min")
    for goal, met in result["goals"].items():
        print(f"  {'MET ' if met else 'MISS'} {goal}")
    print("(openssl s_time -new: OpenSSL's own client, one full handshake after another against "
          "the first endpoint; the floor: the public-key operations alone, for reference)")
    print("(client CPU only: certwatch = getrusage of the prober process; blackbox = its "
          "process CPU, which includes serving the /probe HTTP requests that drive it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
