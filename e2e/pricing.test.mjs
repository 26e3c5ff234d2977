// Browser journey for price lists, in Chinese: a channel manager creates a
// list for agents, prices a product with the product picker (with a
// quantity break), activates it after confirming, and the price check
// shows the break's price, the list that priced it and why.
//
// The demo has no catalog yet, so the journey adds one product (and finds
// an agent the manager owns) in the database before the server starts.
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

const RUN = Date.now().toString(36).toUpperCase().slice(-6);
const SKU = `E2E-TEA-${RUN}`;
const PRODUCT = `明前龙井测试装${RUN}`;

function sqlite(file, sql) {
  return execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
}

describe('price lists in a browser (zh-CN)', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  let agent;

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        const now = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')";
        sqlite(
          file,
          `INSERT INTO product_lines (code, name_zh, name_en, status, created_at) VALUES ('E2E${RUN}', '测试茶饮', 'Test tea', 'active', ${now});
           INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, currency, list_price, status, serial_tracked, created_at, updated_at)
           SELECT '${SKU}', '${PRODUCT}', 'Longjing test pack', id, '绿茶', '盒', 'CNY', 12800, 'active', 0, ${now}, ${now} FROM product_lines WHERE code = 'E2E${RUN}';`,
        );
        // The demo's standard agent list is active all year; the journey's
        // own agent list would overlap it and be refused, so retire it.
        sqlite(file, "UPDATE price_lists SET status = 'retired' WHERE code = 'PL-TYPE-AGENT'");
        const [code, name] = sqlite(
          file,
          "SELECT p.code || '|' || p.name FROM partners p JOIN users u ON u.id = p.owner_id WHERE u.login = 'manager' AND p.partner_type = 'agent' AND p.currency = 'CNY' ORDER BY p.code LIMIT 1",
        ).split('|');
        agent = { code, name };
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

  test('经理新建代理商价格表、用产品选择器定价并启用，价格查询显示定价依据', { timeout: 180_000 }, async () => {
    assert.ok(agent?.code, 'the demo has an agent the manager owns');
    const code = `PL-E2E-${RUN}`;
    const today = new Date().toISOString().slice(0, 10);
    const nextYear = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/pricing`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '价格表');
      await page.locator('[data-testid=new-price-list]').click();
      await page.waitForURL((url) => url.pathname === '/pricing/new');
      await page.locator('#code').fill(code);
      await page.locator('#name').fill('代理商统一价格表（浏览器测试）');
      await page.locator('#applies_to').selectOption('partner_type');
      await page.locator('#target_type').selectOption('agent');
      await page.locator('#mode').selectOption('unified');
      await page.locator('#valid_from').fill(today);
      await page.locator('#valid_to').fill(nextYear);
      const created = await submit(page, page.locator('[data-testid=save-price-list]'), '/pricing');
      assert.equal(created.status(), 303);
      assert.equal(pathOf(page), `/pricing/${code}`);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '草稿');

      // The product is picked by its Chinese name; the form submits its SKU.
      await pick(page, 'sku', PRODUCT.slice(0, 4), SKU);
      await page.locator('#price').fill('88.50');
      await page.locator('#breaks').fill('10=80.00');
      const saved = await submit(page, page.locator('[data-testid=save-item]'), `/pricing/${code}/items`);
      assert.equal(saved.status(), 303);
      const row = page.locator('[data-testid=items] tbody tr').first();
      assert.ok((await textOf(row)).includes(PRODUCT), 'the item names the product');
      assert.equal(await textOf(row.locator('[data-testid=price]')), '¥88.50');
      await snap(page, 'pricing-01-draft.png');

      const activated = await submit(page, page.locator('[data-testid=activate]'), `/pricing/${code}/activate`);
      assert.equal(activated.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已启用');

      // The price check: 12 boxes reach the break from 10.
      await page.goto(`${base}/pricing/check`);
      await pick(page, 'partner', agent.code, agent.code);
      await pick(page, 'sku', SKU, SKU);
      await page.locator('#qty').fill('12');
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=check]').click()]);
      const quote = page.locator('[data-testid=quote]');
      assert.ok((await textOf(quote.locator('[data-testid=unit-price]'))).startsWith('¥80.00'));
      assert.ok((await textOf(quote.locator('[data-testid=priced-by]'))).includes(code));
      assert.ok((await textOf(quote.locator('[data-testid=why]'))).includes('伙伴类型'));
      await snap(page, 'pricing-02-check.png');

      // The same page at phone width.
      await page.setViewportSize(PHONE);
      await page.reload();
      await quote.waitFor({ state: 'visible' });
      await snap(page, 'pricing-03-check-phone.png');
    });
  });
});
