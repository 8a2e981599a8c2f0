"""Shared helpers for certwatch's integration tests: free ports, processes stopped by PID,
HTTP waits, and real certificates made with the openssl CLI."""

import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request

BIN = os.environ.get("CERTWATCH_BIN", "build/certwatch")
SOURCE_DIR = os.environ.get("CERTWATCH_SOURCE_DIR", os.getcwd())
BINARY_DIR = os.environ.get("CERTWATCH_BINARY_DIR", os.path.join(SOURCE_DIR, "build"))


def free_port(host="127.0.0.1", kind=socket.SOCK_STREAM):
    """A port free right now on `host` (TCP by default; pass SOCK_DGRAM for UDP)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_port_tcp_udp(host="127.0.0.1", tries=50):
    """A port free for both TCP and UDP (DNS servers)."""
    for _ in range(tries):
        port = free_port(host)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind((host, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free for TCP and UDP")


class Proc:
    """A child process in its own process group, with output in files; stopped by PID."""

    def __init__(self, args, workdir, name=None, env=None, stdin=None):
        self.name = name or os.path.basename(args[0])
        self.out_path = os.path.join(workdir, f"{self.name}.{os.getpid()}.{time.monotonic_ns()}.log")
        self._out = open(self.out_path, "wb")
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        self.args = args
        self.p = subprocess.Popen(args, stdout=self._out, stderr=subprocess.STDOUT,
                                  stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                  env=full_env, start_new_session=True)

    @property
    def pid(self):
        return self.p.pid

    def output(self):
        if not self._out.closed:
            self._out.flush()
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.p.pid, sig)

    def stop(self, timeout=10):
        if self.alive():
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(timeout=timeout)
        self._out.close()
        return self.p.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def wait_for(pred, timeout=20.0, interval=0.05, what="condition"):
    """Polls `pred` until it returns a truthy value; raises after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last_exc = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}: {last_exc}")


def wait_port(host, port, timeout=20.0):
    def ok():
        with socket.create_connection((host, port), timeout=0.5):
            return True
    return wait_for(ok, timeout, what=f"{host}:{port} to accept")


def http_get(url, timeout=10.0, headers=None, context=None):
    """(status, headers, body bytes); HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def http_post(url, data=b"", timeout=10.0, headers=None):
    req = urllib.request.Request(url, data=data, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def run(args, timeout=60, check=True, **kw):
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise RuntimeError(f"{args} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def generate_env():
    """The environment for `certwatch generate`. Its time is libjsonnet evaluating the mixin;
    in the sanitized binary each of libjsonnet's allocations goes through ASan's allocator,
    and recording a 30-frame stack for each is half of that time (perf: StackDepot::Put 31%,
    40 s -> 23 s per run). Two frames keep every check; only reports name fewer callers."""
    env = dict(os.environ)
    if os.environ.get("CERTWATCH_SANITIZED") == "1":
        opts = env.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "malloc_context_size=2"
    return env


@contextlib.contextmanager
def tempdir(prefix="certwatch-test-"):
    d = tempfile.mkdtemp(prefix=prefix)
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


class CA:
    """A certificate authority on disk, made with `openssl`, that issues leaves with any dates
    (including expired and not-yet-valid ones, through `openssl ca -startdate/-enddate`)."""

    def __init__(self, workdir, name="Test Root CA", key_type="ec", parent=None):
        self.dir = os.path.join(workdir, name.replace(" ", "_"))
        os.makedirs(os.path.join(self.dir, "newcerts"), exist_ok=True)
        self.key = os.path.join(self.dir, "ca.key")
        self.cert = os.path.join(self.dir, "ca.crt")
        self.key_type = key_type
        open(os.path.join(self.dir, "index.txt"), "w").close()
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("1000\n")
        _genkey(self.key, key_type)
        if parent is None:
            run(["openssl", "req", "-x509", "-new", "-key", self.key, "-out", self.cert,
                 "-days", "3650", "-subj", f"/CN={name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        else:
            csr = os.path.join(self.dir, "ca.csr")
            run(["openssl", "req", "-new", "-key", self.key, "-out", csr, "-subj", f"/CN={name}"])
            parent._sign(csr, self.cert, ca=True, days=3650)

    def _conf(self, ext_lines):
        conf = os.path.join(self.dir, f"ca-{time.monotonic_ns()}.cnf")
        with open(conf, "w") as f:
            f.write(f"""[ca]
default_ca = cw
[cw]
dir = {self.dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
x509_extensions = ext
[anything]
commonName = supplied
[ext]
{chr(10).join(ext_lines)}
""")
        return conf

    def _sign(self, csr, out, ca=False, days=90, not_before=None, not_after=None, sans=()):
        if ca:
            ext = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]
        else:
            ext = ["basicConstraints=critical,CA:FALSE",
                   "keyUsage=critical,digitalSignature,keyEncipherment",
                   "extendedKeyUsage=serverAuth,clientAuth"]
            if sans:
                alt = ",".join((f"IP:{s}" if s.replace(".", "").isdigit() else f"DNS:{s}") for s in sans)
                ext.append(f"subjectAltName={alt}")
        conf = self._conf(ext)
        now = datetime.datetime.now(datetime.timezone.utc)
        nb = not_before or (now - datetime.timedelta(hours=1))
        na = not_after or (now + datetime.timedelta(days=days))
        fmt = "%Y%m%d%H%M%SZ"
        run(["openssl", "ca", "-batch", "-config", conf, "-in", csr, "-out", out, "-notext",
             "-cert", self.cert, "-keyfile", self.key,
             "-startdate", nb.strftime(fmt), "-enddate", na.strftime(fmt)])

    def issue(self, cn, sans=None, days=90, not_before=None, not_after=None, key_type=None,
              outdir=None, name=None):
        """Issues a leaf; returns (cert_path, key_path). Dates are aware datetimes."""
        outdir = outdir or self.dir
        name = name or cn.replace("*", "wildcard").replace(" ", "_")
        key = os.path.join(outdir, f"{name}.key")
        cert = os.path.join(outdir, f"{name}.crt")
        csr = os.path.join(outdir, f"{name}.csr")
        _genkey(key, key_type or self.key_type)
        run(["openssl", "req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={cn}"])
        self._sign(csr, cert, days=days, not_before=not_before, not_after=not_after,
                   sans=sans if sans is not None else [cn])
        return cert, key


def _genkey(path, key_type):
    if key_type == "rsa":
        run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
             "-out", path])
    else:
        run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", path])


def cert_not_after(cert_path):
    """notAfter of a PEM certificate, as unix seconds (via openssl)."""
    out = run(["openssl", "x509", "-in", cert_path, "-noout", "-enddate"]).stdout.strip()
    s = out.split("=", 1)[1]
    return int(datetime.datetime.strptime(s, "%b %d %H:%M:%S %Y %Z")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def parse_metrics(text):
    """Prometheus text format -> {(name, frozenset(labels.items())): value}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if "{" in line:
            name, rest = line.split("{", 1)
            labels_s, value = rest.rsplit("}", 1)
            labels = {}
            i = 0
            while i < len(labels_s):
                eq = labels_s.index("=", i)
                k = labels_s[i:eq].strip().lstrip(",").strip()
                j = eq + 2
                v = []
                while labels_s[j] != '"':
                    if labels_s[j] == "\\":
                        j += 1
                        v.append({"n": "\n", "\\": "\\", '"': '"'}.get(labels_s[j], labels_s[j]))
                    else:
                        v.append(labels_s[j])
                    j += 1
                labels[k] = "".join(v)
                i = j + 1
                while i < len(labels_s) and labels_s[i] in ", ":
                    i += 1
            value = value.strip().split(" ")[0]
        else:
            name, value = line.split(" ", 1)
            value = value.strip().split(" ")[0]
            labels = {}
        out[(name, frozenset(labels.items()))] = float(value)
    return out


# What Prometheus 2.x sends when it scrapes: OpenMetrics 1.0.0 first.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,"
                     "application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def parse_openmetrics(text):
    """OpenMetrics text through the strict parser of python3-prometheus-client (it raises on
    any violation: missing # EOF, a counter sample without _total, an info value other than
    1, a clashing or repeated family, bad escaping) -> (families {name: type},
    samples {(name, frozenset(labels.items())): value}) shaped like parse_metrics."""
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
    families, samples = {}, {}
    for f in text_string_to_metric_families(text):
        families[f.name] = f.type
        for s in f.samples:
            samples[(s.name, frozenset(s.labels.items()))] = float(s.value)
    return families, samples


def metric(metrics, metric_name, /, **labels):
    """The value of the one series of `metric_name` whose labels include `labels` (which may
    hold `name`: the parameters before them are positional only); None if absent."""
    found = [v for (n, ls), v in metrics.items()
             if n == metric_name and set(labels.items()) <= set(ls)]
    if len(found) > 1:
        raise AssertionError(f"{len(found)} series of {metric_name} match {labels}")
    return found[0] if found else None


def all_series(metrics, metric_name, /, **labels):
    """{labels: value} of every series of `metric_name` whose labels include `labels`."""
    return {ls: v for (n, ls), v in metrics.items()
            if n == metric_name and set(labels.items()) <= set(ls)}


# --------------------------------------------------------------------------- fake Kubernetes API

FAKE_KUBE_API = os.path.join(SOURCE_DIR, "tests", "fakes", "kube_api.py")


class FakeKube:
    """The fake Kubernetes API server (tests/fakes/kube_api.py) as a child process, plus its
    control API. `kubeconfig` is a file pointing at it (token and/or client certificate when
    configured). Use as a context manager; stopped by PID."""

    def __init__(self, workdir, fixtures=(), tls=False, token=None, token_file=None,
                 client_ca=None, bookmark_interval=0.0, name="kube-api", extra_args=()):
        self.workdir = workdir
        self.token = token
        port_file = os.path.join(workdir, f"{name}.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        args = ["/usr/bin/python3", FAKE_KUBE_API, "--port", "0", "--port-file", port_file,
                "--bookmark-interval", str(bookmark_interval)]
        self.ca = None
        if tls:
            self.ca = CA(workdir, name=f"{name} CA")
            self.cert, self.key = self.ca.issue("127.0.0.1", sans=["127.0.0.1", "localhost"],
                                                name=f"{name}-serving")
            args += ["--tls-cert", self.cert, "--tls-key", self.key]
            if client_ca:
                args += ["--client-ca", client_ca]
        if token:
            args += ["--token", token]
        if token_file:
            args += ["--token-file", token_file]
        if fixtures:
            args += ["--fixtures", *fixtures]
        args += list(extra_args)
        self.proc = Proc(args, workdir, name=name)
        wait_for(lambda: os.path.exists(port_file) or not self.proc.alive(), 20,
                 what="fake kube-apiserver port file")
        if not self.proc.alive():
            raise RuntimeError(f"fake kube-apiserver died:\n{self.proc.output()}")
        with open(port_file) as f:
            self.port = int(f.read())
        self.host = "127.0.0.1"
        self.url = f"{'https' if tls else 'http'}://{self.host}:{self.port}"
        self._ctx = None
        if tls:
            import ssl
            self._ctx = ssl.create_default_context(cafile=self.ca.cert)
        self.kubeconfig = os.path.join(workdir, f"{name}.kubeconfig")
        self.write_kubeconfig(self.kubeconfig)

    def write_kubeconfig(self, path, token=None, client_cert=None, client_key=None,
                         namespace="default", embed=False):
        """A kubeconfig for this server; `embed` inlines files as *-data (base64)."""
        import base64

        def field(name, file_path):
            if not file_path:
                return ""
            if embed:
                with open(file_path, "rb") as f:
                    return f"    {name}-data: {base64.b64encode(f.read()).decode()}\n"
            return f"    {name}: {file_path}\n"

        token = token if token is not None else self.token
        cluster = f"    server: {self.url}\n" + (field("certificate-authority", self.ca.cert)
                                                 if self.ca else "")
        user = (f"    token: {token}\n" if token else "") + field("client-certificate", client_cert) \
            + field("client-key", client_key)
        with open(path, "w") as f:
            f.write(f"""apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
{cluster}contexts:
- name: fake
  context:
    cluster: fake
    user: fake
    namespace: {namespace}
current-context: fake
users:
- name: fake
  user:
{user if user else "    {}" + chr(10)}""")
        return path

    def control(self, method, what, body=None, timeout=60.0):
        """Calls the control API (/_fake/<what>); returns the decoded JSON answer."""
        import json
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.url}/_fake/{what}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout, context=self._ctx) as r:
            return json.loads(r.read() or b"{}")

    def apply(self, *objs):
        """Creates or replaces objects, status included (as the controller would)."""
        return self.control("POST", "objects", list(objs))

    def delete(self, *objs):
        return self.control("DELETE", "objects", list(objs))

    def objects(self):
        return self.control("GET", "objects")["items"]

    def fault(self, **f):
        """Next matching requests fail, e.g. fault(count=3, status=429, retry_after=1)."""
        return self.control("POST", "faults", f)

    def clear_faults(self):
        return self.control("DELETE", "faults")

    def close_watches(self):
        return self.control("POST", "close-watches")

    def expire(self):
        return self.control("POST", "expire")

    def bookmark(self):
        return self.control("POST", "bookmark")

    def set_down(self, down=True, mode="close"):
        return self.control("POST", "down", {"down": down, "mode": mode})

    def missing_groups(self, *groups):
        return self.control("POST", "missing-groups", {"groups": list(groups)})

    def enforce_namespaces(self, enforce=True):
        """Creates into a namespace without a Namespace object get 404 (NamespaceLifecycle)."""
        return self.control("POST", "namespace-lifecycle", {"enforce": enforce})

    def clock_offset(self, seconds):
        return self.control("POST", "clock", {"offset_seconds": seconds})

    def requests(self):
        return self.control("GET", "requests")["requests"]

    def clear_requests(self):
        return self.control("DELETE", "requests")

    def stats(self):
        return self.control("GET", "stats")

    def stop(self):
        return self.proc.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def rfc3339(unix_seconds):
    """Kubernetes timestamp for unix seconds: 2026-11-28T10:00:00Z."""
    return datetime.datetime.fromtimestamp(int(unix_seconds), datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- certwatch serve

class CertwatchServe:
    """`certwatch serve` on a free 127.0.0.1 port with the given config text (written to
    `workdir`); stopped by PID. `args` are extra flags (e.g. --web.config.file)."""

    def __init__(self, workdir, config_text, args=(), name="certwatch-serve"):
        self.workdir = workdir
        self.config_path = os.path.join(workdir, f"{name}.yaml")
        self.write_config(config_text)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc = Proc([BIN, "serve", "--config", self.config_path,
                          "--web.listen-address", self.address, *args], workdir, name=name)
        def listening():
            if not self.proc.alive():
                return True  # exited (a config error): say so now, not in 20 s
            with socket.socket() as s:
                s.settimeout(0.5)
                return s.connect_ex(("127.0.0.1", self.port)) == 0
        try:
            wait_for(listening, 20, what=f"127.0.0.1:{self.port} to accept")
        except TimeoutError:
            pass
        if not self.proc.alive() or not listening():
            self.proc.stop()
            raise AssertionError(f"certwatch serve did not listen:\n{self.proc.output()}")

    def write_config(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def url(self, path="/", scheme="http"):
        return f"{scheme}://{self.address}{path}"

    def get(self, path, **kw):
        return http_get(self.url(path), **kw)

    def metrics(self):
        """One scrape of /metrics, parsed ({(name, frozenset(labels)): value})."""
        _, _, body = self.get("/metrics")
        return parse_metrics(body.decode())

    def stop(self, timeout=10):
        return self.proc.stop(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.stop()


# ----------------------------------------------------------------------------- process facts

def proc_fds(pid):
    """Open file descriptors of a process."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def proc_rss_kib(pid):
    """Resident set size of a process (VmRSS), KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def sanitized(pid):
    """True under AddressSanitizer (terabytes of shadow mappings): its quarantine keeps freed
    memory on purpose, so RSS bounds do not apply there (LeakSanitizer checks leaks at exit)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) > 1 << 30  # kB: more than 1 TiB
    return False


def quiet_fds(pid, samples=20, every=0.05):
    """The fewest descriptors over a short window: requests in flight come and go, a leak
    stays."""
    low = None
    for _ in range(samples):
        n = proc_fds(pid)
        low = n if low is None else min(low, n)
        time.sleep(every)
    return low


class ServersTestCase(unittest.TestCase):
    """A test case with a scratch directory (`self.workdir`) and the servers it starts:
    `self.keep(server)` stops it (its .stop()) after the test, last started first."""

    def setUp(self):
        self._dir = tempdir()
        self.workdir = self._dir.__enter__()
        self.stack = []

    def tearDown(self):
        for s in reversed(self.stack):
            s.stop()
        self._dir.__exit__(None, None, None)

    def keep(self, s):
        self.stack.append(s)
        return s


def start_tls_nginx(workdir, host, ports, cert, key, server_name, workers=1, connections=4096,
                    extra_servers=""):
    """nginx (from Debian) answering TLS on host:ports with one certificate, no session
    resumption (every handshake is a full one), all state under `workdir`; `extra_servers`
    is more nginx `server { ... }` blocks. Returns its Proc once every port listens."""
    conf = os.path.join(workdir, "nginx.conf")
    listens = "\n".join(f"    listen {host}:{p} ssl;" for p in ports)
    with open(conf, "w") as f:
        f.write(f"""worker_processes {workers};
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log;
events {{ worker_connections {connections}; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body;
  proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi;
  uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  ssl_session_cache off;
  ssl_session_tickets off;
  server {{
{listens}
    server_name {server_name};
    ssl_certificate {cert};
    ssl_certificate_key {key};
    return 200 "ok";
  }}
{extra_servers}}}
""")
    p = Proc(["nginx", "-p", workdir, "-c", conf, "-e", f"{workdir}/nginx-error.log", "-g",
              "daemon off;"], workdir, name="nginx")
    for port in ports:
        wait_port(host, port)
    return p
