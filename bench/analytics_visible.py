#!/usr/bin/env python3
"""How long a committed sell-through import takes to show in the next
dashboard query, without a reload: a `qudao serve` answers the analytics
query endpoint while `qudao import sell-through` of 100,000 lines runs in
another process; the script polls the endpoint (bearer token) every 20 ms
from the moment the import exits until the total sell-through quantity
includes the new lines.

The other process's commit reaches the server's engine through the
one-second poll of each fact table's highest id (`app::analytics::POLL`);
the first query after it reads the new facts and publishes them at once.
Reported: the delay from import exit to visible (median of the runs), the
first (catching-up) query's time, and a warm query's time for comparison.

Network, catalog and lines as bench/import_sellthrough.py makes them
(200 distributors, 100 TEA products, 2026, Shanghai), seed 7; a first 100k
lines are imported before the server starts.

Usage: python3 bench/analytics_visible.py [--rows 100000] [--runs 3] [--bin target/release/qudao]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from import_sellthrough import generate, prepare, run  # noqa: E402


def split(data, rows, parts, tmp):
    """The generated file cut into `parts` files of `rows` lines each."""
    with open(data, encoding="utf-8") as f:
        header = f.readline()
        files = []
        for p in range(parts):
            path = os.path.join(tmp, f"part{p}.csv")
            with open(path, "w", encoding="utf-8") as out:
                out.write(header)
                for _ in range(rows):
                    out.write(f.readline())
            files.append(path)
    return files


def query(base, token):
    body = json.dumps({"measures": ["sell_through_qty"], "period": "2026"}).encode()
    req = urllib.request.Request(
        f"{base}/api/v1/analytics/query", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        answer = json.load(r)
    return answer["totals"][0], time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default="target/release/qudao")
    ap.add_argument("--port", type=int, default=18081)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="qudao-visible-")
    partners, rights, data = generate(tmp, args.rows * (args.runs + 1))
    files = split(data, args.rows, args.runs + 1, tmp)
    url = f"sqlite://{os.path.join(tmp, 'v.db')}"
    prepare(args.bin, url, partners, rights,
            lambda sql: subprocess.run(["sqlite3", url[len("sqlite://"):]], input=sql.encode(),
                                       check=True))
    run([args.bin, "--db", url, "users", "add", "--login", "bench", "--role", "admin"])
    token = run([args.bin, "--db", url, "users", "token", "--login", "bench"]).split()[-1]
    run([args.bin, "--db", url, "import", "sell-through", files[0]])
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen([args.bin, "--db", url, "serve", "--addr", f"127.0.0.1:{args.port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/readyz")
                break
            except OSError:
                time.sleep(0.1)
        before, _ = query(base, token)
        warm = [query(base, token)[1] for _ in range(20)]
        delays, first_queries = [], []
        for part in files[1:]:
            subprocess.run([args.bin, "--db", url, "import", "sell-through", part], check=True,
                           capture_output=True)
            done = time.perf_counter()
            while True:
                total, took = query(base, token)
                if total != before:
                    delays.append(time.perf_counter() - done)
                    first_queries.append(took)
                    before = total
                    break
                time.sleep(0.02)
        print(f"load average {os.getloadavg()[0]:.2f}")
        print(f"{args.rows} lines per import, {args.runs} imports; engine holds "
              f"{args.rows * (args.runs + 1)} sell-through lines at the end")
        print(f"import exit -> visible: median {statistics.median(delays) * 1000:.0f} ms "
              f"(runs: {', '.join(f'{d * 1000:.0f}' for d in delays)} ms)")
        print(f"the catching-up query: median {statistics.median(first_queries) * 1000:.0f} ms")
        print(f"a warm query: median {statistics.median(warm) * 1000:.1f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
