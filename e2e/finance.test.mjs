// Browser journey for finance, in Chinese, through the UI only: finance
// closes last month from the navigation, sees it closed, reopens it with a
// reason and finds the reason in the history; then adds an exchange rate.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  htmlLang,
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

describe('finance closes a month and keeps exchange rates', () => {
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

  test('close last month, reopen it with a reason, add a rate (Chinese)', { timeout: 120_000 }, async () => {
    const last = monthFrom(-1);
    const current = monthFrom(0);
    await journey(async (page) => {
      await login(page, base, 'finance', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      assert.equal(await htmlLang(page), 'zh-CN');

      // From the navigation to the period close page.
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/finance/periods'),
        page.locator('nav a[href="/finance/periods"]').first().click(),
      ]);
      assert.equal(await textOf(page.locator('[data-testid="page-title"]')), '期间结账');
      assert.equal(await textOf(page.locator(`[data-testid="state-${last}"]`)), '未结账');
      assert.equal(await page.locator(`[data-testid="close-${current}"]`).count(), 0, 'the current month has not ended');

      // Close last month (the button asks first).
      const closed = await submit(page, page.locator(`[data-testid="close-${last}"]`), `/finance/periods/${last}/close`);
      assert.equal(closed.status(), 303, `closing redirects (got ${closed.status()})`);
      assert.equal(pathOf(page), '/finance/periods');
      assert.match(await textOf(page.locator('.flash-success').first()), new RegExp(`${last} 已结账`));
      assert.equal(await textOf(page.locator(`[data-testid="state-${last}"]`)), '已结账');
      await snap(page, 'finance-period-closed.png');

      // Reopen it: without a reason it is refused, with one it opens.
      const form = page.locator(`form[action="/finance/periods/${last}/reopen"]`);
      const refused = await submit(page, form.locator(`[data-testid="reopen-${last}"]`), `/finance/periods/${last}/reopen`);
      assert.equal(refused.status(), 422, 'a reopen needs a reason');
      assert.match(await textOf(page.locator('[data-testid="error-summary"]').first()), /原因/);
      const reason = '补录迟到的退货';
      await page.locator(`form[action="/finance/periods/${last}/reopen"] #reason`).fill(reason);
      const reopened = await submit(
        page,
        page.locator(`form[action="/finance/periods/${last}/reopen"] [data-testid="reopen-${last}"]`),
        `/finance/periods/${last}/reopen`,
      );
      assert.equal(reopened.status(), 303, `reopening redirects (got ${reopened.status()})`);
      assert.equal(await textOf(page.locator(`[data-testid="state-${last}"]`)), '未结账');
      const history = await textOf(page.locator('[data-testid="period-events"]'));
      assert.match(history, new RegExp(`${last} 反结账 陈财务 ${reason}`));
      assert.match(history, new RegExp(`${last} 结账 陈财务`));

      // A rate for this month, from the navigation.
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/finance/rates'),
        page.locator('nav a[href="/finance/rates"]').first().click(),
      ]);
      assert.equal(await textOf(page.locator('[data-testid="page-title"]')), '汇率');
      assert.ok(await page.locator(`[data-testid="rate-${last}-USD"]`).count(), 'the demo has last month\'s USD rate');
      await page.locator('#month').fill(current);
      await page.locator('#currency').selectOption('EUR');
      await page.locator('#rate').fill('7.8125');
      const saved = await submit(page, page.locator('form#rate-form button[type=submit]'), '/finance/rates');
      assert.equal(saved.status(), 303, `saving the rate redirects (got ${saved.status()})`);
      assert.match(await textOf(page.locator('.flash-success').first()), /已保存/);
      assert.equal(
        await textOf(page.locator(`[data-testid="rate-${current}-EUR"] td.num`)),
        '1 EUR = 7.8125 CNY',
      );
      await page.setViewportSize(PHONE);
      await snap(page, 'finance-rates-phone.png');
    }, { failureShot: 'finance-failure.png' });
  });
});
