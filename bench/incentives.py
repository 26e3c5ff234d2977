#!/usr/bin/env python3
"""The incentive engine benchmark (issue 12): a quarterly run of the five
demo programs and what-if variants, by Qudao, and the same five programs as
SQL on DuckDB (PyPI), PostgreSQL and SQLite, on the same data in one run.

Data: the analytics benchmark's (`qudao demo --scale bench --lines N`, made
once into `DIR/bench.db` and reused; its peers' DuckDB file and CSV export
likewise). It holds the five programs of `crates/datagen/src/incentives.rs`
in force for the year it was made. The benchmark works on a copy
(`DIR/incentives.db`, with the engine's projection file beside it), into
which it imports an approved sell-in target for every partner that bought
in the quarter (what it bought ÷ a pseudo-random 75–135%, in whole yuan).

The quarter is the third of the data's last year. The five programs:
- RB-DIST-Q: distributors, retroactive 1% / 2% from 80% / 3% from 100% of
  target, capped at ¥200,000;
- RB-AGENT-Q: agents, marginal 1% / 2.5% from 90% / 4% from 110%, the
  COFFEE line counted twice (attainment on the multiplied base), capped at
  ¥150,000;
- RB-GROWTH-Q: distributors, agents and retailers, 0.5% / 1% from 10% / 2%
  from 30% growth on the same quarter last year; it gives way to either of
  the two above;
- PR-TEA-SPRINT: the TEA line against a fixed ¥300,000: ¥3,000 from 100%,
  ¥8,000 from 200%;
- CM-REPS-Q: 0.3% of the sell-in of the partners each of three reps owns,
  capped at ¥30,000.

Qudao: `qudao incentives bench` loads the engine from its projection file,
computes the quarter once, then `--runs` more times with the engine's kept
answers forgotten (the warm run: every engine question answered afresh,
the targets and adjustments read, every subject calculated and stacked);
then 100 what-if variants of RB-DIST-Q's rates (its reads kept, as the
bracket editor's recomputations are). Cold: `qudao incentives run
--dry-run --format csv` as a process, start to the last result printed.
Peers: the five programs as one SQL statement over the facts, the targets
and the partners' owners, in integer arithmetic with one rounding per
subject × program (half away from zero), timed `--runs` times; each
peer's totals per program are checked against Qudao's.

Targets (issue 12): warm ≤ 150 ms and ≤ 1.0× DuckDB; cold ≤ 3 s; a what-if
variant ≤ 20 ms at p95 and ≥ 300 variants/s.

Usage: python3 bench/incentives.py [--lines 10000000] [--db-dir DIR]
       [--runs 10] [--variants 100] [--bin target/release/qudao]
       [--skip-postgres] [--skip-sqlite]
"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import analytics as base  # noqa: E402  (the data, the peers' loading)

PROGRAMS = ["RB-DIST-Q", "RB-AGENT-Q", "RB-GROWTH-Q", "PR-TEA-SPRINT", "CM-REPS-Q"]
REPS = ["rep", "manager", "manager2"]


def work_copy(db, db_dir):
    """A copy of the bench database (and its engine projection) to write into."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    work = os.path.join(db_dir, "incentives.db")
    for suffix in ("", "-wal", "-shm", ".engine"):
        if os.path.exists(work + suffix):
            os.remove(work + suffix)
    base.log(f"copying {db} to {work}")
    shutil.copyfile(db, work)
    if os.path.exists(db + ".engine"):
        shutil.copyfile(db + ".engine", work + ".engine")
    return work


def quarter_dates(year, q):
    first = f"{year}-{3 * q - 2:02d}-01"
    last = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}[q]
    return first, f"{year}-{last}"


def set_targets(args, work, period, q0, q1):
    """An approved quarter target for every partner that bought: what it
    bought ÷ 75–135% (by its id), in whole yuan; imported, then approved."""
    con = sqlite3.connect(work)
    bought = con.execute(
        "SELECT p.id, p.code, SUM(f.amount_minor) FROM sellin_lines f "
        "JOIN partners p ON p.id = f.partner_id WHERE f.seller_id IS NULL "
        "AND f.date BETWEEN ? AND ? GROUP BY p.id, p.code HAVING SUM(f.amount_minor) > 0",
        (q0, q1)).fetchall()
    con.close()
    path = os.path.join(args.db_dir, "incentive-targets.csv")
    with open(path, "w") as f:
        f.write("period,subject_type,subject_code,measure,product_line,value\n")
        for pid, code, minor in bought:
            yuan = max(1, minor * 100 // (75 + pid % 61) // 100)
            f.write(f"{period},partner,{code},sell_in_amount,,{yuan}\n")
    start = time.perf_counter()
    base.run([args.bin, "--db", f"sqlite://{work}", "targets", "import", path])
    con = sqlite3.connect(work)
    done = con.execute("UPDATE targets SET status = 'approved' WHERE period = ? "
                       "AND subject_type = 'partner' AND status = 'draft'", (period,)).rowcount
    con.commit()
    con.close()
    base.log(f"{done} partner targets for {period} in {time.perf_counter() - start:.1f} s")
    return done


def peer_sql(dialect, q0, q1, l0, l1):
    """The five programs in one statement, in `dialect`; every amount is
    exact in integers until its one rounding (half away from zero)."""
    def rounded(num, den):
        half = f"CASE WHEN ({num}) < 0 THEN -{den // 2} ELSE {den // 2} END"
        if dialect == "PostgreSQL":  # sums are numeric there: div() truncates
            return f"div(({num}) + {half}, {den})"
        op = "//" if dialect == "DuckDB" else "/"
        return f"(({num}) + {half}) {op} {den}"
    sql = f"""
WITH q AS (SELECT partner_id, SUM(amount) v FROM si WHERE date BETWEEN '{q0}' AND '{q1}'
           GROUP BY partner_id),
ly AS (SELECT partner_id, SUM(amount) v FROM si WHERE date BETWEEN '{l0}' AND '{l1}'
       GROUP BY partner_id),
coffee AS (SELECT f.partner_id, SUM(f.amount) v FROM si f JOIN products pr ON pr.id = f.product_id
           WHERE pr.product_line_id = (SELECT id FROM bench_lines WHERE code = 'COFFEE')
             AND f.date BETWEEN '{q0}' AND '{q1}' GROUP BY f.partner_id),
tea AS (SELECT f.partner_id, SUM(f.amount) v FROM si f JOIN products pr ON pr.id = f.product_id
        WHERE pr.product_line_id = (SELECT id FROM bench_lines WHERE code = 'TEA')
          AND f.date BETWEEN '{q0}' AND '{q1}' GROUP BY f.partner_id),
s AS (SELECT p.id, p.partner_type t, COALESCE(q.v, 0) v, tg.value tv,
             COALESCE(q.v, 0) + COALESCE(coffee.v, 0) mb, ly.v lv, COALESCE(tea.v, 0) tea
      FROM partners p LEFT JOIN q ON q.partner_id = p.id LEFT JOIN ly ON ly.partner_id = p.id
      LEFT JOIN coffee ON coffee.partner_id = p.id LEFT JOIN tea ON tea.partner_id = p.id
      LEFT JOIN bench_targets tg ON tg.partner_id = p.id),
dist AS (SELECT id, CASE WHEN t <> 'distributor' OR tv IS NULL OR tv <= 0 THEN 0 ELSE
           LEAST(20000000, GREATEST(0, {rounded(
               "v * CASE WHEN v * 100 >= tv * 100 THEN 300 WHEN v * 100 >= tv * 80 THEN 200 ELSE 100 END",
               10000)})) END a FROM s),
agent AS (SELECT id, CASE WHEN t <> 'agent' OR tv IS NULL OR tv <= 0 THEN 0 ELSE
           LEAST(15000000, GREATEST(0, {rounded(
               "LEAST(mb * 10, tv * 9) * 100 + GREATEST(0, LEAST(mb * 10, tv * 11) - tv * 9) * 250"
               " + GREATEST(0, mb * 10 - tv * 11) * 400", 100000)})) END a FROM s),
growth AS (SELECT id, CASE WHEN t NOT IN ('distributor', 'agent', 'retailer') OR lv IS NULL
             OR lv <= 0 OR v < lv THEN 0 ELSE GREATEST(0, {rounded(
               "v * CASE WHEN v * 10 >= lv * 13 THEN 200 WHEN v * 10 >= lv * 11 THEN 100 ELSE 50 END",
               10000)}) END a FROM s),
sprint AS (SELECT id, CASE WHEN t NOT IN ('distributor', 'agent', 'retailer', 'ecommerce') THEN 0
             WHEN tea >= 60000000 THEN 800000 WHEN tea >= 30000000 THEN 300000 ELSE 0 END a FROM s),
reps AS (SELECT o.owner_id, SUM(q.v) v FROM q JOIN bench_owners o ON o.partner_id = q.partner_id
         GROUP BY o.owner_id),
commission AS (SELECT owner_id, LEAST(3000000, GREATEST(0, {rounded("v * 30", 10000)})) a FROM reps)
SELECT 'RB-DIST-Q', SUM(a), COUNT(CASE WHEN a > 0 THEN 1 END) FROM dist
UNION ALL SELECT 'RB-AGENT-Q', SUM(a), COUNT(CASE WHEN a > 0 THEN 1 END) FROM agent
UNION ALL SELECT 'RB-GROWTH-Q', SUM(CASE WHEN d.a > 0 OR g2.a > 0 THEN 0 ELSE g.a END),
                 COUNT(CASE WHEN g.a > 0 AND d.a = 0 AND g2.a = 0 THEN 1 END)
          FROM growth g JOIN dist d ON d.id = g.id JOIN agent g2 ON g2.id = g.id
UNION ALL SELECT 'PR-TEA-SPRINT', SUM(a), COUNT(CASE WHEN a > 0 THEN 1 END) FROM sprint
UNION ALL SELECT 'CM-REPS-Q', SUM(a), COUNT(CASE WHEN a > 0 THEN 1 END) FROM commission
"""
    if dialect == "SQLite":  # its two-argument min() and max() are LEAST and GREATEST
        sql = sql.replace("LEAST(", "MIN(").replace("GREATEST(", "MAX(")
    return sql


def peer_tables(peer, work):
    """The targets, the reps' partners and the lines, into the peer."""
    con = sqlite3.connect(work)
    targets = con.execute("SELECT partner_id, value FROM targets WHERE period = ? "
                          "AND subject_type = 'partner' AND status = 'approved' "
                          "AND measure = 'sell_in_amount' AND line_key = 0",
                          (peer.period,)).fetchall()
    marks = ",".join("?" * len(REPS))
    owners = con.execute(f"SELECT p.id, u.id FROM partners p JOIN users u ON u.id = p.owner_id "
                         f"WHERE u.login IN ({marks})", REPS).fetchall()
    lines = con.execute("SELECT id, code FROM product_lines").fetchall()
    con.close()
    temp = "TEMP " if peer.name == "SQLite" else ""
    for table, cols, rows in [("bench_targets", "partner_id BIGINT, value BIGINT", targets),
                              ("bench_owners", "partner_id BIGINT, owner_id BIGINT", owners),
                              ("bench_lines", "id BIGINT, code VARCHAR(32)", lines)]:
        peer.con.execute(f"DROP TABLE IF EXISTS {table}")
        peer.con.execute(f"CREATE {temp}TABLE {table} ({cols})")
        mark = "%s" if peer.name == "PostgreSQL" else "?"
        if peer.name == "PostgreSQL":
            with peer.con.cursor() as cur:
                cur.executemany(f"INSERT INTO {table} VALUES ({mark}, {mark})", rows)
        else:
            peer.con.executemany(f"INSERT INTO {table} VALUES ({mark}, {mark})", rows)


def timed_peer(peer, sql, runs):
    times, rows = [], None
    for _ in range(runs + 1):
        start = time.perf_counter()
        rows = peer.fetch(sql)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:]), {code: (int(total or 0), int(paid or 0))
                                          for code, total, paid in rows}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--db-dir", default=None)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "qudao"))
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    args = ap.parse_args()
    args.db_dir = args.db_dir or f"/tmp/qudao-analytics-{args.lines}"
    db = base.ensure_data(args)
    meta = base.facts_meta(db)
    year = meta["year"]
    period = f"{year}-Q3"
    q0, q1 = quarter_dates(year, 3)
    l0, l1 = quarter_dates(year - 1, 3)
    work = work_copy(db, args.db_dir)
    targets = set_targets(args, work, period, q0, q1)
    load_before = os.getloadavg()

    base.log(f"Qudao: {args.runs} warm runs of {period}, {args.variants} what-if variants")
    out = base.run([args.bin, "--db", f"sqlite://{work}", "incentives", "bench", "--period",
                    period, "--runs", str(args.runs), "--what-if", "RB-DIST-Q",
                    "--variants", str(args.variants)])
    ours = json.loads(out.stdout)
    totals = {p["code"]: p["total_minor"] for p in ours["programs"]}
    missing = [c for c in PROGRAMS if c not in totals]
    if missing:
        sys.exit(f"programs not in force for {period}: {missing}")

    colds = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([args.bin, "--db", f"sqlite://{work}", "incentives", "run", "--period",
                        period, "--dry-run", "--format", "csv"], check=True,
                       stdout=subprocess.DEVNULL)
        colds.append((time.perf_counter() - start) * 1000)

    csvs = base.export(db, os.path.join(args.db_dir, "data"))
    peers = [base.DuckPeer(args, meta, csvs)]
    if not args.skip_postgres:
        peers.append(base.PgPeer(args, meta, csvs))
    if not args.skip_sqlite:
        peers.append(base.SqlitePeer(args, meta, work))
    results = {}
    try:
        for peer in peers:
            peer.period = period
            peer_tables(peer, work)
            ms, theirs = timed_peer(peer, peer_sql(peer.name, q0, q1, l0, l1), args.runs)
            agree = {c: theirs.get(c, (0, 0))[0] == totals[c] for c in PROGRAMS}
            results[peer.name] = (ms, theirs, agree)
            base.log(f"{peer.name}: {ms:.1f} ms; totals agree: {agree}")
    finally:
        for peer in peers:
            peer.close()

    load_after = os.getloadavg()
    print()
    print(f"## Incentives: {period}, {meta['sizes']['sellin']:,} sell-in lines, "
          f"{meta['sizes']['partners']:,} partners, {targets:,} partner targets")
    print(f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"engine loaded in {ours['engine_load_ms']:.0f} ms")
    print()
    print("| program | Qudao total | " + " | ".join(f"{p} agrees" for p in results) + " |")
    print("|---|---:|" + "---|" * len(results))
    for code in PROGRAMS:
        cells = " | ".join("yes" if r[2][code] else f"no ({r[1].get(code, (0, 0))[0]:,})"
                           for r in results.values())
        print(f"| {code} | {totals[code]:,} | {cells} |")
    print()
    duck = results["DuckDB"][0]
    print("| what | Qudao | " + " | ".join(results) + " | Qudao ÷ DuckDB | target |")
    print("|---|---:|" + "---:|" * len(results) + "---:|---|")
    warm = ours["run_p50_ms"]
    peer_cells = " | ".join(f"{r[0]:.1f} ms" for r in results.values())
    print(f"| quarterly run, 5 programs, warm (median of {args.runs}) | {warm:.1f} ms | "
          f"{peer_cells} | {warm / duck:.2f}× | ≤ 150 ms, ≤ 1.0× |")
    print(f"| the same, p95 | {ours['run_p95_ms']:.1f} ms | | | |")
    print(f"| cold: `incentives run --dry-run` as a process (median of 3) | "
          f"{statistics.median(colds):.0f} ms | | | ≤ 3 s |")
    w = ours.get("whatif", {})
    print(f"| what-if variant of RB-DIST-Q ({w.get('subjects', 0):,} subjects), p50 / p95 | "
          f"{w.get('p50_ms', 0):.2f} / {w.get('p95_ms', 0):.2f} ms | | | ≤ 20 ms p95 |")
    print(f"| {w.get('variants', 0)} variants | {w.get('variants_per_s', 0):.0f} variants/s | "
          f"| | ≥ 300/s |")


if __name__ == "__main__":
    main()
