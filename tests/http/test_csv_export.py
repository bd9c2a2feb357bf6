"""The whole-list CSV export (?format=csv): every matching claim in one streamed response, equal to
the JSON list walked page by page; the filters and sort of the JSON list; an optional UTF-8 BOM; a
download file name; problems before the first byte; and a slow reader holds no database connection
(a server with a one-connection pool keeps answering while a download is stalled)."""

import csv
import io
import socket
import time

from harness import ApiTest, uid
from test_csv import COLUMNS, as_csv_row
from test_observability import parse_metrics, value

BOM = b"\xef\xbb\xbf"
MANY = 460  # more than two 200-row chunks


def parse_csv(body, bom=False):
    if bom:
        assert body.startswith(BOM), body[:10]
        body = body[len(BOM):]
    text = body.decode("utf-8")
    assert text.endswith("\r\n"), text[-20:]
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert rows[0] == COLUMNS, rows[0]
    return rows[1:]


def insert_claims(env, party, count, text_sql):
    """`count` claims of `party` made in SQL (far quicker than as many POSTs); the texts come from
    `text_sql`, an expression of n (1..count)."""
    env.psql(f"""
        INSERT INTO claims (party_id, stance, text, stated_on)
        SELECT p.id, (ARRAY['demands','rejects','proposes'])[1 + n % 3], {text_sql},
               CASE WHEN n % 7 = 0 THEN NULL ELSE date '2025-01-01' + (n % 40) END
          FROM parties p, generate_series(1, {int(count)}) n
         WHERE p.slug = :'party'""", party=party)


class CsvExport(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        resp = cls.server.request("POST", "/parties", {"name": f"Export {uid()}", "kind": "state"})
        assert resp.status == 201, resp
        cls.party = resp.body["slug"]
        # Texts a CSV writer must take care of: commas, quotes, line breaks, formulas.
        insert_claims(cls.env, cls.party, MANY,
                      "CASE n % 5 WHEN 0 THEN '=SUM(A1:A9) ' || n WHEN 1 THEN 'With, a comma ' || n "
                      "WHEN 2 THEN 'Quote \"' || n || '\" and' || chr(10) || 'a line' "
                      "WHEN 3 THEN '-' || n || ' minus' ELSE 'Plain ' || n END")
        resp = cls.server.request("POST", "/issues", {"name": f"Export issue {uid()}"})
        assert resp.status == 201, resp
        cls.issue = resp.body["slug"]
        for n in range(3):
            resp = cls.server.request("POST", "/claims", {"party": cls.party, "stance": "accepts",
                                                          "issues": [cls.issue], "text": f"On issue {n}"})
            assert resp.status == 201, resp

    def export(self, path, **kw):
        resp = self.get(path, **kw)
        self.assertEqual(resp.status, 200, f"{resp.body!r:.300}")
        self.assertEqual(resp.headers.get("content-type"), "text/csv; charset=utf-8")
        self.assertEqual(resp.headers.get("content-disposition"), 'attachment; filename="claims.csv"')
        self.assertEqual(resp.headers.get("transfer-encoding"), "chunked", "streamed, not one buffer")
        self.assertNotIn("link", resp.headers, "no next page: the whole list")
        return resp

    def test_whole_list_in_one_request_equals_the_paged_json(self):
        items = self.walk(f"/claims?party={self.party}", limit=200)
        self.assertEqual(len(items), MANY + 3)
        before = parse_metrics(self.get("/metrics").body.decode())[0]
        rows = parse_csv(self.export(f"/claims?party={self.party}&format=csv").body)
        # The first chunk comes with the answer's head; the next two were read by the
        # asynchronous reader, the connection suspended meanwhile, not holding a worker.
        after = parse_metrics(self.get("/metrics").body.decode())[0]
        self.assertGreaterEqual(value(after, "parley_db_reader_jobs_total", outcome="ok")
                                - value(before, "parley_db_reader_jobs_total", outcome="ok"), 2)
        self.assertEqual([int(r[0]) for r in rows], [i["id"] for i in items], "the same ids in the same order")
        self.assertEqual(rows, [as_csv_row(i) for i in items], "the same cells as the paged CSV form")
        formulas = [r[7] for r in rows if r[7].startswith("'=") or r[7].startswith("'-")]
        self.assertEqual(len(formulas), 2 * (MANY // 5), "formula-like texts neutralised")

    def test_filters_and_sort_are_respected(self):
        paths = [f"/claims?party={self.party}&stance=rejects&sort=stated_on",
                 f"/claims?party={self.party}&since=2025-01-10&until=2025-01-20&sort=-stated_on",
                 f"/claims?party={self.party}&q=comma",
                 f"/parties/{self.party}/claims?stance=demands",
                 f"/issues/{self.issue}/claims",
                 f"/claims?issue={self.issue}&party={self.party}"]
        for path in paths:
            with self.subTest(path=path):
                items = self.walk(path, limit=200)
                self.assertTrue(items)
                rows = parse_csv(self.export(f"{path}&format=csv" if "?" in path else f"{path}?format=csv").body)
                self.assertEqual([int(r[0]) for r in rows], [i["id"] for i in items])
        rows = parse_csv(self.export(f"/claims?party={self.party}&stance=threatens&format=csv").body)
        self.assertEqual(rows, [], "no match: the header row alone")

    def test_bom_for_spreadsheets(self):
        path = f"/claims?party={self.party}&stance=demands&format=csv"
        plain = self.export(path).body
        self.assertTrue(plain.startswith(b"id,"), "no BOM unless asked")
        with_bom = self.export(f"{path}&bom=true").body
        self.assertEqual(with_bom, BOM + plain)
        self.assertEqual(self.export(f"{path}&bom=false").body, plain)

    def test_head_and_accept_do_not_change_the_export(self):
        path = f"/claims?party={self.party}&stance=proposes&format=csv"
        body = self.export(path).body
        self.assertEqual(self.export(path, headers={"Accept": "application/json"}).body, body,
                         "format=csv wins over Accept")
        head = self.request("HEAD", path)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.headers.get("content-type"), "text/csv; charset=utf-8")
        json_answer = self.get(f"/claims?party={self.party}&format=json&limit=2", headers={"Accept": "text/csv"})
        self.assertEqual(json_answer.status, 200)
        self.assertEqual(set(json_answer.body), {"items", "next", "next_url"}, "format=json wins over Accept")
        self.assertIn("format=json", json_answer.body["next_url"])

    def test_problems_before_the_first_byte(self):
        cases = {f"/claims?party={self.party}&format=xml": "format",
                 f"/claims?party={self.party}&format=csv&bom=yes": "bom",
                 f"/claims?party={self.party}&bom=true": "bom",
                 f"/claims?party={self.party}&format=csv&limit=10": "limit",
                 f"/claims?party={self.party}&format=csv&cursor=bm9wZQ": None,
                 f"/claims?party={self.party}&format=csv&stance=shouts": "stance",
                 "/parties?format=csv": "format"}
        for path, field in cases.items():
            with self.subTest(path=path):
                self.assertProblem(self.get(path), 400, field=field)
        self.assertProblem(self.get(f"/parties/nope-{uid()}/claims?format=csv"), 404)

    def test_the_paged_accept_form_stays(self):
        resp = self.get(f"/claims?party={self.party}&limit=5", headers={"Accept": "text/csv"})
        self.assertEqual(resp.status, 200)
        self.assertEqual(len(parse_csv(resp.body)), 5)
        self.assertIn("link", resp.headers)
        self.assertNotIn("content-disposition", resp.headers)


class CsvExportSlowReader(ApiTest):
    """A download the client stops reading must not keep a database connection: with a pool of one
    connection, other requests are answered while it is stalled, and it then completes."""

    ROWS = 700
    TEXT = 9000  # bytes a claim: 6 MB in all, more than the kernel's socket buffers hold (4 MB + 4 KB)

    def test_stalled_download_holds_no_connection(self):
        resp = self.post("/parties", {"name": f"Slow export {uid()}", "kind": "state"})
        party = self.expect(resp, 201)["slug"]
        insert_claims(self.env, party, self.ROWS, f"'Slow ' || n || ' ' || repeat('x', {self.TEXT})")
        server = self.env.start_server(name="export-pool-1",
                                       extra_env={"PARLEY_DB_POOL": "1", "PARLEY_THREADS": "2",
                                                  "PARLEY_CONNECTION_TIMEOUT": "60"})
        try:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(30)
            sock.connect(("127.0.0.1", server.port))
            sock.sendall(f"GET /claims?party={party}&format=csv HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            first = sock.recv(4096)
            self.assertTrue(first.startswith(b"HTTP/1.1 200"), first[:200])
            time.sleep(1)  # the server fills the socket's buffers and waits
            for n in range(5):
                started = time.monotonic()
                other = self.request("GET", f"/claims?party={party}&limit=3", server=server, timeout=20)
                self.assertEqual(other.status, 200, f"request {n} during the stalled download: {other.body!r:.300}")
                self.assertLess(time.monotonic() - started, 10)
            ready = self.request("GET", "/readyz", server=server, timeout=20)
            self.assertEqual(ready.status, 200)
            # Now read the rest: the whole list, ended properly.
            data = bytearray(first)
            while not data.endswith(b"\r\n0\r\n\r\n"):
                chunk = sock.recv(1 << 20)
                self.assertTrue(chunk, "the stream ended before its last chunk")
                data.extend(chunk)
            sock.close()
            self.assertGreater(len(data), 4 * 1024 * 1024 + 4096 + 100000,
                               "more than the socket buffers hold: the server did wait for the reader")
            head, _, chunked = bytes(data).partition(b"\r\n\r\n")
            body = bytearray()
            while True:
                size_line, _, chunked = chunked.partition(b"\r\n")
                size = int(size_line, 16)
                if size == 0:
                    break
                body.extend(chunked[:size])
                chunked = chunked[size + 2:]
            rows = parse_csv(bytes(body))
            self.assertEqual(len(rows), self.ROWS)
            self.assertEqual(len({r[0] for r in rows}), self.ROWS, "every claim once")
        finally:
            server.stop()
