// Shared plumbing for Qudao's browser tests: a server of our own on a fresh
// demo database, Debian's Chromium, one browser context per journey, and the
// small page helpers every journey uses.
//
//   QUDAO_BIN      path to the qudao binary (default: target/debug/qudao)
//   CHROMIUM_PATH  path to a Chromium binary (default: /usr/bin/chromium)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(E2E_DIR, '..');
export const ARTIFACTS = path.join(E2E_DIR, 'artifacts');

export const BIN = process.env.QUDAO_BIN
  ? path.resolve(process.cwd(), process.env.QUDAO_BIN)
  : path.join(REPO_ROOT, 'target', 'debug', 'qudao');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const DEMO_PASSWORD = 'qudao-demo-2026';
export const ACTION_TIMEOUT_MS = 15_000;
export const NAV_TIMEOUT_MS = 30_000;
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
const SERVER_START_TIMEOUT_MS = 30_000;
const DEMO_TIMEOUT_MS = 240_000;
const LOG_LIMIT = 256 * 1024;

/** Enough for `before()`: the demo load, the server start and the browser launch. */
export const SETUP_TIMEOUT_MS = DEMO_TIMEOUT_MS + SERVER_START_TIMEOUT_MS + 60_000;

// ------------------------------------------------------------ processes

/** Appends to a bounded text buffer (keeps the tail). */
export function makeLog() {
  let text = '';
  return {
    push(chunk) {
      text += chunk.toString();
      if (text.length > LOG_LIMIT) text = text.slice(text.length - LOG_LIMIT);
    },
    get text() {
      return text;
    },
  };
}

/** Asks the OS for a free TCP port on the loopback interface. */
async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Runs a command to completion; rejects on non-zero exit or timeout. */
async function run(cmd, args, timeoutMs) {
  const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = makeLog();
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => out.push(d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await Promise.race([
    once(child, 'exit'),
    once(child, 'error').then(([err]) => {
      throw new Error(`cannot run ${cmd}: ${err.message}`);
    }),
  ]);
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} exited with ${code ?? signal}\n${out.text}`,
    );
  }
  return out.text;
}

/** Polls GET url until it answers 200, the process dies, or the timeout passes. */
async function waitReady(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server not ready at ${url} after ${timeoutMs} ms (${last})`);
}

/** Sends SIGTERM, then SIGKILL if the process has not exited in time. */
async function stop(child, graceMs = 10_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The demo as this binary loads it today, loaded once per run: each journey
 * starts from a copy (its own fresh database) instead of loading it again.
 * Keyed by the binary and the date, since the demo lays its trade out around
 * today. Returns the database file; its write-ahead log, when the demo left
 * one, lies beside it.
 */
async function demoDatabase() {
  const { size, mtimeMs } = await fs.stat(BIN);
  const today = new Date().toISOString().slice(0, 10);
  const prefix = 'qudao-e2e-demo-';
  const dir = path.join(os.tmpdir(), `${prefix}${size}-${Math.floor(mtimeMs)}-${today}`);
  const file = path.join(dir, 'demo.db');
  if (existsSync(dir)) return file;
  const loading = await fs.mkdtemp(path.join(os.tmpdir(), 'qudao-e2e-load-'));
  await run(BIN, ['--db', `sqlite://${path.join(loading, 'demo.db')}`, 'demo'], DEMO_TIMEOUT_MS);
  // The directory is renamed whole, so a journey never copies a database
  // without its log; when another process got there first, its copy stands.
  await fs.rename(loading, dir).catch(() => fs.rm(loading, { recursive: true, force: true }));
  // Other runs (another checkout's binary) may be using theirs: only a
  // day-old copy is surely nobody's.
  for (const name of await fs.readdir(os.tmpdir())) {
    const old = path.join(os.tmpdir(), name);
    if (!name.startsWith(prefix) || old === dir) continue;
    const { mtimeMs: made } = await fs.stat(old).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - made > 24 * 3600 * 1000) await fs.rm(old, { recursive: true, force: true });
  }
  return file;
}

/**
 * Copies the demo into a fresh SQLite database in a temporary directory and
 * serves it on a free loopback port. `close()` stops the server and removes
 * the directory. `beforeServe(dbFile)`, when given, runs between the two
 * (a journey that needs records the demo lacks adds them there).
 */
export async function startQudao({ beforeServe } = {}) {
  if (!existsSync(BIN)) {
    throw new Error(`qudao binary not found at ${BIN} (build it, or set QUDAO_BIN)`);
  }
  const log = makeLog();
  const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qudao-e2e-'));
  let server;
  const close = async () => {
    await stop(server);
    await fs.rm(tmpDir, { recursive: true, force: true });
  };
  try {
    const dbFile = path.join(tmpDir, 'e2e.db');
    const db = `sqlite://${dbFile}`;
    const demo = await demoDatabase();
    if (existsSync(`${demo}-wal`)) await fs.copyFile(`${demo}-wal`, `${dbFile}-wal`);
    await fs.copyFile(demo, dbFile);
    if (beforeServe) await beforeServe(dbFile);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['--db', db, 'serve', '--addr', `127.0.0.1:${port}`], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => log.push(d));
    server.stderr.on('data', (d) => log.push(d));
    server.on('error', (err) => log.push(`spawn error: ${err.message}\n`));
    await waitReady(`${base}/readyz`, server, SERVER_START_TIMEOUT_MS);
    return { base, log, close, dbFile };
  } catch (err) {
    err.message += `\n--- server output ---\n${log.text}`;
    await close();
    throw err;
  }
}

/** Debian's Chromium, headless, with the flags the project's tests use. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM} (make deps-browser, or set CHROMIUM_PATH)`,
    );
  }
  await fs.mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

// ------------------------------------------------------------ accessibility

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let axeSource;
/** Impacts a page may not have (the bar: WCAG AA, no unlabelled controls). */
const FORBIDDEN_IMPACTS = new Set(['serious', 'critical']);
/** Pages already checked in this run: path, language, width and user. */
const checkedPages = new Set();

/**
 * Runs axe-core on the page as it is now and returns its serious and
 * critical violations as lines of text (empty when it passes). Each page
 * (path, language, viewport width) is checked once per run.
 */
export async function a11yViolations(page) {
  const url = new URL(page.url());
  if (!url.protocol.startsWith('http')) return [];
  const facts = await page.evaluate(() => ({
    html: document.contentType === 'text/html',
    lang: document.documentElement.lang,
    width: window.innerWidth,
    user: document.querySelector('.topbar .user')?.textContent.trim() ?? '',
  }));
  if (!facts.html) return [];
  // Roles see different things on the same path (a partner's portal).
  const key = `${url.pathname} ${facts.lang} ${facts.width} ${facts.user}`;
  if (checkedPages.has(key)) return [];
  axeSource ??= await fs.readFile(AXE_PATH, 'utf8');
  // Evaluated through the DevTools protocol, so the page's CSP (no inline
  // scripts) does not apply.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // A navigation between the two evaluations leaves a new document without axe.
    if (!window.axe) return null;
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  if (violations === null) return [];
  checkedPages.add(key);
  return violations
    .filter((v) => FORBIDDEN_IMPACTS.has(v.impact))
    .map((v) => `${key}: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
}

/** Waits for the journey's pending checks, checks the page it ends on, and fails on any violation. */
async function checkA11yNow(page, pending) {
  const found = (await Promise.all(pending)).flat();
  found.push(...(await a11yViolations(page)));
  assert.deepEqual(found, [], `accessibility violations:\n${found.join('\n')}`);
}

/** Fails when the page has a serious or critical accessibility violation. */
export async function checkA11y(page) {
  const found = await a11yViolations(page);
  assert.deepEqual(found, [], `accessibility violations:\n${found.join('\n')}`);
}

/**
 * Returns `journey(fn)`: runs `fn(page)` in a fresh English browser context at
 * desktop size. Every page it loads is checked with axe-core (see
 * `a11yViolations`); a serious or critical violation fails the journey. On failure it prints the server's output and the page's
 * console errors, saves `failureShot`, then rethrows.
 */
export function journeys(browser, serverLog) {
  return async function journey(fn, { failureShot = 'failure.png' } = {}) {
    const context = await browser.newContext({ locale: 'en-US', viewport: DESKTOP });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
    });
    page.on('response', (res) => {
      if (res.status() >= 400) pageErrors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    });
    // Each load is checked while the journey goes on; a check cut short by
    // the next navigation is dropped (that page is checked on a later visit).
    const a11yChecks = [];
    page.on('load', () => {
      a11yChecks.push(
        a11yViolations(page).catch((err) =>
          /context was destroyed|navigat|Target (page, context or browser )?(has been )?closed/i.test(err.message)
            ? []
            : Promise.reject(err),
        ),
      );
    });
    try {
      await fn(page);
      await checkA11yNow(page, a11yChecks);
    } catch (err) {
      process.stderr.write(
        `\n--- failed at ${page.url()} ---\n` +
          `--- page errors ---\n${pageErrors.join('\n') || '(none)'}\n` +
          `--- server output ---\n${serverLog.text}\n--- end ---\n`,
      );
      await page
        .screenshot({ path: path.join(ARTIFACTS, failureShot), fullPage: true })
        .catch(() => {});
      throw err;
    } finally {
      await context.close();
    }
  };
}

// ----------------------------------------------------------------- dates

/** The business day's year and month (Asia/Shanghai, UTC+8: the server's
 * "today", a day ahead of UTC's from 16:00) as numbers. */
export function businessMonth() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .format(new Date())
    .split('-')
    .map(Number);
}

/** The month `offset` months from this business month, as `YYYY-MM`
 * (`monthFrom(-1)` is the last ended month). */
export function monthFrom(offset) {
  const [year, month] = businessMonth();
  const d = new Date(Date.UTC(year, month - 1 + offset, 1));
  return d.toISOString().slice(0, 7);
}

/** The calendar quarter `offset` quarters from this one, with its year:
 * `quarterFrom(-1)` is the last ended quarter, `{ year: 2026, period: '2026-Q3' }`. */
export function quarterFrom(offset) {
  const [year, month] = businessMonth();
  const index = year * 4 + Math.floor((month - 1) / 3) + offset;
  const y = Math.floor(index / 4);
  return { year: y, period: `${y}-Q${(index % 4) + 1}` };
}

// ----------------------------------------------------------------- pages

export const pathOf = (page) => new URL(page.url()).pathname;
export const atPath = (p) => (url) => url.pathname === p;

export async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

/**
 * A full-page screenshot into e2e/artifacts/, taken from the top (the header
 * is sticky: scrolled, it would be drawn across the middle of the page).
 */
export async function snap(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

/** A screenshot of one part of the page (scrolled into view) into e2e/artifacts/. */
export async function snapPart(locator, name) {
  await locator.screenshot({ path: path.join(ARTIFACTS, name) });
}

/** Switches the UI language with the language links and waits for the reload. */
export async function switchLang(page, lang) {
  await page.locator(`a[data-lang="${lang}"]`).first().click();
  await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached', timeout: NAV_TIMEOUT_MS });
  await page.waitForLoadState('load');
}

export async function fillLogin(page, login, password) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill(password);
}

/** Signs in through the login page and waits for the dashboard. */
export async function login(page, base, login_, password) {
  await page.goto(`${base}/login`);
  await fillLogin(page, login_, password);
  await Promise.all([
    page.waitForURL(atPath('/'), { timeout: NAV_TIMEOUT_MS }),
    page.locator('button[type=submit]').click(),
  ]);
}

/** Signs out with the header button and waits for the login page. */
export async function logout(page) {
  await Promise.all([
    page.waitForURL(atPath('/login')),
    page.locator('button[data-testid="logout"]').click(),
  ]);
}

/**
 * Clicks a submit button and waits for the POST's answer and the page it
 * leads to (after any redirect). Returns the POST's response.
 *
 * A form htmx posts (docs/UI.md) answers a save with `HX-Redirect` instead
 * of a 303, and a refusal by swapping the form in place (no page load):
 * the first is reported as the 303 a browser without JS gets, the second
 * once the swapped form has settled.
 */
/**
 * Clicks a button; when its form asks for confirmation (data-confirm),
 * confirms in the dialog. Tests of the dialog itself click its buttons.
 */
export async function clickConfirmed(page, button) {
  const asks = await button.evaluate((b) => {
    const form = b.form;
    if (!form || !form.dataset.confirm) return false;
    const field = form.dataset.confirmField;
    return !field || Boolean(form.elements[field] && form.elements[field].value === form.dataset.confirmValue);
  });
  await button.click();
  if (asks) await page.locator('[data-testid="confirm-ok"]').click();
}

export async function submit(page, button, urlPath) {
  const htmx = await button.evaluate((b) => Boolean(b.form && b.form.hasAttribute('hx-post')));
  const answer = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === urlPath,
  );
  if (!htmx) {
    const [response] = await Promise.all([answer, page.waitForEvent('load'), clickConfirmed(page, button)]);
    await page.waitForLoadState('load');
    return response;
  }
  // Only a save loads a page; a refusal's wait is dropped.
  const loaded = page.waitForEvent('load');
  loaded.catch(() => {});
  const [response] = await Promise.all([answer, clickConfirmed(page, button)]);
  const location = response.headers()['hx-redirect'];
  if (location) {
    await loaded;
    await page.waitForLoadState('load');
    return {
      status: () => 303,
      headers: () => ({ ...response.headers(), location }),
      url: () => response.url(),
      request: () => response.request(),
    };
  }
  await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'));
  return response;
}

/** Rows of the first data table's body, checking it is not an "empty" placeholder. */
export async function dataRows(page) {
  const table = page.locator('table.data').first();
  await table.waitFor({ state: 'visible' });
  assert.equal(
    await table.locator('tbody .empty').count(),
    0,
    'table.data shows an .empty placeholder instead of rows',
  );
  return table.locator('tbody tr').count();
}

/** The visible text of a locator, whitespace collapsed. */
export async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Types into a picker and waits for the offered choice whose code is `code`. */
export async function offered(page, id, typed, code) {
  const input = page.locator(`#${id}`);
  await input.click();
  await input.fill('');
  await input.pressSequentially(typed);
  const option = page.locator(`#${id}-list [role=option][data-value="${code}"]`);
  await option.waitFor({ state: 'visible' });
  return option;
}

/** Types into a picker and takes the offered choice whose code is `code`. */
export async function pick(page, id, typed, code) {
  await (await offered(page, id, typed, code)).click();
}
