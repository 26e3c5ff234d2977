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
import path from 'node:path';
import {
  ARTIFACTS,
  DEMO_PASSWORD,
  DESKTOP,
  PHONE,
  SETUP_TIMEOUT_MS,
  atPath,
  dataRows,
  fillLogin,
  htmlLang,
  journeys,
  launchChromium,
  login,
  pathOf,
  startQudao,
  switchLang,
} from './support.mjs';

// ---------------------------------------------------------------- helpers

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

/** The partner page's status history panel (found by its heading). */
function statusHistory(page) {
  return page
    .locator('section.panel')
    .filter({ has: page.getByRole('heading', { name: 'Status history', exact: true }) });
}

// ------------------------------------------------------------------ suite

describe('qudao in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;

  before(async () => {
    qudao = await startQudao();
    base = qudao.base;
    browser = await launchChromium();
    journey = journeys(browser, qudao.log);
  }, { timeout: SETUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close().catch(() => {});
    await qudao?.close();
  });

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

      // An active partner's status changes with a reason and shows in its
      // history. Whichever partner the demo lists first will do.
      await page.goto(`${base}/partners?status=active`);
      assert.ok((await dataRows(page)) >= 1, 'expected an active partner');
      const first = page.locator('table.data tbody tr td:first-child a').first();
      const code = (await first.textContent()).trim();
      await Promise.all([page.waitForURL(atPath(`/partners/${code}`)), first.click()]);
      const badge = page.locator('[data-testid="partner-status"]');
      assert.equal((await badge.textContent()).trim(), 'Active');
      await page.selectOption('#status', 'suspended');
      await page.fill('#reason', 'Receivables overdue (browser test)');
      await Promise.all([
        page.waitForURL(atPath(`/partners/${code}`)),
        page.locator(`form[action="/partners/${code}/status"] button[type="submit"]`).click(),
      ]);
      await page.locator('.flash-success').first().waitFor({ state: 'visible' });
      assert.equal((await badge.textContent()).trim(), 'Suspended');
      assert.ok(
        (await statusHistory(page).textContent()).includes('Receivables overdue (browser test)'),
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
