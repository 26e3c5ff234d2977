// Browser journeys for the partner portal and the role-fit pages, in
// Chinese: a distributor's boss opens its portal (company, agreement days
// left, territories), finds no "coming soon" items, reaches My account from
// its name, edits a contact and asks for an address change that its
// channel manager approves; a sales rep moves a recruitment card back and
// out to "not signed"; finance changes a credit limit.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  SETUP_TIMEOUT_MS,
  atPath,
  journeys,
  launchChromium,
  login,
  pathOf,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

const RUN = Date.now().toString(36).toUpperCase().slice(-6);

/** Signs in and switches the UI to Chinese. */
async function signInZh(page, base, who) {
  await login(page, base, who, DEMO_PASSWORD);
  await switchLang(page, 'zh-CN');
}

describe('the partner portal and role-fit pages in Chinese', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  const address = `上海市浦东新区世纪大道 ${RUN} 号`;
  let ownCode;
  let managerLogin;

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

  test('a partner admin opens its portal, edits a contact and asks for an address change', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await signInZh(page, base, 'partner.admin');
      assert.equal(pathOf(page), '/');
      const company = page.locator('[data-testid=portal-company]');
      assert.match(await textOf(company), /公司信息/);
      const title = await textOf(page.locator('[data-testid=page-title]'));
      assert.ok(title.length > 0 && (await textOf(company)).includes(title), 'the portal is about its own company');
      const days = Number(await textOf(page.locator('[data-testid=days-left]')));
      assert.ok(Number.isInteger(days) && days >= 0, `days left in the agreement: ${days}`);
      assert.match(await textOf(page.locator('[data-testid=portal-agreement]')), /天后当前协议到期/);
      const territories = page.locator('[data-testid=portal-territories] tbody tr');
      assert.ok((await territories.count()) > 0, 'its territories are listed');
      assert.match(await textOf(page.locator('[data-testid=portal-grade]')), /等级与权益/);
      const manager = await textOf(page.locator('[data-testid=portal-account-manager]'));
      managerLogin = manager.includes('李经理') ? 'manager2' : 'manager';

      // Only what exists for a partner: no coming-soon areas, no API docs.
      assert.equal(await page.locator('nav.sidebar a.pending').count(), 0);
      assert.equal(await page.locator('nav.sidebar a[href="/api/docs"]').count(), 0);
      assert.equal(await page.locator('nav.sidebar a[href^="/areas/"]').count(), 0);

      // My account from the name in the header.
      await Promise.all([
        page.waitForURL(atPath('/account')),
        page.locator('[data-testid=user-menu]').click(),
      ]);
      await page.goto(`${base}/`);

      // Its contacts, changed directly.
      await Promise.all([
        page.waitForURL((url) => url.pathname.startsWith('/partners/')),
        page.locator('[data-testid=portal-edit-contacts]').click(),
      ]);
      ownCode = pathOf(page).split('/')[2];
      const contacts = page.locator('#contacts');
      await contacts.locator('summary').click();
      await contacts.locator('#contact-name').fill(`钱采购 ${RUN}`);
      await contacts.locator('#contact-role').fill('采购');
      await contacts.locator('#contact-phone').fill('021-5555-0199');
      let res = await submit(page, contacts.locator('form[action$="/contacts"] button[type=submit]'), `/partners/${ownCode}/contacts`);
      assert.equal(res.status(), 303, `adding a contact (got ${res.status()})`);
      let row = page.locator('[data-testid=contacts] tr', { hasText: `钱采购 ${RUN}` });
      await row.waitFor();
      // Edit it: a new role.
      await Promise.all([
        page.waitForURL((url) => url.pathname.endsWith('/edit')),
        row.locator('[data-testid=edit-contact]').click(),
      ]);
      const editForm = page.locator('[data-testid=contact-form]');
      await editForm.locator('#contact-role').fill('采购经理');
      res = await submit(page, editForm.locator('button[type=submit]'), pathOf(page));
      assert.equal(res.status(), 303, `editing the contact (got ${res.status()})`);
      assert.match(await textOf(page.locator('.flash')), /已更新/);
      row = page.locator('[data-testid=contacts] tr', { hasText: `钱采购 ${RUN}` });
      assert.match(await textOf(row), /采购经理/);
      res = await submit(page, row.locator('form button[type=submit]'), new URL(await row.locator('form').evaluate((f) => f.action)).pathname);
      assert.equal(res.status(), 303, 'removing it again');
      assert.equal(await page.locator('[data-testid=contacts] tr', { hasText: `钱采购 ${RUN}` }).count(), 0);

      // The address is the manager's: a request, pending until decided.
      await page.goto(`${base}/partners/${ownCode}#changes`);
      const form = page.locator('[data-testid=change-request-form]');
      await form.locator('#change-field').selectOption('address');
      await form.locator('#change-value').fill(address);
      res = await submit(page, form.locator('button[type=submit]'), `/partners/${ownCode}/changes`);
      assert.equal(res.status(), 303, `requesting a change (got ${res.status()})`);
      assert.match(await textOf(page.locator('.flash')), /等待客户经理审批/);
      const pending = page.locator('[data-testid=change-rows] tr', { hasText: address });
      assert.match(await textOf(pending), /待审批/);
    });

    // Its channel manager approves it from the queue.
    await journey(async (page) => {
      await signInZh(page, base, managerLogin);
      const card = page.locator('[data-testid=pending-changes]');
      assert.ok(Number(await textOf(card.locator('.card-value'))) >= 1, 'the manager\'s home counts the request');
      await page.goto(`${base}/partners/changes`);
      const row = page.locator('[data-testid=change-rows] tr', { hasText: address });
      const action = await row.locator('form[action$="/approve"]').getAttribute('action');
      const res = await submit(page, row.locator('[data-testid=approve-request]'), action);
      assert.equal(res.status(), 303, `approving (got ${res.status()})`);
      assert.match(await textOf(page.locator('.flash')), /已批准/);
      await page.goto(`${base}/partners/${ownCode}`);
      assert.match(await textOf(page.locator('dl.details').first()), new RegExp(address));
    });

    await journey(async (page) => {
      await signInZh(page, base, 'partner.admin');
      assert.match(await textOf(page.locator('[data-testid=portal-company]')), new RegExp(address));
    });
  });

  test('a rep moves a recruitment card back a stage and out to not signed', { timeout: 120_000 }, async () => {
    const code = `E2E-${RUN}-R`;
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await page.goto(`${base}/partners/new`);
      await page.locator('#code').fill(code);
      await page.locator('#name').fill(`招商测试 ${RUN}`);
      await page.locator('#partner_type').selectOption('retailer');
      await page.locator('#status').selectOption('prospect');
      await page.locator('#owner_login').fill('rep');
      const res = await submit(page, page.locator('form[action="/partners"] button[type=submit]'), '/partners');
      assert.equal(res.status(), 303, `creating ${code} (got ${res.status()})`);
    });
    await journey(async (page) => {
      await signInZh(page, base, 'rep');
      assert.match(await textOf(page.locator('[data-testid=pipeline-counts]')), /我的招商卡片/);
      const move = async (status, reason, column) => {
        await page.goto(`${base}/partners/pipeline`);
        const card = page.locator(`.board-card[data-code="${code}"]`);
        await card.locator('select[name=status]').selectOption(status);
        await card.locator('input[name=reason]').fill(reason);
        const res = await submit(page, card.locator('button[type=submit]'), '/partners/pipeline/move');
        assert.equal(res.status(), 303, `moving to ${status} (got ${res.status()})`);
        const landed = page.locator(`.board-column[data-stage="${column}"] .board-card[data-code="${code}"]`);
        await landed.waitFor();
        return landed;
      };
      await move('screening', '资料齐全，进入评估', 'screening');
      // The option says where the card goes, in words.
      const options = await page
        .locator(`.board-card[data-code="${code}"] select[name=status] option`)
        .allInnerTexts();
      assert.ok(options.some((o) => o.startsWith('退回')), `a move back is offered: ${options}`);
      assert.ok(options.includes('未签约（流失）'), `lost is offered: ${options}`);
      await move('prospect', '缺少财务报表，退回', 'prospect');
      // Without a reason the card stays, and says why.
      await page.goto(`${base}/partners/pipeline`);
      const card = page.locator(`.board-card[data-code="${code}"]`);
      await card.locator('select[name=status]').selectOption('terminated');
      const res = await submit(page, card.locator('button[type=submit]'), '/partners/pipeline/move');
      assert.equal(res.status(), 422);
      await page.locator(`.board-card[data-code="${code}"] .field-error`).waitFor();
      const lost = await move('terminated', '选择了竞品', 'lost');
      assert.match(await textOf(lost.locator('[data-testid=lost-reason]')), /选择了竞品/);
      assert.equal(await lost.locator('select').count(), 0, 'a lost card moves no more');
    });
  });

  test('finance changes a credit limit with a reason and edits nothing else', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await signInZh(page, base, 'finance');
      const list = page.locator('[data-testid=credit-limits]');
      assert.match(await textOf(list), /信用额度最高的合作伙伴/);
      await page.locator('[data-testid=suspended-count]').waitFor();
      await Promise.all([
        page.waitForURL((url) => url.pathname.startsWith('/partners/')),
        list.locator('a').first().click(),
      ]);
      const code = pathOf(page).split('/')[2];
      assert.equal(await page.locator('[data-testid=edit-partner]').count(), 0, 'finance does not edit the record');
      const form = page.locator('[data-testid=credit-limit-form]');
      await form.locator('#credit-limit-amount').fill('123456.78');
      await form.locator('#credit-limit-reason').fill('');
      let res = await submit(page, form.locator('button[type=submit]'), `/partners/${code}/credit-limit`);
      assert.equal(res.status(), 422, 'a reason is required');
      await page.locator('#credit-limit .field-error').waitFor();
      await page.locator('#credit-limit-reason').fill('年度授信评审上调');
      res = await submit(page, page.locator('[data-testid=credit-limit-form] button[type=submit]'), `/partners/${code}/credit-limit`);
      assert.equal(res.status(), 303, `changing the limit (got ${res.status()})`);
      assert.match(await textOf(page.locator('.flash')), /信用额度已调整/);
      assert.match(await textOf(page.locator('[data-testid=credit-limit]')), /123,456\.78/);
    });
  });
});
