// Browser journey for downstream orders (二级订货), in Chinese: the demo's
// tier-2 partner user orders from its distributor (向上级经销商订货) a
// product of the distributor's downstream list, and submits; the
// distributor's boss finds it among the orders placed with it, approves
// (confirming) and ships it, with no invoice, and records a return of one
// unit; the tier-2 user sees it completed.
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
  logout,
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

describe('downstream orders in a browser (zh-CN)', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  const found = {};

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        const buyer = "(SELECT partner_id FROM users WHERE login = 'partner.user')";
        const rights = `SELECT product_line FROM authorizations WHERE partner_id = ${buyer} AND valid_from <= date('now') AND valid_to >= date('now')`;
        [found.sku, found.name] = sqlite(
          file,
          `SELECT p.sku || '|' || p.name_zh FROM price_list_items i
           JOIN price_lists l ON l.id = i.price_list_id
           JOIN products p ON p.id = i.product_id
           JOIN product_lines pl ON pl.id = p.product_line_id
           WHERE l.seller_id = (SELECT parent_id FROM partners WHERE id = ${buyer})
           AND l.status = 'active' AND p.status = 'active' AND p.serial_tracked = 0
           AND pl.code IN (${rights})
           AND NOT EXISTS (SELECT 1 FROM product_line_channels c WHERE c.product_line_id = pl.id)
           ORDER BY p.sku LIMIT 1`,
        ).split('|');
        found.distributor = sqlite(
          file,
          `SELECT s.name FROM partners s WHERE s.id = (SELECT parent_id FROM partners WHERE id = ${buyer})`,
        );
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

  test('二级伙伴向上级经销商订货，经销商批准并发货，二级伙伴看到已完成', { timeout: 180_000 }, async () => {
    assert.ok(found.sku && found.distributor, `the demo has a downstream list to order from: ${JSON.stringify(found)}`);
    await journey(async (page) => {
      await login(page, base, 'partner.user', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/orders/new`);
      // A tier-2 partner's new order starts with its distributor as seller.
      assert.ok(await page.locator('[data-testid=order-from-distributor]').isChecked());
      assert.ok((await textOf(page.locator('[data-testid=order-seller]'))).includes(found.distributor));
      await pick(page, 'sku_1', found.sku, found.sku);
      await page.locator('#qty_1').fill('1');
      const saved = await submit(page, page.locator('[data-testid=save-order]'), '/orders');
      assert.equal(saved.status(), 303);
      const number = new URL(page.url()).pathname.split('/').pop();
      assert.match(number, /^SO-\d{6}$/);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '草稿');
      assert.ok((await textOf(page.locator('[data-testid=seller]'))).includes(found.distributor));
      await page.locator('[data-testid=checks-ok]').waitFor();
      const submitted = await submit(page, page.locator('[data-testid=submit-order]'), `/orders/${number}/submit`);
      assert.equal(submitted.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已提交');
      await page.setViewportSize(PHONE);
      await page.reload();
      await snap(page, 'downstream-01-submitted-phone.png');
      await logout(page);

      // The distributor's boss: the orders placed with it, approve, ship.
      await page.setViewportSize({ width: 1280, height: 800 });
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await page.goto(`${base}/orders`);
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('kind') === 'incoming'),
        page.locator('[data-testid=incoming-orders]').click(),
      ]);
      await page.locator(`a[href="/orders/${number}"]`).click();
      await page.waitForURL((url) => url.pathname === `/orders/${number}`);
      const approved = await submit(page, page.locator('[data-testid=approve-order]'), `/orders/${number}/approve`);
      assert.equal(approved.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已批准');
      const shipped = await submit(page, page.locator('[data-testid=ship-order]'), `/orders/${number}/ship`);
      assert.equal(shipped.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已完成');
      assert.equal(await page.locator('[data-testid=invoice]').count(), 0, 'no invoice from us');
      await snap(page, 'downstream-02-shipped.png');
      // The tier-2 partner gives one unit back: the boss records it, with
      // a reason, on the same return form our staff use.
      await page.locator('#return_qty').fill('1');
      await page.locator('#return_reason').fill('包装破损');
      const returned = await submit(page, page.locator('#return-form button[type=submit]'), `/orders/${number}/return`);
      assert.equal(returned.status(), 303);
      const returns = await textOf(page.locator('[data-testid=returns]'));
      assert.ok(returns.includes('包装破损'), returns);
      await logout(page);

      // The tier-2 partner sees it shipped.
      await login(page, base, 'partner.user', DEMO_PASSWORD);
      await page.goto(`${base}/orders/${number}`);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已完成');
      await snap(page, 'downstream-03-seen-by-buyer.png');
    });
  });
});
