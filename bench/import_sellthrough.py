#!/usr/bin/env python3
"""Times `qudao import sell-through` of a generated 1M-row file against a
peer loading the same file: the sqlite3 CLI (`.import`) and PostgreSQL
(`\\copy`), each into an unindexed table. Qudao also parses every field,
resolves partner, product, region and currency, checks channel rules,
rights, closed months and repeats (in the file and against earlier
reports), writes the lines with their key index, and commits once.

The network and catalog are generated (the demo has no products yet):
200 distributors with an intensive TEA right in 上海市 for 2026, 100 TEA
products, and 1M lines over 2026 in Shanghai's districts, each with its
own document number, so no line repeats another. Deterministic (seed 7).

Also the first 100,000 of those lines as an xlsx sheet (written with
xlsxwriter from PyPI, installed into `.venv/bench` on first use; dates as
text, quantities and amounts as numbers, as a spreadsheet holds them),
imported into a fresh SQLite database and timed against the trade issue's
2 s; its peer is `.import` of the same lines as CSV.

Every run does Qudao and its peer one after the other, so a busy machine
slows both alike; the medians and their ratio are printed with the load
average before and after.

Usage: python3 bench/import_sellthrough.py [--rows 1000000] [--xlsx-rows 100000] [--runs 3]
       [--bin target/release/qudao] [--skip-postgres] [--skip-xlsx]
"""
import argparse
import csv
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

PG_ADMIN = os.environ.get("QUDAO_BENCH_PG", "postgres://postgres@127.0.0.1:5432/test")
PARTNERS = 200
PRODUCTS = 100
DISTRICTS = ["310101", "310104", "310105", "310106", "310107", "310109", "310110",
             "310112", "310113", "310114", "310115", "310116", "310117", "310118"]
HEADER = ["partner_code", "date", "sku", "qty", "amount", "customer_region", "document_no"]
AT = "'2026-01-01T00:00:00+00:00'"


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def xlsx_writer():
    """xlsxwriter, from `.venv/bench` (made on first use) when the running
    Python lacks it."""
    try:
        import xlsxwriter
        return xlsxwriter
    except ImportError:
        pass
    venv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".venv", "bench")
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "xlsxwriter==3.2.9"], check=True)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    sys.path.insert(0, site)
    import xlsxwriter
    return xlsxwriter


def write_xlsx(csv_path, xlsx_path, rows):
    """The first `rows` lines of the CSV as one sheet: the header, dates as
    text, quantities and amounts as numbers."""
    workbook = xlsx_writer().Workbook(xlsx_path, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    with open(csv_path, newline="", encoding="utf-8") as f:
        for r, line in enumerate(csv.reader(f)):
            if r > rows:
                break
            for c, value in enumerate(line):
                if r > 0 and HEADER[c] in ("qty", "amount"):
                    sheet.write_number(r, c, float(value))
                else:
                    sheet.write_string(r, c, value)
    workbook.close()


def head_csv(csv_path, out_path, rows):
    with open(csv_path, encoding="utf-8") as f, open(out_path, "w", encoding="utf-8") as out:
        for r, line in enumerate(f):
            if r > rows:
                break
            out.write(line)


def generate(tmp, rows):
    partners = os.path.join(tmp, "partners.csv")
    rights = os.path.join(tmp, "rights.csv")
    data = os.path.join(tmp, "sellthrough.csv")
    write_csv(partners, ["code", "name", "partner_type"],
              [[f"SP{i:04d}", f"动销伙伴{i}", "distributor"] for i in range(PARTNERS)])
    write_csv(rights, ["partner_code", "region_code", "product_line", "mode", "valid_from", "valid_to"],
              [[f"SP{i:04d}", "310000", "TEA", "intensive", "2026-01-01", "2026-12-31"]
               for i in range(PARTNERS)])
    rng = random.Random(7)
    with open(data, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            qty = rng.randint(1, 20)
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            w.writerow([f"SP{rng.randrange(PARTNERS):04d}", f"2026-{month:02d}-{day:02d}",
                        f"TEA-{rng.randrange(PRODUCTS):03d}", qty, f"{qty * rng.randint(50, 500)}.00",
                        rng.choice(DISTRICTS), f"D{i}"])
    return partners, rights, data


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def catalog_sql(boolean_false):
    lines = (f"INSERT INTO product_lines (code, name_zh, name_en, status, created_at) "
             f"SELECT 'TEA', '茶饮', 'Tea', 'active', {AT} "
             f"WHERE NOT EXISTS (SELECT 1 FROM product_lines WHERE code = 'TEA');")
    products = "".join(
        f"INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, currency, "
        f"list_price, serial_tracked, status, created_at, updated_at) SELECT 'TEA-{i:03d}', '茶{i}', "
        f"'Tea {i}', id, '绿茶', '盒', 'CNY', 10000, {boolean_false}, 'active', {AT}, {AT} "
        f"FROM product_lines WHERE code = 'TEA';"
        for i in range(PRODUCTS))
    return lines + products


def prepare(bin_, url, partners, rights, sql):
    run([bin_, "--db", url, "migrate"])
    run([bin_, "--db", url, "import", "partners", partners])
    sql(catalog_sql("0" if url.startswith("sqlite") else "false"))
    run([bin_, "--db", url, "import", "authorizations", rights])


def timed_import(bin_, url, path):
    start = time.perf_counter()
    out = run([bin_, "--db", url, "import", "sell-through", path])
    total = time.perf_counter() - start
    match = re.search(r"in (\d+) ms", out)
    return total, (int(match.group(1)) / 1000 if match else float("nan"))


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


PEER_TABLE = ("(partner_code TEXT, date DATE, sku TEXT, qty BIGINT, amount NUMERIC, "
              "customer_region TEXT, document_no TEXT)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default="target/release/qudao")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--xlsx-rows", type=int, default=100_000)
    ap.add_argument("--skip-xlsx", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="qudao-bench-")
    partners, rights, data = generate(tmp, args.rows)
    size = os.path.getsize(data) / 1e6
    base = PG_ADMIN.rsplit("/", 1)[0]
    keys = ["qudao sqlite", "  (import alone)", "sqlite3 cli"]
    if not args.skip_xlsx:
        xlsx = os.path.join(tmp, "sellthrough.xlsx")
        xlsx_csv = os.path.join(tmp, "sellthrough-head.csv")
        write_xlsx(data, xlsx, args.xlsx_rows)
        head_csv(data, xlsx_csv, args.xlsx_rows)
        keys += ["qudao xlsx", "  (import alone)  ", "sqlite3 cli (csv)"]
    if not args.skip_postgres:
        keys += ["qudao postgres", "  (import alone) ", "postgres copy"]
    results = {k: [] for k in keys}
    load_before = os.getloadavg()
    for n in range(args.runs):
        def against_sqlite3(name, ours, peer_csv, keys):
            """Qudao imports `ours` into a fresh SQLite database; the sqlite3
            CLI then `.import`s `peer_csv` (the same lines) into a plain table."""
            path = os.path.join(tmp, f"{name}{n}.db")
            db = f"sqlite://{path}"
            prepare(args.bin, db, partners, rights,
                    lambda sql: subprocess.run(["sqlite3", path], input=sql.encode(), check=True))
            total, alone = timed_import(args.bin, db, ours)
            results[keys[0]].append(total)
            results[keys[1]].append(alone)
            peer = os.path.join(tmp, f"p{name}{n}.db")
            script = f"CREATE TABLE lines {PEER_TABLE};\n.import --csv --skip 1 {peer_csv} lines\n"
            start = time.perf_counter()
            subprocess.run(["sqlite3", peer], input=script.encode(), check=True)
            results[keys[2]].append(time.perf_counter() - start)

        against_sqlite3("q", data, data, ["qudao sqlite", "  (import alone)", "sqlite3 cli"])
        if not args.skip_xlsx:
            against_sqlite3("x", xlsx, xlsx_csv,
                            ["qudao xlsx", "  (import alone)  ", "sqlite3 cli (csv)"])

        if args.skip_postgres:
            continue
        name = f"qudao_bench_{os.getpid()}_{n}"
        psql(PG_ADMIN, f"CREATE DATABASE {name}")
        try:
            url = f"{base}/{name}"
            prepare(args.bin, url, partners, rights, lambda sql: psql(url, sql))
            total, alone = timed_import(args.bin, url, data)
            results["qudao postgres"].append(total)
            results["  (import alone) "].append(alone)
            psql(url, f"CREATE TABLE peer {PEER_TABLE}")
            start = time.perf_counter()
            psql(url, f"\\copy peer FROM '{data}' WITH (FORMAT csv, HEADER true)")
            results["postgres copy"].append(time.perf_counter() - start)
        finally:
            psql(PG_ADMIN, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    load_after = os.getloadavg()
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min)")
    print(f"{args.rows} sell-through lines ({size:.0f} MB CSV), median of {args.runs} runs (seconds):")
    for k in keys:
        print(f"  {k:19} {med[k]:8.3f}   runs: {', '.join(f'{x:.3f}' for x in results[k])}")
    print(f"  ratio qudao/sqlite3 cli   {med['qudao sqlite'] / med['sqlite3 cli']:.2f}x")
    if not args.skip_xlsx:
        print(f"  xlsx ({args.xlsx_rows} rows): qudao {med['qudao xlsx']:.3f} s (target 2 s), "
              f"ratio to .import of the same rows as CSV {med['qudao xlsx'] / med['sqlite3 cli (csv)']:.1f}x")
    if not args.skip_postgres:
        print(f"  ratio qudao/postgres copy {med['qudao postgres'] / med['postgres copy']:.2f}x")


if __name__ == "__main__":
    main()
