// Browser journey over 返利激励 (incentive programs), on the demo: a channel
// manager, in Chinese, writes a program in the editor, is shown the bad
// bracket at its path by "检查" with nothing saved, fixes it, saves the
// draft, finds it in the list by name, and puts it in force after the
// confirmation.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  pathOf,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

const program = (thirdFrom) => `{
  "kind": "rebate",
  "code": "RB-E2E",
  "name": "浏览器测试返利",
  "version": 1,
  "currency": "CNY",
  "effective_from": "2026-01-01",
  "effective_to": "2026-12-31",
  "period": "quarter",
  "scope": { "partner_types": ["distributor"], "grades": ["gold"] },
  "base": { "measure": "sell_in_net" },
  "mode": "retroactive",
  "brackets": [
    { "from": "0%", "rate": "1%" },
    { "from": "80%", "rate": "2%" },
    { "from": "${thirdFrom}", "rate": "3%" }
  ],
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "cash" }
}`;

describe('incentive programs in a browser', () => {
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

  test('渠道经理在编辑器中编写方案、检查、保存并生效', { timeout: 60_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/incentives/new`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '新建方案');
      const editor = page.locator('[data-testid=program-document]');
      assert.match(await editor.inputValue(), /"kind": "rebate"/, 'a new program starts from the documented example');

      await editor.fill(program('80%'));
      let res = await submit(page, page.locator('[data-testid=check-program]'), '/incentives');
      assert.equal(res.status(), 422);
      const problem = await textOf(page.locator('[data-testid=program-problem]').first());
      assert.match(problem, /brackets\[2\]\.from/);
      assert.match(problem, /与上一档重叠/);
      await snap(page, 'incentives-01-editor-problem-zh.png');

      await page.locator('[data-testid=program-document]').fill(program('100%'));
      res = await submit(page, page.locator('[data-testid=save-program]'), '/incentives');
      assert.equal(res.status(), 303);
      assert.equal(pathOf(page), '/incentives/RB-E2E');
      assert.equal(await textOf(page.locator('[data-testid=status]').first()), '草稿');
      assert.match(await textOf(page.locator('[data-testid=brackets]')), /从 100% 起 → 费率 3%/);

      await page.goto(`${base}/incentives`);
      const row = page.locator('[data-testid=program-row]', { hasText: '浏览器测试返利' });
      assert.equal(await row.count(), 1, 'the list names the program');
      assert.match(await textOf(row), /RB-E2E/);
      assert.match(await textOf(row), /返利/);

      await page.goto(`${base}/incentives/RB-E2E`);
      res = await submit(page, page.locator('[data-testid=activate]'), '/incentives/RB-E2E/versions/1/activate');
      assert.equal(res.status(), 303);
      assert.equal(await textOf(page.locator('[data-testid=status]').first()), '生效中');
      await snap(page, 'incentives-02-in-force-zh.png');
    });
  });
});
