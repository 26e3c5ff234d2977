// Browser journeys over 预警 (alerts), on the demo with the daily job run
// by hand (`qudao alerts run`) before the server starts:
// - the channel manager, in Chinese, sees its open alerts on the home page
//   as sentences, follows "全部预警" to the list, filters it by a kind,
//   opens one, tries to acknowledge it without a note (the field says what
//   is wrong), writes one, confirms, and sees it acknowledged;
// - the same list in English at phone width fits the screen;
// - a partner's boss has no panel and no link, and the page refuses it.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  BIN,
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

describe('alerts in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  let ran;

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        ran = execFileSync(BIN, ['--db', `sqlite://${file}`, 'alerts', 'run'], { encoding: 'utf8' });
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

  test('渠道经理在首页看到预警，筛选、处理一条', { timeout: 180_000 }, async () => {
    assert.match(ran, /alert\(s\) raised/, ran);
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      const panel = page.locator('[data-testid=open-alerts]');
      assert.match(await textOf(panel.locator('h2')), /^待处理预警 \d+$/);
      const lines = panel.locator('[data-testid=open-alert]');
      assert.ok((await lines.count()) > 0, 'the demo raises alerts for the manager\'s partners');
      assert.ok((await lines.count()) <= 8, 'the panel shows the newest few');
      const first = await textOf(lines.first());
      assert.match(first, /[\u4e00-\u9fff]/, 'the sentence is Chinese');
      assert.doesNotMatch(first, /\{|\}/, 'every figure is filled in');
      await snap(page, 'alerts-01-home-zh.png');

      await Promise.all([
        page.waitForURL((url) => url.pathname === '/alerts'),
        page.locator('[data-testid=all-alerts]').click(),
      ]);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '预警');
      const rows = page.locator('[data-testid=alert-row]');
      assert.ok((await rows.count()) > 0, 'the list opens on the open alerts');
      // Filter by the kind of the first row.
      const kind = await textOf(rows.first().locator('[data-testid=alert-link]'));
      await page.locator('[data-testid=alert-kind]').selectOption({ label: kind });
      await Promise.all([
        page.waitForURL((url) => url.searchParams.has('kind')),
        page.locator('[data-testid=alert-filters] button[type=submit]').click(),
      ]);
      const kinds = await rows.locator('[data-testid=alert-link]').allInnerTexts();
      assert.ok(kinds.length > 0 && kinds.every((k) => k.trim() === kind), `only ${kind}: ${kinds}`);
      await snap(page, 'alerts-02-list-zh.png');

      // One alert, acknowledged: a note is required, then it is done.
      const partner = await textOf(rows.first().locator('.name-code a'));
      await Promise.all([
        page.waitForURL((url) => /^\/alerts\/\d+$/.test(url.pathname)),
        rows.first().locator('[data-testid=alert-link]').click(),
      ]);
      const path = new URL(page.url()).pathname;
      assert.match(await textOf(page.locator('[data-testid=sentence]')), new RegExp(partner));
      assert.equal(await textOf(page.locator('[data-testid=status]')), '待处理');
      const button = page.locator('[data-testid=acknowledge]');
      const refused = await submit(page, button, `${path}/acknowledge`);
      assert.equal(refused.status(), 422);
      assert.match(await textOf(page.locator('#note-error')), /必填/);
      assert.match(await textOf(page.locator('[data-testid=error-summary]')), /为必填项/);
      await snap(page, 'alerts-03-note-required-zh.png');
      await page.locator('#note').fill('已联系客户，本周内处理');
      const done = await submit(page, page.locator('[data-testid=acknowledge]'), `${path}/acknowledge`);
      assert.equal(done.status(), 303);
      assert.equal(new URL(page.url()).pathname, path);
      assert.match(await textOf(page.locator('.flash')), /已处理.*的预警/);
      assert.equal(await textOf(page.locator('[data-testid=status]')), '已处理');
      assert.match(await textOf(page.locator('[data-testid=acknowledged-note]')), /已联系客户/);
      assert.equal(await page.locator('[data-testid=acknowledge]').count(), 0, 'no form once acknowledged');
      await snap(page, 'alerts-04-acknowledged-zh.png');
    });
  });

  test('the alert list in English at phone width', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await page.setViewportSize(PHONE);
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'en');
      await page.goto(`${base}/alerts?status=all`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), 'Alerts');
      assert.ok((await page.locator('[data-testid=alert-row]').count()) > 0);
      const sentence = await textOf(page.locator('.alert-sentence').first());
      assert.doesNotMatch(sentence, /[\u4e00-\u9fff]|\{/, `English, filled in: ${sentence}`);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 1, `the list fits a phone (overflows by ${overflow}px)`);
      await snap(page, 'alerts-05-list-en-phone.png');
    });
  });

  test("a partner's boss is refused", { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      assert.equal(await page.locator('[data-testid=open-alerts]').count(), 0);
      assert.equal(await page.locator('nav a[href="/alerts"]').count(), 0);
      const response = await page.request.get(`${base}/alerts`);
      assert.equal(response.status(), 403);
    });
  });
});
