"""Test harness for Parley's HTTP suite (Python 3.11 standard library only).

It creates a throwaway database in the running cluster named by DATABASE_URL,
applies the migrations with `parley migrate`, creates an API key with
`parley key create`, starts `parleyd` on a free port and offers helpers to talk
to it. Every response is recorded as one JSON line in the --record file for
the OpenAPI response checks (tests/openapi/validate.mjs).

Configuration (set by run.py from its arguments, or from the environment when
the modules are run with plain `python3 -m unittest`):
  PARLEYD, PARLEY        paths of the server and the CLI
  PARLEY_RECORD          the JSONL file responses are recorded to
  DATABASE_URL           a running cluster (any database of it)
"""

import collections
import hashlib
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PGCLUSTER = os.path.join(ROOT, "scripts", "pgcluster.sh")

PROBLEM_TYPE_BASE = "https://parley.dev/problems/"
TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
ETAG_RE = re.compile(r'^"[0-9a-f]{32}"$')
SLUG_RE = re.compile(r"^[a-z0-9-]{1,64}$")
STANCES = ("demands", "proposes", "rejects", "accepts", "threatens", "asserts")
KINDS = ("state", "organization", "person", "group")

config = {
    "parleyd": os.environ.get("PARLEYD", os.path.join(ROOT, "build", "parleyd")),
    "parley": os.environ.get("PARLEY", os.path.join(ROOT, "build", "parley")),
    "record": os.environ.get("PARLEY_RECORD"),
    "database_url": os.environ.get("DATABASE_URL"),
}


class HarnessError(Exception):
    pass


# --------------------------------------------------------------------------
# Unique names

_RUN = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(4))
_counter = itertools.count(1)
_counter_lock = threading.Lock()


def uid():
    """A short string unique in this run: lowercase letters and digits."""
    with _counter_lock:
        n = next(_counter)
    return f"{_RUN}{n}"


def slug(prefix="t"):
    return f"{prefix}-{uid()}"


def word():
    """A unique word of letters only (for full-text and substring searches)."""
    with _counter_lock:
        n = next(_counter)
    letters = []
    while True:
        n, r = divmod(n, 26)
        letters.append(string.ascii_lowercase[r])
        if n == 0:
            break
    run = "".join(string.ascii_lowercase[ord(c) % 26] for c in _RUN)
    return "zq" + run + "".join(letters) + "x"


# --------------------------------------------------------------------------
# Database URLs and psql

def _with_dbname(url, dbname):
    """DATABASE_URL with another database name (URI or key=value conninfo)."""
    if url.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        query = [(k, v) for (k, v) in query if k != "dbname"]
        qs = urllib.parse.urlencode(query, safe="/")
        return f"{parts.scheme}://{parts.netloc}/{dbname}" + (f"?{qs}" if qs else "")
    return f"{url} dbname={dbname}"


def run_psql(url, sql, variables=None, timeout=60, check=True):
    """Runs SQL through `psql` (on stdin, so :'var' interpolation works).
    Returns the rows as lists of strings (tab-separated, unaligned)."""
    cmd = ["psql", "-X", "-q", "-t", "-A", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"]
    for k, v in (variables or {}).items():
        cmd[1:1] = ["-v", f"{k}={v}"]
    proc = subprocess.run(cmd, input=sql.encode("utf-8"), capture_output=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise HarnessError(f"psql failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}\nSQL: {sql[:500]}")
    out = proc.stdout.decode("utf-8")
    return [line.split("\t") for line in out.splitlines() if line != ""]


def pick_free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# Responses and recording

Response = collections.namedtuple("Response", "status headers body")
Response.__doc__ = "status (int), headers (dict, lowercased names), body (parsed JSON, or bytes)"

_record_lock = threading.Lock()
_record_file = None
server_errors = []  # (method, path, status) of every 5xx other than 503: the contract never allows them


def _open_record():
    global _record_file
    if _record_file is None and config["record"]:
        os.makedirs(os.path.dirname(os.path.abspath(config["record"])), exist_ok=True)
        _record_file = open(config["record"], "w", encoding="utf-8")
    return _record_file


def _record_body(body):
    """Parsed JSON as it is; another non-empty body as a string; else null."""
    if isinstance(body, (bytes, bytearray)):
        return body.decode("utf-8", errors="replace") if body else None
    return body


def record(method, path, status, headers, body):
    if status >= 500 and status != 503:
        with _record_lock:
            server_errors.append((method, path[:200], status))
    f = _open_record()
    if f is None:
        return
    line = json.dumps({
        "method": method,
        "path": path,
        "status": status,
        "headers": headers,
        "body": _record_body(body),
    }, ensure_ascii=False)
    with _record_lock:
        f.write(line + "\n")
        f.flush()


def _is_json_type(ctype):
    ctype = (ctype or "").split(";")[0].strip().lower()
    return ctype == "application/json" or ctype.endswith("+json")


def _lower_headers(pairs):
    headers = {}
    for name, value in pairs:
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _finish(method, path, resp):
    data = resp.read() if method != "HEAD" else b""
    headers = _lower_headers(resp.getheaders())
    body = data
    if data and _is_json_type(headers.get("content-type")):
        try:
            body = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = data
    record(method, path, resp.status, headers, body)
    return Response(resp.status, headers, body)


def parse_raw_response(sock, method, path, timeout=10):
    """Reads one HTTP response from a connected socket. Returns a Response, or
    None when the server closed the connection without answering."""
    sock.settimeout(timeout)
    resp = http.client.HTTPResponse(sock, method=method)
    try:
        resp.begin()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        return None
    except http.client.BadStatusLine:
        return None
    try:
        return _finish(method, path, resp)
    except (ConnectionResetError, http.client.IncompleteRead):
        headers = _lower_headers(resp.getheaders())
        record(method, path, resp.status, headers, None)
        return Response(resp.status, headers, b"")


# --------------------------------------------------------------------------
# The server

class Server:
    """One parleyd process against the test database (or another one, with its own key)."""

    def __init__(self, env, extra_env=None, name="main", database_url=None, key=None):
        self.env = env
        self.database_url = database_url or env.database_url
        self.key = key or env.key
        self.port = pick_free_port()
        self.name = name
        self.log_path = (config["record"] or os.path.join("/tmp", "parley-http")) + f".{name}.parleyd.log"
        os.makedirs(os.path.dirname(os.path.abspath(self.log_path)), exist_ok=True)
        penv = dict(os.environ)
        penv.update({
            "DATABASE_URL": self.database_url,
            "PORT": str(self.port),
            "PARLEY_LOG_LEVEL": "warn",
        })
        penv.pop("PARLEY_CORS_ORIGINS", None)
        penv.update(extra_env or {})
        # The port was free when picked, but another socket may take it
        # before parleyd binds it: then parleyd exits 69 (EX_UNAVAILABLE)
        # saying so, and starts again on another port.
        chosen_port = "PORT" in (extra_env or {})
        for attempt in range(1, 6):
            self.log = open(self.log_path, "wb")
            self.proc = subprocess.Popen([config["parleyd"]], env=penv, stdout=self.log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                self._wait_healthy()
                return
            except HarnessError:
                taken = self.proc.returncode == 69 and "cannot listen" in self.log_tail()
                if not taken or chosen_port or attempt == 5:
                    raise
                self.log.close()
                self.port = pick_free_port()
                penv["PORT"] = str(self.port)

    def _wait_healthy(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise HarnessError(f"parleyd exited with {self.proc.returncode} at start-up:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise HarnessError(f"parleyd did not answer /healthz within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", errors="replace")
        except OSError:
            return ""

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def request(self, method, path, body=None, headers=None, key=None, raw=None, timeout=30):
        """Sends one request on a fresh connection.

        body: a JSON value, serialised with Content-Type application/json
        raw: bytes sent as they are (Content-Type application/json unless given)
        headers: extra headers; a value of None removes a default header
        key: None = the test key on writes only, True = always, False = never,
             a string = that bearer token
        Returns Response(status, headers lowercased, parsed JSON or bytes)."""
        hdrs = {}
        payload = None
        if raw is not None:
            payload = raw
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if key is None:
            key = method in ("POST", "PATCH", "DELETE", "PUT")
        if key is True:
            hdrs["Authorization"] = f"Bearer {self.key}"
        elif isinstance(key, str):
            hdrs["Authorization"] = f"Bearer {key}"
        for k, v in (headers or {}).items():
            for existing in [h for h in hdrs if h.lower() == k.lower()]:
                del hdrs[existing]
            if v is not None:
                hdrs[k] = v
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=payload, headers=hdrs)
            resp = conn.getresponse()
            return _finish(method, path, resp)
        finally:
            conn.close()

    def raw_socket(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def raw_exchange(self, data, method="GET", path="/", timeout=10):
        """Sends raw bytes and reads one response (None if the server closed
        the connection without one)."""
        with self.raw_socket(timeout) as s:
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return parse_raw_response(s, method, path, timeout)

    def healthy(self):
        try:
            return self.request("GET", "/healthz", timeout=5).status == 200
        except OSError:
            return False

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Stops the server; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def start_private_cluster(cls, prefix):
    """Creates, starts and migrates a throwaway cluster; sets cls.cluster, cls.url and cls.key."""
    cls.cluster = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    cls.cluster_port = str(pick_free_port())
    try:
        out = cls.env.pgcluster("start", cls.cluster, cls.cluster_port, extra_env={"PGCLUSTER_FAST": "1"})
        if out.returncode != 0:
            raise HarnessError(f"scripts/pgcluster.sh start failed:\n{out.stderr}")
        cls.url = out.stdout.strip().splitlines()[-1]
        migrate = cls.env.cli("migrate", database_url=cls.url)
        if migrate.returncode != 0:
            raise HarnessError(f"parley migrate failed:\n{migrate.stdout}{migrate.stderr}")
        cls.key = cls.env.create_key(f"test-{prefix.strip('-')}", database_url=cls.url)
    except BaseException:
        stop_private_cluster(cls)
        raise


def stop_private_cluster(cls):
    cls.env.pgcluster("stop", cls.cluster)
    shutil.rmtree(cls.cluster, ignore_errors=True)


class Env:
    """The test database, the key and the main server."""

    def __init__(self):
        for name in ("parleyd", "parley"):
            if not os.access(config[name], os.X_OK):
                raise HarnessError(f"{name} not found or not executable: {config[name]}")
        if not config["database_url"]:
            raise HarnessError("DATABASE_URL is not set (start a cluster: scripts/pgcluster.sh start DIR)")
        self.admin_url = config["database_url"]
        self.dbname = f"parley_test_{os.getpid()}_{_RUN}"
        self.database_url = _with_dbname(self.admin_url, self.dbname)
        self.servers = []
        self.key = None
        self.server = None
        run_psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.dbname}";\nCREATE DATABASE "{self.dbname}";')
        self.db_created = True
        try:
            out = self.cli("migrate")
            if out.returncode != 0:
                raise HarnessError(f"parley migrate failed ({out.returncode}):\n{out.stdout}{out.stderr}")
            self.key = self.create_key(f"test-{_RUN}")
            self.server = self.start_server()
        except BaseException:
            self.close()
            raise

    # The CLI ------------------------------------------------------------
    def cli(self, *args, timeout=60, database_url=None):
        env = dict(os.environ)
        env["DATABASE_URL"] = database_url or self.database_url
        env.setdefault("PARLEY_LOG_LEVEL", "warn")
        return subprocess.run([config["parley"], *args], env=env, capture_output=True,
                              text=True, timeout=timeout)

    def create_key(self, name, database_url=None):
        out = self.cli("key", "create", name, database_url=database_url)
        if out.returncode != 0:
            raise HarnessError(f"parley key create {name} failed ({out.returncode}):\n{out.stdout}{out.stderr}")
        for tok in out.stdout.split():
            if tok.startswith("parley_"):
                return tok
        raise HarnessError(f"no key (a token starting with parley_) in the output of parley key create:\n{out.stdout}")

    def revoke_key(self, name):
        return self.cli("key", "revoke", name)

    # The database -------------------------------------------------------
    def psql(self, sql, **variables):
        return run_psql(self.database_url, sql, variables)

    def psql_value(self, sql, **variables):
        rows = self.psql(sql, **variables)
        return rows[0][0] if rows else None

    def counts(self):
        rows = self.psql("SELECT (SELECT count(*) FROM parties), (SELECT count(*) FROM issues),"
                         " (SELECT count(*) FROM claims), (SELECT count(*) FROM articles),"
                         " (SELECT count(*) FROM claim_issues)")
        return dict(zip(("parties", "issues", "claims", "articles", "claim_issues"),
                        (int(x) for x in rows[0])))

    def insert_article(self, text, title=None, url=None, published=None, updated=None,
                       authors=(), dateline=None):
        """Inserts an article directly (the loader is not there yet); returns its id."""
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        variables = {"sha": sha, "text": text}
        cols = ["sha256", "text", "authors"]
        vals = [":'sha'", ":'text'", "ARRAY[" + ",".join(f":'a{i}'" for i in range(len(authors))) + "]::text[]"]
        for i, a in enumerate(authors):
            variables[f"a{i}"] = a
        for name, value in (("title", title), ("url", url), ("published", published),
                            ("updated", updated), ("dateline", dateline)):
            if value is not None:
                variables[name] = value
                cols.append(name)
                vals.append(f":'{name}'")
        sql = f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join(vals)}) RETURNING id;\n"
        return int(self.psql(sql, **variables)[0][0])

    # Servers ------------------------------------------------------------
    def start_server(self, extra_env=None, name=None, database_url=None, key=None):
        server = Server(self, extra_env, name or f"s{len(self.servers)}", database_url, key)
        self.servers.append(server)
        return server

    def pgcluster(self, *args, timeout=90, extra_env=None):
        return subprocess.run([PGCLUSTER, *args], capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, **(extra_env or {})))

    def close(self):
        for server in self.servers:
            try:
                server.stop()
            except Exception:  # noqa: BLE001 - best effort at shutdown
                pass
        self.servers = []
        if getattr(self, "db_created", False):
            try:
                run_psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE);',
                         timeout=30, check=False)
            except Exception:  # noqa: BLE001
                pass
            self.db_created = False


_env = None
_env_error = None
_env_lock = threading.Lock()


def env():
    """The shared environment, created on first use."""
    global _env, _env_error
    with _env_lock:
        if _env_error is not None:
            raise HarnessError(f"the test environment could not be set up: {_env_error}")
        if _env is None:
            try:
                _env = Env()
            except Exception as e:
                _env_error = e
                raise
        return _env


def shutdown():
    global _env, _record_file
    with _env_lock:
        if _env is not None:
            _env.close()
            _env = None
    if _record_file is not None:
        _record_file.close()
        _record_file = None


# --------------------------------------------------------------------------
# The base class of every test

def problem_errors(tc, resp):
    """Checks RFC 9457 shape; returns the body."""
    body = resp.body
    tc.assertEqual(resp.headers.get("content-type", "").split(";")[0].strip(),
                   "application/problem+json", f"problem content type; body {body!r:.300}")
    tc.assertIsInstance(body, dict, f"problem body is a JSON object: {body!r:.300}")
    for k in ("type", "title", "status", "detail", "errors"):
        tc.assertIn(k, body, f"problem member {k!r} in {body!r:.300}")
    tc.assertIsInstance(body["type"], str)
    tc.assertTrue(body["type"].startswith(PROBLEM_TYPE_BASE), body["type"])
    tc.assertIsInstance(body["title"], str)
    tc.assertTrue(body["title"])
    tc.assertIsInstance(body["detail"], str)
    tc.assertEqual(body["status"], resp.status, "problem status equals the HTTP status")
    tc.assertIsInstance(body["errors"], list)
    for e in body["errors"]:
        tc.assertIsInstance(e, dict)
        tc.assertIsInstance(e.get("field"), str, f"errors[].field in {e!r}")
        tc.assertIsInstance(e.get("message"), str, f"errors[].message in {e!r}")
    return body


class ApiTest(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.env = env()
        cls.server = cls.env.server

    # requests -------------------------------------------------------------
    def request(self, method, path, body=None, headers=None, key=None, raw=None, server=None, timeout=30):
        return (server or self.server).request(method, path, body=body, headers=headers, key=key,
                                               raw=raw, timeout=timeout)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def expect(self, resp, status, msg=""):
        self.assertEqual(resp.status, status, f"{msg} body: {resp.body!r:.600}")
        return resp.body

    def ok_get(self, path, status=200):
        return self.expect(self.get(path), status, f"GET {path}")

    # problems -------------------------------------------------------------
    def assertProblem(self, resp, status, field=None, statuses=None):
        """Asserts an RFC 9457 problem with this status (or one of `statuses`);
        with `field`, that some errors[].field (or the detail) names it."""
        if statuses:
            self.assertIn(resp.status, statuses, f"body: {resp.body!r:.600}")
        else:
            self.assertEqual(resp.status, status, f"body: {resp.body!r:.600}")
        body = problem_errors(self, resp)
        if field is not None:
            fields = [e["field"] for e in body["errors"]]
            self.assertTrue(any(field in f for f in fields) or field in body["detail"],
                            f"problem names {field!r}: {body!r:.600}")
        return body

    # fixtures -------------------------------------------------------------
    def fresh_database(self, prefix="parley_own"):
        """A migrated database of the test's own, dropped at its end; its URL."""
        name = f"{prefix}_{uid()}"
        run_psql(self.env.admin_url, f'CREATE DATABASE "{name}";')
        self.addCleanup(run_psql, self.env.admin_url, f'DROP DATABASE IF EXISTS "{name}";')
        url = _with_dbname(self.env.admin_url, name)
        out = self.env.cli("migrate", database_url=url)
        self.assertEqual(out.returncode, 0, out.stderr)
        return url

    def make_party(self, **fields):
        body = {"name": fields.pop("name", None) or f"Party {uid()}", "kind": fields.pop("kind", "state")}
        if "slug" not in fields:
            body["slug"] = slug("p")
        body.update(fields)
        resp = self.post("/parties", body)
        return self.expect(resp, 201, f"create party {body!r}")

    def make_issue(self, **fields):
        body = {"name": fields.pop("name", None) or f"Issue {uid()}"}
        if "slug" not in fields:
            body["slug"] = slug("i")
        body.update(fields)
        resp = self.post("/issues", body)
        return self.expect(resp, 201, f"create issue {body!r}")

    def make_claim(self, party=None, **fields):
        body = {"party": party or self.make_party()["slug"], "stance": fields.pop("stance", "demands"),
                "text": fields.pop("text", None) or f"Claim text {uid()}"}
        body.update(fields)
        resp = self.post("/claims", body)
        return self.expect(resp, 201, f"create claim {body!r}")

    def make_article(self, text=None, **fields):
        return self.env.insert_article(text or f"Article text {uid()}.", **fields)

    def walk(self, path, limit=None, follow_link=False, max_pages=1000):
        """Walks every page of a list; returns all items."""
        items = []
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" if limit else path
        for _ in range(max_pages):
            resp = self.get(url)
            body = self.expect(resp, 200, f"GET {url}")
            items.extend(body["items"])
            if body["next"] is None:
                self.assertNotIn("link", resp.headers, "no Link header on the last page")
                return items
            if follow_link:
                m = re.match(r'^<([^>]+)>;\s*rel="next"$', resp.headers.get("link", ""))
                self.assertIsNotNone(m, f"Link header: {resp.headers.get('link')!r}")
                url = m.group(1)
            else:
                base = path
                q = f"cursor={urllib.parse.quote(body['next'], safe='')}"
                if limit:
                    q = f"limit={limit}&{q}"
                url = f"{base}{'&' if '?' in base else '?'}{q}"
        self.fail(f"more than {max_pages} pages in {path}")

    def ids(self, path):
        return [item["id"] for item in self.walk(path)]


def slugs_of(items):
    return [i["slug"] for i in items]


def canonical_etag(record):
    data = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def q(value):
    """Percent-encodes a query value."""
    return urllib.parse.quote(str(value), safe="")


def log(msg):
    print(msg, file=sys.stderr, flush=True)
