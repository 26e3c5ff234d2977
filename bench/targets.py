#!/usr/bin/env python3
"""The targets and scorecards benchmark (issue 11): a cascade to every
partner, the attainment tree of a manager's view and an evaluation run,
each served by one warm `qudao serve` and, on the same data in the same
run, the same work as SQL on DuckDB (PyPI) and PostgreSQL.

Data: the analytics benchmark's (`qudao demo --scale bench --lines N`, made
once into `DIR/bench.db` and reused; its peers' DuckDB file and CSV export
likewise). The server runs on a copy (`DIR/targets.db`), so the analytics
data stays as it was made.

1. Cascade: a company sell-in target for next fiscal year, split by last
   year's share (this year's facts, from the engine) into one child per
   partner, then every child into its twelve months by a seasonal profile.
   Each run deletes next year's targets first (sqlite3, beside the server).
   Peer: one `INSERT … SELECT` that computes each partner's share of this
   year's sell-in with the remainder to the largest, then one that splits
   each child by the same profile, into a table with the same unique key.
2. Attainment: this year's company target cascaded by amounts to every
   partner that bought (the figure of its agreement where one set it), then
   `GET /api/v1/targets/attainment?period=YEAR` as the demo's channel
   manager (about half the partners). Peer: the manager's partners' targets
   joined with their sell-in this year, grouped by partner.
3. Evaluation: `POST /api/v1/scorecards/runs` for this year's third quarter
   (every template: each partner type and the reps). Peer: the fact inputs
   only (sell-in, sell-through against the same quarter last year, and the
   product lines sold, per partner), so the ratio is an upper bound on what
   the KPIs' rules, ranks and stored results cost beyond the facts.

The server does not run the day's alert job meanwhile: the work copy has
it marked done.

Timing: each operation timed `--runs` times; medians in ms, and our median
÷ DuckDB's. The attainment tree and the evaluation are timed on a server
started afresh for each run (its engine loaded from the projection file,
then asked one other question), because the engine keeps its answers for
the facts it holds: asked again, an evaluation is timed and printed apart
("asked again"), not in the table.

Usage: python3 bench/targets.py [--lines 10000000] [--db-dir DIR] [--runs 5]
       [--bin target/release/qudao] [--skip-postgres]
"""
import argparse
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import analytics as base  # noqa: E402  (the data, the peers' loading)

# The seeded 春节型 profile (`spring_festival`) in basis points, January first.
PROFILE = [1400, 500, 700, 750, 800, 850, 750, 750, 850, 850, 850, 950]


def request(base_url, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=3600) as r:
            answer = json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read()[:2000].decode(errors='replace')}")
    return answer, (time.perf_counter() - start) * 1000


def token(args, db, login):
    return base.run([args.bin, "--db", f"sqlite://{db}", "users", "token", "--login", login]
                    ).stdout.strip()


def start_server(args, db):
    port = base.free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([args.bin, "--db", f"sqlite://{db}", "serve", "--addr",
                               f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
    for _ in range(1200):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit("the server did not start")


def work_copy(db, db_dir):
    """A copy of the bench database the benchmark may write into."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    work = os.path.join(db_dir, "targets.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(work + suffix):
            os.remove(work + suffix)
    base.log(f"copying {db} to {work}")
    shutil.copyfile(db, work)
    # Today's alert job marked done, so the server does not run it over
    # 10,000 partners in the middle of the timings (it did: a first
    # evaluation of 9 s, and months twice as slow, while it ran).
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Shanghai")).date().isoformat()
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    con = sqlite3.connect(work)
    con.execute("DELETE FROM jobs WHERE name = 'alerts' AND run_on = ?", (today,))
    con.execute("INSERT INTO jobs (name, run_on, claimed_by, claimed_at, finished_at) "
                "VALUES ('alerts', ?, 'bench', ?, ?)", (today, now, now))
    con.commit()
    con.close()
    return work


def clear_year(work, year):
    """Deletes every target of fiscal `year` (months and quarters first,
    then the year's, leaves before their parents) and their amendments."""
    con = sqlite3.connect(work, timeout=60)
    con.execute("DELETE FROM target_amendments WHERE target_id IN "
                "(SELECT id FROM targets WHERE period LIKE ?)", (f"{year}%",))
    con.execute("DELETE FROM targets WHERE period LIKE ?", (f"{year}-%",))
    for _ in range(10):
        con.execute("DELETE FROM targets WHERE period = ? AND id NOT IN "
                    "(SELECT parent_id FROM targets WHERE parent_id IS NOT NULL)", (str(year),))
    con.commit()
    left = con.execute("SELECT COUNT(*) FROM targets WHERE period LIKE ?", (f"{year}%",)).fetchone()[0]
    con.close()
    if left:
        sys.exit(f"{left} targets of {year} left after clearing")


def cascade_peer(con, year):
    """The cascade as SQL: shares of `year`'s sell-in, the remainder to the
    largest share, then twelve months per child by the profile, the
    remainder to December. Returns the ms of each."""
    total = 1_000_000_000_00
    con.execute("DROP TABLE IF EXISTS bench_targets")
    con.execute("CREATE TABLE bench_targets (period VARCHAR, subject_key VARCHAR, "
                "value BIGINT, parent VARCHAR, UNIQUE (period, subject_key))")
    con.execute("DROP TABLE IF EXISTS bench_profile")
    con.execute("CREATE TABLE bench_profile (m INTEGER, pct INTEGER)")
    for m, pct in enumerate(PROFILE, 1):
        con.execute(f"INSERT INTO bench_profile VALUES ({m}, {pct})")
    start = time.perf_counter()
    con.execute(f"""
        INSERT INTO bench_targets
        WITH ly AS (SELECT p.id partner_id, COALESCE(SUM(f.amount), 0) v FROM partners p
                    LEFT JOIN si f ON f.partner_id = p.id
                     AND f.date BETWEEN '{year}-01-01' AND '{year}-12-31' GROUP BY p.id),
             t AS (SELECT SUM(v) s FROM ly),
             parts AS (SELECT partner_id, v, CAST(FLOOR(CAST(v AS NUMERIC) * {total} / t.s) AS BIGINT) part,
                              ROW_NUMBER() OVER (ORDER BY v DESC, partner_id) rn FROM ly, t),
             left_over AS (SELECT {total} - SUM(part) r FROM parts)
        SELECT '{year + 1}', 'partner:' || partner_id,
               part + CASE WHEN rn = 1 THEN r ELSE 0 END, 'company' FROM parts, left_over""")
    middle = time.perf_counter()
    con.execute(f"""
        INSERT INTO bench_targets
        WITH m AS (SELECT t.subject_key, t.value, p.m,
                          CAST(FLOOR(CAST(t.value AS NUMERIC) * p.pct / 10000) AS BIGINT) part
                   FROM bench_targets t, bench_profile p WHERE t.period = '{year + 1}'),
             r AS (SELECT subject_key, MAX(value) - SUM(part) r FROM m GROUP BY subject_key)
        SELECT '{year + 1}-' || LPAD(CAST(m.m AS VARCHAR), 2, '0'), m.subject_key,
               m.part + CASE WHEN m.m = 12 THEN r.r ELSE 0 END, m.subject_key
        FROM m JOIN r ON r.subject_key = m.subject_key""")
    end = time.perf_counter()
    return (middle - start) * 1000, (end - middle) * 1000


def attainment_peer(con, year, manager_ids):
    ids = ",".join(str(i) for i in manager_ids)
    sql = f"""SELECT t.partner_id, t.value, COALESCE(SUM(f.amount), 0) FROM bench_att t
              LEFT JOIN si f ON f.partner_id = t.partner_id
               AND f.date BETWEEN '{year}-01-01' AND '{year}-12-31'
              WHERE t.partner_id IN ({ids}) GROUP BY t.partner_id, t.value"""
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return (time.perf_counter() - start) * 1000, len(rows)


def evaluation_peer(con, year):
    sql = f"""WITH a AS (SELECT partner_id, SUM(amount) v FROM si
                         WHERE date BETWEEN '{year}-07-01' AND '{year}-09-30' GROUP BY 1),
                   b AS (SELECT partner_id, SUM(amount) v FROM st
                         WHERE date BETWEEN '{year}-07-01' AND '{year}-09-30' GROUP BY 1),
                   c AS (SELECT partner_id, SUM(amount) v FROM st
                         WHERE date BETWEEN '{year - 1}-07-01' AND '{year - 1}-09-30' GROUP BY 1),
                   d AS (SELECT f.partner_id, COUNT(DISTINCT pr.product_line_id) n FROM si f
                         JOIN products pr ON pr.id = f.product_id
                         WHERE f.date BETWEEN '{year}-07-01' AND '{year}-09-30' GROUP BY 1)
              SELECT p.id, a.v, b.v, c.v, d.n FROM partners p
              LEFT JOIN a ON a.partner_id = p.id LEFT JOIN b ON b.partner_id = p.id
              LEFT JOIN c ON c.partner_id = p.id LEFT JOIN d ON d.partner_id = p.id"""
    start = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return (time.perf_counter() - start) * 1000, len(rows)


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--db-dir", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "qudao"))
    ap.add_argument("--skip-postgres", action="store_true")
    args = ap.parse_args()
    args.db_dir = args.db_dir or f"/tmp/qudao-analytics-{args.lines}"
    db = base.ensure_data(args)
    meta = base.facts_meta(db)
    year = meta["year"]
    work = work_copy(db, args.db_dir)
    con = sqlite3.connect(work)
    partners = con.execute("SELECT id, code FROM partners WHERE status = 'active' ORDER BY id"
                           ).fetchall()
    manager_ids = [r[0] for r in con.execute(
        "SELECT p.id FROM partners p JOIN users u ON u.id = p.owner_id WHERE u.login = 'manager'")]
    con.close()
    admin, manager = token(args, work, "admin"), token(args, work, "manager")
    load_before = os.getloadavg()
    server, url = start_server(args, work)
    ours = {"cascade": [], "months": [], "attainment": [], "evaluation": []}
    memo = []
    sizes = {}
    try:
        # The engine loads on the first question; not a run.
        _, first_ms = request(url, admin, "POST", "/api/v1/analytics/query",
                              {"measures": ["sell_in_amount"], "period": str(year)})
        base.log(f"engine loaded in {first_ms:.0f} ms")

        # 1. Cascade next year to every partner, then into months.
        children = [{"subject_type": "partner", "subject_code": code} for _, code in partners]
        for run in range(args.runs):
            clear_year(work, year + 1)
            company, _ = request(url, admin, "POST", "/api/v1/targets", {
                "period": str(year + 1), "subject_type": "company",
                "measure": "sell_in_amount", "value": "1000000000.00"})
            answer, ms = request(url, admin, "POST", f"/api/v1/targets/{company['id']}/cascade", {
                "by": "last_year", "children": children,
                "remainder_to": partners[0][1]})
            ours["cascade"].append(ms)
            sizes["children"] = len(answer["children"])
            split, months_ms = request(url, admin, "POST", f"/api/v1/targets/{company['id']}/months",
                                       {"profile": "spring_festival", "all_below": True})
            ours["months"].append(months_ms)
            sizes["months"] = split["created"] + split["replaced"]
            base.log(f"cascade run {run + 1}: {ms:.0f} ms, {len(answer['children'])} children; "
                     f"months {months_ms:.0f} ms")

        # 2. This year's cascade by amounts, then the manager's tree.
        con = sqlite3.connect(work)
        agreed = dict(con.execute(
            "SELECT partner_id, value FROM targets WHERE period = ? AND subject_type = 'partner' "
            "AND status = 'approved' AND measure = 'sell_in_amount' AND line_key = 0",
            (str(year),)).fetchall())
        con.close()
        bought, _ = request(url, admin, "POST", "/api/v1/analytics/query", {
            "measures": ["sell_in_amount"], "by": ["partner"], "period": str(year),
            "limit": 100000})
        by_code = {r["keys"][0]["code"]: (r["values"][0] or 0) for r in bought["rows"]}
        id_of = {code: pid for pid, code in partners}
        figures = {}
        for code, actual in by_code.items():
            if code in id_of:
                figures[code] = agreed.get(id_of[code], (max(actual, 0) * 11 // 10 + 9_999)
                                           // 10_000 * 10_000)
        total = sum(figures.values())
        company, _ = request(url, admin, "POST", "/api/v1/targets", {
            "period": str(year), "subject_type": "company", "measure": "sell_in_amount",
            "value": f"{total // 100}.{total % 100:02d}"})
        request(url, admin, "POST", f"/api/v1/targets/{company['id']}/cascade", {
            "by": "amounts", "children": [
                {"subject_type": "partner", "subject_code": c, "part": f"{v // 100}.{v % 100:02d}"}
                for c, v in figures.items()]})
        # 3. Each timed run on a server started afresh (the engine loaded from
        # its file, then one unrelated question): the engine keeps its
        # answers for the snapshot it has, so a second ask of the same tree
        # or evaluation is a lookup, timed apart as "memo".
        for run in range(args.runs):
            server.terminate()
            server.wait()
            server, url = start_server(args, work)
            request(url, admin, "POST", "/api/v1/analytics/query",
                    {"measures": ["sell_in_amount"], "period": str(year)})
            tree, ms = request(url, manager, "GET", f"/api/v1/targets/attainment?period={year}")
            ours["attainment"].append(ms)
            sizes["tree"] = len(tree)
            runs, ms = request(url, admin, "POST", "/api/v1/scorecards/runs",
                               {"period": f"{year}-Q3"})
            ours["evaluation"].append(ms)
            sizes["evaluated"] = sum(r.get("subjects", 0) for r in runs)
            _, memo_ms = request(url, admin, "POST", "/api/v1/scorecards/runs",
                                 {"period": f"{year}-Q3"})
            memo.append(memo_ms)
            base.log(f"run {run + 1}: attainment {ours['attainment'][-1]:.0f} ms, "
                     f"{len(tree)} nodes; evaluation {ms:.0f} ms, {len(runs)} templates, "
                     f"{memo_ms:.0f} ms asked again")
    finally:
        server.terminate()
        server.wait()

    # The peers, on the same facts.
    csvs = base.export(db, os.path.join(args.db_dir, "export"))
    peers = [("DuckDB", lambda: base.DuckPeer(args, meta, csvs))]
    if not args.skip_postgres:
        peers.append(("PostgreSQL", lambda: base.PgPeer(args, meta, csvs)))
    theirs = {}
    for name, make in peers:
        peer = make()
        try:
            c = peer.con
            c.execute("DROP TABLE IF EXISTS bench_att")
            c.execute("CREATE TABLE bench_att (partner_id BIGINT PRIMARY KEY, value BIGINT)")
            c.execute("INSERT INTO bench_att SELECT id, 100000000 FROM partners")
            res = {"cascade": [], "months": [], "attainment": [], "evaluation": []}
            for _ in range(args.runs):
                cascade_ms, months_ms = cascade_peer(c, year)
                res["cascade"].append(cascade_ms)
                res["months"].append(months_ms)
                res["attainment"].append(attainment_peer(c, year, manager_ids)[0])
                res["evaluation"].append(evaluation_peer(c, year)[0])
            for table in ("bench_targets", "bench_profile", "bench_att"):
                c.execute(f"DROP TABLE IF EXISTS {table}")
            theirs[name] = res
            base.log(f"{name}: " + ", ".join(f"{k} {med(v):.0f} ms" for k, v in res.items()))
        finally:
            peer.close()
    load_after = os.getloadavg()

    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"{meta['sizes']['sellin']:,} sell-in + {meta['sizes']['sellthrough']:,} sell-through "
          f"lines, {meta['sizes']['partners']:,} partners; medians of {args.runs} runs")
    print(f"cascade to {sizes.get('children', 0):,} partners by last year's share, then each "
          f"into 12 months ({sizes.get('months', 0)}); "
          f"attainment tree of {sizes.get('tree', 0):,} nodes (manager); evaluation of "
          f"{year}-Q3, every template ({med(memo):.0f} ms when asked again on the same facts)")
    print("| operation | Qudao ms | " + " | ".join(f"{n} ms | ratio" for n in theirs) + " |")
    print("|---|---:|" + "---:|---:|" * len(theirs))
    for key in ("cascade", "months", "attainment", "evaluation"):
        mine = med(ours[key])
        cells = []
        for n in theirs:
            t = med(theirs[n][key])
            cells.append(f"{t:.1f} | {mine / t:.1f}×")
        print(f"| {key} | {mine:.0f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
