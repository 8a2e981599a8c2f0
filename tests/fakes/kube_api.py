#!/usr/bin/python3
"""A fake Kubernetes API server for tests, speaking the real wire protocol.

Python 3 standard library only. It serves the resources certwatch reads and writes:
cert-manager.io/v1 certificates, certificaterequests, issuers, clusterissuers;
acme.cert-manager.io/v1 orders, challenges; networking.k8s.io/v1 ingresses; v1 secrets,
namespaces, events; coordination.k8s.io/v1 leases.

Protocol covered: discovery (/version, /api, /api/v1, /apis, /apis/<group>/<version>), list
with limit/continue pagination and resourceVersion, watch (chunked, line-delimited JSON
events, BOOKMARK events, ERROR 410 for expired resourceVersions), streaming lists (WatchList:
watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true:
ADDED for every current object, then a BOOKMARK annotated k8s.io/initial-events-end: "true",
then the watch goes on; validated as kube-apiserver does, 422 Invalid otherwise), get, create (POST, with
generateName), update (PUT, with resourceVersion conflicts), patch (merge, strategic treated
as merge, JSON patch), delete, the status subresource (PUT/PATCH .../status), field selectors
(metadata.name, metadata.namespace, type, any dotted path) and label selectors (=, ==, !=,
in, notin, exists, !exists). Optional TLS, bearer tokens (also from a file re-read on every
request, to test rotation) and client certificates.

Test control API under /_fake/ (never authenticated):
  POST   /_fake/objects         JSON object, list or {"items": [...]}: create or replace,
                                status kept, watch events sent (the way a controller would)
  DELETE /_fake/objects         same body: delete those objects (by kind/namespace/name)
  GET    /_fake/objects         every stored object, {"items": [...]}
  POST   /_fake/faults          {"count": N, "status": 500|429|..., "retry_after": S,
                                 "mode": "status"|"garbage"|"close"|"stall"|"stall_body"|"end",
                                 "stall_seconds": S, "path_contains": "...",
                                 "query_contains": "continue=",
                                 "method": "GET", "watch": true|false, "name": "..."}
                                stall: wait, then answer normally; stall_body: send the
                                headers and half a list, then wait and close (a server stalled
                                mid-list); end: 200 and an empty, cleanly ended stream (a watch
                                closed at once)
  GET    /_fake/faults          {"faults": [...remaining counts...], "delivered": {name: n}}
  DELETE /_fake/faults          clear faults (the delivered counters stay)
  POST   /_fake/close-watches   end every open watch (clean end of stream)
  POST   /_fake/expire          compact history: open watches get ERROR 410 and end; any
                                resourceVersion or continue token older than now is 410
  POST   /_fake/bookmark        send a BOOKMARK to every open watch that asked for them
  POST   /_fake/down            {"down": true, "mode": "close"|"503"}: API unreachable
  POST   /_fake/missing-groups  {"groups": ["cert-manager.io", ...]}: 404 for those groups
  POST   /_fake/watch-list      {"enabled": false}: a server without the WatchList feature
                                (before 1.27, or the gate off): a watch asking for
                                sendInitialEvents or resourceVersionMatch answers 422 Invalid,
                                as kube-apiserver's validation does; true (default) serves it;
                                "ignore": an older server that does not know the parameters
                                and serves a plain watch (no initial-events-end bookmark)
  POST   /_fake/namespace-lifecycle  {"enforce": true}: creating a namespaced object in a
                                namespace with no Namespace object answers 404 `namespaces "x"
                                not found`, as kube-apiserver's NamespaceLifecycle admission
                                does (default, kube-system and kube-public always exist)
  POST   /_fake/clock           {"offset_seconds": S}: skew the Date header and timestamps
  GET    /_fake/requests        every mutating API request: method, path, query,
                                content_type, body (parsed JSON when possible)
  DELETE /_fake/requests        forget them
  GET    /_fake/stats           counters: requests, watches open, resourceVersion
  POST   /_fake/burst           {"kind": "Certificate", "count": N, "namespace": "...",
                                 "prefix": "..."}: N MODIFIED events at once, rendered
                                before any is sent (benchmarks)

Run: kube_api.py --port 0 --port-file FILE [--tls-cert C --tls-key K] [--client-ca CA]
     [--token T] [--token-file F] [--fixtures FILE ...] [--bookmark-interval S]
"""

import argparse
import base64
import bisect
import copy
import datetime
import email.utils
import http.server
import json
import os
import random
import socket
import ssl
import string
import sys
import threading
import time
import urllib.parse
import uuid

try:  # Debian's python3-yaml, when installed; JSON fixtures work without it.
    import yaml  # type: ignore
except ImportError:  # pragma: no cover
    yaml = None


class Resource:
    def __init__(self, group, version, plural, kind, namespaced=True, status=False,
                 short=(), singular=None, verbs=None):
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
        self.status = status
        self.short = list(short)
        self.singular = singular or kind.lower()
        self.verbs = verbs or ["create", "delete", "deletecollection", "get", "list", "patch",
                               "update", "watch"]
        self.crd = group.endswith("cert-manager.io")

    @property
    def api_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version


RESOURCES = [
    Resource("cert-manager.io", "v1", "certificates", "Certificate", status=True,
             short=["cert", "certs"]),
    Resource("cert-manager.io", "v1", "certificaterequests", "CertificateRequest", status=True,
             short=["cr", "crs"]),
    Resource("cert-manager.io", "v1", "issuers", "Issuer", status=True),
    Resource("cert-manager.io", "v1", "clusterissuers", "ClusterIssuer", namespaced=False,
             status=True),
    Resource("acme.cert-manager.io", "v1", "orders", "Order", status=True),
    Resource("acme.cert-manager.io", "v1", "challenges", "Challenge", status=True),
    Resource("networking.k8s.io", "v1", "ingresses", "Ingress", status=True, short=["ing"]),
    Resource("", "v1", "secrets", "Secret"),
    Resource("", "v1", "namespaces", "Namespace", namespaced=False, status=True, short=["ns"]),
    Resource("", "v1", "events", "Event", short=["ev"]),
    Resource("coordination.k8s.io", "v1", "leases", "Lease"),
    # Certificates outside cert-manager's objects (kubernetes.configmaps, .bundles,
    # .ca_bundles, .csrs, .kubelets) and what a webhook's Service resolves through.
    Resource("", "v1", "configmaps", "ConfigMap", short=["cm"]),
    Resource("", "v1", "services", "Service", status=True, short=["svc"]),
    Resource("", "v1", "nodes", "Node", namespaced=False, status=True, short=["no"]),
    Resource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    Resource("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
             "ValidatingWebhookConfiguration", namespaced=False),
    Resource("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
             "MutatingWebhookConfiguration", namespaced=False),
    Resource("apiregistration.k8s.io", "v1", "apiservices", "APIService", namespaced=False,
             status=True),
    Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions",
             "CustomResourceDefinition", namespaced=False, status=True, short=["crd", "crds"]),
    Resource("certificates.k8s.io", "v1", "certificatesigningrequests",
             "CertificateSigningRequest", namespaced=False, status=True, short=["csr"]),
    Resource("trust.cert-manager.io", "v1alpha1", "bundles", "Bundle", namespaced=False,
             status=True),
]
BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
BY_KIND = {(r.group, r.kind): r for r in RESOURCES}
NAMESPACES = BY_KIND[("", "Namespace")]


def resource_for_object(obj):
    api_version = obj.get("apiVersion", "")
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    r = BY_KIND.get((group, obj.get("kind", "")))
    if r is None:
        raise ValueError(f"unknown kind {api_version} {obj.get('kind')}")
    return r


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    def status(self):
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason, "details": self.details,
                "code": self.code}


# ----------------------------------------------------------------------------- patches

def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError(422, "Invalid", f"json patch path {path!r} must start with /")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, list):
            cur = cur[int(p)]
        else:
            cur = cur[p]
    return cur


def json_patch(doc, ops):
    """RFC 6902 JSON patch."""
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise ApiError(400, "BadRequest", "json patch must be a list of operations")
    for op in ops:
        kind = op.get("op")
        parts = _pointer(op.get("path", ""))
        try:
            if kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise ApiError(422, "Invalid", f"json patch test failed at {op.get('path')}")
                continue
            if kind in ("move", "copy"):
                src = _pointer(op.get("from", ""))
                value = copy.deepcopy(_walk(doc, src))
                if kind == "move":
                    parent = _walk(doc, src[:-1])
                    if isinstance(parent, list):
                        parent.pop(int(src[-1]))
                    else:
                        del parent[src[-1]]
                kind, op = "add", {"value": value}
            if not parts:
                if kind in ("add", "replace"):
                    doc = copy.deepcopy(op.get("value"))
                    continue
                raise ApiError(422, "Invalid", "cannot remove the whole document")
            parent = _walk(doc, parts[:-1])
            last = parts[-1]
            if kind == "add":
                if isinstance(parent, list):
                    idx = len(parent) if last == "-" else int(last)
                    parent.insert(idx, copy.deepcopy(op.get("value")))
                else:
                    parent[last] = copy.deepcopy(op.get("value"))
            elif kind == "replace":
                if isinstance(parent, list):
                    parent[int(last)] = copy.deepcopy(op.get("value"))
                else:
                    if last not in parent:
                        raise KeyError(last)
                    parent[last] = copy.deepcopy(op.get("value"))
            elif kind == "remove":
                if isinstance(parent, list):
                    parent.pop(int(last))
                else:
                    del parent[last]
            else:
                raise ApiError(422, "Invalid", f"json patch: unknown op {kind!r}")
        except (KeyError, IndexError, ValueError, TypeError) as e:
            raise ApiError(422, "Invalid",
                           f"json patch {kind} {op.get('path')!r}: path not found ({e})")
    return doc


# ----------------------------------------------------------------------------- selectors

def parse_label_selector(s):
    """A list of predicates over a labels dict."""
    preds = []
    if not s:
        return preds
    # Split on commas outside parentheses.
    terms, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    terms.append("".join(cur))
    for t in (t.strip() for t in terms):
        if not t:
            continue
        if " notin " in t or " in " in t:
            neg = " notin " in t
            k, vals = t.split(" notin " if neg else " in ", 1)
            vals = {v.strip() for v in vals.strip().strip("()").split(",") if v.strip()}
            k = k.strip()
            if neg:
                preds.append(lambda l, k=k, vals=vals: l.get(k) not in vals)
            else:
                preds.append(lambda l, k=k, vals=vals: l.get(k) in vals)
        elif "!=" in t:
            k, v = (x.strip() for x in t.split("!=", 1))
            preds.append(lambda l, k=k, v=v: l.get(k) != v)
        elif "==" in t or "=" in t:
            k, v = (x.strip() for x in t.replace("==", "=").split("=", 1))
            preds.append(lambda l, k=k, v=v: l.get(k) == v)
        elif t.startswith("!"):
            preds.append(lambda l, k=t[1:].strip(): k not in l)
        else:
            preds.append(lambda l, k=t: k in l)
    return preds


def _field(obj, path):
    cur = obj
    for p in path.split("."):
        if not isinstance(cur, dict) or p not in cur:
            return ""
        cur = cur[p]
    return cur if isinstance(cur, str) else json.dumps(cur)


def parse_field_selector(s):
    preds = []
    if not s:
        return preds
    for t in (t.strip() for t in s.split(",")):
        if not t:
            continue
        if "!=" in t:
            k, v = t.split("!=", 1)
            preds.append(lambda o, k=k.strip(), v=v.strip(): _field(o, k) != v)
        else:
            k, v = t.replace("==", "=").split("=", 1)
            preds.append(lambda o, k=k.strip(), v=v.strip(): _field(o, k) == v)
    return preds


def matches(obj, label_preds, field_preds):
    labels = obj.get("metadata", {}).get("labels") or {}
    return all(p(labels) for p in label_preds) and all(p(obj) for p in field_preds)


# ----------------------------------------------------------------------------- the store

class Store:
    """Objects, a global resourceVersion, and an event history that watches read from."""

    def __init__(self, history_limit=2_000_000):
        self.lock = threading.Condition()
        self.rv = 1
        self.objects = {}  # (plural-key, ns, name) -> object dict
        self.cache = {}    # same key -> serialized JSON bytes (lists are served from it)
        self.history = []  # (rv, resource, type, ns, obj, line bytes)
        self.history_rvs = []
        self.compacted_rv = 0
        self.history_limit = history_limit
        self.generation = 0  # bumped on close-watches / expire
        self.expire_generation = 0
        self.bookmark_generation = 0
        self.clock_offset = 0.0
        self._sorted = {}  # plural-key prefix -> sorted keys, rebuilt after adds/deletes

    def sorted_keys(self, prefix):
        """Keys of one resource in list order; cached so paginated lists stay O(page)."""
        keys = self._sorted.get(prefix)
        if keys is None:
            keys = sorted(k for k in self.objects if k[0] == prefix)
            self._sorted[prefix] = keys
        return keys

    def now(self):
        return time.time() + self.clock_offset

    def timestamp(self):
        return datetime.datetime.fromtimestamp(int(self.now()), datetime.timezone.utc) \
            .strftime("%Y-%m-%dT%H:%M:%SZ")

    @staticmethod
    def key(r, ns, name):
        return (f"{r.group}/{r.plural}", ns if r.namespaced else "", name)

    def _record(self, r, etype, obj):
        line = json.dumps({"type": etype, "object": obj}, separators=(",", ":")).encode() + b"\n"
        ns = obj.get("metadata", {}).get("namespace", "")
        self.history.append((self.rv, r, etype, ns, obj, line))
        self.history_rvs.append(self.rv)
        if len(self.history) > self.history_limit:
            drop = len(self.history) // 2
            self.compacted_rv = self.history_rvs[drop - 1]
            del self.history[:drop]
            del self.history_rvs[:drop]

    def put(self, r, obj, etype):
        """Stores obj (already complete except resourceVersion) and records the event.
        Caller holds the lock."""
        self.rv += 1
        md = obj.setdefault("metadata", {})
        md["resourceVersion"] = str(self.rv)
        k = self.key(r, md.get("namespace", ""), md["name"])
        if etype == "DELETED":
            self.objects.pop(k, None)
            self.cache.pop(k, None)
            self._sorted.pop(k[0], None)
        else:
            if k not in self.objects:
                self._sorted.pop(k[0], None)
            self.objects[k] = obj
            self.cache[k] = json.dumps(obj, separators=(",", ":")).encode()
        self._record(r, etype, obj)
        self.lock.notify_all()

    def complete(self, r, obj, ns):
        md = obj.setdefault("metadata", {})
        obj["apiVersion"] = r.api_version
        obj["kind"] = r.kind
        if r.namespaced:
            md["namespace"] = ns or md.get("namespace") or "default"
        else:
            md.pop("namespace", None)
        if not md.get("name"):
            if md.get("generateName"):
                md["name"] = md["generateName"] + "".join(
                    random.choice(string.ascii_lowercase + string.digits) for _ in range(5))
            else:
                raise ApiError(422, "Invalid", f"{r.kind}: metadata.name: Required value")
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("creationTimestamp", self.timestamp())
        md.setdefault("generation", 1)
        return obj

    def upsert_fixture(self, obj):
        """Control API: create or replace, keeping status (as a controller would write it)."""
        r = resource_for_object(obj)
        obj = copy.deepcopy(obj)
        with self.lock:
            md = obj.setdefault("metadata", {})
            k = self.key(r, md.get("namespace", "default") if r.namespaced else "",
                         md.get("name", ""))
            old = self.objects.get(k)
            self.complete(r, obj, md.get("namespace", ""))
            if old is not None:
                md["uid"] = old["metadata"]["uid"]
                if "creationTimestamp" not in md or md["creationTimestamp"] is None:
                    md["creationTimestamp"] = old["metadata"]["creationTimestamp"]
            self.put(r, obj, "MODIFIED" if old is not None else "ADDED")
            return obj

    def delete_fixture(self, obj):
        r = resource_for_object(obj)
        md = obj.get("metadata", {})
        with self.lock:
            k = self.key(r, md.get("namespace", "default") if r.namespaced else "",
                         md.get("name", ""))
            old = self.objects.get(k)
            if old is None:
                return False
            self.put(r, copy.deepcopy(old), "DELETED")
            return True


# ----------------------------------------------------------------------------- server

class FakeState:
    def __init__(self, args):
        self.args = args
        self.store = Store()
        self.faults = []
        self.faults_delivered = {}  # fault name (or mode) -> times delivered
        self.faults_lock = threading.Lock()
        self.requests = []
        self.down = None  # None, "close" or "503"
        self.missing_groups = set()
        self.enforce_namespaces = False
        self.watch_list = True  # serve sendInitialEvents (kube-apiserver >= 1.32's default)
        self.stats = {"requests": 0, "watches_open": 0, "watches_total": 0, "lists": 0,
                      "watch_lists": 0}
        self.stats_lock = threading.Lock()

    def take_fault(self, method, path, is_watch, query=""):
        with self.faults_lock:
            for f in self.faults:
                if f.get("count", 1) <= 0:
                    continue
                if f.get("path_contains") and f["path_contains"] not in path:
                    continue
                if f.get("query_contains") and f["query_contains"] not in query:
                    continue
                if f.get("method") and f["method"].upper() != method:
                    continue
                if "watch" in f and bool(f["watch"]) != is_watch:
                    continue
                f["count"] = f.get("count", 1) - 1
                name = f.get("name") or f.get("mode", "status")
                self.faults_delivered[name] = self.faults_delivered.get(name, 0) + 1
                return dict(f)
        return None

    def valid_tokens(self):
        tokens = set()
        if self.args.token:
            tokens.add(self.args.token)
        if self.args.token_file:
            try:
                with open(self.args.token_file) as fh:
                    t = fh.read().strip()
                    if t:
                        tokens.add(t)
            except OSError:
                pass
        return tokens


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver/1.0"
    fake = None  # FakeState, set by main

    def log_message(self, fmt, *args):  # quiet unless asked
        if self.fake.args.verbose:
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def date_time_string(self, timestamp=None):
        return email.utils.formatdate(time.time() + self.fake.store.clock_offset, usegmt=True)

    # -- plumbing

    def _body(self):
        """The request body, read once (so every answer leaves the connection reusable)."""
        if getattr(self, "_cached_body", None) is None:
            n = int(self.headers.get("Content-Length") or 0)
            self._cached_body = self.rfile.read(n) if n > 0 else b""
        return self._cached_body

    def _send(self, code, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, e):
        self._send(e.code, e.status(), headers=e.headers)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        path = url.path.rstrip("/") or "/"
        self._cached_body = None
        try:
            self._body()
            if path.startswith("/_fake/"):
                return self._control(method, path, query)
            with self.fake.stats_lock:
                self.fake.stats["requests"] += 1
            if self.fake.down:
                self._body()
                if self.fake.down == "503":
                    raise ApiError(503, "ServiceUnavailable", "the server is down (fake outage)")
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._authenticate()
            is_watch = query.get("watch") in ("1", "true")
            fault = self.fake.take_fault(method, path, is_watch, url.query)
            if fault and self._apply_fault(fault):
                return
            self._api(method, path, query, is_watch)
        except ApiError as e:
            self._error(e)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True

    def _apply_fault(self, f):
        """True when the fault answered the request."""
        mode = f.get("mode", "status")
        self._body()
        if mode == "stall":
            time.sleep(float(f.get("stall_seconds", 5)))
            return False
        if mode == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if mode == "stall_body":
            partial = b'{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":['
            self.send_response(int(f.get("status", 200)))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(partial) * 2))
            self.end_headers()
            self.wfile.write(partial)
            self.wfile.flush()
            time.sleep(float(f.get("stall_seconds", 5)))
            self.close_connection = True
            return True
        if mode == "end":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
            return True
        if mode == "garbage":
            self._send(int(f.get("status", 200)), b"{\"kind\": \"CertificateList\", \"items\": [{\x00garbage")
            return True
        code = int(f.get("status", 500))
        headers = {}
        if f.get("retry_after") is not None:
            headers["Retry-After"] = str(f["retry_after"])
        reason = {429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
                  403: "Forbidden", 401: "Unauthorized", 410: "Expired"}.get(code, "InternalError")
        raise ApiError(code, reason, f.get("message", f"injected fault {code}"), headers=headers)

    def _authenticate(self):
        tokens = self.fake.valid_tokens()
        need_cert = bool(self.fake.args.client_ca)
        if not tokens and not need_cert:
            return
        auth = self.headers.get("Authorization", "")
        if tokens and auth.startswith("Bearer ") and auth[7:].strip() in tokens:
            return
        if need_cert and isinstance(self.connection, ssl.SSLSocket):
            cert = self.connection.getpeercert()
            if cert:
                return
        raise ApiError(401, "Unauthorized", "Unauthorized")

    # -- control API

    def _control(self, method, path, query):
        fake = self.fake
        store = fake.store
        raw = self._body()
        body = json.loads(raw) if raw.strip() else {}
        name = path[len("/_fake/"):]
        if name == "objects":
            if method == "GET":
                with store.lock:
                    items = list(store.objects.values())
                return self._send(200, {"items": items})
            objs = body.get("items", body) if isinstance(body, dict) and "items" in body else body
            if isinstance(objs, dict):
                objs = [objs]
            out = []
            for o in objs:
                if method == "DELETE":
                    out.append(store.delete_fixture(o))
                else:
                    out.append(store.upsert_fixture(o)["metadata"]["resourceVersion"])
            return self._send(200, {"results": out, "resourceVersion": str(store.rv)})
        if name == "faults":
            with fake.faults_lock:
                if method == "GET":
                    return self._send(200, {"faults": [dict(f) for f in fake.faults],
                                            "delivered": dict(fake.faults_delivered)})
                if method == "DELETE":
                    fake.faults.clear()
                else:
                    fake.faults.extend(body if isinstance(body, list) else [body])
            return self._send(200, {})
        if name == "close-watches":
            with store.lock:
                store.generation += 1
                store.lock.notify_all()
            return self._send(200, {})
        if name == "expire":
            with store.lock:
                store.rv += 1
                store.compacted_rv = store.rv
                store.history.clear()
                store.history_rvs.clear()
                store.expire_generation += 1
                store.lock.notify_all()
            return self._send(200, {"compacted": store.compacted_rv})
        if name == "bookmark":
            with store.lock:
                store.bookmark_generation += 1
                store.lock.notify_all()
            return self._send(200, {})
        if name == "down":
            fake.down = (body.get("mode") or "close") if body.get("down", True) else None
            if fake.down:
                with store.lock:
                    store.generation += 1
                    store.lock.notify_all()
            return self._send(200, {"down": fake.down})
        if name == "missing-groups":
            fake.missing_groups = set(body.get("groups", []))
            return self._send(200, {})
        if name == "watch-list":
            enabled = body.get("enabled", True)
            fake.watch_list = "ignore" if enabled == "ignore" else bool(enabled)
            return self._send(200, {})
        if name == "namespace-lifecycle":
            fake.enforce_namespaces = bool(body.get("enforce", True))
            return self._send(200, {})
        if name == "clock":
            store.clock_offset = float(body.get("offset_seconds", 0))
            return self._send(200, {})
        if name == "requests":
            if method == "DELETE":
                fake.requests.clear()
                return self._send(200, {})
            return self._send(200, {"requests": list(fake.requests)})
        if name == "stats":
            with fake.stats_lock:
                s = dict(fake.stats)
            s["resourceVersion"] = store.rv
            s["objects"] = len(store.objects)
            return self._send(200, s)
        if name == "burst":
            return self._burst(body)
        raise ApiError(404, "NotFound", f"unknown control endpoint {path}")

    def _count(self, stat):
        with self.fake.stats_lock:
            self.fake.stats[stat] = self.fake.stats.get(stat, 0) + 1

    def _burst(self, body):
        """N MODIFIED events for existing objects of a kind, all rendered before the first is
        sent, so a benchmark measures the client, not this server's JSON encoder."""
        store = self.fake.store
        kind = body.get("kind", "Certificate")
        r = next(x for x in RESOURCES if x.kind == kind)
        count = int(body.get("count", 1000))
        prefix = f"{r.group}/{r.plural}"
        with store.lock:
            keys = [k for k in store.objects if k[0] == prefix][:count]
            for k in keys:
                obj = store.objects[k]
                ann = obj["metadata"].setdefault("annotations", {})
                ann["fake.test/burst"] = str(int(ann.get("fake.test/burst", "0")) + 1)
                store.rv += 1
                obj["metadata"]["resourceVersion"] = str(store.rv)
                store._record(r, "MODIFIED", obj)
            store.lock.notify_all()
        return self._send(200, {"events": len(keys), "resourceVersion": str(store.rv)})

    # -- API

    def _api(self, method, path, query, is_watch):
        parts = path.strip("/").split("/")
        if path == "/version":
            return self._send(200, {"major": "1", "minor": "29", "gitVersion": "v1.29.0-fake",
                                    "gitCommit": "0" * 40, "gitTreeState": "clean",
                                    "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.21",
                                    "compiler": "gc", "platform": "linux/amd64"})
        if path in ("/healthz", "/readyz", "/livez"):
            return self._send(200, b"ok", "text/plain")
        if path == "/api":
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": [
                                        {"clientCIDR": "0.0.0.0/0",
                                         "serverAddress": "127.0.0.1:443"}]})
        if path == "/apis":
            return self._send(200, self._group_list())
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
            if group in self.fake.missing_groups:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
        elif parts[0] == "apis" and len(parts) == 2:
            group = parts[1]
            groups = [g for g in self._group_list()["groups"] if g["name"] == group]
            if not groups:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return self._send(200, dict(groups[0], kind="APIGroup", apiVersion="v1"))
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            return self._send(200, self._resource_list(group, version))
        ns = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        plural = rest[0]
        r = BY_PATH.get((group, version, plural))
        if r is None or (ns and not r.namespaced):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) >= 2 else ""
        sub = rest[2] if len(rest) >= 3 else ""
        if sub and sub != "status":
            raise ApiError(404, "NotFound", f"subresource {sub} not found")
        if sub == "status" and not r.status:
            raise ApiError(404, "NotFound", f"{r.plural} has no status subresource")
        if method != "GET":
            self._record_request(method, path, query)
        if method == "GET" and not name:
            if is_watch:
                return self._watch(r, ns, query)
            return self._list(r, ns, query)
        if method == "GET":
            return self._send(200, self._get(r, ns, name))
        if method == "POST" and not name:
            return self._create(r, ns, query)
        if method == "PUT" and name:
            return self._update(r, ns, name, sub)
        if method == "PATCH" and name:
            return self._patch(r, ns, name, sub)
        if method == "DELETE" and name:
            return self._delete(r, ns, name)
        raise ApiError(405, "MethodNotAllowed", f"{method} not allowed on {path}")

    def _record_request(self, method, path, query):
        raw = self._peek_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.fake.requests.append({"method": method, "path": path, "query": query,
                                   "content_type": self.headers.get("Content-Type", ""),
                                   "body": body, "time": time.time()})

    def _peek_body(self):
        return self._body()

    def _json_body(self):
        raw = self._peek_body()
        try:
            return json.loads(raw) if raw else {}
        except ValueError as e:
            raise ApiError(400, "BadRequest", f"the body of the request could not be decoded: {e}")

    def _group_list(self):
        groups = {}
        for r in RESOURCES:
            if r.group and r.group not in self.fake.missing_groups:
                groups.setdefault(r.group, set()).add(r.version)
        out = []
        for g, versions in sorted(groups.items()):
            vs = [{"groupVersion": f"{g}/{v}", "version": v} for v in sorted(versions)]
            out.append({"name": g, "versions": vs, "preferredVersion": vs[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": out}

    def _resource_list(self, group, version):
        rs = [r for r in RESOURCES if r.group == group and r.version == version]
        if not rs:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        out = []
        for r in rs:
            out.append({"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                        "kind": r.kind, "verbs": r.verbs, "shortNames": r.short or None,
                        "categories": ["cert-manager"] if r.crd else None})
            if r.status:
                out.append({"name": f"{r.plural}/status", "singularName": "",
                            "namespaced": r.namespaced, "kind": r.kind,
                            "verbs": ["get", "patch", "update"]})
        for item in out:
            for k in [k for k, v in item.items() if v is None]:
                del item[k]
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": f"{group}/{version}" if group else version, "resources": out}

    def _not_found(self, r, name):
        return ApiError(404, "NotFound", f'{r.plural}.{r.group or ""}'.rstrip(".")
                        + f' "{name}" not found',
                        {"name": name, "group": r.group, "kind": r.plural})

    def _get(self, r, ns, name):
        store = self.fake.store
        with store.lock:
            obj = store.objects.get(store.key(r, ns, name))
            if obj is None:
                raise self._not_found(r, name)
            return obj

    def _list(self, r, ns, query):
        store = self.fake.store
        with self.fake.stats_lock:
            self.fake.stats["lists"] += 1
        label_preds = parse_label_selector(query.get("labelSelector", ""))
        field_preds = parse_field_selector(query.get("fieldSelector", ""))
        limit = int(query.get("limit") or 0)
        cont = query.get("continue", "")
        prefix = f"{r.group}/{r.plural}"
        start = None
        with store.lock:
            list_rv = store.rv
            if cont:
                try:
                    tok = json.loads(base64.urlsafe_b64decode(cont + "=" * (-len(cont) % 4)))
                    list_rv, start = int(tok["rv"]), tuple(tok["start"])
                except (ValueError, KeyError, TypeError):
                    raise ApiError(400, "BadRequest", "invalid continue token")
                if list_rv < store.compacted_rv:
                    self._count("gone_continue")
                    raise ApiError(410, "Expired",
                                   "The provided continue parameter is too old to display a "
                                   "consistent list result. You can start a new list without "
                                   "the continue parameter.")
            keys = store.sorted_keys(prefix)
            first = bisect.bisect_right(keys, start) if start is not None else 0
            if ns:
                lo = bisect.bisect_left(keys, (prefix, ns, ""))
                hi = bisect.bisect_left(keys, (prefix, ns + "\x00", ""))
                first = max(first, lo)
            else:
                hi = len(keys)
            items, next_start, remaining = [], None, 0
            for i in range(first, hi):
                k = keys[i]
                obj = store.objects[k]
                if (label_preds or field_preds) and not matches(obj, label_preds, field_preds):
                    continue
                if limit and len(items) >= limit:
                    next_start = keys[i - 1]
                    remaining = hi - i
                    break
                items.append(store.cache[k])
        meta = {"resourceVersion": str(list_rv)}
        if next_start is not None:
            meta["continue"] = base64.urlsafe_b64encode(
                json.dumps({"rv": list_rv, "start": list(next_start)}).encode()).decode().rstrip("=")
            meta["remainingItemCount"] = remaining
        head = json.dumps({"kind": f"{r.kind}List", "apiVersion": r.api_version,
                           "metadata": meta}).encode()
        body = head[:-1] + b',"items":[' + b",".join(items) + b"]}"
        self._send(200, body)

    def _watch(self, r, ns, query):
        store = self.fake.store
        fake = self.fake
        label_preds = parse_label_selector(query.get("labelSelector", ""))
        field_preds = parse_field_selector(query.get("fieldSelector", ""))
        bookmarks = query.get("allowWatchBookmarks") in ("1", "true")
        timeout = float(query.get("timeoutSeconds") or 0) or None
        deadline = time.monotonic() + timeout if timeout else None
        rv_param = query.get("resourceVersion", "")
        prefix = f"{r.group}/{r.plural}"
        initial_events = self._watch_list_options(query, bookmarks)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.close_connection = True
        with fake.stats_lock:
            fake.stats["watches_open"] += 1
            fake.stats["watches_total"] += 1

        def chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def wanted(ev):
            _, er, _, ens, obj, _ = ev
            if er is not r or (ns and ens != ns):
                return False
            return not (label_preds or field_preds) or matches(obj, label_preds, field_preds)

        try:
            with store.lock:
                gen, exp_gen, bm_gen = (store.generation, store.expire_generation,
                                        store.bookmark_generation)
                if initial_events or rv_param in ("", "0"):
                    # Start "from any", or a streaming list (NotOlderThan: the current state
                    # is at least as new as any resourceVersion asked): synthetic ADDED events
                    # for the current objects.
                    pos_rv = store.rv
                    initial = [json.dumps({"type": "ADDED", "object": o},
                                          separators=(",", ":")).encode() + b"\n"
                               for k, o in sorted(store.objects.items())
                               if k[0] == prefix and (not ns or k[1] == ns)
                               and matches(o, label_preds, field_preds)]
                else:
                    try:
                        pos_rv = int(rv_param)
                    except ValueError:
                        raise ApiError(400, "BadRequest", f"invalid resourceVersion {rv_param}")
                    initial = []
                    if pos_rv < store.compacted_rv:
                        initial = None
            if initial is None:
                self._count("gone_watch")
                chunk(self._expired_line(pos_rv))
                return
            # Large initial states go out in chunks of a few hundred kilobytes.
            buf, size = [], 0
            for line in initial:
                buf.append(line)
                size += len(line)
                if size >= 256 * 1024:
                    chunk(b"".join(buf))
                    buf, size = [], 0
            if buf:
                chunk(b"".join(buf))
            if initial_events:
                with fake.stats_lock:
                    fake.stats["watch_lists"] += 1
                chunk(self._bookmark_line(r, pos_rv, initial_events_end=True))
            interval = self.fake.args.bookmark_interval
            last_bookmark = time.monotonic()
            while True:
                with store.lock:
                    while True:
                        if store.generation != gen:
                            return
                        if store.expire_generation != exp_gen:
                            send_410 = True
                            break
                        send_410 = False
                        i = bisect.bisect_right(store.history_rvs, pos_rv)
                        if i < len(store.history):
                            if pos_rv < store.compacted_rv:
                                send_410 = True
                            break
                        now = time.monotonic()
                        if deadline and now >= deadline:
                            return
                        if bookmarks and (store.bookmark_generation != bm_gen or
                                          (interval and now - last_bookmark >= interval)):
                            break
                        wait = 0.5
                        if deadline:
                            wait = min(wait, deadline - now)
                        store.lock.wait(max(wait, 0.01))
                    if send_410:
                        batch = None
                    else:
                        events = store.history[i:]
                        batch = [ev[5] for ev in events if wanted(ev)]
                        if events:
                            pos_rv = events[-1][0]
                        want_bookmark = bookmarks and (store.bookmark_generation != bm_gen or (
                            interval and time.monotonic() - last_bookmark >= interval))
                        bm_gen = store.bookmark_generation
                        bm_rv = store.rv
                if batch is None:
                    self._count("gone_watch")
                    chunk(self._expired_line(pos_rv))
                    return
                # Large batches go out in chunks of a few hundred kilobytes.
                buf, size = [], 0
                for line in batch:
                    buf.append(line)
                    size += len(line)
                    if size >= 256 * 1024:
                        chunk(b"".join(buf))
                        buf, size = [], 0
                if buf:
                    chunk(b"".join(buf))
                if want_bookmark:
                    last_bookmark = time.monotonic()
                    pos_rv = max(pos_rv, bm_rv)
                    chunk(self._bookmark_line(r, bm_rv))
        finally:
            with fake.stats_lock:
                fake.stats["watches_open"] -= 1
            try:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except OSError:
                pass

    def _watch_list_options(self, query, bookmarks):
        """True for a valid streaming-list request; raises 422 Invalid where kube-apiserver's
        ValidateListOptions does (and for any use of them when the feature is off)."""
        send = query.get("sendInitialEvents")
        match = query.get("resourceVersionMatch", "")
        if (send is None and not match) or self.fake.watch_list == "ignore":
            return False
        def invalid(field, message):
            raise ApiError(422, "Invalid", f"ListOptions.meta.k8s.io \"\" is invalid: {field}: "
                           f"Forbidden: {message}",
                           {"causes": [{"reason": "FieldValueForbidden", "field": field,
                                        "message": f"Forbidden: {message}"}]})
        if not self.fake.watch_list:
            if send is not None:
                invalid("sendInitialEvents", "sendInitialEvents is forbidden for watch unless "
                        "the WatchList feature gate is enabled")
            invalid("resourceVersionMatch", "resourceVersionMatch is forbidden for watch")
        if send is None:
            invalid("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless "
                    "sendInitialEvents is provided")
        if match != "NotOlderThan":
            invalid("resourceVersionMatch", "sendInitialEvents requires setting "
                    "resourceVersionMatch to NotOlderThan")
        if not bookmarks:
            invalid("allowWatchBookmarks", "sendInitialEvents requires setting "
                    "allowWatchBookmarks to true")
        return send in ("1", "true")

    @staticmethod
    def _bookmark_line(r, rv, initial_events_end=False):
        meta = {"resourceVersion": str(rv)}
        if initial_events_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return json.dumps({"type": "BOOKMARK", "object": {
            "kind": r.kind, "apiVersion": r.api_version, "metadata": meta}},
            separators=(",", ":")).encode() + b"\n"

    @staticmethod
    def _expired_line(rv):
        return json.dumps({"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": f"too old resource version: {rv}", "reason": "Expired",
            "code": 410}}).encode() + b"\n"

    def _create(self, r, ns, query):
        store = self.fake.store
        obj = self._json_body()
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "body must be a JSON object")
        if obj.get("kind") and obj.get("kind") != r.kind:
            raise ApiError(400, "BadRequest", f"kind {obj.get('kind')} does not match {r.kind}")
        if r.status:
            obj.pop("status", None)  # status subresource: create ignores status
        dry = query.get("dryRun") == "All"
        with store.lock:
            if self.fake.enforce_namespaces and r.namespaced and ns and \
                    ns not in ("default", "kube-system", "kube-public") and \
                    store.key(NAMESPACES, "", ns) not in store.objects:
                raise ApiError(404, "NotFound", f'namespaces "{ns}" not found',
                               {"name": ns, "kind": "namespaces"})
            store.complete(r, obj, ns)
            md = obj["metadata"]
            md.pop("resourceVersion", None)
            k = store.key(r, md.get("namespace", ""), md["name"])
            if k in store.objects:
                raise ApiError(409, "AlreadyExists",
                               f'{r.plural}.{r.group} "{md["name"]}" already exists'.replace(". ", " "),
                               {"name": md["name"], "group": r.group, "kind": r.plural})
            if not dry:
                store.put(r, obj, "ADDED")
        self._send(201, obj)

    def _apply_write(self, r, ns, name, sub, new):
        """Common to PUT and PATCH: status subresource rules, generation, conflicts."""
        store = self.fake.store
        old = store.objects.get(store.key(r, ns, name))
        if old is None:
            raise self._not_found(r, name)
        new_md = new.setdefault("metadata", {})
        if new_md.get("name", name) != name:
            raise ApiError(400, "BadRequest", "metadata.name does not match the URL")
        if new_md.get("resourceVersion") and new_md["resourceVersion"] != old["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict",
                           f'Operation cannot be fulfilled on {r.plural}.{r.group} "{name}": the '
                           "object has been modified; please apply your changes to the latest "
                           "version and try again",
                           {"name": name, "group": r.group, "kind": r.plural})
        if sub == "status":
            # Only status changes through /status.
            result = copy.deepcopy(old)
            if "status" in new:
                result["status"] = new["status"]
            else:
                result.pop("status", None)
        else:
            result = new
            if r.status:
                # Through the main resource, status cannot change.
                if "status" in old:
                    result["status"] = copy.deepcopy(old["status"])
                else:
                    result.pop("status", None)
            md = result["metadata"]
            for k in ("uid", "creationTimestamp"):
                md[k] = old["metadata"][k]
            gen = old["metadata"].get("generation", 1)
            if r.crd and result.get("spec") != old.get("spec"):
                gen += 1
            md["generation"] = gen
        result["apiVersion"], result["kind"] = r.api_version, r.kind
        result["metadata"]["name"] = name
        if r.namespaced:
            result["metadata"]["namespace"] = ns or old["metadata"].get("namespace")
        store.put(r, result, "MODIFIED")
        return result

    def _update(self, r, ns, name, sub):
        store = self.fake.store
        obj = self._json_body()
        if not isinstance(obj, dict):
            raise ApiError(400, "BadRequest", "body must be a JSON object")
        with store.lock:
            result = self._apply_write(r, ns, name, sub, obj)
        self._send(200, result)

    def _patch(self, r, ns, name, sub):
        store = self.fake.store
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        patch = self._json_body()
        with store.lock:
            old = store.objects.get(store.key(r, ns, name))
            if old is None:
                raise self._not_found(r, name)
            if ctype == "application/json-patch+json":
                new = json_patch(old, patch)
            elif ctype in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
                if not isinstance(patch, dict):
                    raise ApiError(400, "BadRequest", "merge patch must be a JSON object")
                new = merge_patch(old, patch)
                # A resourceVersion in the patch is a precondition; otherwise none.
                if "resourceVersion" not in (patch.get("metadata") or {}):
                    new.setdefault("metadata", {})["resourceVersion"] = \
                        old["metadata"]["resourceVersion"]
            else:
                raise ApiError(415, "UnsupportedMediaType",
                               f"the body of the request was in an unknown format - accepted "
                               f"media types include: application/json-patch+json, "
                               f"application/merge-patch+json, "
                               f"application/strategic-merge-patch+json")
            result = self._apply_write(r, ns, name, sub, copy.deepcopy(new))
        self._send(200, result)

    def _delete(self, r, ns, name):
        store = self.fake.store
        with store.lock:
            old = store.objects.get(store.key(r, ns, name))
            if old is None:
                raise self._not_found(r, name)
            obj = copy.deepcopy(old)
            store.put(r, obj, "DELETED")
        self._send(200, obj)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


def load_fixture_file(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith((".yaml", ".yml")):
        if yaml is None:
            raise SystemExit(f"{path}: YAML fixtures need python3-yaml; use JSON")
        docs = [d for d in yaml.safe_load_all(data) if d]
    else:
        docs = json.loads(data)
        docs = docs if isinstance(docs, list) else [docs]
    out = []
    for d in docs:
        if isinstance(d, dict) and "items" in d and "kind" not in d or \
                isinstance(d, dict) and d.get("kind", "").endswith("List"):
            out.extend(d.get("items", []))
        else:
            out.append(d)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", help="write the bound port here once listening")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--client-ca", help="accept client certificates signed by this CA")
    ap.add_argument("--token", help="accept this bearer token")
    ap.add_argument("--token-file", help="accept the token in this file (re-read per request)")
    ap.add_argument("--fixtures", nargs="*", default=[])
    ap.add_argument("--bookmark-interval", type=float, default=0.0,
                    help="seconds between periodic BOOKMARKs (0: only on /_fake/bookmark)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)

    state = FakeState(args)
    for path in args.fixtures:
        for obj in load_fixture_file(path):
            state.store.upsert_fixture(obj)
    Handler.fake = state
    server = Server((args.host, args.port), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(args.client_ca)
        # The handshake runs in the request thread, so one slow client cannot block accept.
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, args.port_file)
    sys.stderr.write(f"fake kube-apiserver listening on {args.host}:{port}\n")
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
