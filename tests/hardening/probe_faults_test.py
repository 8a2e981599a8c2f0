"""Fault soak of the TLS and DNS probers: one `certwatch serve` probes a healthy TLS endpoint
(openssl s_server), a healthy resolver (dnsmasq) and a certificate file, plus many targets on
misbehaving peers (fault_peers.py): TLS peers that stall, trickle bytes, answer garbage, send a
~100 KB chain, close or reset; resolvers that stay silent or lie (wrong id, wrong question,
another name's records, TC then garbage over TCP, SERVFAIL, REFUSED, random bytes).

Each fault kind is delivered at least CERTWATCH_FAULT_REPETITIONS times (1,000 by default),
counted by the peer. Throughout, every scrape must show: certwatch alive; each faulty target's
success at 0 with the right reason / rcode; the healthy series and the file certificate present
and unchanged; no probe longer than its timeout. File descriptors and RSS after a warm-up and at
the end must not grow. Then the peers turn healthy and every target recovers, same process.
With CERTWATCH_RELIABILITY_DIR set, the counts go to probe_faults.json there."""

import json
import os
import ssl
import sys
import time
import unittest

import certwatch_testlib as tl

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "fault_peers.py")
DNSMASQ = "/usr/sbin/dnsmasq"

REPETITIONS = max(1, int(os.environ.get("CERTWATCH_FAULT_REPETITIONS", "1000")))
TLS_TIMEOUT = 0.8  # seconds; the interval is 1s (the smallest allowed)
DNS_TIMEOUT = 0.5
# A probe's recorded duration may pass its deadline by the loop's timer latency only; on two
# cores shared with builds and benchmarks (load 16 seen) that reached 0.6 s. A probe that
# ignored its deadline would take the trickle's 20 s, or forever.
DURATION_SLACK = 1.0
# Every target's last probe is at most this old: no probe hangs and holds its target.
FRESH_LIMIT = 5
FD_SLACK = 8
# Memory: the first half of the soak grows the heap to its working size (probe buffers, peak
# concurrency); a leak grows with the faults, so the second half must stay nearly flat.
RSS_GROWTH_KIB = 32 * 1024
RSS_SECOND_HALF_GROWTH_KIB = 8 * 1024
SOAK_LIMIT = 60.0  # seconds for the fault phase beyond twice the expected time
TARGETS_PER_FAULT = 20
TRICKLE_MS = 20  # ~1 KB of server flight then takes 20 s: far past the timeout

TLS_HEALTHY_HOST = "127.0.0.60"
DNS_HEALTHY_HOST = "127.0.0.63"
ANSWER_A, ANSWER_TXT = "192.0.2.10", "hello"

# fault kind -> (what the peer does, the reasons certwatch_tls_verify_result may show)
TLS_FAULTS = {
    "stall": ("peer accepts and never sends a byte", {"timeout"}),
    "trickle": (f"TLS server trickles its handshake one byte every {TRICKLE_MS} ms",
                {"timeout"}),
    "garbage": ("peer answers the ClientHello with random bytes", {"handshake_failed"}),
    "bigchain": ("TLS server sends a certificate chain over 100 KiB", {"handshake_failed"}),
    "close": ("peer closes (FIN) right after accept", {"handshake_failed"}),
    "reset": ("peer resets the connection after the ClientHello", {"handshake_failed"}),
}
# fault kind -> (what the resolver does, the rcodes certwatch_dns_probe_rcode may show)
DNS_FAULTS = {
    "silent": ("resolver never answers", {"TIMEOUT"}),
    "wrong_id": ("resolver answers under a wrong transaction id", {"TIMEOUT"}),
    "wrong_question": ("resolver answers another question", {"TIMEOUT"}),
    "other_name": ("resolver answers with another name's records", {"MALFORMED"}),
    # c-ares gives up on a server whose TCP stream breaks: "Could not contact DNS servers"
    # (CONNREFUSED), or the deadline comes first on a slow (sanitized) build.
    "tc_garbage": ("resolver truncates (TC), then sends garbage over TCP",
                   {"CONNREFUSED", "TIMEOUT"}),
    "tc_silent": ("resolver truncates (TC), then never answers over TCP", {"TIMEOUT"}),
    "servfail": ("resolver answers SERVFAIL", {"SERVFAIL"}),
    "refused": ("resolver answers REFUSED", {"REFUSED"}),
    # c-ares drops packets that are not an answer to an open query, and waits on.
    "random": ("resolver answers random bytes", {"TIMEOUT"}),
}


def entries(state, key):
    """The results under `key` of /api/v1/state, whether kept as a map or a list."""
    v = state[key]
    return list(v.values()) if isinstance(v, dict) else list(v)


def make_big_chain(workdir, root, count=44, pad=2000):
    """A leaf under `count` intermediates, each padded by an nsComment to about 2.4 KB, made
    with the openssl CLI: over OpenSSL's 100 KiB max_cert_list. Returns (chain, leaf key)."""
    d = os.path.join(workdir, "bigchain")
    os.makedirs(d)
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n"
                f"nsComment={'p' * pad}\n"
                "[leaf]\nbasicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:*.faults.example.test\n")
    parent_crt, parent_key = root.cert, root.key
    certs = []
    for i in range(count + 1):
        leaf = i == count
        key = os.path.join(d, f"{i}.key")
        csr = os.path.join(d, f"{i}.csr")
        crt = os.path.join(d, f"{i}.crt")
        tl.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", key])
        cn = "bigchain.faults.example.test" if leaf else f"Padded Intermediate {i}"
        tl.run(["openssl", "req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={cn}"])
        tl.run(["openssl", "x509", "-req", "-in", csr, "-CA", parent_crt, "-CAkey", parent_key,
                "-set_serial", str(5000 + i), "-days", "30", "-sha256", "-extfile", ext,
                "-extensions", "leaf" if leaf else "ca", "-out", crt])
        certs.append(crt)
        parent_crt, parent_key = crt, key
    chain = os.path.join(d, "chain.pem")
    with open(chain, "w") as out:
        for crt in reversed(certs):  # leaf first
            with open(crt) as f:
                out.write(f.read())
    return chain, os.path.join(d, f"{count}.key")


def der_size(pem_path):
    """Bytes of all certificates in a PEM file as they go on the wire (DER)."""
    with open(pem_path) as f:
        blocks = f.read().split("-----END CERTIFICATE-----")
    return sum(len(ssl.PEM_cert_to_DER_cert(b.strip() + "\n-----END CERTIFICATE-----\n"))
               for b in blocks if "BEGIN CERTIFICATE" in b)


class FaultPeers:
    """fault_peers.py as a child process running the peers of `kinds`; `addresses` is what it
    wrote to its port file."""

    def __init__(self, workdir, name, kinds, *args):
        self.kinds = kinds
        port_file = os.path.join(workdir, f"fault-peers-{name}.json")
        if os.path.exists(port_file):
            os.unlink(port_file)  # a stale one would point at ports nobody listens on
        self.proc = tl.Proc(["/usr/bin/python3", PEERS, "--kinds", ",".join(kinds), *args,
                             "--port-file", port_file], workdir, name=f"fault-peers-{name}")
        tl.wait_for(lambda: os.path.exists(port_file) or not self.proc.alive(), 30,
                    what="fault peers' port file")
        if not self.proc.alive():
            raise AssertionError(f"fault peers died:\n{self.proc.output()}")
        with open(port_file) as f:
            self.addresses = json.load(f)
        self.control = f"http://{self.addresses['control']}"

    def stats(self):
        status, _, body = tl.http_get(self.control + "/stats", timeout=10)
        if status != 200:
            raise AssertionError(f"fault peers stats: {status}")
        return json.loads(body)

    def set_healthy(self, healthy):
        status, _, _ = tl.http_post(self.control + ("/mode/healthy" if healthy else "/mode/faulty"))
        if status != 200:
            raise AssertionError(f"fault peers mode: {status}")

    def stop(self):
        self.proc.stop()


class PeerGroup:
    """Several FaultPeers as one: addresses and counts of each kind from its own process."""

    def __init__(self, members):
        self.members = members
        self.addresses = {"tls": {}, "dns": {}}
        for m in members:
            for area in ("tls", "dns"):
                self.addresses[area].update(m.addresses.get(area, {}))

    def stats(self):
        out = {"tls": {}, "dns": {}}
        for m in self.members:
            got = m.stats()
            for area in ("tls", "dns"):
                out[area].update({k: v for k, v in got[area].items() if k in m.kinds})
        return out

    def set_healthy(self, healthy):
        for m in self.members:
            m.set_healthy(healthy)


class ProbeFaultsTest(tl.ServersTestCase):
    def test_faulty_peers_leave_certwatch_and_other_series_intact(self):
        d = self.workdir
        # 20 targets per TLS fault and 20 questions per resolver (10 names, A and TXT) on the
        # 1 s interval: 1,000 faults of each kind in about 50 s; more repetitions run longer.
        tls_per_kind = TARGETS_PER_FAULT
        dns_names = [f"n{i}.example.test" for i in range(TARGETS_PER_FAULT // 2)]
        soak_limit = SOAK_LIMIT + 2 * REPETITIONS / TARGETS_PER_FAULT

        root = tl.CA(d, name="Faults Root CA")
        inter = tl.CA(d, name="Faults Intermediate CA", parent=root)
        good, good_key = inter.issue("healthy.example.test", name="healthy")
        good_chain = os.path.join(d, "healthy-chain.pem")
        peer_crt, peer_key = inter.issue("peer.faults.example.test",
                                         sans=["*.faults.example.test"], name="peer")
        peer_chain = os.path.join(d, "peer-chain.pem")
        for out, leaf in ((good_chain, good), (peer_chain, peer_crt)):
            with open(out, "w") as f:
                for p in (leaf, inter.cert):
                    with open(p) as src:
                        f.write(src.read())
        big_chain, big_key = make_big_chain(d, root)
        big_size = der_size(big_chain)
        self.assertGreater(big_size, 100 * 1024, "the big chain must pass max_cert_list")
        files_dir = os.path.join(d, "files")
        os.makedirs(files_dir)
        file_crt, _ = root.issue("file.example.test", outdir=files_dir, name="file")
        os.unlink(os.path.join(files_dir, "file.key"))
        os.unlink(os.path.join(files_dir, "file.csr"))

        # Three processes: the peers that work hard (Python TLS handshakes, byte-by-byte
        # writes) must not delay the ones whose answer is due at once.
        tls_args = ["--cert", peer_chain, "--key", peer_key]
        peers = PeerGroup([
            self.keep(FaultPeers(d, "tls-quick", ["stall", "garbage", "close", "reset"],
                                 *tls_args)),
            self.keep(FaultPeers(d, "tls-busy", ["trickle", "bigchain"], *tls_args,
                                 "--bigchain", big_chain, "--bigchain-key", big_key,
                                 "--trickle-ms", str(TRICKLE_MS))),
            self.keep(FaultPeers(d, "dns", list(DNS_FAULTS), "--answer-a", ANSWER_A,
                                 "--answer-txt", ANSWER_TXT))])
        port = tl.free_port(TLS_HEALTHY_HOST)
        self.keep(tl.Proc(
            ["openssl", "s_server", "-accept", f"{TLS_HEALTHY_HOST}:{port}", "-cert", good,
             "-key", good_key, "-cert_chain", inter.cert, "-www", "-quiet", "-naccept",
             "100000000"], d, name="s_server"))
        tl.wait_port(TLS_HEALTHY_HOST, port)
        healthy_tls = f"{TLS_HEALTHY_HOST}:{port}"
        dns_port = tl.free_port_tcp_udp(DNS_HEALTHY_HOST)
        healthy_dns = f"{DNS_HEALTHY_HOST}:{dns_port}"
        self.keep(tl.Proc(
            [DNSMASQ, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
             "--bind-interfaces", f"--listen-address={DNS_HEALTHY_HOST}", f"--port={dns_port}",
             "--pid-file=", "--log-facility=-", "--local=/test/",
             f"--address=/example.test/{ANSWER_A}"]
            + [f"--txt-record={n},{ANSWER_TXT}" for n in dns_names], d, name="dnsmasq"))
        tl.wait_port(DNS_HEALTHY_HOST, dns_port)

        tls_targets = {}  # (address, server_name) -> fault kind, or None when healthy
        lines = ["kubernetes:", "  enabled: false", "files:", f'  - path: "{files_dir}/*.crt"',
                 "tls_probes:", "  interval: 1s", f"  timeout: {int(TLS_TIMEOUT * 1000)}ms",
                 "  max_concurrency: 1024", "  targets:",
                 f'    - address: "{healthy_tls}"', '      server_name: "healthy.example.test"',
                 f'      ca_file: "{root.cert}"']
        tls_targets[(healthy_tls, "healthy.example.test")] = None
        for kind in TLS_FAULTS:
            for i in range(tls_per_kind):
                name = f"{kind}-{i}.faults.example.test"
                addr = peers.addresses["tls"][kind]
                tls_targets[(addr, name)] = kind
                lines += [f'    - address: "{addr}"', f'      server_name: "{name}"',
                          f'      ca_file: "{root.cert}"']
        resolvers = {healthy_dns: None}
        resolvers.update({peers.addresses["dns"][k]: k for k in DNS_FAULTS})
        lines += ["dns_probes:", "  interval: 1s", f"  timeout: {int(DNS_TIMEOUT * 1000)}ms",
                  "  max_concurrency: 1024", "  authoritative: false",
                  "  acme_challenges: false", "  caa: false",
                  "  resolvers: [" + ", ".join(f'"{r}"' for r in resolvers) + "]", "  queries:"]
        for n in dns_names:
            lines += [f'    - name: "{n}"', "      types: [A, TXT]"]
        serve = self.keep(tl.CertwatchServe(d, "\n".join(lines) + "\n"))
        pid = serve.proc.pid
        # Sanitized builds run several times slower: their timers are as late as that.
        asan = tl.sanitized(pid)
        slack = DURATION_SLACK * (3 if asan else 1)

        def scrape():
            status, _, body = serve.get("/metrics", timeout=10)
            self.assertEqual(status, 200)
            return body.decode()

        # Index every scrape by target once; the checks below read these maps.
        def index(text):
            tls, dns, files = {}, {}, {}
            for (name, ls), v in tl.parse_metrics(text).items():
                ls = dict(ls)
                if name.startswith("certwatch_tls_"):
                    key = (ls.get("target"), ls.get("server_name"))
                    slot = tls.setdefault(key, {"reasons": set()})
                    if name == "certwatch_tls_verify_result":
                        if v == 1:
                            slot["reasons"].add(ls["reason"])
                    else:
                        slot[name] = v
                elif name.startswith("certwatch_dns_probe_"):
                    key = (ls.get("resolver"), ls.get("name"), ls.get("type"))
                    slot = dns.setdefault(key, {"rcodes": set()})
                    if name == "certwatch_dns_probe_rcode":
                        if v == 1:
                            slot["rcodes"].add(ls["rcode"])
                    else:
                        slot[name] = v
                elif name == "certwatch_file_cert_not_after_timestamp_seconds":
                    files[ls["path"]] = v
            return tls, dns, files

        file_not_after = tl.cert_not_after(file_crt)
        healthy_not_after = tl.cert_not_after(good)

        # kind -> reasons / rcodes shown and the longest probe, over every fault-phase scrape
        seen = {k: {"labels": set(), "max_duration": 0.0} for k in [*TLS_FAULTS, *DNS_FAULTS]}

        def problems(text, recovered=False):
            """kind -> list of what is wrong in this scrape; "others" for the healthy series."""
            tls, dns, files = index(text)
            out = {}

            def note(kind, labels, duration):
                if kind and not recovered:
                    seen[kind]["labels"] |= labels
                    seen[kind]["max_duration"] = max(seen[kind]["max_duration"], duration)

            def bad(kind, what):
                out.setdefault(kind, []).append(what)

            for (addr, name), kind in tls_targets.items():
                s = tls.get((addr, name))
                who = kind or "others"
                if s is None or "certwatch_tls_probe_success" not in s:
                    bad(who, f"tls {name}: no series")
                    continue
                want_ok = kind is None or recovered
                if s["certwatch_tls_probe_success"] != (1 if want_ok else 0):
                    bad(who, f"tls {name}: success {s['certwatch_tls_probe_success']}")
                if want_ok:
                    if s["reasons"] != {"ok"}:
                        bad(who, f"tls {name}: reasons {s['reasons']}")
                    if kind is None and s.get("certwatch_tls_cert_not_after_timestamp_seconds") \
                            != healthy_not_after:
                        bad(who, f"tls {name}: not_after changed")
                elif not s["reasons"] or not s["reasons"] <= TLS_FAULTS[kind][1]:
                    bad(who, f"tls {name}: reasons {s['reasons']}")
                dur = s.get("certwatch_tls_probe_duration_seconds", 0)
                note(kind, s["reasons"], dur)
                if dur > TLS_TIMEOUT + slack:
                    bad(who, f"tls {name}: took {dur:.3f}s")
            for resolver, kind in resolvers.items():
                who = kind or "others"
                for n in dns_names:
                    for t in ("A", "TXT"):
                        s = dns.get((resolver, n, t))
                        if s is None or "certwatch_dns_probe_success" not in s:
                            bad(who, f"dns {resolver} {n} {t}: no series")
                            continue
                        want_ok = kind is None or recovered
                        if s["certwatch_dns_probe_success"] != (1 if want_ok else 0):
                            bad(who, f"dns {resolver} {n} {t}: success "
                                     f"{s['certwatch_dns_probe_success']}")
                        allowed = {"NOERROR"} if want_ok else DNS_FAULTS[kind][1]
                        if not s["rcodes"] or not s["rcodes"] <= allowed:
                            bad(who, f"dns {resolver} {n} {t}: rcodes {s['rcodes']}")
                        dur = s.get("certwatch_dns_probe_duration_seconds", 0)
                        note(kind, s["rcodes"], dur)
                        if dur > DNS_TIMEOUT + slack:
                            bad(who, f"dns {resolver} {n} {t}: took {dur:.3f}s")
            if files.get(file_crt) != file_not_after:
                bad("others", f"file {file_crt}: {files.get(file_crt)}")
            return out

        def stale_probes(out):
            """Adds to `out` every target whose last probe is older than FRESH_LIMIT."""
            state = json.loads(serve.get("/api/v1/state", timeout=10)[2])
            now = time.time()
            for r in entries(state, "tls"):
                kind = tls_targets.get((r["target"], r["server_name"]), "others") or "others"
                if now - r["last_probe"] > FRESH_LIMIT:
                    out.setdefault(kind, []).append(f"tls {r['server_name']}: stale")
            for r in entries(state, "dns"):
                kind = resolvers.get(r["resolver"], "others") or "others"
                if now - r["last_probe"] > FRESH_LIMIT:
                    out.setdefault(kind, []).append(f"dns {r['resolver']} {r['name']}: stale")

        # Warm-up: every target has been probed once and shows its fault.
        def warm():
            p = problems(scrape())
            return True if not p else None

        try:
            tl.wait_for(warm, 30, interval=0.5, what="every target probed")
        except TimeoutError:
            self.fail(f"warm-up: {problems(scrape())}\n{serve.proc.output()[-3000:]}")
        time.sleep(3)
        fd_before = tl.quiet_fds(pid)
        rss_before = tl.proc_rss_kib(pid)
        peers_before = peers.stats()

        # Soak until each fault kind was delivered REPETITIONS times, checking every scrape.
        survived = {("tls", k): 0 for k in TLS_FAULTS}
        survived.update({("dns", k): 0 for k in DNS_FAULTS})
        first_problem = {}
        others_kept = True
        scrapes = 0
        rss_trace = []
        deadline = time.monotonic() + soak_limit
        while True:
            self.assertTrue(serve.proc.alive(), f"certwatch died:\n{serve.proc.output()[-3000:]}")
            # Faults counted before a scrape are the ones that scrape vouches for.
            stats = peers.stats()
            p = problems(scrape())
            if scrapes % 10 == 0:
                stale_probes(p)
            scrapes += 1
            rss_trace.append(tl.proc_rss_kib(pid))
            if "others" in p:
                others_kept = False
                first_problem.setdefault("others", p["others"][:5])
            for (area, kind) in survived:
                if kind in p:
                    first_problem.setdefault(kind, p[kind][:5])
                elif serve.proc.alive() and kind not in first_problem:
                    survived[(area, kind)] = stats[area][kind]["delivered"]
            done = all(stats[a][k]["delivered"] >= REPETITIONS for (a, k) in survived)
            if done or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertTrue(serve.proc.alive(), f"certwatch died:\n{serve.proc.output()[-3000:]}")
        injected = stats
        fd_after = tl.quiet_fds(pid)
        rss_after = tl.proc_rss_kib(pid)

        # The 100 KB chain fails with OpenSSL's own words, not a hang or a crash.
        state = json.loads(serve.get("/api/v1/state", timeout=10)[2])
        big = [r for r in entries(state, "tls") if r["server_name"].startswith("bigchain-")]
        self.assertEqual(len(big), tls_per_kind)
        for r in big:
            self.assertIn("excessive message size", r["error"])
            self.assertIn("certificate chain", r["error"])

        # Recovery: the same peers behave, the same process sees it.
        peers.set_healthy(True)
        recovered_at = None
        try:
            tl.wait_for(lambda: not problems(scrape(), recovered=True), 30, interval=0.5,
                        what="recovery")
            recovered_at = time.monotonic()
        except TimeoutError:
            pass
        final = problems(scrape(), recovered=True)
        self.assertEqual(serve.proc.pid, pid)
        self.assertTrue(serve.proc.alive())
        healthy_counts = peers.stats()

        records = []
        for (area, kind), kept in survived.items():
            desc, expect = (TLS_FAULTS if area == "tls" else DNS_FAULTS)[kind]
            limit = (TLS_TIMEOUT if area == "tls" else DNS_TIMEOUT) + slack
            if area == "tls":
                metric = ("certwatch_tls_probe_success=0, certwatch_tls_verify_result{reason="
                          + "/".join(sorted(expect)) + "}=1")
            else:
                metric = ("certwatch_dns_probe_success=0, certwatch_dns_probe_rcode{rcode="
                          + "/".join(sorted(expect)) + "}=1")
            records.append({
                "kind": "fault", "area": area, "fault": desc,
                "injected": injected[area][kind]["delivered"],
                "survived": kept,
                "timeout_ok": seen[kind]["max_duration"] <= limit,
                "metric": metric, "others_kept": others_kept,
                "recovered": recovered_at is not None and kind not in final,
                "fd_before": fd_before, "fd_after": fd_after,
                "rss_before_kib": rss_before, "rss_after_kib": rss_after})
        records.append({
            "kind": "soak_total", "area": "tls and dns probes",
            "faults": sum(injected[a][k]["delivered"] for (a, k) in survived),
            "scrapes": scrapes, "fd_before": fd_before, "fd_after": fd_after,
            "rss_before_kib": rss_before, "rss_after_kib": rss_after})
        out_dir = os.environ.get("CERTWATCH_RELIABILITY_DIR")
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
            with open(os.path.join(out_dir, "probe_faults.json"), "w") as f:
                json.dump(records, f, indent=1)
        summary = {f"{a}/{k}": (injected[a][k]["delivered"] - peers_before[a][k]["delivered"],
                                injected[a][k]["delivered"]) for (a, k) in survived}
        quarters = [rss_trace[i * (len(rss_trace) - 1) // 4] for i in range(5)]
        print(f"\nscrapes={scrapes} chain={big_size}B fds {fd_before}->{fd_after} "
              f"rss {rss_before}->{rss_after} KiB (quarters {quarters}) "
              f"delivered(after warm-up, total)={summary}", file=sys.stderr)
        for kind, v in seen.items():
            print(f"  {kind}: {sorted(v['labels'])} longest {v['max_duration']:.3f}s",
                  file=sys.stderr)

        for m in peers.members:
            # A peer that broke would count faults it never delivered.
            self.assertNotIn("Traceback", m.proc.output(), f"fault peer {m.kinds} failed")
        self.assertEqual(first_problem, {}, "a scrape showed a wrong series")
        for (area, kind) in survived:
            self.assertGreaterEqual(injected[area][kind]["delivered"], REPETITIONS,
                                    f"{area}/{kind} delivered too few faults")
            self.assertEqual(survived[(area, kind)], injected[area][kind]["delivered"],
                             f"{area}/{kind}: not every delivered fault was handled")
        self.assertLessEqual(fd_after, fd_before + FD_SLACK, "file descriptors grew")
        if not asan:  # its quarantine holds freed memory on purpose
            self.assertLess(rss_after - rss_before, RSS_GROWTH_KIB, "RSS grew")
            midpoint = rss_trace[len(rss_trace) // 2]
            self.assertLess(rss_after - midpoint, RSS_SECOND_HALF_GROWTH_KIB,
                            f"RSS kept growing with the faults (quarters {quarters})")
        self.assertEqual(final, {}, "targets did not recover")
        for area, kinds in (("tls", TLS_FAULTS), ("dns", DNS_FAULTS)):
            for kind in kinds:
                self.assertGreater(healthy_counts[area][kind]["healthy"], 0,
                                   f"{area}/{kind} peer never served a healthy answer")


if __name__ == "__main__":
    unittest.main()
