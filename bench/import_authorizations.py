#!/usr/bin/env python3
"""Times `qudao import authorizations` of a generated 10k-row file against a
peer loading the same file: the sqlite3 CLI (`.import`) and PostgreSQL
(`\\copy`) into a plain table. Qudao also resolves every partner and region,
checks each right against the collision rules (duplicates, exclusivity above
and below the region, the selective limit) over every right already held on
the product line and the rows above it, and writes an audit record per right.

It then imports the same 10,000 rights again into a fresh database in five
files of 2,000, one after the other, and reports the cost per grant of each
file: with the line's holdings indexed by region in memory, a grant costs the
same whether the line holds 0 or 8,000 rights.

All rights are on one product line, in 2,000 own regions: each region gets
three selective rights and then two intensive ones, so no row collides.

Usage: python3 bench/import_authorizations.py [--rows 10000] [--runs 3] [--bin target/release/qudao]
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import tempfile
import time

PG_ADMIN = os.environ.get("QUDAO_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")
REGIONS = 2_000
HEADER = ["partner_code", "region_code", "product_line", "mode", "valid_from", "valid_to"]


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def rights(rows):
    """Row i: region i % REGIONS; the k-th right of a region (k = i // REGIONS)
    goes to a partner no other right in that region has."""
    per_round = REGIONS // 5
    out = []
    for i in range(rows):
        region, k = i % REGIONS, i // REGIONS
        partner = k * per_round + region % per_round
        mode = "selective" if k < 3 else "intensive"
        out.append([f"BP{partner:05d}", f"BR{region:05d}", "TEA", mode, "2026-01-01", "2026-12-31"])
    return out


def generate(tmp, rows):
    partners = os.path.join(tmp, "partners.csv")
    regions = os.path.join(tmp, "regions.csv")
    data = os.path.join(tmp, "authorizations.csv")
    partner_count = (rows // REGIONS + 1) * (REGIONS // 5)
    write_csv(partners, ["code", "name", "partner_type"],
              [[f"BP{i:05d}", f"基准伙伴{i}", "agent"] for i in range(partner_count)])
    write_csv(regions, ["code", "name", "parent_code"],
              [[f"BR{i:05d}", f"基准区域{i}", "CN"] for i in range(REGIONS)])
    all_rights = rights(rows)
    write_csv(data, HEADER, all_rights)
    chunks = []
    for n, start in enumerate(range(0, rows, REGIONS)):
        path = os.path.join(tmp, f"authorizations-{n}.csv")
        write_csv(path, HEADER, all_rights[start:start + REGIONS])
        chunks.append((path, len(all_rights[start:start + REGIONS])))
    return partners, regions, data, chunks


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def timed_import(bin_, url, kind, path):
    start = time.perf_counter()
    out = run([bin_, "--db", url, "import", kind, path])
    total = time.perf_counter() - start
    match = re.search(r"in (\d+) ms", out)
    return total, (int(match.group(1)) / 1000 if match else float("nan"))


def prepare(bin_, url, partners, regions):
    run([bin_, "--db", url, "migrate"])
    run([bin_, "--db", url, "import", "partners", partners])
    run([bin_, "--db", url, "import", "regions", regions])


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


PEER_TABLE = ("(partner_code TEXT NOT NULL, region_code TEXT NOT NULL, product_line TEXT NOT NULL, "
              "mode TEXT NOT NULL, valid_from DATE NOT NULL, valid_to DATE NOT NULL, "
              "PRIMARY KEY (partner_code, region_code, product_line, valid_from))")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default="target/release/qudao")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="qudao-bench-")
    partners, regions, data, chunks = generate(tmp, args.rows)
    base = PG_ADMIN.rsplit("/", 1)[0]
    keys = ["qudao sqlite", "  (import alone)", "sqlite3 cli",
            "qudao postgres", "  (import alone) ", "postgres copy"]
    results = {k: [] for k in keys}
    per_chunk = {b: [[] for _ in chunks] for b in ["sqlite", "postgres"]}
    for n in range(args.runs):
        db = f"sqlite://{os.path.join(tmp, f'q{n}.db')}"
        prepare(args.bin, db, partners, regions)
        total, alone = timed_import(args.bin, db, "authorizations", data)
        results["qudao sqlite"].append(total)
        results["  (import alone)"].append(alone)

        peer = os.path.join(tmp, f"p{n}.db")
        script = f"CREATE TABLE rights {PEER_TABLE};\n.import --csv --skip 1 {data} rights\n"
        start = time.perf_counter()
        subprocess.run(["sqlite3", peer], input=script.encode(), check=True)
        results["sqlite3 cli"].append(time.perf_counter() - start)

        filling = f"sqlite://{os.path.join(tmp, f'c{n}.db')}"
        prepare(args.bin, filling, partners, regions)
        for i, (path, count) in enumerate(chunks):
            _, alone = timed_import(args.bin, filling, "authorizations", path)
            per_chunk["sqlite"][i].append(alone * 1000 / count)

        for suffix, target in [("a", "main"), ("c", "chunks")]:
            name = f"qudao_bench_{os.getpid()}_{n}_{suffix}"
            psql(PG_ADMIN, f"CREATE DATABASE {name}")
            try:
                url = f"{base}/{name}"
                prepare(args.bin, url, partners, regions)
                if target == "main":
                    total, alone = timed_import(args.bin, url, "authorizations", data)
                    results["qudao postgres"].append(total)
                    results["  (import alone) "].append(alone)
                    psql(url, f"CREATE TABLE peer {PEER_TABLE}")
                    start = time.perf_counter()
                    psql(url, f"\\copy peer FROM '{data}' WITH (FORMAT csv, HEADER true)")
                    results["postgres copy"].append(time.perf_counter() - start)
                else:
                    for i, (path, count) in enumerate(chunks):
                        _, alone = timed_import(args.bin, url, "authorizations", path)
                        per_chunk["postgres"][i].append(alone * 1000 / count)
            finally:
                psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"{args.rows} authorizations on one product line, median of {args.runs} runs (seconds):")
    for k in keys:
        print(f"  {k:17} {med[k]:8.3f}   runs: {', '.join(f'{x:.3f}' for x in results[k])}")
    print(f"  ratio qudao/sqlite3 cli   {med['qudao sqlite'] / med['sqlite3 cli']:.1f}x")
    print(f"  ratio qudao/postgres copy {med['qudao postgres'] / med['postgres copy']:.1f}x")
    print("cost per grant as the line fills (ms per right, import alone, median):")
    for backend, columns in per_chunk.items():
        held = 0
        cells = []
        for (_, count), times in zip(chunks, columns):
            cells.append(f"{held:>5} held: {statistics.median(times):.3f}")
            held += count
        print(f"  {backend:9} " + " | ".join(cells))


if __name__ == "__main__":
    main()
