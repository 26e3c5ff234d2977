// Browser journeys over 渠道库存 (channel inventory), in Chinese, on the
// demo's year of trade:
// - the channel manager reads on-hand stock a page at a time, with the
//   overstock and stock-out counters that filter the list (the filter and
//   the sort stay in the URL), then data quality, where the partner that stopped
//   reporting in the summer is on the missing list with a low score;
// - a partner's boss, at phone width, enters its own stock count (a count
//   in the future is refused first, naming the field, and saves nothing),
//   sees the difference to the derived figure, and reads its own quality
//   scores without our owner column.
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

/** Today in the business time zone (Asia/Shanghai, UTC+8) as a local
 * date: the server's "today", which is a day ahead of UTC's from 16:00. */
function businessToday() {
  const shanghai = new Date(Date.now() + 8 * 3600 * 1000);
  return new Date(shanghai.getUTCFullYear(), shanghai.getUTCMonth(), shanghai.getUTCDate());
}

/** `YYYY-MM-DD` of a local date. */
function day(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// The sell-through report of a month is due on this day of the next
// (`quality::DUE_DAY`).
const DUE_DAY = 10;

describe('channel inventory in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  let silent;
  let own;
  let lastMonth;

  before(async () => {
    const now = businessToday();
    const firstOfMonth = new Date(now.getFullYear(), now.getMonth(), 1);
    const firstOfLast = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    lastMonth = day(firstOfLast).slice(0, 7);
    qudao = await startQudao({
      beforeServe: async (file) => {
        // The manager's partner whose last sell-through is months old.
        silent = sqlite(
          file,
          `SELECT p.code FROM partners p JOIN users u ON u.id = p.owner_id
             JOIN sellthrough_lines l ON l.partner_id = p.id
           WHERE u.login = 'manager' AND p.status = 'active'
           GROUP BY p.id HAVING MAX(l.date) < '${day(firstOfLast)}'
           ORDER BY p.code LIMIT 1`,
        );
        // The partner admin's organisation and a product it bought.
        const [code, sku] = sqlite(
          file,
          `SELECT p.code || '|' || pr.sku FROM users u JOIN partners p ON p.id = u.partner_id
             JOIN sellin_lines s ON s.partner_id = p.id JOIN products pr ON pr.id = s.product_id
           WHERE u.login = 'partner.admin' AND s.date < '${day(firstOfMonth)}'
           ORDER BY pr.sku LIMIT 1`,
        ).split('|');
        own = { code, sku };
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

  test('渠道经理查看库存、积压与断货，以及缺报的合作伙伴', { timeout: 180_000 }, async () => {
    assert.ok(silent, 'the demo has a partner of the manager that stopped reporting');
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.locator('nav a[href="/inventory"]').first().click();
      await page.waitForURL((url) => url.pathname === '/inventory');
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '渠道库存');
      const cardValue = async (id) =>
        Number(await textOf(page.locator(`[data-testid=${id}] .card-value`)));
      const holdings = await cardValue('total-holdings');
      assert.ok((await cardValue('total-overstock')) > 0, 'the demo shows overstock');
      assert.ok((await cardValue('total-stock-outs')) > 0, 'the demo shows a stock-out');
      // One page, not the whole channel.
      const rows = page.locator('[data-testid=stock] tbody tr');
      assert.ok((await rows.count()) <= 25 && holdings > 25, `paged: ${holdings} holdings`);

      // The stock-out counter filters the list; the URL keeps it.
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('status') === 'stock_out'),
        page.locator('[data-testid=total-stock-outs]').click(),
      ]);
      assert.equal(await page.locator('[data-testid=stock-status]').inputValue(), 'stock_out');
      assert.equal(await rows.count(), await page.locator('[data-testid=stock] tr.flagged').count());
      assert.equal(await cardValue('total-holdings'), holdings, 'the counters count everything');
      // Names, not bare codes, and the badge on the flagged row.
      assert.doesNotMatch(await textOf(rows.first().locator('td').first()), /^P\d+$/);
      assert.ok((await page.locator('[data-testid=stock] tr.flagged .badge').count()) > 0);

      // Overstock, most on hand first, from the filter bar.
      await page.locator('[data-testid=stock-status]').selectOption('overstock');
      await page.locator('[data-testid=stock-sort]').selectOption('on_hand');
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('sort') === 'on_hand'),
        page.locator('form.filters button[type=submit]').click(),
      ]);
      const onHand = (await rows.locator('td:nth-child(3)').allInnerTexts()).map(Number);
      assert.ok(onHand.length > 0);
      assert.deepEqual(onHand, [...onHand].sort((a, b) => b - a), 'most on hand first');

      // A count shows where it was taken: counts exist in the demo.
      await page.goto(`${base}/inventory?status=difference`);
      assert.ok(
        (await page.locator('[data-testid=stock] tbody td', { hasText: /· \d+/ }).count()) > 0,
        'rows with a difference carry their last count',
      );
      await snap(page, 'inventory-01-stock.png');

      await Promise.all([
        page.waitForURL((url) => url.pathname === '/inventory/quality'),
        page.locator('a[href="/inventory/quality"]').first().click(),
      ]);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '数据质量');
      // The scores of the newest month come lowest total first.
      const firstPage = (
        await page
          .locator(`[data-testid=scores] tbody tr[data-testid$="-${lastMonth}"] td:nth-child(7)`)
          .allInnerTexts()
      ).map(Number);
      assert.ok(firstPage.length > 0, 'last month is scored');
      assert.deepEqual(firstPage, [...firstPage].sort((a, b) => a - b), 'lowest total first');
      // The missing list is about the latest overdue month: last month
      // after its due day, the month before until then.
      const today = businessToday();
      const overdue = new Date(today.getFullYear(), today.getMonth() - (today.getDate() > DUE_DAY ? 1 : 2), 1);
      const due = new Date(overdue.getFullYear(), overdue.getMonth() + 1, DUE_DAY);
      const late = Math.floor((new Date(day(today)) - new Date(day(due))) / 86_400_000);
      assert.match(await textOf(page.locator('[data-testid=missing-reports] h2')), new RegExp(`${day(overdue).slice(0, 7)} 逾期未上报`));
      // More silent partners than the list shows at first: "show all".
      const listed = await page.locator('[data-testid=missing-reports] tbody tr').count();
      if ((await page.locator('[data-testid=all-missing]').count()) > 0) {
        await Promise.all([
          page.waitForURL((url) => url.searchParams.get('missing') === 'all'),
          page.locator('[data-testid=all-missing]').click(),
        ]);
        assert.ok((await page.locator('[data-testid=missing-reports] tbody tr').count()) > listed);
      }
      // The partner picker narrows both lists to the one that stopped.
      await pick(page, 'f-partner', silent, silent);
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('partner') === silent),
        page.locator('form.filters button[type=submit]').click(),
      ]);
      const missing = page.locator(`[data-testid="missing-${silent}"]`);
      await missing.waitFor({ state: 'visible' });
      const cells = missing.locator('td');
      assert.equal(Number(await textOf(cells.nth(2))), late, 'days past the due day');
      assert.match(await textOf(cells.nth(3)), /^\d{4}-\d{2}-\d{2}$/, 'the last day it reported');
      const score = page.locator(`[data-testid="score-${silent}-${lastMonth}"]`);
      assert.match(await textOf(score.locator('td').nth(2)), /未上报/);
      assert.ok(Number(await textOf(score.locator('td').nth(6))) < 100, 'a low score');
      await snap(page, 'inventory-02-quality.png');
    }, { failureShot: 'inventory-failure-manager.png' });
  });

  test('合作伙伴在手机上录入自己的盘点并查看自己的数据质量', { timeout: 180_000 }, async () => {
    assert.ok(own?.sku, 'the partner admin bought something');
    await journey(async (page) => {
      await page.setViewportSize(PHONE);
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/inventory/counts`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '库存盘点');
      // A partner counts for its own organisation: no partner picker.
      assert.equal(await page.locator('#partner_code').count(), 0);
      const before = await page.locator('[data-testid=counts] tbody tr').count();
      await pick(page, 'sku', own.sku, own.sku);
      const tomorrow = businessToday();
      tomorrow.setDate(tomorrow.getDate() + 2);
      await page.locator('#counted_on').fill(day(tomorrow));
      await page.locator('#qty').fill('37');
      const refused = await submit(page, page.locator('[data-testid=save-count]'), '/inventory/counts');
      assert.equal(refused.status(), 422);
      assert.ok((await textOf(page.locator('#count-form'))).length > 0);
      assert.ok((await page.locator('#count-form .field-error').count()) > 0, 'the date is named');
      assert.equal(await page.locator('[data-testid=counts] tbody tr').count(), before, 'nothing saved');
      await snap(page, 'inventory-03-count-refused.png');

      await page.locator('#counted_on').fill(day(businessToday()));
      const saved = await submit(page, page.locator('[data-testid=save-count]'), '/inventory/counts');
      assert.equal(saved.status(), 303);
      assert.equal(pathOf(page), '/inventory/counts');
      const row = page.locator(`[data-testid="count-${own.sku}"]`).first();
      assert.equal(await textOf(row.locator('[data-testid=counted]')), '37');
      const derived = Number(await textOf(row.locator('[data-testid=derived]')));
      assert.equal(Number(await textOf(row.locator('[data-testid=difference]'))), 37 - derived);
      await snap(page, 'inventory-04-count-saved.png');

      await page.goto(`${base}/inventory/quality`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '数据质量');
      const rows = page.locator('[data-testid=scores] tbody tr');
      assert.ok((await rows.count()) > 0, 'its own scores');
      for (const id of await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.testid))) {
        assert.ok(id.startsWith(`score-${own.code}-`), `only its own scores: ${id}`);
      }
      assert.equal(
        await page.locator('[data-testid=missing-reports] th', { hasText: '负责人' }).count(),
        0,
        'no owner column for a partner',
      );
      await snap(page, 'inventory-05-own-quality.png');
    }, { failureShot: 'inventory-failure-partner.png' });
  });
});
