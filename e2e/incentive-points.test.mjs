// Browser journey over incentive points, on the demo, in Chinese: the demo
// paid the quarter before last, and RB-DIST-Q earns a point per ¥100, so
// P00001's admin follows 积分 from its statement to its points page and
// reads the points available, the lot with its expiry date and the earned
// movement with the program's name; the page at phone width.
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
  snap,
  startQudao,
  switchLang,
  textOf,
} from './support.mjs';

describe('incentive points in a browser (zh-CN)', () => {
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

  test('伙伴查看自己的积分', { timeout: 180_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/my/incentives`);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=points-link]').click()]);
      assert.equal(pathOf(page), '/my/incentives/points');
      const available = await textOf(page.locator('[data-testid=points-available]'));
      assert.match(available, /^[1-9]\d*$/, available);
      assert.match(await textOf(page.locator('[data-testid=lot-row]').first()), /\d{4}-\d\d-\d\d/);
      const earned = page.locator('[data-testid=points-row]').first();
      assert.match(await textOf(earned), /累积/);
      assert.match(await textOf(earned), /经销商季度返利/);
      assert.equal(await page.locator('[data-testid=record-points]').count(), 0, 'partners record nothing');
      await page.setViewportSize(PHONE);
      await snap(page, 'incentive-points-01-phone.png');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'the points page fits a phone');
    });
  });
});
