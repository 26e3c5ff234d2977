// Browser journey over payout balances, on the demo, in Chinese: the demo
// paid the quarter before last into P00001's rebate wallet (RB-DIST-Q);
// its admin reads 返利余额 from its statement, orders with the wallet
// hint on the form, is refused asking more than the order may use, then
// submits using the most allowed and sees the deduction and the spent
// movement; the balances page at phone width.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  pathOf,
  pick,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

function sqlite(file, sql) {
  return execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
}

describe('payout balances in a browser (zh-CN)', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  const found = {};

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        const partner = "(SELECT partner_id FROM users WHERE login = 'partner.admin')";
        const rights = `SELECT product_line FROM authorizations WHERE partner_id = ${partner} AND valid_from <= date('now') AND valid_to >= date('now')`;
        [found.sku, found.name] = sqlite(
          file,
          `SELECT p.sku || '|' || p.name_zh FROM products p JOIN product_lines l ON l.id = p.product_line_id
           WHERE p.status = 'active' AND p.serial_tracked = 0 AND p.currency = 'CNY'
           AND l.code IN (${rights}) ORDER BY p.sku LIMIT 1`,
        ).split('|');
      },
    });
    base = qudao.base;
    browser = await launchChromium();
    journey = journeys(browser, qudao.log);
  }, { timeout: SETUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close().catch(() => {});
    await qudao?.close();
  });

  test('伙伴查看返利池余额并在订单中使用', { timeout: 180_000 }, async () => {
    assert.ok(found.sku, 'the demo has a product for P00001 to order');
    await journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/my/incentives`);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=balances-link]').click()]);
      assert.equal(pathOf(page), '/my/incentives/balances');
      const wallet = await textOf(page.locator('[data-testid=balance-wallet]'));
      assert.match(wallet, /^¥[\d,]+\.\d\d$/, wallet);
      assert.match(await textOf(page.locator('[data-testid=wallet-share]')), /20%/);
      assert.match(await textOf(page.locator('[data-testid=movement-row]').first()), /入账/);

      await page.goto(`${base}/orders/new`);
      assert.match(await textOf(page.locator('[data-testid=wallet-hint]')), /返利池余额 ¥[\d,.]+，本单最多可用订单金额的 20%/);
      await pick(page, 'sku_1', found.name.slice(0, 3), found.sku);
      await page.locator('#qty_1').fill('2');
      await page.locator('[data-testid=wallet]').fill('99999999');
      const refused = await submit(page, page.locator('[data-testid=save-order]'), '/orders');
      assert.equal(refused.status(), 422);
      assert.match(await textOf(page.locator('#wallet-error')), /最多可用 ¥/);

      await page.locator('[data-testid=wallet]').fill('');
      const saved = await submit(page, page.locator('[data-testid=save-order]'), '/orders');
      assert.equal(saved.status(), 303);
      const number = new URL(page.url()).pathname.split('/').pop();
      assert.match(await textOf(page.locator('[data-testid=wallet-hint]')), /返利池余额 ¥[\d,.]+，本单最多可用 ¥[\d,.]+/);
      const submitted = await submit(page, page.locator('[data-testid=submit-order]'), `/orders/${number}/submit`);
      assert.equal(submitted.status(), 303);
      const used = await textOf(page.locator('[data-testid=wallet-used]'));
      assert.match(used, /^−¥[\d,]+\.\d\d$/, used);
      assert.notEqual(used, '−¥0.00');

      await page.goto(`${base}/my/incentives/balances`);
      const first = page.locator('[data-testid=movement-row]').first();
      assert.match(await textOf(first), /使用/);
      assert.match(await textOf(first), new RegExp(number));
      await page.setViewportSize(PHONE);
      await snap(page, 'incentive-balances-01-phone.png');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'the balances page fits a phone');
    });
  });
});
