# Qudao: `make run` to try it, `make test` for everything CI checks.
SHELL := /bin/bash
export CARGO_BUILD_JOBS ?= 2
# A CI run builds once from a clean clone: incremental caches only cost it.
ifdef CI
export CARGO_INCREMENTAL ?= 0
endif
DB ?= sqlite://qudao.db
PG_ADMIN_URL ?= postgres://postgres@127.0.0.1:5432/test
export QUDAO_TEST_PG_URL ?= $(PG_ADMIN_URL)

.PHONY: run build test fmt-check clippy unit e2e api-schema deps-npm deps-browser deps-schemathesis clean

## Build, create and fill the SQLite database on first run, serve on :8080.
run: deps-npm
	cargo build --release -p qudao-cli
	./target/release/qudao --db $(DB) demo --if-empty
	@echo ""
	@echo "  Qudao is at http://127.0.0.1:8080"
	@echo "  Sign in as admin / qudao-demo-2026 (also: manager, rep, finance, partner.admin, partner.user)"
	@echo ""
	./target/release/qudao --db $(DB) serve --addr 127.0.0.1:8080

build: deps-npm
	cargo build --workspace

## Format, lints, all tests on SQLite and PostgreSQL, then the browser tests.
test: deps-npm fmt-check clippy unit e2e api-schema

fmt-check:
	cargo fmt --all -- --check

clippy: deps-npm
	cargo clippy --workspace --all-targets -- -D warnings

unit: deps-npm
	cargo test --workspace

e2e: deps-npm deps-browser
	cargo build -p qudao-cli
	# Two journeys at a time: each has its own server, database and browser,
	# and most of a journey's time is spent waiting on one of them.
	QUDAO_BIN=target/debug/qudao node --test --test-concurrency=2 e2e/

## The API against its OpenAPI document: schemathesis, every check, a fixed
## seed, 30 cases per operation, on the debug server with the demo data.
api-schema: deps-npm deps-schemathesis
	cargo build -p qudao-cli
	e2e/schemathesis/run.sh target/debug/qudao .venv/schemathesis/bin/schemathesis

## schemathesis from PyPI in a virtual environment, pinned by its requirements file.
deps-schemathesis: .venv/schemathesis/.installed

.venv/schemathesis/.installed: e2e/schemathesis/requirements.txt
	python3 -m venv .venv/schemathesis
	.venv/schemathesis/bin/pip install --quiet --no-deps -r e2e/schemathesis/requirements.txt
	@touch $@

## Front-end packages from the npm registry, pinned by package-lock.json.
deps-npm: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## Debian's Chromium (and CJK fonts for screenshots) for the browser tests.
deps-browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

clean:
	cargo clean
	rm -rf node_modules
