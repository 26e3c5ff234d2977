// Browser journey over 模拟测算 (what-if), on the demo, in Chinese: the
// channel manager opens the distributors' quarterly rebate, tries it on the
// quarter before last (the demo's paid quarter, with targets), raises the
// first bracket's rate in the bracket editor and sees the cost change
// without pressing anything, then saves the table as a draft version; the
// page at phone width.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  pathOf,
  quarterFrom,
  snap,
  startQudao,
  switchLang,
  textOf,
} from './support.mjs';

describe('what-if in a browser', () => {
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

  test('经理改动档位，成本即时重算，并另存为草稿版本', { timeout: 120_000 }, async () => {
    const period = quarterFrom(-2).period;
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/incentives/RB-DIST-Q`);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=what-if]').click()]);
      assert.equal(pathOf(page), '/incentives/RB-DIST-Q/what-if');
      assert.match(await textOf(page.locator('[data-testid=page-title]')), /模拟测算 · 经销商季度返利/);

      await Promise.all([
        page.waitForEvent('load'),
        (async () => {
          await page.locator('[data-testid=whatif-period]').selectOption(period);
          await page.locator('[data-testid=whatif-compute]').click();
        })(),
      ]);
      // The version in force against itself costs nothing more.
      assert.equal(await textOf(page.locator('[data-testid=whatif-change]')), '¥0.00');
      const inForce = await textOf(page.locator('[data-testid=in-force-total]'));
      assert.match(inForce, /^¥[\d,]+\.\d\d$/);
      assert.notEqual(inForce, '¥0.00', 'the demo pays that quarter');
      assert.equal(await page.locator('[data-testid=from-3]').inputValue(), '100%');

      // Editing a rate recomputes at once: every partner in the second bracket gains.
      const recomputed = page.waitForResponse(
        (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/incentives/RB-DIST-Q/what-if',
      );
      await page.locator('[data-testid=value-2]').fill('2.5%');
      assert.equal((await recomputed).status(), 200);
      await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'));
      const change = await textOf(page.locator('[data-testid=whatif-change]'));
      assert.match(change, /^\+¥[\d,]+\.\d\d/, `a higher second rate costs more: ${change}`);
      assert.match(await textOf(page.locator('[data-testid=whatif-movers]')), /增加 \/ 减少 \/ 全部对象：[1-9]\d* \/ 0 \/ /);
      const first = page.locator('[data-testid=whatif-row]').first();
      assert.match(await textOf(first.locator('[data-testid=row-change]')), /^\+¥/);
      assert.doesNotMatch(await textOf(first), /^P\d+ /, 'the partner is named, not only coded');
      await snap(page, 'incentive-whatif-01-edited-zh.png');

      // A table out of order is refused at its row, and nothing is computed.
      // (Leaving the rate's field posts the table once more: wait for the one
      // with the new start.)
      const refused = page.waitForResponse(
        (r) =>
          r.request().method() === 'POST' &&
          new URL(r.url()).pathname === '/incentives/RB-DIST-Q/what-if' &&
          (r.request().postData() ?? '').includes('from_3=70%25'),
      );
      await page.locator('[data-testid=from-3]').fill('70%');
      assert.equal((await refused).status(), 422);
      await page.waitForFunction(() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'));
      assert.match(await textOf(page.locator('[data-testid=whatif-errors]')), /第 3 档的起点/);
      await page.locator('[data-testid=from-3]').fill('100%');

      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=whatif-save]').click()]);
      assert.equal(pathOf(page), '/incentives/RB-DIST-Q');
      assert.match(page.url(), /version=2/);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '草稿');
      assert.match(await textOf(page.locator('[data-testid=brackets]')), /2\.5%/);

      await page.setViewportSize(PHONE);
      await page.goto(`${base}/incentives/RB-DIST-Q/what-if?period=${period}&version=2`);
      assert.match(await textOf(page.locator('[data-testid=whatif-change]')), /^\+¥/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `no sideways scroll at phone width (${overflow}px)`);
      await snap(page, 'incentive-whatif-02-phone-zh.png');
    });
  });
});
