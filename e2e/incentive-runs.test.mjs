// Browser journey over an incentive program from its making to the order it
// rewards, on the demo, in Chinese. The channel manager writes a quarterly
// rebate for the demo partner in the program editor (its 2% bracket starts
// ¥100 above what the partner has bought this quarter) and puts it in force,
// dry-runs last quarter (shown, not saved), then runs it; finance approves
// and pays through the confirmation dialogs; P00001's admin reads 我的激励
// with each result's trace in words, downloads the statement as xlsx, then
// builds an order in the portal whose draft says the order takes it to the
// 2% bracket, and sees 我的激励 say how far the bracket is; the pages at
// phone width.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  BIN,
  DEMO_PASSWORD,
  DESKTOP,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  logout,
  pathOf,
  pick,
  quarterFrom,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

function sqlite(file, sql) {
  return execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
}

/** A threshold (major units) whose 90% lies ¥100 above `boughtMinor`. */
function threshold(boughtMinor) {
  return (Math.ceil((boughtMinor + 10_000) / 0.9) / 100).toFixed(2);
}

const program = (year, partner, amount) => `{
  "kind": "rebate",
  "code": "RB-RUN-E2E",
  "name": "浏览器核算返利",
  "version": 1,
  "currency": "CNY",
  "effective_from": "${year - 1}-01-01",
  "effective_to": "${year + 1}-12-31",
  "period": "quarter",
  "scope": { "partners": ["${partner}"] },
  "base": { "measure": "sell_in_net" },
  "attainment": { "source": "fixed_threshold", "amount": "${amount}" },
  "mode": "retroactive",
  "brackets": [{ "from": "0%", "rate": "1%" }, { "from": "90%", "rate": "2%" }],
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "credit_note" }
}`;

describe('an incentive program from the editor to the order it rewards', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  const found = {};

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        const partner = "(SELECT partner_id FROM users WHERE login = 'partner.admin')";
        found.partner = sqlite(file, `SELECT code FROM partners WHERE id = ${partner}`);
        const rights = `SELECT product_line FROM authorizations WHERE partner_id = ${partner} AND valid_from <= date('now') AND valid_to >= date('now')`;
        [found.sku, found.name] = sqlite(
          file,
          `SELECT p.sku || '|' || p.name_zh FROM products p JOIN product_lines l ON l.id = p.product_line_id
           WHERE p.status = 'active' AND p.serial_tracked = 0 AND p.currency = 'CNY'
           AND l.code IN (${rights}) ORDER BY p.sku LIMIT 1`,
        ).split('|');
        const answer = JSON.parse(
          execFileSync(
            BIN,
            ['--db', `sqlite://${file}`, 'analytics', 'query', '--measures', 'sell_in_amount', '--by', 'partner',
              '--period', quarterFrom(0).period, '--filter', `partner=${found.partner}`, '--format', 'json'],
            { encoding: 'utf8' },
          ),
        );
        found.bought = Math.round(Number(answer.rows?.[0]?.values?.[0] ?? 0));
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

  test('经理编写并核算上季度返利，财务审批并发放，伙伴查看对账单，下单时看到订单让它升档', { timeout: 240_000 }, async () => {
    const { year, period } = quarterFrom(-1);
    assert.ok(found.sku, `the demo has a product to order: ${JSON.stringify(found)}`);
    // ¥100 is then within 20% of the threshold: the partner is on the watchlist.
    assert.ok(found.bought >= 100_000, `the demo partner bought this quarter: ${JSON.stringify(found)}`);
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/incentives/new`);
      await page.locator('[data-testid=program-document]').fill(program(year, found.partner, threshold(found.bought)));
      let res = await submit(page, page.locator('[data-testid=save-program]'), '/incentives');
      assert.equal(res.status(), 303);
      res = await submit(page, page.locator('[data-testid=activate]'), '/incentives/RB-RUN-E2E/versions/1/activate');
      assert.equal(res.status(), 303);

      await page.goto(`${base}/incentives`);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=runs-link]').click()]);
      assert.equal(pathOf(page), '/incentives/runs');
      await page.locator('[data-testid=run-period]').selectOption(period);
      await page.locator('[data-testid=run-program][value="RB-RUN-E2E"]').check();
      res = await submit(page, page.locator('[data-testid=dry-run]'), '/incentives/runs');
      assert.equal(res.status(), 200);
      assert.match(await textOf(page.locator('[data-testid=dry-run-note]')), /试算/);
      const dryRow = page.locator('[data-testid=result-row]').first();
      assert.match(await textOf(dryRow), new RegExp(found.partner));
      assert.match(await textOf(dryRow), /[12]%/);
      await snap(page, 'incentive-runs-01-dry-run-zh.png');

      await page.goto(`${base}/incentives/runs`);
      await page.locator('[data-testid=run-period]').selectOption(period);
      await page.locator('[data-testid=run-program][value="RB-RUN-E2E"]').check();
      res = await submit(page, page.locator('[data-testid=run]'), '/incentives/runs');
      assert.equal(res.status(), 303);
      const runPath = pathOf(page);
      assert.match(runPath, /^\/incentives\/runs\/\d+$/);
      assert.equal(await textOf(page.locator('[data-testid=run-status]')), '已计算');
      const amount = await textOf(page.locator('[data-testid=result-amount]').first());
      assert.match(amount, /^¥[\d,]+\.\d\d$/);
      await snap(page, 'incentive-runs-02-run-zh.png');

      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=result-row] a').first().click()]);
      const trace = await textOf(page.locator('[data-testid=trace]').first());
      assert.match(trace, /进货净额 ¥/);
      assert.match(trace, /× [12]% = ¥/);
      assert.match(trace, /四舍五入为 ¥/);
      await snap(page, 'incentive-runs-03-explanation-zh.png');
      await logout(page);

      await login(page, base, 'finance', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}${runPath}`);
      res = await submit(page, page.locator('[data-testid=approve]'), `${runPath}/approve`);
      assert.equal(res.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=run-status]')), '已审批');
      res = await submit(page, page.locator('[data-testid=pay]'), `${runPath}/pay`);
      assert.equal(res.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=run-status]')), '已发放');
      await snap(page, 'incentive-runs-04-paid-zh.png');
      await logout(page);

      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/my/incentives`);
      const mine = page.locator('[data-testid=explained]', { hasText: '浏览器核算返利' });
      assert.equal(await mine.count(), 1, 'the statement has the paid result');
      assert.match(await textOf(mine.locator('[data-testid=trace]')), /× [12]% = ¥/);
      assert.equal(await textOf(page.locator('[data-testid=owed]')), '¥0.00');
      const ledger = await textOf(page.locator('[data-testid=ledger]'));
      assert.match(ledger, /已计提/);
      assert.match(ledger, /已结算/);
      assert.match(ledger, /抵货款凭证/);
      await snap(page, 'incentive-runs-05-statement-zh.png');

      const href = await page.locator('[data-testid=download-xlsx]').getAttribute('href');
      const xlsx = await page.request.get(`${base}${href}`);
      assert.equal(xlsx.status(), 200);
      const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'qudao-incentives-')), 'statement.xlsx');
      await fs.writeFile(file, await xlsx.body());
      const strings = execFileSync('unzip', ['-p', file, 'xl/sharedStrings.xml'], { encoding: 'utf8' });
      for (const word of ['浏览器核算返利', '已计提', '已结算', '抵货款凭证', '四舍五入为']) {
        assert.ok(strings.includes(word), `the sheet says ${word}`);
      }

      await page.setViewportSize(PHONE);
      await page.reload();
      let overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the statement fits a phone (${overflow}px too wide)`);
      await snap(page, 'incentive-runs-06-statement-phone-zh.png');

      // This quarter the same program is in force: an order's draft says
      // where it takes the partner.
      await page.setViewportSize(DESKTOP);
      await page.goto(`${base}/orders/new`);
      await pick(page, 'sku_1', found.name.slice(0, 3), found.sku);
      await page.locator('#qty_1').fill('200');
      const saved = await submit(page, page.locator('[data-testid=save-order]'), '/orders');
      assert.equal(saved.status(), 303);
      const preview = page.locator('[data-testid=incentive-preview] [data-testid=preview-row]', { hasText: '浏览器核算返利' });
      const words = await textOf(preview.locator('[data-testid=preview-words]'));
      assert.match(words, /^这张订单让您达到第 2 档（2%），预计返利多 ¥[\d,]+\.\d{2}$/, words);
      assert.match(await textOf(preview.locator('[data-testid=preview-attainment]')), /^达成率 [\d.]+% → [\d.]+%$/);
      await snap(page, 'incentive-runs-07-order-preview-zh.png');

      await page.goto(`${base}/my/incentives`);
      const watch = page.locator('[data-testid=watch-panel] [data-testid=watch-row]', { hasText: '浏览器核算返利' });
      assert.match(
        await textOf(watch.locator('[data-testid=watch-words]')),
        /^再进货 ¥100\.0\d 达到第 2 档（2%），预计多得 ¥[\d,]+\.\d{2}$/,
      );
      await page.setViewportSize(PHONE);
      overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page fits a phone (${overflow}px over)`);
      await snap(page, 'incentive-runs-08-watch-phone-zh.png');
    });
  });
});
