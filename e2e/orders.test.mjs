// Browser journey for sell-in orders, in Chinese: the demo partner's admin
// places an order with the product picker (which offers only what it may
// buy), one of whose lines, typed by code, its organisation holds no
// right for; the order's page names why that line is
// refused; the partner takes the line out and submits. The partner's
// channel manager approves (confirming) and ships it, and the shipment
// shows its invoice.
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

describe('sell-in orders in a browser (zh-CN)', () => {
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
        const product = (held) =>
          sqlite(
            file,
            `SELECT p.sku || '|' || p.name_zh FROM products p JOIN product_lines l ON l.id = p.product_line_id
             WHERE p.status = 'active' AND p.serial_tracked = 0 AND p.currency = 'CNY'
             AND l.code ${held ? 'IN' : 'NOT IN'} (${rights}) ORDER BY p.sku LIMIT 1`,
          ).split('|');
        [found.allowed, found.allowedName] = product(true);
        [found.refused, found.refusedName] = product(false);
        found.owner = sqlite(
          file,
          `SELECT COALESCE((SELECT u.login FROM partners p JOIN users u ON u.id = p.owner_id WHERE p.id = ${partner}), 'admin')`,
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

  test('伙伴下单、看到被拒行的原因并提交，经理批准并发货', { timeout: 180_000 }, async () => {
    assert.ok(found.allowed && found.refused, `the demo has products to order: ${JSON.stringify(found)}`);
    await journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/orders`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '我的订单');
      await page.locator('[data-testid=new-order]').click();
      await page.waitForURL((url) => url.pathname === '/orders/new');
      await pick(page, 'sku_1', found.allowedName.slice(0, 3), found.allowed);
      await page.locator('#qty_1').fill('2');
      // The picker offers only what the partner may buy: the refused
      // product is not among its choices, but its code typed whole still
      // reaches the order, whose page then says why the line is refused.
      const typed = page.locator('#sku_2');
      await typed.click();
      await typed.pressSequentially(found.refused);
      await page.locator('#sku_2-list .pick-none').waitFor({ state: 'visible' });
      assert.equal(await page.locator(`#sku_2-list [data-value="${found.refused}"]`).count(), 0);
      await typed.press('Escape');
      await page.locator('#qty_2').fill('1');
      // More lines than the form came with: "add a line" appends row 9.
      assert.equal(await page.locator('#sku_9').count(), 0);
      await page.locator('[data-testid=add-line]').click();
      await page.locator('#sku_9').waitFor();
      const saved = await submit(page, page.locator('[data-testid=save-order]'), '/orders');
      assert.equal(saved.status(), 303);
      const number = new URL(page.url()).pathname.split('/').pop();
      assert.match(number, /^SO-\d{6}$/);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '草稿');
      // The refused line says why, in Chinese.
      const refused = page.locator('[data-testid=line-check]');
      assert.equal(await refused.count(), 1);
      assert.ok((await textOf(refused)).includes('授权'), await textOf(refused));
      await snap(page, 'orders-01-refused-line.png');

      // Without the refused line every check passes; the partner submits.
      await page.locator('[data-testid=edit-order]').click();
      await page.waitForURL((url) => url.pathname === `/orders/${number}/edit`);
      await page.locator('#sku_2').fill('');
      await page.locator('#qty_2').fill('');
      const edited = await submit(page, page.locator('[data-testid=save-order]'), `/orders/${number}`);
      assert.equal(edited.status(), 303);
      await page.locator('[data-testid=checks-ok]').waitFor();
      const submitted = await submit(page, page.locator('[data-testid=submit-order]'), `/orders/${number}/submit`);
      assert.equal(submitted.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已提交');
      await page.setViewportSize(PHONE);
      await page.reload();
      await snap(page, 'orders-02-submitted-phone.png');
      await logout(page);

      // The manager approves (after confirming) and ships it all.
      await page.setViewportSize({ width: 1280, height: 800 });
      await login(page, base, found.owner, DEMO_PASSWORD);
      await page.goto(`${base}/orders?status=submitted`);
      await page.locator(`a[href="/orders/${number}"]`).click();
      await page.waitForURL((url) => url.pathname === `/orders/${number}`);
      const approved = await submit(page, page.locator('[data-testid=approve-order]'), `/orders/${number}/approve`);
      assert.equal(approved.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已批准');
      const shipped = await submit(page, page.locator('[data-testid=ship-order]'), `/orders/${number}/ship`);
      assert.equal(shipped.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已完成');
      assert.match(await textOf(page.locator('[data-testid=invoice]')), /^INV-\d{6}$/);
      await snap(page, 'orders-03-shipped.png');
    });
  });
});
