#!/usr/bin/env python3
"""Requests per second and p99 latency of the API and a signed-in page,
measured with wrk at 32 connections against `/healthz` of the same server in
the same run. The ratio to `/healthz` says what authentication, the database
and the page cost over the bare HTTP stack.

Builds nothing: expects the release binary (`cargo build --release -p
qudao-cli`). Makes a fresh SQLite demo database (`qudao demo`), an admin token
(`qudao users token`), signs in through the login form for a session cookie,
serves on a loopback port, and runs every endpoint `--runs` times in turns,
printing the medians.

(Not named http.py: that would hide Python's own `http` package.)

Usage: python3 bench/http_load.py [--runs 3] [--seconds 5] [--connections 32]
                             [--bin target/release/qudao]
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

DEMO_PASSWORD = "qudao-demo-2026"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("wrk is missing: installing the Debian package", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def wait_ready(base, server):
    for _ in range(300):
        if server.poll() is not None:
            sys.exit(f"the server stopped with {server.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not come up")


def session_cookie(base):
    """Signs in as admin through the login form; returns the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(base + "/login") as r:
        page = r.read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"_csrf": csrf, "next": "/", "login": "admin",
                                   "password": DEMO_PASSWORD}).encode()
    with opener.open(base + "/login", data=form) as r:
        r.read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "qudao_session" not in cookies:
        sys.exit("signing in gave no session")
    return cookies


def get_json(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def wrk(url, header, seconds, connections):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        sys.exit(f"{url}: {non2xx.group(1)} answers were not 2xx/3xx\n{out}")
    return rps, float(p99.group(1)) * scale


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="target/release/qudao")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} is missing: cargo build --release -p qudao-cli")
    ensure_wrk()
    os.environ.setdefault("RUST_LOG", "warn")
    work = tempfile.mkdtemp(prefix="qudao_bench_http_")
    db = f"sqlite://{work}/bench.db"
    qudao = [args.bin, "--db", db]
    subprocess.run(qudao + ["demo"], check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run(qudao + ["users", "token", "--login", "admin"], check=True,
                           capture_output=True, text=True).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(qudao + ["serve", "--addr", f"127.0.0.1:{port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base, server)
        cookie = session_cookie(base)
        # A depth-1 partner: the detail lists its downstream partners too.
        first = get_json(base + "/api/v1/partners?depth=1&per_page=1", token)["items"][0]
        code = first["code"]
        bearer = f"Authorization: Bearer {token}"
        endpoints = [
            ("/healthz", base + "/healthz", None),
            (f"GET /api/v1/partners/{code}", base + f"/api/v1/partners/{code}", bearer),
            ("GET /api/v1/partners?per_page=50", base + "/api/v1/partners?per_page=50", bearer),
            (f"page /partners/{code} (session)", base + f"/partners/{code}", f"Cookie: {cookie}"),
        ]
        results = {name: [] for name, _, _ in endpoints}
        for name, url, header in endpoints:  # warm caches and connections
            wrk(url, header, 1, args.connections)
        for _ in range(args.runs):
            for name, url, header in endpoints:
                results[name].append(wrk(url, header, args.seconds, args.connections))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)

    health = statistics.median(r for r, _ in results["/healthz"])
    print(f"\nwrk, {args.connections} connections, {args.runs} runs of {args.seconds} s, "
          f"SQLite demo data, {os.cpu_count()} cores; medians\n")
    print(f"| {'endpoint':<40} | {'requests/s':>10} | {'p99 ms':>7} | {'vs /healthz':>11} |")
    print(f"|{'-' * 42}|{'-' * 11}:|{'-' * 8}:|{'-' * 12}:|")
    for name, _, _ in endpoints:
        rps = statistics.median(r for r, _ in results[name])
        p99 = statistics.median(p for _, p in results[name])
        print(f"| {name:<40} | {rps:>10.0f} | {p99:>7.2f} | {rps / health:>11.3f} |")


if __name__ == "__main__":
    main()
