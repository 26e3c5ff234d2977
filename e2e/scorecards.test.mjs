// Browser journeys over 评分卡 (scorecards), 奖项 (awards), 分月目标 (month
// targets) and 网点覆盖 (outlet coverage), on the demo:
// - a channel manager, in Chinese, runs last quarter's evaluation of the
//   distributors (a closed quarter, so it is final and proposes grade
//   moves), reads one partner's score KPI by KPI, approves the grade move
//   proposed for it (the partner page then shows the new grade), and runs
//   the public 年度最佳合作伙伴 award over that evaluation;
// - the boss of that partner reads its scorecard and the award's public
//   winners in the portal, on a phone;
// - the manager splits a partner's year target into months by the
//   春节型 profile (twelve months that sum to the year, January heaviest)
//   and sets a region's planned outlets, refused first for a figure that
//   is not a whole number.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  businessMonth,
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

/** `¥1,234.56` (or `-¥…`) as minor units. */
function minor(text) {
  const match = /^(-?)¥([\d,]+)\.(\d\d)$/.exec(text);
  assert.ok(match, `money as people read it: ${text}`);
  const value = BigInt(match[2].replaceAll(',', '') + match[3]);
  return match[1] ? -value : value;
}

describe('scorecards, awards, month targets and outlets in a browser', () => {
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

  test('渠道经理运行季度评估、批准等级调整并评奖，合作伙伴在门户查看评分卡', { timeout: 240_000 }, async () => {
    const quarter = quarterFrom(-1).period;
    await journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await page.goto(`${base}/scorecards/mine`);
      const own = (await textOf(page.locator("[data-testid=page-title]"))).match(/[（(](P\d+)[）)]/);
      assert.ok(own, 'the portal scorecard names its partner with its code');
      const partner = own[1];
      await logout(page);

      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/scorecards`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '评分卡');
      await page.locator('[data-testid=run-period]').selectOption(quarter);
      await page.locator('[data-testid=run-template]').selectOption('distributor');
      let res = await submit(page, page.locator('[data-testid=run-evaluation]'), '/scorecards/runs');
      assert.equal(res.status(), 303);
      const runPage = pathOf(page);
      assert.match(runPage, /^\/scorecards\/runs\/\d+$/);
      assert.equal(await page.locator('[data-testid=provisional]').count(), 0, 'a closed quarter is final');
      const results = page.locator('[data-testid=result-row]');
      assert.ok((await results.count()) >= 2, 'every distributor is ranked');
      for (const total of await page.locator('[data-testid=result-row] [data-testid=total]').allInnerTexts()) {
        const score = Number(total.trim());
        assert.ok(score >= 0 && score <= 100, `a score stays within 0–100: ${total}`);
      }
      await snap(page, 'scorecards-01-ranking-zh.png');

      // One partner's score, KPI by KPI, in names.
      await Promise.all([
        page.waitForURL((url) => url.pathname === `${runPage}/${partner}`),
        page.locator(`[data-testid=result-row] a[href$="/${partner}"]`).first().click(),
      ]);
      const kpis = page.locator('[data-testid=kpi-row]');
      assert.ok((await kpis.count()) >= 5, 'the distributors\' template weighs several KPIs');
      const table = await textOf(page.locator('[data-testid=kpis]'));
      assert.match(table, /进货目标达成率/);
      assert.match(table, /回款率/);
      assert.doesNotMatch(table, /sell_in_attainment|collection_rate/, 'KPIs by name, not code');
      let points = 0;
      for (const p of await page.locator('[data-testid=kpi-row] [data-testid=points]').allInnerTexts()) {
        points += Number(p.trim() || 0);
      }
      const total = Number(await textOf(page.locator('[data-testid=total]').first()));
      assert.ok(Math.abs(Math.max(points, 0) - total) < 0.01, `the points add up to the total: ${points} vs ${total}`);
      await snap(page, 'scorecards-02-explained-zh.png');

      // The grade move proposed for that partner, approved.
      await page.goto(`${base}/scorecards/proposals`);
      const proposal = page.locator('[data-testid=proposal-row]', { has: page.locator(`a[href="/partners/${partner}"]`) }).first();
      assert.equal(await proposal.count(), 1, 'a final run proposes a grade move for the partner');
      const move = (await textOf(proposal)).match(/→ (\S+)/);
      assert.ok(move, 'the proposal names the grades');
      const newGrade = move[1];
      const approveAction = await proposal.locator('form').first().getAttribute('action');
      res = await submit(page, proposal.locator('[data-testid=approve]'), approveAction);
      assert.equal(res.status(), 303);
      await page.goto(`${base}/partners/${partner}`);
      assert.match(await textOf(page.locator('main')), new RegExp(newGrade), 'the approved grade is the partner\'s');

      // The public award over that evaluation.
      await page.goto(`${base}/awards/best_partner`);
      const runId = runPage.split('/').pop();
      await page.locator('[data-testid=award-run-pick]').selectOption(runId);
      res = await submit(page, page.locator('[data-testid=run-award]'), '/awards/best_partner/runs');
      assert.equal(res.status(), 303);
      assert.match(pathOf(page), /^\/award-runs\/\d+$/);
      const winners = page.locator('[data-testid=winner-row]');
      assert.equal(await winners.count() >= 1, true, 'the best distributor wins');
      assert.equal(await textOf(winners.first().locator('[data-testid=place]')), '1');
      assert.match(await textOf(winners.first()), /[\u4e00-\u9fff]/, 'winners by name');
      const winner = await textOf(winners.first().locator('td').nth(1));
      await snap(page, 'scorecards-03-award-zh.png');
      // Run again over the same evaluation: refused, nothing written.
      await page.goto(`${base}/awards/best_partner`);
      const before = await page.locator('[data-testid=award-run-row]').count();
      await page.locator('[data-testid=award-run-pick]').selectOption(runId);
      res = await submit(page, page.locator('[data-testid=run-award]'), '/awards/best_partner/runs');
      assert.equal(res.status(), 422);
      assert.match(await textOf(page.locator('main')), /已对这次评估评过奖/);
      await page.goto(`${base}/awards/best_partner`);
      assert.equal(await page.locator('[data-testid=award-run-row]').count(), before);
      await logout(page);

      // The partner's boss reads its scorecard and the public winners.
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.setViewportSize(PHONE);
      await page.goto(`${base}/scorecards/mine`);
      assert.match(await textOf(page.locator('main')), new RegExp(quarter), 'the final quarter is the latest');
      assert.ok((await page.locator('[data-testid=kpi-row]').count()) >= 5);
      const award = page.locator('[data-testid=public-winners]', { hasText: `年度最佳合作伙伴 · ${quarter}` });
      assert.match(await textOf(award), new RegExp(winner.split(/\s/)[0]));
      await snap(page, 'scorecards-04-portal-phone-zh.png');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the portal page fits a phone (overflow ${overflow}px)`);
    });
  });

  test('渠道经理按春节型把年度目标分到各月，并设定区域网点规划', { timeout: 240_000 }, async () => {
    const [year] = businessMonth();
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/targets?period=${year}`);
      const partnerRow = page.locator('[data-testid=target-row][data-subject^="P0"]').first();
      const subject = await partnerRow.getAttribute('data-subject');
      await Promise.all([
        page.waitForURL((url) => /^\/targets\/\d+$/.test(url.pathname)),
        partnerRow.locator('a').first().click(),
      ]);
      const targetPage = pathOf(page);
      const yearValue = minor(await textOf(page.locator('[data-testid=value]').first()));
      await Promise.all([
        page.waitForURL((url) => url.pathname === `${targetPage}/months`),
        page.locator('[data-testid=to-months]').click(),
      ]);
      assert.equal(await page.locator('[data-testid=month-row]').count(), 12);

      await page.locator('[data-testid=shape-spring_festival]').check();
      let res = await submit(page, page.locator('[data-testid=split-months]'), `${targetPage}/months`);
      assert.equal(res.status(), 303);
      const values = (await page.locator('[data-testid=month-value]').allInnerTexts()).map((t) => minor(t.replace(/\s*草稿$/, '').trim()));
      assert.equal(values.length, 12);
      assert.equal(values.reduce((a, b) => a + b, 0n), yearValue, `the months of ${subject} sum to the year exactly`);
      assert.ok(values[0] > values[1], 'January (春节) weighs more than February');
      await snap(page, 'targets-05-months-zh.png');

      // A region's planned outlets.
      await page.goto(`${base}/targets/outlets?period=${year}`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '网点覆盖');
      await pick(page, 'region', '上海', '310000');
      await page.locator('#planned').fill('八十');
      res = await submit(page, page.locator('#outlet-form button[type=submit]'), '/targets/outlets');
      assert.equal(res.status(), 422);
      assert.ok(await page.locator('#outlet-form .field-error').first().isVisible());
      assert.equal(await page.locator('[data-testid=outlets-310000]').count(), 0, 'a refused plan writes nothing');
      await page.locator('#planned').fill('80');
      res = await submit(page, page.locator('#outlet-form button[type=submit]'), '/targets/outlets');
      assert.equal(res.status(), 303);
      const plan = page.locator('[data-testid=outlets-310000]');
      assert.match(await textOf(plan), /上海市 80 \d+ \d+(\.\d+)?%/);
      await snap(page, 'targets-06-outlets-zh.png');
    });
  });
});
