#!/usr/bin/env python3
"""The analytics benchmark (issue 10): twelve dashboard queries answered by
Qudao's in-memory engine and, on the same data in the same run, by DuckDB
(from PyPI), PostgreSQL and SQLite; the engine's cold start and resident
memory; optionally the dashboard page served to concurrent users.

Data: `qudao demo --scale bench --lines N` into `DIR/bench.db` (10,000
partners, 100,000 products, N sell-in and N sell-through lines over 24
months), made once and reused while the file exists. The peers get the
tables the queries read, exported from that database with the sqlite3 CLI
(`-csv`): sell-in lines without a seller, sell-through lines, partners,
products, the exchange rates, and each region's province and city (its
ancestors at those levels, as the engine places them). DuckDB loads them
into `DIR/peer-N.duckdb` (kept; no indexes, none needed); PostgreSQL into a
database made for the run and dropped after it (indexes on the facts' date
and partner columns, then ANALYZE); SQLite answers on Qudao's own database
file (the rates and region levels as temporary tables).

The SQL gives every query the engine's meaning: amounts in the company
currency, a line in another currency converted at its month's rate and
rounded half away from zero (0 when the month has no rate); sell-through
returns (qty < 0) count negative; sell-in is placed in the partner's
region, sell-through in the customer's region or else the partner's; a
group with no value (no region) is a group of its own.

Timing: ours is `qudao analytics bench` (one warm-up run of each query, then
`--runs` timed runs, in one process on one loaded engine); each peer query
is likewise run once, then timed `--runs` times or until `--budget` seconds
are spent on it (at least `--min-runs`, 3), on one open connection, fetching every
row. Reported: median (p50) and p95 in ms, the ratio of our median to
DuckDB's and its geometric mean. Checked: every peer returns the same
values as the others for every query, and the same totals and rows as
Qudao (`qudao analytics query --format json`) for three of them (`--checked`
fewer: each loads the engine anew); the group counts of every query
without a limit.

Cold start: `/usr/bin/time -v qudao analytics query ...` (the three checked
queries, each in a fresh process): the CLI's "from process start" ms, and
the maximum resident set size.

Usage: python3 bench/analytics.py [--lines 1000000] [--db-dir /tmp/qudao-analytics]
       [--runs 20] [--budget 20] [--min-runs 3] [--checked 3] [--bin target/release/qudao]
       [--skip-duckdb] [--skip-postgres] [--skip-sqlite] [--http-users 0 --http-seconds 20]
"""
import argparse
import http.cookiejar
import json
import math
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
QUERY_FILE = os.path.join(HERE, "analytics_queries.txt")
PG_ADMIN = os.environ.get("QUDAO_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
DUCKDB = "duckdb==2.0.0"
PSYCOPG = "psycopg[binary]==3.3.9"

# The twelve queries as SQL, in the order of analytics_queries.txt. `si` and
# `st` are each peer's view of sell-in and sell-through lines (partner_id,
# product_id, date, region_id, partner_type, amount in the company
# currency); {month} and {moy} the month and the month of the year of
# `f.date` in the peer's dialect; {d0}..{d1} this year, {p0}..{p1} the one
# before.
QUERIES = [
    # 1. by channel
    """WITH a AS (SELECT f.partner_type k, SUM(f.amount) v FROM si f
                  WHERE f.date BETWEEN '{d0}' AND '{d1}' GROUP BY 1),
            b AS (SELECT f.partner_type k, SUM(f.amount) v FROM st f
                  WHERE f.date BETWEEN '{d0}' AND '{d1}' GROUP BY 1)
       SELECT COALESCE(a.k, b.k), COALESCE(a.v, 0), COALESCE(b.v, 0)
       FROM a FULL OUTER JOIN b ON a.k = b.k""",
    # 2. by region (province), largest first
    """SELECT rd.province_id, SUM(f.amount) v FROM si f
       LEFT JOIN region_dims rd ON rd.region_id = f.region_id
       WHERE f.date BETWEEN '{d0}' AND '{d1}' GROUP BY 1 ORDER BY v DESC""",
    # 3. top-10 partners
    """SELECT f.partner_id, SUM(f.amount) v FROM si f
       WHERE f.date BETWEEN '{d0}' AND '{d1}' GROUP BY 1 ORDER BY v DESC LIMIT 10""",
    # 4. top-10 products by sell-through
    """SELECT f.product_id, SUM(f.amount) v FROM st f
       WHERE f.date BETWEEN '{d0}' AND '{d1}' GROUP BY 1 ORDER BY v DESC LIMIT 10""",
    # 5. by product line
    """SELECT pr.product_line_id, SUM(f.amount) v FROM si f
       LEFT JOIN products pr ON pr.id = f.product_id
       WHERE f.date BETWEEN '{d0}' AND '{d1}' GROUP BY 1""",
    # 6. by month over two years, both flows
    """WITH a AS (SELECT {month} k, SUM(f.amount) v FROM si f
                  WHERE f.date BETWEEN '{p0}' AND '{d1}' GROUP BY 1),
            b AS (SELECT {month} k, SUM(f.amount) v FROM st f
                  WHERE f.date BETWEEN '{p0}' AND '{d1}' GROUP BY 1)
       SELECT COALESCE(a.k, b.k) k, COALESCE(a.v, 0), COALESCE(b.v, 0)
       FROM a FULL OUTER JOIN b ON a.k = b.k ORDER BY k""",
    # 7. YoY per month
    """WITH c AS (SELECT {moy} k, SUM(f.amount) v FROM si f
                  WHERE f.date BETWEEN '{d0}' AND '{d1}' GROUP BY 1),
            l AS (SELECT {moy} k, SUM(f.amount) v FROM si f
                  WHERE f.date BETWEEN '{p0}' AND '{p1}' GROUP BY 1)
       SELECT c.k, c.v, COALESCE(l.v, 0) FROM c LEFT JOIN l ON l.k = c.k ORDER BY c.k""",
    # 8. YoY KPI totals
    """SELECT (SELECT COALESCE(SUM(amount), 0) FROM si WHERE date BETWEEN '{d0}' AND '{d1}'),
              (SELECT COALESCE(SUM(amount), 0) FROM st WHERE date BETWEEN '{d0}' AND '{d1}'),
              (SELECT COALESCE(SUM(amount), 0) FROM si WHERE date BETWEEN '{p0}' AND '{p1}'),
              (SELECT COALESCE(SUM(amount), 0) FROM st WHERE date BETWEEN '{p0}' AND '{p1}')""",
    # 9. drill-down: a province's cities
    """SELECT rd.city_id, SUM(f.amount) v FROM si f
       JOIN region_dims rd ON rd.region_id = f.region_id
       WHERE f.date BETWEEN '{d0}' AND '{d1}'
         AND rd.province_id = (SELECT region_id FROM region_dims WHERE code = '{province}')
       GROUP BY 1 ORDER BY v DESC""",
    # 10. drill-down: a city's partners
    """SELECT f.partner_id, SUM(f.amount) v FROM si f
       JOIN region_dims rd ON rd.region_id = f.region_id
       WHERE f.date BETWEEN '{d0}' AND '{d1}'
         AND rd.city_id = (SELECT region_id FROM region_dims WHERE code = '{city}')
       GROUP BY 1 ORDER BY v DESC""",
    # 11. a partner's page
    """WITH a AS (SELECT {month} k, SUM(f.amount) v FROM si f
                  WHERE f.date BETWEEN '{d0}' AND '{d1}'
                    AND f.partner_id = (SELECT id FROM partners WHERE code = '{partner}')
                  GROUP BY 1),
            b AS (SELECT {month} k, SUM(f.amount) v FROM st f
                  WHERE f.date BETWEEN '{d0}' AND '{d1}'
                    AND f.partner_id = (SELECT id FROM partners WHERE code = '{partner}')
                  GROUP BY 1)
       SELECT COALESCE(a.k, b.k) k, COALESCE(a.v, 0), COALESCE(b.v, 0)
       FROM a FULL OUTER JOIN b ON a.k = b.k ORDER BY k""",
    # 12. YoY per province, distributors' sell-through
    """WITH c AS (SELECT COALESCE(rd.province_id, -1) k, SUM(f.amount) v FROM st f
                  LEFT JOIN region_dims rd ON rd.region_id = f.region_id
                  WHERE f.date BETWEEN '{d0}' AND '{d1}' AND f.partner_type = 'distributor'
                  GROUP BY 1),
            l AS (SELECT COALESCE(rd.province_id, -1) k, SUM(f.amount) v FROM st f
                  LEFT JOIN region_dims rd ON rd.region_id = f.region_id
                  WHERE f.date BETWEEN '{p0}' AND '{p1}' AND f.partner_type = 'distributor'
                  GROUP BY 1)
       SELECT c.k, c.v, COALESCE(l.v, 0) FROM c LEFT JOIN l ON l.k = c.k""",
]
NAMES = ["by channel", "by province", "top-10 partners", "top-10 products",
         "by product line", "by month, 24 months", "YoY by month", "YoY KPI totals",
         "province → cities", "city → partners", "partner page", "YoY by province, distributors"]
# Queries whose totals and rows are checked against Qudao's own answer.
CHECKED = [0, 1, 10]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def venv_import(module, requirement):
    """`module`, from `.venv/bench` (made on first use) when the running
    Python lacks it."""
    try:
        return __import__(module)
    except ImportError:
        pass
    venv = os.path.join(HERE, "..", ".venv", "bench")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", requirement], check=True)
    site = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip()
    if site not in sys.path:
        sys.path.insert(0, site)
    return __import__(module)


# ---------------------------------------------------------------- the data

def ensure_data(args):
    os.makedirs(args.db_dir, exist_ok=True)
    db = os.path.join(args.db_dir, "bench.db")
    if os.path.exists(db):
        log(f"reusing {db}")
        return db
    log(f"generating {db} with {args.lines} + {args.lines} lines (this takes a while)")
    start = time.perf_counter()
    out = run([args.bin, "--db", f"sqlite://{db}", "demo", "--scale", "bench",
               "--lines", str(args.lines), "--csv", os.path.join(args.db_dir, "data")])
    log(out.stdout.strip())
    log(f"generated in {time.perf_counter() - start:.0f} s")
    return db


def region_dims(con):
    """Each region's province and city, as the engine places them
    (`engine::dims`): walking up from the region itself (at most 16 steps),
    the last province met, or abroad the country; the last city met."""
    regions = {rid: (code, level, parent) for rid, code, level, parent in
               con.execute("SELECT id, code, level, parent_id FROM regions")}
    rows = []
    for rid, (code, _, _) in regions.items():
        province = city = None
        at, hops = rid, 0
        while at is not None and at in regions and hops < 16:
            c, level, parent = regions[at]
            if level == "province":
                province = at
            elif level == "city":
                city = at
            elif level == "country" and province is None and c != "CN":
                province = at
            at, hops = parent, hops + 1
        rows.append((rid, code, province, city))
    return rows


def facts_meta(db):
    con = sqlite3.connect(db)
    settings = dict(con.execute("SELECT key, value FROM settings"))
    currency = settings.get("currency", "CNY")
    if settings.get("fiscal_year_start", "1") != "1":
        sys.exit("the SQL assumes calendar years (fiscal_year_start = 1)")
    last = con.execute("SELECT MAX(date) FROM sellin_lines WHERE seller_id IS NULL").fetchone()[0]
    year = int(str(last)[:4])
    # The drill-down's targets: the province with the most partners, its
    # city with the most, and that city's partner with the most sell-in lines.
    dims = region_dims(con)
    by_region = {rid: (p, c) for rid, _, p, c in dims}
    code_of = {rid: code for rid, code, _, _ in dims}
    partners = con.execute("SELECT id, code, region_id FROM partners ORDER BY id").fetchall()
    count = {}
    for _, _, region in partners:
        p = by_region.get(region, (None, None))[0]
        count[p] = count.get(p, 0) + 1
    province = max((p for p in count if p is not None), key=lambda p: (count[p], -p))
    cities = {}
    for _, _, region in partners:
        p, c = by_region.get(region, (None, None))
        if p == province and c is not None:
            cities[c] = cities.get(c, 0) + 1
    city = max(cities, key=lambda c: (cities[c], -c))
    in_city = {pid: code for pid, code, region in partners
               if by_region.get(region, (None, None))[1] == city}
    marks = ",".join("?" * len(in_city))
    busiest = con.execute(f"SELECT partner_id FROM sellin_lines WHERE partner_id IN ({marks}) "
                          "GROUP BY partner_id ORDER BY COUNT(*) DESC, partner_id LIMIT 1",
                          list(in_city)).fetchone()
    partner = in_city[busiest[0] if busiest else min(in_city)]
    rates = [(c, m, Decimal(r)) for m, c, r in
             con.execute("SELECT month, currency, rate FROM exchange_rates")]
    sizes = {t: con.execute(q).fetchone()[0] for t, q in [
        ("sellin", "SELECT COUNT(*) FROM sellin_lines WHERE seller_id IS NULL"),
        ("sellthrough", "SELECT COUNT(*) FROM sellthrough_lines"),
        ("partners", "SELECT COUNT(*) FROM partners"),
        ("products", "SELECT COUNT(*) FROM products")]}
    con.close()
    return {
        "currency": currency, "year": year, "dims": dims, "rates": rates, "sizes": sizes,
        "province": code_of[province], "city": code_of[city], "partner": partner,
        "values": {"d0": f"{year}-01-01", "d1": f"{year}-12-31",
                   "p0": f"{year - 1}-01-01", "p1": f"{year - 1}-12-31"},
    }


EXPORTS = {
    "sellin": "SELECT id, partner_id, product_id, date, qty, amount_minor, currency "
              "FROM sellin_lines WHERE seller_id IS NULL",
    "sellthrough": "SELECT id, partner_id, product_id, date, qty, amount_minor, currency, "
                   "customer_region_id FROM sellthrough_lines",
    "partners": "SELECT id, code, partner_type, region_id FROM partners",
    "products": "SELECT id, sku, product_line_id, category FROM products",
}
COLUMNS = {
    "sellin": [("id", "BIGINT"), ("partner_id", "BIGINT"), ("product_id", "BIGINT"),
               ("date", "DATE"), ("qty", "BIGINT"), ("amount_minor", "BIGINT"),
               ("currency", "VARCHAR(3)")],
    "sellthrough": [("id", "BIGINT"), ("partner_id", "BIGINT"), ("product_id", "BIGINT"),
                    ("date", "DATE"), ("qty", "BIGINT"), ("amount_minor", "BIGINT"),
                    ("currency", "VARCHAR(3)"), ("customer_region_id", "BIGINT")],
    "partners": [("id", "BIGINT PRIMARY KEY"), ("code", "VARCHAR"), ("partner_type", "VARCHAR"),
                 ("region_id", "BIGINT")],
    "products": [("id", "BIGINT PRIMARY KEY"), ("sku", "VARCHAR"), ("product_line_id", "BIGINT"),
                 ("category", "VARCHAR")],
}


def export(db, out_dir):
    """The tables the queries read, as CSV from the sqlite3 CLI."""
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for table, sql in EXPORTS.items():
        path = os.path.join(out_dir, f"{table}.csv")
        if not os.path.exists(path):
            log(f"exporting {table}")
            with open(path + ".part", "w") as f:
                subprocess.run(["sqlite3", "-csv", db, sql], stdout=f, check=True)
            os.rename(path + ".part", path)
        paths[table] = path
    return paths


def fact_views(month_start, convert, currency):
    """The two fact views, in a dialect: `month_start` the first day of
    `f.date`'s month, `convert` an amount column converted at `r`'s rate."""
    amount = f"CASE WHEN f.currency = '{currency}' THEN f.amount_minor ELSE {convert} END"
    rate = f"LEFT JOIN rates r ON r.currency = f.currency AND r.month = {month_start}"
    return [
        f"""CREATE {{temp}}VIEW si AS SELECT f.partner_id, f.product_id, f.date,
              p.region_id, p.partner_type, {amount} AS amount
            FROM {{sellin}} f JOIN partners p ON p.id = f.partner_id {rate}{{only}}""",
        f"""CREATE {{temp}}VIEW st AS SELECT f.partner_id, f.product_id, f.date,
              COALESCE(f.customer_region_id, p.region_id) AS region_id, p.partner_type,
              CASE WHEN f.qty < 0 THEN -({amount}) ELSE {amount} END AS amount
            FROM {{sellthrough}} f JOIN partners p ON p.id = f.partner_id {rate}""",
    ]


# ---------------------------------------------------------------- the peers

class Peer:
    name = ""
    month = ""
    moy = ""

    def sql(self, i, meta):
        return QUERIES[i].format(month=self.month, moy=self.moy, province=meta["province"],
                                 city=meta["city"], partner=meta["partner"], **meta["values"])

    def fetch(self, sql):
        raise NotImplementedError

    def close(self):
        pass


class DuckPeer(Peer):
    name = "DuckDB"
    month = "CAST(date_trunc('month', f.date) AS DATE)"
    moy = "EXTRACT(month FROM f.date)"

    def __init__(self, args, meta, csvs):
        duckdb = venv_import("duckdb", DUCKDB)
        self.version = duckdb.__version__
        path = os.path.join(args.db_dir, f"peer-{args.lines}.duckdb")
        fresh = not os.path.exists(path)
        self.con = duckdb.connect(path)
        if fresh:
            log("loading DuckDB")
            start = time.perf_counter()
            for table, cols in COLUMNS.items():
                types = ", ".join(f"'{c}': '{t.split()[0]}'" for c, t in cols)
                self.con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv("
                                 f"'{csvs[table]}', header = false, columns = {{{types}}})")
            self.con.execute("CREATE TABLE region_dims (region_id BIGINT, code VARCHAR, "
                             "province_id BIGINT, city_id BIGINT)")
            self.con.executemany("INSERT INTO region_dims VALUES (?, ?, ?, ?)", meta["dims"])
            self.con.execute("CREATE TABLE rates (currency VARCHAR, month DATE, rate DECIMAL(18, 8))")
            self.con.executemany("INSERT INTO rates VALUES (?, ?, ?)",
                                 [(c, f"{m}-01", r) for c, m, r in meta["rates"]])
            for view in fact_views(
                    "CAST(date_trunc('month', f.date) AS DATE)",
                    "COALESCE(CAST(ROUND(f.amount_minor * r.rate) AS BIGINT), 0)",
                    meta["currency"]):
                self.con.execute(view.format(temp="", sellin="sellin", sellthrough="sellthrough",
                                             only=""))
            log(f"DuckDB loaded in {time.perf_counter() - start:.1f} s")

    def fetch(self, sql):
        return self.con.execute(sql).fetchall()

    def close(self):
        self.con.close()


class PgPeer(Peer):
    name = "PostgreSQL"
    month = "CAST(date_trunc('month', f.date) AS DATE)"
    moy = "EXTRACT(month FROM f.date)"

    def __init__(self, args, meta, csvs):
        psycopg = venv_import("psycopg", PSYCOPG)
        self.admin = psycopg.connect(PG_ADMIN, autocommit=True)
        self.db = f"qudao_analytics_{os.getpid()}"
        self.admin.execute(f"CREATE DATABASE {self.db}")
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db
        self.con = psycopg.connect(url, autocommit=True)
        self.version = self.con.execute("SHOW server_version").fetchone()[0]
        log("loading PostgreSQL")
        start = time.perf_counter()
        for table, cols in COLUMNS.items():
            self.con.execute(f"CREATE TABLE {table} ({', '.join(f'{c} {t}' for c, t in cols)})")
            with self.con.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy, \
                    open(csvs[table], "rb") as f:
                while block := f.read(1 << 20):
                    copy.write(block)
        for table in ("sellin", "sellthrough"):
            self.con.execute(f"CREATE INDEX ON {table} (date)")
            self.con.execute(f"CREATE INDEX ON {table} (partner_id)")
        self.con.execute("CREATE TABLE region_dims (region_id BIGINT PRIMARY KEY, code TEXT, "
                         "province_id BIGINT, city_id BIGINT)")
        with self.con.cursor() as cur:
            cur.executemany("INSERT INTO region_dims VALUES (%s, %s, %s, %s)", meta["dims"])
            self.con.execute("CREATE TABLE rates (currency TEXT, month DATE, rate NUMERIC, "
                             "PRIMARY KEY (currency, month))")
            cur.executemany("INSERT INTO rates VALUES (%s, %s, %s)",
                            [(c, f"{m}-01", r) for c, m, r in meta["rates"]])
        for view in fact_views("CAST(date_trunc('month', f.date) AS DATE)",
                               "COALESCE(CAST(ROUND(f.amount_minor * r.rate) AS BIGINT), 0)",
                               meta["currency"]):
            self.con.execute(view.format(temp="", sellin="sellin", sellthrough="sellthrough",
                                         only=""))
        self.con.execute("VACUUM ANALYZE")
        log(f"PostgreSQL loaded in {time.perf_counter() - start:.1f} s")

    def fetch(self, sql):
        return self.con.execute(sql).fetchall()

    def close(self):
        self.con.close()
        self.admin.execute(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        self.admin.close()


class SqlitePeer(Peer):
    name = "SQLite"
    month = "substr(f.date, 1, 7)"
    moy = "CAST(substr(f.date, 6, 2) AS INTEGER)"

    def __init__(self, args, meta, db):
        # Read-only: the benchmark never writes into Qudao's database.
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.version = sqlite3.sqlite_version
        self.con.execute("CREATE TEMP TABLE region_dims (region_id INTEGER PRIMARY KEY, "
                         "code TEXT, province_id INTEGER, city_id INTEGER)")
        self.con.executemany("INSERT INTO region_dims VALUES (?, ?, ?, ?)", meta["dims"])
        # SQLite has no decimals: the rate as an integer of 1e-8, so the
        # conversion and its rounding (half away from zero) are exact.
        self.con.execute("CREATE TEMP TABLE rates (currency TEXT, month TEXT, rate_e8 INTEGER, "
                         "PRIMARY KEY (currency, month))")
        self.con.executemany("INSERT INTO rates VALUES (?, ?, ?)",
                             [(c, m, int(r * 100_000_000)) for c, m, r in meta["rates"]])
        convert = ("COALESCE((f.amount_minor * r.rate_e8 + CASE WHEN f.amount_minor < 0 "
                   "THEN -50000000 ELSE 50000000 END) / 100000000, 0)")
        for view in fact_views("substr(f.date, 1, 7)", convert, meta["currency"]):
            self.con.execute(view.format(temp="TEMP ", sellin="sellin_lines",
                                         sellthrough="sellthrough_lines",
                                         only=" WHERE f.seller_id IS NULL"))

    def fetch(self, sql):
        return self.con.execute(sql).fetchall()

    def close(self):
        self.con.close()


def timed(fetch, sql, runs, budget, least):
    rows = fetch(sql)  # warm
    times = []
    spent = time.perf_counter()
    while len(times) < runs and (len(times) < least or time.perf_counter() - spent < budget):
        t = time.perf_counter()
        fetch(sql)
        times.append((time.perf_counter() - t) * 1000)
    return rows, times


# ---------------------------------------------------------------- ours

def our_queries(meta):
    lines = []
    with open(QUERY_FILE, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                lines.append(line.format(year=meta["year"], prev=meta["year"] - 1,
                                         province=meta["province"], city=meta["city"],
                                         partner=meta["partner"]))
    if len(lines) != len(QUERIES):
        sys.exit(f"{QUERY_FILE} has {len(lines)} queries, the SQL {len(QUERIES)}")
    return lines


def cold_query(args, db, line):
    """One query in a fresh process under /usr/bin/time -v: the answer, the
    CLI's ms from process start, the maximum RSS in MB."""
    pairs = dict(p.split("=", 1) for p in line.split("&"))
    cmd = ["/usr/bin/time", "-v", args.bin, "--db", f"sqlite://{db}", "analytics", "query",
           "--measures", pairs.pop("measures"), "--by", pairs.pop("by", ""), "--format", "json"]
    for name in ("period", "from", "to", "compare", "sort", "limit"):
        if name in pairs:
            cmd += [f"--{name}", pairs.pop(name)]
    for dim, codes in pairs.items():
        cmd += ["--filter", f"{dim}={codes}"]
    out = run(cmd)
    ms = int(re.search(r"in (\d+) ms \(from process start\)", out.stderr).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))
    return json.loads(out.stdout), ms, rss / 1024


# ---------------------------------------------------------------- the page

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# wrk's summary as one line: requests, errors and the latency percentiles
# (its --latency table has no p95).
WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("WRK %d %d %.3f %.3f %.3f %.3f\\n", summary.requests, errors,
    summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def http_load(args, db, year):
    """wrk keeps `--http-users` connections busy on the dashboard for
    `--http-seconds`, each with a signed-in manager's session, each request
    sent when the last answered. wrk is in C and light, so the two cores
    are the server's, not the load generator's."""
    if not shutil.which("wrk"):
        log("wrk is missing: installing the Debian package")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([args.bin, "--db", f"sqlite://{db}", "serve", "--addr",
                               f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
    try:
        for _ in range(1200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        # One signed-in session (the login form, its CSRF token), its
        # cookie sent on every connection: sign-in throttling is not what
        # is measured.
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{base}/login").read().decode()
        csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"_csrf": csrf, "next": "/", "login": "manager",
                                       "password": "qudao-demo-2026"}).encode()
        opener.open(f"{base}/login", data=form).read()
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        if "qudao_session" not in cookie:
            sys.exit("signing in gave no session")
        url = f"{base}/analytics?period={year}"
        req = urllib.request.Request(url, headers={"Cookie": cookie})
        with urllib.request.urlopen(req, timeout=1800) as r:  # also waits for the engine's load
            status, page = r.status, r.read()
        if status != 200 or b"<html" not in page.lower():
            sys.exit(f"the dashboard answered {status}")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_REPORT)
        try:
            out = subprocess.run(
                ["wrk", "-t2", f"-c{args.http_users}", f"-d{args.http_seconds:.0f}s",
                 "--timeout", "30s", "-H", f"Cookie: {cookie}", "-s", script.name, url],
                check=True, capture_output=True, text=True).stdout
        finally:
            os.unlink(script.name)
        requests, errors, seconds, p50, p95_ms, p99 = re.search(
            r"^WRK (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)$", out, re.M).groups()
        return {"requests": int(requests), "errors": int(errors), "seconds": float(seconds),
                "p50": float(p50), "p95": float(p95_ms), "p99": float(p99), "size": len(page)}
    finally:
        server.terminate()
        server.wait()


# ---------------------------------------------------------------- report

def p95(xs):
    s = sorted(xs)
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def values(rows):
    """A result's values, without its keys (ids here, codes in Qudao's),
    as sorted tuples of ints."""
    return sorted(tuple(int(v or 0) for v in row[1:]) for row in rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--db-dir", default=None)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--budget", type=float, default=20.0,
                    help="seconds a peer may spend on one query's timed runs (at least 3 runs)")
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "qudao"))
    ap.add_argument("--min-runs", type=int, default=3,
                    help="timed runs of a peer query however long they take")
    ap.add_argument("--checked", type=int, default=len(CHECKED),
                    help="how many of the checked queries to run cold (each loads the engine)")
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--http-users", type=int, default=0)
    ap.add_argument("--http-seconds", type=float, default=20.0)
    args = ap.parse_args()
    args.db_dir = args.db_dir or f"/tmp/qudao-analytics-{args.lines}"
    db = ensure_data(args)
    meta = facts_meta(db)
    ours_lines = our_queries(meta)
    load_before = os.getloadavg()

    # Cold start first, while no peer holds memory. The first process finds
    # no projection file: it loads from the database and writes the file.
    # Then the checked queries, each in a fresh process reading the file.
    first = None
    if args.checked:
        engine_file = db + ".engine"
        if os.path.exists(engine_file):
            os.remove(engine_file)
        first = cold_query(args, db, ours_lines[CHECKED[0]])
        log(f"first start (no projection file): {first[1]} ms, {first[2]:.0f} MB")
    cold = {}
    for i in CHECKED[:args.checked]:
        cold[i] = cold_query(args, db, ours_lines[i])
        log(f"cold query {i + 1}: {cold[i][1]} ms, {cold[i][2]:.0f} MB")

    with open(os.path.join(args.db_dir, "queries.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(ours_lines) + "\n")
    log("timing Qudao")
    out = run(["/usr/bin/time", "-v", args.bin, "--db", f"sqlite://{db}", "analytics", "bench",
               os.path.join(args.db_dir, "queries.txt"), "--runs", str(args.runs)])
    ours = json.loads(out.stdout)
    bench_rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1)) / 1024
    with open(os.path.join(args.db_dir, "ours.json"), "w") as f:
        f.write(out.stdout)

    csvs = None
    peers = []
    makers = [("duckdb", lambda: DuckPeer(args, meta, csvs)),
              ("postgres", lambda: PgPeer(args, meta, csvs)),
              ("sqlite", lambda: SqlitePeer(args, meta, db))]
    results = {}
    for key, make in makers:
        if getattr(args, f"skip_{key}"):
            continue
        if key != "sqlite" and csvs is None:
            csvs = export(db, os.path.join(args.db_dir, "export"))
        peer = make()
        try:
            res = []
            for i in range(len(QUERIES)):
                rows, times = timed(peer.fetch, peer.sql(i, meta), args.runs, args.budget,
                                    args.min_runs)
                res.append((rows, times))
                log(f"{peer.name} {i + 1}: {statistics.median(times):.1f} ms, {len(rows)} rows")
            results[peer.name] = res
            peers.append(peer)
        finally:
            peer.close()
    load_after = os.getloadavg()

    # Checks.
    problems = []
    names = list(results)
    for i in range(len(QUERIES)):
        for other in names[1:]:
            if values(results[names[0]][i][0]) != values(results[other][i][0]):
                problems.append(f"query {i + 1}: {other} differs from {names[0]}")
        has_limit = "limit=" in ours_lines[i]
        if names and not has_limit and ours["queries"][i]["groups"] != len(results[names[0]][i][0]):
            problems.append(f"query {i + 1}: {ours['queries'][i]['groups']} groups, "
                            f"{names[0]} {len(results[names[0]][i][0])} rows")
    checked = []
    for i in cold:
        answer = cold[i][0]
        mine = sorted(tuple(int(v or 0) for v in r["values"]) for r in answer["rows"])
        totals = [int(v or 0) for v in answer["totals"]]
        for name in names:
            theirs = values(results[name][i][0])
            their_totals = [sum(r[k] for r in theirs) for k in range(len(totals))]
            if theirs != mine or their_totals != totals:
                problems.append(f"query {i + 1}: Qudao {totals} vs {name} {their_totals}")
        checked.append(f"{i + 1} (totals {', '.join(f'{t:,}' for t in totals)})")

    # The table.
    sizes = meta["sizes"]
    db_mb = sum(os.path.getsize(p) for p in [db, db + "-wal"] if os.path.exists(p)) / 1e6
    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min); "
          f"{sizes['sellin']:,} sell-in + {sizes['sellthrough']:,} sell-through lines, "
          f"{sizes['partners']:,} partners, {sizes['products']:,} products; "
          f"SQLite file {db_mb:,.0f} MB")
    print(f"ours: {args.runs} runs after a warm-up; "
          f"peers: {args.runs} runs or {args.budget:.0f} s per query, at least {args.min_runs}; "
          + ", ".join(f"{p.name} {p.version}" for p in peers))
    header = ["#", "query", "ours p50", "ours p95"] + [f"{n} p50" for n in names]
    if "DuckDB" in names:
        header.append("ours/DuckDB")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---:", "---"] + ["---:"] * (len(header) - 2)) + "|")
    ratios = []
    cols = {"ours p50": [], "ours p95": [], **{n: [] for n in names}}
    for i in range(len(QUERIES)):
        ms = ours["queries"][i]["ms"]
        ours50 = statistics.median(ms)
        cells = [str(i + 1), NAMES[i], f"{ours50:.1f}", f"{p95(ms):.1f}"]
        cols["ours p50"].append(ours50)
        cols["ours p95"].append(p95(ms))
        for n in names:
            m = statistics.median(results[n][i][1])
            cols[n].append(m)
            cells.append(f"{m:.1f}")
        if "DuckDB" in names:
            r = ours50 / statistics.median(results["DuckDB"][i][1])
            ratios.append(r)
            cells.append(f"{r:.2f}x")
        print("| " + " | ".join(cells) + " |")

    def geo(xs):
        return math.exp(sum(math.log(max(x, 1e-6)) for x in xs) / len(xs))

    cells = ["", "**geometric mean**", f"{geo(cols['ours p50']):.1f}", f"{geo(cols['ours p95']):.1f}"]
    cells += [f"{geo(cols[n]):.1f}" for n in names]
    if ratios:
        cells.append(f"**{geo(ratios):.2f}x**")
    print("| " + " | ".join(cells) + " |")
    worst = max(range(len(QUERIES)), key=lambda i: p95(ours["queries"][i]["ms"]))
    print(f"slowest p95: query {worst + 1}, {p95(ours['queries'][worst]['ms']):.1f} ms "
          f"(target <= 100 ms)")
    if first:
        print(f"first start (no projection file: loaded from the database, then the file "
              f"written): {first[1] / 1000:.2f} s; max RSS {first[2]:,.0f} MB")
    if cold:
        cold_ms = [c[1] for c in cold.values()]
        cold_rss = [c[2] for c in cold.values()]
        print(f"cold start (process start to the first answer, from the projection file, "
              f"{len(cold)} fresh processes): "
              f"median {statistics.median(cold_ms) / 1000:.2f} s (runs "
              f"{', '.join(f'{x / 1000:.2f}' for x in cold_ms)}; target <= 5 s); "
              f"max RSS {max(cold_rss):,.0f} MB (target <= 1536 MB)")
    print(f"`analytics bench`: database opened in {ours['open_ms'] / 1000:.2f} s, engine loaded in "
          f"{ours['load_ms'] / 1000:.2f} s; max RSS {bench_rss:,.0f} MB after all the queries")
    print(f"checked against Qudao's answer (rows and totals): queries {'; '.join(checked)}; "
          f"every query: {' = '.join(names)}" + (" (values)" if len(names) > 1 else ""))
    for p in problems:
        print(f"MISMATCH {p}")

    if args.http_users:
        h = http_load(args, db, meta["year"])
        print(f"dashboard /analytics?period={meta['year']} ({h['size'] / 1000:.0f} kB), "
              f"{args.http_users} wrk connections signed in as manager, {h['seconds']:.0f} s: "
              f"{h['requests']} requests, {h['requests'] / h['seconds']:.1f}/s, p50 "
              f"{h['p50']:.0f} ms, p95 {h['p95']:.0f} ms (target <= 150 ms), p99 {h['p99']:.0f} ms, "
              f"{h['errors']} errors")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
