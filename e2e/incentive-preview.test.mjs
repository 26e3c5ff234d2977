// Browser journey over the order-time incentive preview, on the demo, in
// Chinese: a quarterly rebate for the demo partner, whose 2% bracket starts
// ¥100 above what it has bought this quarter, is put in force with
// `qudao incentives import --activate`. The partner's admin builds an order
// in the portal, and the draft's page says the order takes it to the 2%
// bracket; 我的激励 shows the same partner ¥100 from that bracket at the top.
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
  launchChromium,
  login,
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

/** This fiscal quarter (`2026-Q4`) on the business day (Shanghai). */
function thisQuarter() {
  const [year, month] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .format(new Date())
    .split('-')
    .map(Number);
  return { year, period: `${year}-Q${Math.floor((month - 1) / 3) + 1}` };
}

/** A threshold (major units) whose 90% lies ¥100 above `boughtMinor`. */
function threshold(boughtMinor) {
  return (Math.ceil((boughtMinor + 10_000) / 0.9) / 100).toFixed(2);
}

const program = (year, partner, amount) => `{
  "kind": "rebate", "code": "RB-PREVIEW-E2E", "name": "下单预估返利", "version": 1,
  "currency": "CNY", "effective_from": "${year}-01-01", "effective_to": "${year}-12-31",
  "period": "quarter",
  "scope": { "partners": ["${partner}"] },
  "base": { "measure": "sell_in_net" },
  "attainment": { "source": "fixed_threshold", "amount": "${amount}" },
  "mode": "retroactive",
  "brackets": [{ "from": "0%", "rate": "1%" }, { "from": "90%", "rate": "2%" }],
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "wallet" }
}`;

describe('the order-time incentive preview in a browser', () => {
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
        const { year, period } = thisQuarter();
        const answer = JSON.parse(
          execFileSync(
            BIN,
            ['--db', `sqlite://${file}`, 'analytics', 'query', '--measures', 'sell_in_amount', '--by', 'partner',
              '--period', period, '--filter', `partner=${found.partner}`, '--format', 'json'],
            { encoding: 'utf8' },
          ),
        );
        found.bought = Math.round(Number(answer.rows?.[0]?.values?.[0] ?? 0));
        const doc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qudao-preview-')), 'program.json');
        fs.writeFileSync(doc, program(year, found.partner, threshold(found.bought)));
        execFileSync(BIN, ['--db', `sqlite://${file}`, 'incentives', 'import', doc, '--activate'], { encoding: 'utf8' });
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

  test('伙伴下单时看到订单让它达到第 2 档，我的激励顶部写着离下一档还差多少', { timeout: 40_000 }, async () => {
    assert.ok(found.sku, `the demo has a product to order: ${JSON.stringify(found)}`);
    // ¥100 is then within 20% of the threshold: the partner is on the watchlist.
    assert.ok(found.bought >= 100_000, `the demo partner bought this quarter: ${JSON.stringify(found)}`);
    await journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/orders/new`);
      await pick(page, 'sku_1', found.name.slice(0, 3), found.sku);
      await page.locator('#qty_1').fill('200');
      const saved = await submit(page, page.locator('[data-testid=save-order]'), '/orders');
      assert.equal(saved.status(), 303);
      const panel = page.locator('[data-testid=incentive-preview]');
      const row = panel.locator('[data-testid=preview-row]', { hasText: '下单预估返利' });
      const words = await textOf(row.locator('[data-testid=preview-words]'));
      assert.match(words, /^这张订单让您达到第 2 档（2%），预计返利多 ¥[\d,]+\.\d{2}$/, words);
      assert.match(await textOf(row.locator('[data-testid=preview-attainment]')), /^达成率 [\d.]+% → [\d.]+%$/);
      await snap(page, 'incentive-preview-01-order.png');

      await page.goto(`${base}/my/incentives`);
      const watch = page.locator('[data-testid=watch-panel] [data-testid=watch-row]', { hasText: '下单预估返利' });
      assert.match(
        await textOf(watch.locator('[data-testid=watch-words]')),
        /^再进货 ¥100\.0\d 达到第 2 档（2%），预计多得 ¥[\d,]+\.\d{2}$/,
      );
      await page.setViewportSize(PHONE);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page fits a phone (${overflow}px over)`);
      await snap(page, 'incentive-preview-02-watch-phone.png');
    });
  });
});
