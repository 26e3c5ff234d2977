// Browser journeys over 目标 (targets), on the demo (which holds this
// year's approved sell-in cascade):
// - a channel manager, in Chinese, sets this quarter's target for the
//   distributor channel, cascades it to two partners by amounts — the sum
//   shows as the parts are typed, a split that leaves ¥100,000.00 over is
//   refused with the gap and writes nothing — then splits it exactly and
//   approves the channel's target;
// - its share approved, the partner's target is amended: without a reason
//   and to the same figure it is refused, with a reason it is logged;
// - the boss of that partner reads the quarter's target in the portal, with its actual to date, attainment and what it needs per
//   remaining day, and sees no other partner's target nor the channel's;
// - an admin hands a partner from the demo rep to another manager from the
//   first of this month: the partner's page shows the part of its year
//   target that follows it (its days from that day), both people's figures
//   before and after, and, once confirmed, the rep's approved target
//   amended with the pre-filled reason and the new owner's written.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
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

/** Today on the business day (Shanghai) as [year, month, day]. */
function businessDay() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date())
    .split('-')
    .map(Number);
}

/** Yuan as the pages write them, from fen: `¥6,794.53`. */
function yuan(fen) {
  const whole = fen / 100n;
  const cents = String(fen % 100n).padStart(2, '0');
  return `¥${whole.toLocaleString('en-US')}.${cents}`;
}

describe('targets in a browser', () => {
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

  test('渠道经理设定并分解季度目标，合作伙伴在门户查看达成', { timeout: 240_000 }, async () => {
    const quarter = quarterFrom(0).period;
    let partner;
    let other;
    await journey(async (page) => {
      // The partner's own code, from its year target in the portal.
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/targets`);
      const own = page.locator('[data-testid=target-row]');
      assert.equal(await own.count(), 1, 'a partner sees its own year target only');
      partner = await own.first().getAttribute('data-subject');
      await logout(page);

      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/targets`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '目标分解');
      const company = page.locator('[data-testid=target-row][data-depth="0"]').first();
      assert.match(await textOf(company), /全公司/);
      assert.match(await textOf(company.locator('[data-testid=target-value]')), /^¥[\d,]+\.\d\d$/);
      assert.match(await textOf(company.locator('[data-testid=target-percent]')), /^\d+(\.\d+)?%$/);
      await snap(page, 'targets-01-tree-zh.png');

      // This quarter's target for the distributor channel.
      await page.locator('#period').fill(quarter);
      await page.locator('[data-testid=new-subject-type]').selectOption('channel');
      assert.ok(await page.locator('#partner').isHidden(), 'only the chosen type\'s field shows');
      await page.locator('#channel').selectOption('distributor');
      await page.locator('[data-testid=new-measure]').selectOption('sell_in_amount');
      await page.locator('#value').fill('1,000,000');
      let res = await submit(page, page.locator('[data-testid=save-target]'), '/targets');
      assert.equal(res.status(), 303);
      const channelPage = pathOf(page);
      assert.match(channelPage, /^\/targets\/\d+$/);
      assert.match(await textOf(page.locator('[data-testid=status]')), /草稿/);

      // Cascade to partners: the child type is chosen first.
      await page.locator('[data-testid=child-type]').selectOption('partner');
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get('child_type') === 'partner'),
        page.locator('#cascade form.filters button[type=submit]').click(),
      ]);
      await pick(page, 'code_1', partner, partner);
      const second = page.locator('#code_2');
      await second.click();
      await second.pressSequentially('P0');
      const choice = page.locator(`#code_2-list [role=option]:not([data-value="${partner}"])`).first();
      await choice.waitFor({ state: 'visible' });
      other = await choice.getAttribute('data-value');
      await choice.click();
      await page.locator('[data-testid=part-1]').fill('600,000');
      await page.locator('[data-testid=part-2]').fill('500,000');
      const sum = page.locator('[data-testid=live-sum]');
      assert.equal(await textOf(sum), '合计 ¥1,100,000.00，超出 ¥100,000.00');
      res = await submit(page, page.locator('[data-testid=cascade]'), `${channelPage}/cascade`);
      assert.equal(res.status(), 422);
      assert.match(await textOf(page.locator('[data-testid=cascade-error]')), /下级目标合计比上级目标多 ¥100,000\.00/);
      assert.equal(await page.locator('[data-testid=children]').count(), 0, 'a refused cascade writes nothing');
      await snap(page, 'targets-02-cascade-refused-zh.png');

      await page.locator('[data-testid=part-2]').fill('400,000');
      assert.equal(await textOf(sum), '合计 ¥1,000,000.00，与上级目标一致');
      res = await submit(page, page.locator('[data-testid=cascade]'), `${channelPage}/cascade`);
      assert.equal(res.status(), 303);
      const children = page.locator('[data-testid=child-row]');
      assert.equal(await children.count(), 2);
      assert.equal(
        await textOf(page.locator(`[data-testid=child-row][data-subject="${partner}"] [data-testid=child-value]`)),
        '¥600,000.00',
      );

      res = await submit(page, page.locator('[data-testid=approve]'), `${channelPage}/approve`);
      assert.equal(res.status(), 303);
      assert.match(await textOf(page.locator('[data-testid=status]')), /已批准/);
      await snap(page, 'targets-03-approved-zh.png');

      // The partner's share is ours until approved: approve it too.
      await Promise.all([
        page.waitForURL((url) => /^\/targets\/\d+$/.test(url.pathname) && url.pathname !== channelPage),
        page.locator(`[data-testid=child-row][data-subject="${partner}"] a`).click(),
      ]);
      const partnerPage = pathOf(page);
      res = await submit(page, page.locator('[data-testid=approve]'), `${partnerPage}/approve`);
      assert.equal(res.status(), 303);
      assert.match(await textOf(page.locator('[data-testid=status]')), /已批准/);
      // Approved is locked: a change needs a reason, and is logged.
      await page.locator('#amend-value').fill('650,000');
      res = await submit(page, page.locator('[data-testid=amend]'), `${partnerPage}/amend`);
      assert.equal(res.status(), 422);
      assert.match(await textOf(page.locator('#amend-form .field-error')), /原因/);
      await page.locator('#amend-value').fill('600,000.00');
      await page.locator('#reason').fill('与经销商确认后维持原目标');
      res = await submit(page, page.locator('[data-testid=amend]'), `${partnerPage}/amend`);
      assert.equal(res.status(), 422, 'an amendment that changes nothing is refused');
      await page.locator('#amend-value').fill('620,000');
      res = await submit(page, page.locator('[data-testid=amend]'), `${partnerPage}/amend`);
      assert.equal(res.status(), 303);
      assert.match(await textOf(page.locator('[data-testid=amendments]')), /¥600,000\.00 ¥620,000\.00 与经销商确认后维持原目标 王经理/);
      await logout(page);

      // The partner reads this quarter's target in the portal.
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/targets?period=${quarter}`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '我的目标');
      const rows = page.locator('[data-testid=target-row]');
      assert.equal(await rows.count(), 1, 'neither the channel\'s target nor another partner\'s');
      assert.equal(await rows.first().getAttribute('data-subject'), partner);
      assert.equal(await page.locator(`[data-subject="${other}"]`).count(), 0);
      assert.equal(await textOf(rows.first().locator('[data-testid=target-value]')), '¥620,000.00');
      assert.match(await textOf(rows.first().locator('[data-testid=target-actual]')), /^-?¥[\d,]+\.\d\d$/);
      assert.match(await textOf(rows.first().locator('[data-testid=target-percent]')), /^-?\d+(\.\d+)?%$/);
      assert.match(
        await textOf(rows.first().locator('[data-testid=target-needed]')),
        /^(每天 ¥[\d,]+\.\d\d，还剩 \d+ 天|已完成)$/,
      );
      await page.setViewportSize(PHONE);
      await snap(page, 'targets-04-portal-phone-zh.png');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the portal page fits a phone (overflow ${overflow}px)`);
    });
  });
  test('负责人变更后，业务员目标按天数随伙伴转移', { timeout: 180_000 }, async () => {
    // 上海信达食品商行, the demo rep's, with a year target of ¥80,000.00.
    const partner = 'P00132';
    const [year, month] = businessDay();
    const from = `${year}-${String(month).padStart(2, '0')}-01`;
    const dayMs = 86_400_000;
    const daysInYear = (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / dayMs;
    const daysBefore = (Date.UTC(year, month - 1, 1) - Date.UTC(year, 0, 1)) / dayMs;
    // The old rep keeps the floor of its exact share; the rest moves.
    const target = 8_000_000n;
    const moving = target - (target * BigInt(daysBefore)) / BigInt(daysInYear);
    await journey(async (page) => {
      await login(page, base, 'admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/partners/${partner}`);
      assert.equal(await page.locator('[data-testid=rep-targets]').count(), 0, 'no panel before a move');
      await page.goto(`${base}/partners/${partner}/edit`);
      await pick(page, 'owner_login', 'manager2', 'manager2');
      await page.locator('#owner_from').fill(from);
      let res = await submit(page, page.locator('#partner-form button[type=submit]'), `/partners/${partner}/edit`);
      assert.equal(res.status(), 303);

      const panel = page.locator('[data-testid=rep-targets]');
      assert.match(await textOf(panel), new RegExp(`张销售 → 李经理，生效日 ${from}`));
      const row = panel.locator('[data-testid=rep-target-shifts] tbody tr');
      assert.equal(await row.count(), 1, 'the year target, the rep\'s only one');
      const cells = await row.first().locator('td').allTextContents();
      assert.match(cells[0], new RegExp(`${year}\\s*已批准`));
      assert.equal(cells[1].trim(), '进货金额');
      assert.equal(cells[2].trim(), '¥80,000.00');
      assert.match(cells[3], new RegExp(`${yuan(moving).replace(/[.$]/g, '\\$&')}\\s*${daysInYear - daysBefore} / ${daysInYear} 天`));
      // The rep's figure before → after: what moves leaves it.
      const [before, afterMove] = cells[4].split('→').map((t) => BigInt(t.replace(/[^\d]/g, '')));
      assert.equal(afterMove, before - moving, cells[4]);
      const repTarget = await row.first().locator('a').first().getAttribute('href');
      assert.match(cells[5], new RegExp(`新建目标 → ${yuan(moving).replace(/[.$]/g, '\\$&')}`));
      assert.equal(await page.locator('#rep-targets-reason').inputValue(), `改派 ${partner} 自 ${from}`);
      await panel.scrollIntoViewIfNeeded();
      await snap(page, 'targets-05-rep-targets-move.png');
      res = await submit(page, page.locator('[data-testid=move-rep-targets]'), `/partners/${partner}/rep-targets`);
      assert.equal(res.status(), 303);
      assert.match(await textOf(page.locator('.flash-success')), /业务员目标已随伙伴转移/);
      assert.match(await textOf(page.locator('[data-testid=rep-targets-moved]')), new RegExp(`系统管理员 · 改派 ${partner} 自 ${from}`));

      // The rep's year target carries the amendment with the reason.
      await page.goto(`${base}${repTarget}`);
      assert.match(
        await textOf(page.locator('[data-testid=amendments]')),
        new RegExp(`${yuan(before).replace(/[.$]/g, '\\$&')} ${yuan(afterMove).replace(/[.$]/g, '\\$&')} 改派 ${partner} 自 ${from}`),
      );
    });
  });
});
