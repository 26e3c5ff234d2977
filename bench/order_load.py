#!/usr/bin/env python3
"""Recording a 20-line order over the API under load: wrk at 50 connections
POSTs `/api/v1/orders` (each request a new draft order, numbered by the
server) against one `qudao serve` on a fresh SQLite demo database, and
`GET /healthz` of the same server in the same run as the peer. Target (trade
issue): p99 <= 25 ms.

The peer is `/healthz` and not a plain sqlite3 INSERT of the same rows: the
question is what recording an order costs a client of the API, and
`/healthz` is the same server, HTTP stack, connections and load tool with
no work behind it, so the ratio is the order's own price (quotes, checks,
the insert, the audit record, the commit). An INSERT from the sqlite3 CLI
would time a single writer without HTTP, the pricing rules or concurrency.

Builds nothing: expects the release binary (`cargo build --release -p
qudao-cli`). wrk is the Debian package, installed if missing (as
`http_load.py` does); a Lua script makes it POST. The load average is
read before and after every run and reported with the figures.

Usage: python3 bench/order_load.py [--runs 3] [--seconds 5] [--connections 50]
                              [--lines 20] [--bin target/release/qudao]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_load import ensure_wrk, free_port, wait_ready  # noqa: E402

LUA = """
wrk.method = "POST"
wrk.body = [[%s]]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
"""


def get_json(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def priced(base, token, partner, sku):
    query = urllib.parse.urlencode({"partner": partner, "sku": sku, "qty": 3})
    try:
        get_json(f"{base}/api/v1/quote?{query}", token)
        return True
    except urllib.error.HTTPError:
        return False


def order_body(base, token, lines):
    """A partner of an active type-level list and `lines` of the list's
    products that the quote prices for it: every line of the benchmark's
    order is looked up, priced and checked like a real one."""
    lists = get_json(f"{base}/api/v1/price-lists?status=active", token)
    for head in lists:
        if head["applies_to"] != "partner_type":
            continue
        detail = get_json(f"{base}/api/v1/price-lists/{head['code']}", token)
        partners = get_json(
            f"{base}/api/v1/partners?partner_type={head['target']}&status=active&per_page=5",
            token)["items"]
        for p in partners:
            skus = [i["sku"] for i in detail["items"] if priced(base, token, p["code"], i["sku"])]
            if len(skus) >= lines:
                return {"partner": p["code"], "note": "bench",
                        "lines": [{"sku": s, "qty": str(3 + n % 7)}
                                  for n, s in enumerate(skus[:lines])]}
    sys.exit(f"no demo partner has {lines} priced products")


def load_average():
    return os.getloadavg()[0]


def wrk(url, seconds, connections, script=None, header=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        cmd[1:1] = ["-s", script]
    if header:
        cmd[1:1] = ["-H", header]
    before = load_average()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    after = load_average()

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} answers were not 2xx/3xx\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": latency(50), "p99": latency(99), "requests": requests,
            "load": (before + after) / 2}


def count_orders(db_path):
    out = subprocess.run(["sqlite3", db_path, "SELECT COUNT(*) FROM orders"],
                         check=True, capture_output=True, text=True).stdout
    return int(out.strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/qudao")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--lines", type=int, default=20)
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} is missing: cargo build --release -p qudao-cli")
    ensure_wrk()
    os.environ.setdefault("RUST_LOG", "warn")
    work = tempfile.mkdtemp(prefix="qudao_bench_orders_")
    db_path = f"{work}/bench.db"
    qudao = [args.bin, "--db", f"sqlite://{db_path}"]
    subprocess.run(qudao + ["demo"], check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run(qudao + ["users", "token", "--login", "admin"], check=True,
                           capture_output=True, text=True).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(qudao + ["serve", "--addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {"healthz": [], "order": []}
    try:
        wait_ready(base, server)
        body = order_body(base, token, args.lines)
        script = f"{work}/order.lua"
        with open(script, "w") as f:
            f.write(LUA % (json.dumps(body, ensure_ascii=False), token))
        orders_url = base + "/api/v1/orders"
        # Warm caches and connections; then check each request made an order.
        wrk(base + "/healthz", 1, args.connections)
        start = count_orders(db_path)
        warm = wrk(orders_url, 1, args.connections, script=script)
        made = count_orders(db_path) - start
        if made < warm["requests"] * 0.99:
            sys.exit(f"{warm['requests']} POSTs made only {made} orders")
        for _ in range(args.runs):
            results["healthz"].append(wrk(base + "/healthz", args.seconds, args.connections))
            results["order"].append(wrk(orders_url, args.seconds, args.connections, script=script))
        orders = count_orders(db_path)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    def med(name, key):
        return statistics.median(r[key] for r in results[name])

    print(f"\nwrk, {args.connections} connections, {args.runs} runs of {args.seconds} s, "
          f"SQLite demo data, {os.cpu_count()} cores, {orders} orders at the end; medians\n")
    print(f"| {'request':<34} | {'requests/s':>10} | {'p50 ms':>7} | {'p99 ms':>7} "
          f"| {'load avg':>8} |")
    print(f"|{'-' * 36}|{'-' * 11}:|{'-' * 8}:|{'-' * 8}:|{'-' * 9}:|")
    for name, label in [("healthz", "GET /healthz (peer)"),
                        ("order", f"POST /api/v1/orders, {args.lines} lines")]:
        print(f"| {label:<34} | {med(name, 'rps'):>10.0f} | {med(name, 'p50'):>7.2f} "
              f"| {med(name, 'p99'):>7.2f} | {med(name, 'load'):>8.2f} |")
    p99 = med("order", "p99")
    print(f"\norder p99 {p99:.2f} ms: target 25 ms {'met' if p99 <= 25 else 'MISSED'}; "
          f"requests/s {med('order', 'rps') / med('healthz', 'rps'):.4f} x /healthz")


if __name__ == "__main__":
    main()
