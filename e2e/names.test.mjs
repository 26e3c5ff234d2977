// Browser journey for the UI conventions of docs/UI.md, in Chinese: lists
// and detail pages show names (not codes), the region filter takes 上海,
// money reads ¥…, a partner user reads no internal reason or staff login,
// and the audit log shows what changed field by field.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)
// Screenshots (desktop and phone) go to $SHOTS_DIR when it is set.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  startQudao,
  switchLang,
  textOf,
} from './support.mjs';

const CJK = /[\u4e00-\u9fff]/;

/** Desktop and phone screenshots of the page, when SHOTS_DIR is set. */
async function shots(page, name) {
  const dir = process.env.SHOTS_DIR;
  if (!dir) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(dir, `${name}-desktop.png`), fullPage: true });
  const desktop = page.viewportSize();
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(dir, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(desktop);
}

/** Signs in and switches the UI to Chinese. */
async function inChinese(page, base, who) {
  await login(page, base, who, DEMO_PASSWORD);
  await switchLang(page, 'zh-CN');
}

describe('names, money and what each role is told, in Chinese', () => {
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

  test('the partner list shows names, and the region filter takes 上海', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await inChinese(page, base, 'admin');
      await page.goto(`${base}/partners`);
      const regions = await page
        .locator('table.data tbody tr td:nth-child(7)')
        .evaluateAll((tds) => tds.map((td) => td.textContent.trim()).filter(Boolean));
      assert.ok(regions.length > 0, 'some partners have a home region');
      for (const region of regions) {
        assert.match(region, CJK, `the region is named, not only coded: ${region}`);
      }
      await shots(page, 'partner-list');

      await page.locator('input[name=region]').fill('上海');
      await Promise.all([page.waitForEvent('load'), page.locator('form.filters button[type=submit]').click()]);
      const found = await page
        .locator('table.data tbody tr td:nth-child(7)')
        .evaluateAll((tds) => tds.map((td) => td.textContent.replace(/\s+/g, ' ').trim()));
      assert.ok(found.length > 0, 'typing 上海 finds Shanghai\'s partners');
      for (const region of found) {
        assert.match(region, / 31\d{4}$/, `every partner found is homed in Shanghai: ${region}`);
      }

      await page.locator('input[name=region]').fill('不存在的地方');
      await Promise.all([page.waitForEvent('load'), page.locator('form.filters button[type=submit]').click()]);
      const hint = await textOf(page.locator('[data-testid="no-match"]'));
      assert.match(hint, /区域可填写名称或编码/, 'an empty result says how to search');
    });
  });

  test('a partner page shows names and ¥ amounts, and the audit log a field diff', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await inChinese(page, base, 'admin');
      await page.goto(`${base}/partners?sort=name`);
      const codes = await page
        .locator('table.data tbody tr td:first-child a')
        .evaluateAll((as) => as.map((a) => a.textContent.trim()));
      let shown = false;
      for (const code of codes.slice(0, 40)) {
        await page.goto(`${base}/partners/${code}`);
        const limit = await textOf(page.locator('[data-testid="credit-limit"]'));
        if (limit === '未设置') continue;
        assert.match(limit, /^-?([¥$€£]|[A-Z]{3} )\d{1,3}(,\d{3})*(\.\d+)?$/, `money as people read it: ${limit}`);
        if (!limit.startsWith('¥')) continue;
        assert.match(limit, /^¥\d{1,3}(,\d{3})*\.\d{2}$/, `yuan as people read it: ${limit}`);
        const title = await textOf(page.locator('[data-testid="page-title"]'));
        assert.match(title, CJK, `the title names the partner: ${title}`);
        assert.ok(title.includes(`（${code}）`), `with its code beside the name: ${title}`);
        const owner = page.locator('[data-testid="owner"]');
        if (await owner.count()) {
          assert.match(await textOf(owner), CJK, 'the owner is shown by name');
        }
        await shots(page, 'partner-detail');
        shown = true;
        break;
      }
      assert.ok(shown, 'one of the first partners has a credit limit in yuan');

      // A distributor's downstream: the whole tree, with a count per tier.
      await page.goto(`${base}/partners?depth=1&partner_type=distributor`);
      const top = await page.locator('table.data tbody tr td:first-child a').first().textContent();
      await page.goto(`${base}/partners/${top.trim()}`);
      const tiers = await textOf(page.locator('[data-testid="tier-counts"]'));
      assert.match(tiers, /2级 \d+/, `counts per tier: ${tiers}`);
      const below = await page
        .locator('[data-testid="downstream"] tbody tr td:first-child a')
        .evaluateAll((as) => as.map((a) => a.textContent.trim()));
      assert.ok(below.length > 0 && below.every((name) => CJK.test(name)), `named downstream: ${below}`);
      await shots(page, 'downstream');

      await page.goto(`${base}/admin/audit?action=change_status`);
      const diff = page.locator('[data-testid="diff"]').first();
      await diff.waitFor({ state: 'visible' });
      const text = await textOf(diff);
      assert.match(text, /状态/, `the field is named: ${text}`);
      assert.match(text, /合作中|已暂停|已终止|谈判中/, `the values are words: ${text}`);
      assert.doesNotMatch(text, /[{}"]/, `no JSON: ${text}`);
      const actions = await page
        .locator('[data-testid="audit"] > tbody > tr > td:nth-child(4)')
        .evaluateAll((tds) => tds.map((td) => td.textContent.trim()));
      assert.ok(actions.every((a) => a === '变更状态'), `actions in words: ${actions}`);
      await shots(page, 'audit');

      await page.goto(`${base}/admin/audit`);
      const all = await page
        .locator('[data-testid="audit"] > tbody > tr > td:nth-child(4)')
        .evaluateAll((tds) => tds.map((td) => td.textContent.trim()));
      assert.ok(!all.includes('登录'), 'sign-ins are left out unless asked for');
    });
  });

  test('a partner user reads no internal reason or login, and is told it buys from another partner', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await inChinese(page, base, 'partner.user');
      await page.goto(`${base}/partners`);
      const own = await page
        .locator('table.data tbody tr td:first-child a')
        .first()
        .textContent();
      await page.goto(`${base}/partners/${own.trim()}`);
      assert.equal(
        await textOf(page.locator('[data-testid="parent"]')),
        '从其他合作伙伴进货',
        'its distributor is out of its sight, and it does not buy from us directly',
      );
      const history = page.locator('[data-testid="status-history"]');
      await history.waitFor({ state: 'visible' });
      const headers = await history.locator('xpath=..').locator('thead th').allTextContents();
      assert.ok(!headers.includes('原因') && !headers.includes('操作人'), `no reason or actor column: ${headers}`);
      const body = await page.locator('main').innerText();
      for (const internal of ['合同签署', '初次拜访', '评估通过', '回款逾期', 'manager']) {
        assert.ok(!body.includes(internal), `the page does not show "${internal}"`);
      }
      await shots(page, 'partner-user-detail');
    });
  });
});
