// Sell-through in Chinese: a partner's staff user uploads a month's report
// with one line under its own product code, sees the report with the
// nearest products, maps the code and sees the held line written.
//
// The journey adds a product of its own with sqlite3, in a product line
// the partner holds a right on, so that its lines are the only ones of
// that product among the demo's year of reports.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  DEMO_PASSWORD,
  SETUP_TIMEOUT_MS,
  atPath,
  journeys,
  launchChromium,
  login,
  pathOf,
  pick,
  startQudao,
  switchLang,
  textOf,
} from './support.mjs';

const RUN = Date.now().toString(36).toUpperCase().slice(-5);
const SKU = `E2E-LJ-${RUN}`;
const OWN = `E2E-LJ-${RUN}X`;

function sql(dbFile, text) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', dbFile, text], { encoding: 'utf8' }).trim();
}

describe('sell-through reports in Chinese', () => {
  let qudao;
  let browser;
  let journey;
  let partner;
  let day;

  before(async () => {
    qudao = await startQudao();
    browser = await launchChromium();
    journey = journeys(browser, qudao.log);
    const db = qudao.dbFile;
    partner = sql(db, "SELECT p.code FROM users u JOIN partners p ON p.id = u.partner_id WHERE u.login = 'partner.user'");
    const right = sql(
      db,
      `SELECT a.product_line || '|' || MAX(a.valid_from, date('now', 'start of month', '-1 month')) FROM authorizations a
       JOIN partners p ON p.id = a.partner_id WHERE p.code = '${partner}' AND a.ended_at IS NULL
       AND a.valid_to >= date('now', 'start of month', '-1 month') ORDER BY a.id LIMIT 1`,
    );
    assert.ok(right, `the demo partner ${partner} holds a right`);
    const [line, from] = right.split('|');
    day = from;
    sql(
      db,
      `INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, currency, list_price,
         serial_tracked, status, created_at, updated_at)
       SELECT '${SKU}', '西湖龙井 250克', 'West Lake Longjing 250g', id, '绿茶', '盒', 'CNY', 12800, 0, 'active',
         '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM product_lines WHERE code = '${line}'`,
    );
  }, { timeout: SETUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close().catch(() => {});
    await qudao?.close();
  });

  test('a partner uploads, maps its own code and sees the lines', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await login(page, qudao.base, 'partner.user', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.locator('nav.sidebar a[href="/sellthrough/uploads"]').click();
      await page.waitForURL(atPath('/sellthrough/uploads'));
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '动销上报');

      const csv =
        '合作伙伴编码,日期,产品编码,数量,金额,客户区域,客户名称\n' +
        `${partner},${day},${SKU},3,384.00,310000,张三\n` +
        `${partner},${day},${OWN},2,256.00,310000,李四\n`;
      await page.locator('#file').setInputFiles({ name: '十一月动销.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await page.locator('[data-testid=hold-unknown]').check();
      await Promise.all([
        page.waitForURL((url) => /^\/sellthrough\/uploads\/\d+$/.test(url.pathname)),
        page.locator('[data-testid=sellthrough-upload-form] button[type=submit]').click(),
      ]);
      // The job's page polls until the report is there.
      const report = page.locator('[data-testid=import-report]');
      await report.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match(await textOf(page.locator('[data-testid=upload-state]')), /已完成/);
      assert.match(await textOf(page.locator('[data-testid=import-done]')), /已导入 1 条/);
      assert.match(await textOf(page.locator('[data-testid=rows-held]')), /1 行/);
      assert.equal(await textOf(page.locator('[data-testid=held-code]')), OWN);
      assert.match(await textOf(page.locator('[data-testid=candidates]')), new RegExp(SKU));
      const uploadPath = pathOf(page);

      // Map the code to our product: the held line is written.
      await page.locator('#sku-1').fill(SKU);
      await Promise.all([
        page.waitForURL(atPath(uploadPath)),
        page.locator('[data-testid=map-code]').click(),
      ]);
      assert.match(await textOf(page.locator('.flash[role=status]')), /已映射；写入 1 行暂存数据/);
      assert.equal(await page.locator('[data-testid=held-codes]').count(), 0);

      await page.locator('nav.sidebar a[href="/sellthrough"]').click();
      await page.waitForURL(atPath('/sellthrough'));
      // The demo's year of reports is there too: the product picker narrows
      // the list to this upload's product.
      await pick(page, 'f-product', SKU, SKU);
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('product') === SKU),
        page.locator('form.filters button[type=submit]').click(),
      ]);
      const rows = page.locator('[data-testid=sellthrough-lines] tbody tr');
      assert.equal(await rows.count(), 2);
      const table = await textOf(page.locator('[data-testid=sellthrough-lines]'));
      assert.match(table, /西湖龙井 250克/, 'products by their Chinese name');
      assert.match(table, /¥384\.00/);
      assert.match(table, /李四/);
    });
  });
});
