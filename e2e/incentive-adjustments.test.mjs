// Browser journey over 罚扣与手工调整 (incentive adjustments), on the demo
// with a quarterly rebate put in force by the CLI: finance, in Chinese,
// imports a file whose penalty adds and is told the row and column with
// nothing written, imports the fixed file, follows the report to
// /incentives/adjustments and reads the rows with the partner's and the
// program's names, 罚扣 in words and the money as people read it, also at
// phone width.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BIN,
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  login,
  launchChromium,
  pathOf,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

const PROGRAM = `{
  "kind": "rebate", "code": "RB-ADJ-E2E", "name": "浏览器调整返利", "version": 1,
  "currency": "CNY", "effective_from": "2026-01-01", "effective_to": "2026-12-31",
  "period": "quarter",
  "scope": { "partner_types": ["distributor"] },
  "base": { "measure": "sell_in_net" },
  "mode": "retroactive",
  "brackets": [{ "from": "0%", "rate": "1%" }],
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "cash" }
}`;

function sqlite(file, sql) {
  return execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
}

async function upload(page, text) {
  await page.locator('#kind').selectOption('incentive_adjustments');
  await page.locator('#file').setInputFiles({
    name: 'adjustments.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(text, 'utf8'),
  });
  return submit(page, page.getByRole('button', { name: '导入' }), '/imports');
}

describe('incentive adjustments in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  const partner = {};

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        const doc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qudao-adj-')), 'program.json');
        fs.writeFileSync(doc, PROGRAM);
        execFileSync(BIN, ['--db', `sqlite://${file}`, 'incentives', 'import', doc, '--activate'], { encoding: 'utf8' });
        [partner.code, partner.name] = sqlite(
          file,
          "SELECT code || '|' || name FROM partners WHERE partner_type = 'distributor' ORDER BY code LIMIT 1",
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

  test('财务导入罚扣：错误指明行与列，改正后按名称列出', { timeout: 60_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'finance', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/imports`);

      let res = await upload(
        page,
        `对象编码,方案编码,期间,金额,原因,类型\n${partner.code},RB-ADJ-E2E,2026-Q3,1200.50,窜货违规,罚扣\n`,
      );
      assert.equal(res.status(), 303);
      const errors = await textOf(page.locator('[data-testid=import-errors]'));
      assert.match(errors, /2/);
      assert.match(errors, /金额/);
      assert.match(errors, /罚扣必须为负数/);

      res = await upload(
        page,
        `对象编码,方案编码,期间,金额,原因,类型\n${partner.code},RB-ADJ-E2E,2026-Q3,-1200.50,窜货违规,罚扣\n${partner.code},RB-ADJ-E2E,2026-Q3,300,补发上季漏计,\n`,
      );
      assert.equal(res.status(), 303);
      assert.match(await textOf(page.locator('[data-testid=import-done]')), /2/);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=import-list]').click()]);
      assert.equal(pathOf(page), '/incentives/adjustments');

      const rows = page.locator('[data-testid=adjustment-row]');
      assert.equal(await rows.count(), 2);
      const penalty = rows.filter({ hasText: '窜货违规' });
      assert.match(await textOf(penalty), new RegExp(partner.name));
      assert.match(await textOf(penalty), /浏览器调整返利/);
      assert.match(await textOf(penalty), /罚扣/);
      assert.match(await textOf(penalty.locator('[data-testid=amount]')), /-¥1,200\.50/);
      const manual = rows.filter({ hasText: '补发上季漏计' });
      assert.match(await textOf(manual), /手工调整/);
      assert.match(await textOf(manual.locator('[data-testid=amount]')), /¥300\.00/);
      await snap(page, 'incentive-adjustments-01-list-zh.png');

      await page.setViewportSize(PHONE);
      await page.goto(`${base}/incentives/adjustments?period=2026-Q3`);
      assert.equal(await page.locator('[data-testid=adjustment-row]').count(), 2);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page fits a phone (overflow ${overflow}px)`);
      await snap(page, 'incentive-adjustments-02-phone-zh.png');
    });
  });
});
