// Browser journey test for Qudao: login, language switch, navigation, logout,
// and row-level access for a partner's staff user.
//
// Run from the repository root:  npm run e2e
//   QUDAO_BIN      path to the qudao binary (default: target/debug/qudao)
//   CHROMIUM_PATH  path to a Chromium binary (default: /usr/bin/chromium)
//
// The test starts its own server on a free loopback port with a fresh demo
// database in a temporary directory, and removes both when it is done.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(E2E_DIR, '..');
const ARTIFACTS = path.join(E2E_DIR, 'artifacts');

const BIN = process.env.QUDAO_BIN
  ? path.resolve(process.cwd(), process.env.QUDAO_BIN)
  : path.join(REPO_ROOT, 'target', 'debug', 'qudao');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const DEMO_PASSWORD = 'qudao-demo-2026';
const SERVER_START_TIMEOUT_MS = 30_000;
const DEMO_TIMEOUT_MS = 240_000;
const ACTION_TIMEOUT_MS = 15_000;
const NAV_TIMEOUT_MS = 30_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const LOG_LIMIT = 256 * 1024;

// ---------------------------------------------------------------- helpers

/** Appends to a bounded text buffer (keeps the tail). */
function makeLog() {
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

const pathOf = (page) => new URL(page.url()).pathname;
const atPath = (p) => (url) => url.pathname === p;

async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

async function sidebarPartnersText(page) {
  const link = page.locator('nav.sidebar a[href="/partners"]').first();
  await link.waitFor({ state: 'attached' });
  return (await link.textContent()).trim();
}

/** Waits until ECharts has drawn into the home page's chart container. */
async function waitForChart(page) {
  await page.locator('.cards').first().waitFor({ state: 'visible' });
  await page.locator('#chart-partners-by-type canvas').first().waitFor({ state: 'visible' });
}

/**
 * Best effort, for nicer screenshots only: waits for ECharts' 'finished' event
 * (end of the intro animation). If the event already fired, or ECharts is not
 * a global, it gives up after a short bound; nothing is asserted here.
 */
async function settleChart(page) {
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const el = document.querySelector('#chart-partners-by-type');
        const chart = window.echarts?.getInstanceByDom?.(el);
        if (!chart) return resolve();
        chart.on('finished', () => resolve());
        setTimeout(resolve, 2_000);
      }),
  );
}

async function screenshot(page, name) {
  await settleChart(page);
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

/** Switches the UI language with the language links and waits for the reload. */
async function switchLang(page, lang) {
  await page.locator(`a[data-lang="${lang}"]`).first().click();
  await page.locator(`html[lang="${lang}"]`).waitFor({ state: 'attached', timeout: NAV_TIMEOUT_MS });
  await page.waitForLoadState('load');
}

async function fillLogin(page, login, password) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill(password);
}

async function login(page, base, login_, password) {
  await page.goto(`${base}/login`);
  await fillLogin(page, login_, password);
  await Promise.all([
    page.waitForURL(atPath('/'), { timeout: NAV_TIMEOUT_MS }),
    page.locator('button[type=submit]').click(),
  ]);
}

/** Rows of the first data table's body, checking it is not an "empty" placeholder. */
async function dataRows(page) {
  const table = page.locator('table.data').first();
  await table.waitFor({ state: 'visible' });
  assert.equal(
    await table.locator('tbody .empty').count(),
    0,
    'table.data shows an .empty placeholder instead of rows',
  );
  return table.locator('tbody tr').count();
}

// ------------------------------------------------------------------ suite

describe('qudao in a browser', () => {
  let tmpDir;
  let server;
  let base;
  let browser;
  const serverLog = makeLog();

  before(async () => {
    if (!existsSync(BIN)) {
      throw new Error(`qudao binary not found at ${BIN} (build it, or set QUDAO_BIN)`);
    }
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    }
    tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qudao-e2e-'));
    const db = `sqlite://${path.join(tmpDir, 'e2e.db')}`;

    await run(BIN, ['--db', db, 'demo'], DEMO_TIMEOUT_MS);

    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(BIN, ['--db', db, 'serve', '--addr', `127.0.0.1:${port}`], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout.on('data', (d) => serverLog.push(d));
    server.stderr.on('data', (d) => serverLog.push(d));
    server.on('error', (err) => serverLog.push(`spawn error: ${err.message}\n`));
    try {
      await waitReady(`${base}/readyz`, server, SERVER_START_TIMEOUT_MS);
    } catch (err) {
      err.message += `\n--- server output ---\n${serverLog.text}`;
      throw err;
    }

    browser = await chromium.launch({
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
    await fs.mkdir(ARTIFACTS, { recursive: true });
  }, { timeout: DEMO_TIMEOUT_MS + SERVER_START_TIMEOUT_MS + 60_000 });

  after(async () => {
    await browser?.close().catch(() => {});
    await stop(server);
    if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
  });

  /**
   * Runs a journey in a fresh English browser context. On failure it prints
   * the server's output and the page's console errors, then rethrows.
   */
  async function journey(fn) {
    const context = await browser.newContext({ locale: 'en-US', viewport: DESKTOP });
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(NAV_TIMEOUT_MS);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
    });
    try {
      await fn(page);
    } catch (err) {
      process.stderr.write(
        `\n--- failed at ${page.url()} ---\n` +
          `--- page errors ---\n${pageErrors.join('\n') || '(none)'}\n` +
          `--- server output ---\n${serverLog.text}\n--- end ---\n`,
      );
      await page
        .screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true })
        .catch(() => {});
      throw err;
    } finally {
      await context.close();
    }
  }

  test('admin logs in, switches language, browses, and logs out', { timeout: 180_000 }, () =>
    journey(async (page) => {
      // Not logged in: / redirects to the login page, in English.
      await page.goto(`${base}/`);
      await page.waitForURL(atPath('/login'));
      assert.equal(await htmlLang(page), 'en');
      await page.locator('input[name=login]').waitFor({ state: 'visible' });
      await page.locator('input[name=password]').waitFor({ state: 'visible' });
      await page.locator('button[type=submit]').waitFor({ state: 'visible' });
      await page.locator('.lang-switch a[data-lang="en"]').first().waitFor({ state: 'attached' });
      await page.locator('.lang-switch a[data-lang="zh-CN"]').first().waitFor({ state: 'attached' });

      // Wrong password: an error flash, still on /login.
      await fillLogin(page, 'admin', 'wrong-password');
      await page.locator('button[type=submit]').click();
      await page.locator('.flash-error').first().waitFor({ state: 'visible' });
      await page.waitForLoadState('load');
      assert.equal(pathOf(page), '/login');

      // Right password: lands on the dashboard.
      await fillLogin(page, 'admin', DEMO_PASSWORD);
      await Promise.all([
        page.waitForURL(atPath('/')),
        page.locator('button[type=submit]').click(),
      ]);
      assert.equal(await htmlLang(page), 'en');
      await page.locator('h1[data-testid="page-title"]').waitFor({ state: 'visible' });
      assert.equal(await sidebarPartnersText(page), 'Partners');
      await page.locator('.lang-switch a[data-lang="zh-CN"]').first().waitFor({ state: 'attached' });
      await waitForChart(page);
      await screenshot(page, 'home-en.png');

      // Chinese.
      await switchLang(page, 'zh-CN');
      assert.equal(pathOf(page), '/');
      assert.equal(await sidebarPartnersText(page), '合作伙伴');
      await waitForChart(page);
      await screenshot(page, 'home-zh.png');

      // Phone size (reload so the chart is laid out for the narrow screen).
      await page.setViewportSize(PHONE);
      await page.reload();
      await waitForChart(page);
      await screenshot(page, 'home-phone.png');
      await page.setViewportSize(DESKTOP);

      // Back to English.
      await switchLang(page, 'en');
      assert.equal(await sidebarPartnersText(page), 'Partners');

      // Partners list.
      const partners = await page.goto(`${base}/partners`);
      assert.equal(partners.status(), 200);
      assert.equal(pathOf(page), '/partners');
      assert.ok((await dataRows(page)) >= 1, 'expected at least one partner row');

      // A partner's status changes with a reason and shows in its history.
      await Promise.all([
        page.waitForURL(atPath('/partners/P00001')),
        page.locator('table.data a[href="/partners/P00001"]').first().click(),
      ]);
      const badge = page.locator('[data-testid="partner-status"]');
      assert.equal((await badge.textContent()).trim(), 'Active');
      await page.selectOption('#status', 'suspended');
      await page.fill('#reason', 'Receivables overdue (browser test)');
      await Promise.all([
        page.waitForURL(atPath('/partners/P00001')),
        page.locator('form[action="/partners/P00001/status"] button[type="submit"]').click(),
      ]);
      await page.locator('.flash-success').first().waitFor({ state: 'visible' });
      assert.equal((await badge.textContent()).trim(), 'Suspended');
      assert.ok(
        (await page.locator('table.data').last().textContent()).includes('Receivables overdue (browser test)'),
        'the reason is in the status history',
      );

      // An area that is not built yet.
      const incentives = await page.goto(`${base}/areas/incentives`);
      assert.equal(incentives.status(), 200);
      await page.locator('.notice').first().waitFor({ state: 'visible' });

      // Log out.
      await Promise.all([
        page.waitForURL(atPath('/login')),
        page.locator('button[data-testid="logout"]').click(),
      ]);
      await page.goto(`${base}/`);
      await page.waitForURL(atPath('/login'));
    }),
  );

  test("a partner's staff user sees only their own partner", { timeout: 120_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'partner.user', DEMO_PASSWORD);
      assert.equal(await htmlLang(page), 'en');

      const partners = await page.goto(`${base}/partners`);
      assert.equal(partners.status(), 200);
      assert.equal(await dataRows(page), 1, 'partner user should see exactly one partner');

      const admin = await page.goto(`${base}/admin/users`);
      assert.equal(admin.status(), 403);
    }),
  );
});
