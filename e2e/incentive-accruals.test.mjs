// Browser journey over 激励预提 (month-end accruals), on the demo, in
// Chinese: finance opens the accruals of the last ended month from the
// navigation, reads non-zero accruals per program with totals, books them
// through the confirmation dialog, sees who booked, downloads the journal
// as xlsx (expense debited, payable credited, in Chinese), and the page fits
// a phone.
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
  monthFrom,
  pathOf,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

describe('incentive accruals in a browser', () => {
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

  test('财务查看上月预提，确认记账并下载预提凭证', { timeout: 180_000 }, async () => {
    const month = monthFrom(-1);
    await journey(async (page) => {
      await login(page, base, 'finance', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/incentives`);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=accruals-link]').click()]);
      assert.equal(pathOf(page), '/incentives/accruals');
      assert.equal(await page.locator('[data-testid=month]').inputValue(), month);
      assert.match(await textOf(page.locator('[data-testid=estimate]')), /预估，未记账/);
      const rows = page.locator('[data-testid=accrual-row]');
      assert.ok((await rows.count()) >= 1, 'programs are in force last month');
      assert.match(await textOf(rows.first()), /返利|提成|专项激励/);
      const total = await textOf(page.locator('[data-testid=total-accrued]').first());
      assert.match(total, /^¥[\d,]+\.\d\d$/);
      assert.notEqual(total, '¥0.00', 'the demo accrues something last month');
      await snap(page, 'incentive-accruals-01-estimate-zh.png');

      const res = await submit(page, page.locator('[data-testid=book]'), `/incentives/accruals/${month}/book`);
      assert.equal(res.status(), 303);
      assert.match(await textOf(page.locator('[data-testid=booked]')), /finance|财务/);
      assert.equal(await page.locator('[data-testid=book]').count(), 0, 'a month is booked once');
      assert.equal(await textOf(page.locator('[data-testid=total-movement]').first()), total);
      await snap(page, 'incentive-accruals-02-booked-zh.png');

      const href = await page.locator('[data-testid=journal]').getAttribute('href');
      const xlsx = await page.request.get(`${base}${href}`);
      assert.equal(xlsx.status(), 200);
      const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'qudao-accruals-')), 'journal.xlsx');
      await fs.writeFile(file, await xlsx.body());
      const strings = execFileSync('unzip', ['-p', file, 'xl/sharedStrings.xml'], { encoding: 'utf8' });
      for (const word of ['借方科目', '贷方科目', '摘要', '预提']) {
        assert.ok(strings.includes(word), `the journal says ${word}`);
      }
      assert.ok(/应付返利|应付佣金|应付促销奖励/.test(strings), 'a payable is credited');

      await page.setViewportSize(PHONE);
      await page.reload();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the accruals fit a phone (${overflow}px too wide)`);
      await snap(page, 'incentive-accruals-03-phone-zh.png');
    });
  });
});
