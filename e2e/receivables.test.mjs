// Browser journeys for receivables:
// - finance records a payment larger than what the partner owes: it is
//   refused until the overpayment is kept on account, which asks first;
//   a new invoice for the partner then takes what was kept, applied from
//   the payments list (oldest due first), and shows as paid;
// - a partner's user, in Chinese, opens its statement for a period and
//   downloads it as xlsx, which unzips into a sheet with the statement's
//   Chinese words; the same page at phone width.
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
  DESKTOP,
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

describe('receivables in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  let debtor;

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        // A CNY partner that owes something, and how much in 分.
        const [code, owed] = sqlite(
          file,
          `SELECT p.code || '|' || (SUM(i.amount_minor) - COALESCE((SELECT SUM(a.amount_minor) FROM payment_allocations a
             JOIN payments y ON y.id = a.payment_id WHERE y.partner_id = p.id), 0))
           FROM partners p JOIN invoices i ON i.partner_id = p.id
           WHERE i.currency = 'CNY' AND p.currency = 'CNY'
             AND NOT EXISTS (SELECT 1 FROM payments y WHERE y.partner_id = p.id AND y.overpayment IS NOT NULL)
           GROUP BY p.id HAVING SUM(i.amount_minor) > COALESCE((SELECT SUM(a.amount_minor) FROM payment_allocations a
             JOIN payments y ON y.id = a.payment_id WHERE y.partner_id = p.id), 0)
           ORDER BY p.code LIMIT 1`,
        ).split('|');
        debtor = { code, owed: Number(owed) };
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

  test('finance records an overpayment only after choosing to keep it on account', { timeout: 180_000 }, async () => {
    assert.ok(debtor?.code, 'the demo has a partner that owes');
    // What it owes plus ¥1,000.00.
    const amount = ((debtor.owed + 100_000) / 100).toFixed(2);
    await journey(async (page) => {
      await login(page, base, 'finance', DEMO_PASSWORD);
      await switchLang(page, 'en');
      await page.goto(`${base}/receivables`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), 'Receivables');
      await page.locator('[data-testid=overdue] table').waitFor({ state: 'visible' });
      await page.locator('[data-testid=new-payment]').first().click();
      await page.waitForURL((url) => url.pathname === '/receivables/payments/new');
      await pick(page, 'partner', debtor.code, debtor.code);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=choose-payer-next]').click()]);
      assert.ok((await page.locator('#invoice option').count()) > 1, 'the open invoices are offered');
      await page.locator('#amount').fill(amount);
      await page.locator('#reference').fill(`E2E${Date.now()}`);

      // Without the choice: refused, the field says why, nothing saved.
      const refused = await submit(page, page.locator('[data-testid=save-payment]'), '/receivables/payments');
      assert.equal(refused.status(), 422);
      assert.match(await textOf(page.locator('[data-testid=overpayment-error]')), /keep the rest on account/);
      await snap(page, 'receivables-01-overpayment-refused.png');

      // With it: a confirmation first, then saved with the rest on account.
      await page.locator('#overpayment').selectOption('on_account');
      const saved = await submit(page, page.locator('[data-testid=save-payment]'), '/receivables/payments');
      assert.equal(saved.status(), 303);
      assert.equal(pathOf(page), '/receivables/payments');
      const row = page.locator('[data-testid=payments] tbody tr').first();
      assert.ok((await textOf(row)).includes('¥1,000.00'), await textOf(row));
      await snap(page, 'receivables-02-payment-saved.png');
      const payment = await textOf(row.locator('td.mono').first());

      // A new invoice of ¥600.00, due in 30 days.
      const invoice = `E2E-${Date.now()}`;
      await page.goto(`${base}/receivables/invoices/new`);
      await pick(page, 'partner', debtor.code, debtor.code);
      await page.locator('#number').fill(invoice);
      await page.locator('#amount').fill('600');
      await page.locator('#currency').fill('CNY');
      await page.locator('#due_on').fill(new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10));
      const invoiced = await submit(page, page.locator('[data-testid=save-invoice]'), '/receivables/invoices');
      assert.equal(invoiced.status(), 303);

      // The payment's ¥1,000.00 on account goes to it from the list.
      await page.goto(`${base}/receivables/payments`);
      assert.equal(await textOf(page.locator(`[data-testid="kept-${payment}"]`)), '¥1,000.00');
      await Promise.all([page.waitForEvent('load'), page.locator(`[data-testid="apply-${payment}"]`).click()]);
      assert.equal(pathOf(page), `/receivables/payments/${payment}/allocate`);
      assert.equal(await textOf(page.locator('[data-testid=kept]')), '¥1,000.00');
      const open = page.locator('[data-testid=open-invoices] tbody tr');
      assert.equal(await open.count(), 1, 'the new invoice is the one open');
      assert.ok((await textOf(open.first())).includes(invoice));
      assert.ok(await page.locator('[data-testid=oldest-first]').isChecked());
      await snap(page, 'receivables-03-apply-form.png');
      // At phone width the amount boxes are reached by scrolling the table.
      await page.setViewportSize(PHONE);
      await page.locator(`[data-testid="apply-${invoice}"]`).scrollIntoViewIfNeeded();
      assert.ok(await page.locator(`[data-testid="apply-${invoice}"]`).isVisible());
      await snap(page, 'receivables-03-apply-form-phone.png');
      await page.setViewportSize(DESKTOP);
      const applied = await submit(page, page.locator('[data-testid=apply]'), `/receivables/payments/${payment}/allocate`);
      assert.equal(applied.status(), 303);
      assert.equal(pathOf(page), '/receivables/payments');
      const flash = await textOf(page.locator('.flash'));
      assert.ok(flash.includes(`${invoice} ¥600.00`) && flash.includes('¥400.00 stays on account'), flash);
      await snap(page, 'receivables-04-applied.png');
      await page.goto(`${base}/receivables/invoices?partner=${debtor.code}`);
      const paid = page.locator('[data-testid=invoices] tbody tr', { hasText: invoice });
      assert.ok((await textOf(paid)).includes('Paid'), await textOf(paid));
    }, { failureShot: 'receivables-failure-payment.png' });
  });

  test('合作伙伴员工查看本期对账单并下载 Excel', { timeout: 180_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'partner.user', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/receivables`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '应收账款');
      await page.locator('[data-testid=account]').waitFor({ state: 'visible' });
      const from = new Date(Date.now() - 200 * 86_400_000).toISOString().slice(0, 10);
      await page.locator('[data-testid=statement-form] input[name=from]').fill(from);
      await Promise.all([page.waitForEvent('load'), page.locator('[data-testid=show-statement]').click()]);
      assert.ok(pathOf(page).startsWith('/receivables/statement/'));
      const section = page.locator('[data-testid=statement-CNY]');
      await section.waitFor({ state: 'visible' });
      assert.ok((await section.locator('tbody tr').count()) > 2, 'the period has entries');
      assert.match(await textOf(section.locator('[data-testid=closing]')), /^-?¥[\d,]+\.\d\d$/);
      await snap(page, 'receivables-05-statement.png');

      const href = await page.locator('[data-testid=statement-xlsx]').getAttribute('href');
      const res = await page.request.get(`${base}${href}`);
      assert.equal(res.status(), 200);
      assert.ok(res.headers()['content-disposition'].includes(encodeURIComponent('对账单')));
      const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'qudao-statement-')), 'statement.xlsx');
      await fs.writeFile(file, await res.body());
      const strings = execFileSync('unzip', ['-p', file, 'xl/sharedStrings.xml'], { encoding: 'utf8' });
      for (const word of ['期初余额', '期末余额', '发票', '回款']) {
        assert.ok(strings.includes(word), `the sheet says ${word}`);
      }
      const sheet = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { encoding: 'utf8' });
      assert.ok((sheet.match(/<row /g) ?? []).length > 3, 'the sheet has the statement rows');

      await page.setViewportSize(PHONE);
      await page.reload();
      await section.waitFor({ state: 'visible' });
      await snap(page, 'receivables-06-statement-phone.png');
    }, { failureShot: 'receivables-failure-statement.png' });
  });
});
