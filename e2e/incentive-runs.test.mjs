// Browser journey over 激励核算 (incentive runs), on the demo, in Chinese: the
// channel manager puts a flat program for P00001 in force in the editor,
// dry-runs last quarter (shown, not saved), then runs it; finance approves
// and pays through the confirmation dialogs; P00001's admin reads 我的激励
// with each result's trace in words and downloads the statement as xlsx;
// the pages at phone width.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  logout,
  pathOf,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

/** The last ended fiscal quarter (`2026-Q3`), on the business day (Shanghai). */
function lastQuarter() {
  const [year, month] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .format(new Date())
    .split('-')
    .map(Number);
  const quarter = Math.floor((month - 1) / 3) + 1;
  return quarter === 1 ? { year: year - 1, period: `${year - 1}-Q4` } : { year, period: `${year}-Q${quarter - 1}` };
}

const program = (year) => `{
  "kind": "rebate",
  "code": "RB-RUN-E2E",
  "name": "浏览器核算返利",
  "version": 1,
  "currency": "CNY",
  "effective_from": "${year}-01-01",
  "effective_to": "${year + 1}-12-31",
  "period": "quarter",
  "scope": { "partners": ["P00001"] },
  "base": { "measure": "sell_in_net" },
  "mode": "flat",
  "rate": "1%",
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "credit_note" }
}`;

describe('incentive runs in a browser', () => {
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

  test('经理核算上季度，财务审批并发放，合作伙伴查看激励对账单', { timeout: 180_000 }, async () => {
    const { year, period } = lastQuarter();
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/incentives/new`);
      await page.locator('[data-testid=program-document]').fill(program(year));
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
      assert.match(await textOf(dryRow), /P00001/);
      assert.match(await textOf(dryRow), /1%/);
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
      assert.match(trace, /× 1% = ¥/);
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
      assert.match(await textOf(mine.locator('[data-testid=trace]')), /× 1% = ¥/);
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
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the statement fits a phone (${overflow}px too wide)`);
      await snap(page, 'incentive-runs-06-statement-phone-zh.png');
    });
  });
});
