// Browser journeys for people and their reach: an admin assigns a region to
// a channel manager on the user page, and the manager then sees the partners
// homed in it; a partner admin creates a staff account on "我的团队" (My
// team), and the new staff member signs in with the password shown once.
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
  logout,
  pathOf,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

const RUN = Date.now().toString(36).toUpperCase().slice(-6);
// 新疆维吾尔自治区: a region the demo's owners have no say in.
const XINJIANG = '650000';

describe('people and their reach in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;

  const partner = { code: `E2E-${RUN}-X`, name: `天山商贸 E2E ${RUN}` };
  const staff = { login: `e2e.staff.${RUN.toLowerCase()}`, name: `店员 E2E ${RUN}` };

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

  test('a manager sees a region\'s partners once an admin assigns the region', { timeout: 120_000 }, async () => {
    // An admin records a partner homed in Xinjiang that nobody owns.
    await journey(async (page) => {
      await login(page, base, 'admin', DEMO_PASSWORD);
      await page.goto(`${base}/partners/new`);
      await page.getByLabel('Code', { exact: true }).fill(partner.code);
      await page.getByLabel('Name', { exact: true }).fill(partner.name);
      await page.locator('#partner_type').selectOption('distributor');
      await page.locator('#region_code').fill(XINJIANG);
      const res = await submit(page, page.locator('form[action="/partners"] button[type=submit]'), '/partners');
      assert.equal(res.status(), 303, `creating ${partner.code} (got ${res.status()})`);
      assert.equal(pathOf(page), `/partners/${partner.code}`);
    });

    // The manager neither owns it nor covers Xinjiang: it does not exist for them.
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      const res = await page.goto(`${base}/partners/${partner.code}`);
      assert.equal(res.status(), 404, 'outside the scope a partner answers 404');
    });

    // The admin assigns Xinjiang to the manager on the user page.
    await journey(async (page) => {
      await login(page, base, 'admin', DEMO_PASSWORD);
      await page.goto(`${base}/admin/users?q=manager`);
      await Promise.all([
        page.waitForURL(atPath('/admin/users/manager/regions')),
        page.locator('a[href="/admin/users/manager/regions"]').click(),
      ]);
      const bad = await (async () => {
        await page.locator('#region_code').fill('999999');
        return submit(page, page.locator('form[action="/admin/users/manager/regions"] button[type=submit]'), '/admin/users/manager/regions');
      })();
      assert.equal(bad.status(), 422, 'an unknown region is refused');
      assert.match(await textOf(page.locator('[data-testid="region-error"]')), /no such region/);
      await page.locator('#region_code').fill(XINJIANG);
      const res = await submit(page, page.locator('form[action="/admin/users/manager/regions"] button[type=submit]'), '/admin/users/manager/regions');
      assert.equal(res.status(), 303, `assigning the region (got ${res.status()})`);
      const covered = await textOf(page.locator('[data-testid="covered-regions"]'));
      assert.match(covered, /新疆/, covered);
      await snap(page, 'people-regions-assigned.png');
    });

    // Now the manager finds it in the list and opens it.
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await page.goto(`${base}/partners?q=${encodeURIComponent(partner.code)}`);
      const link = page.locator(`table.data tbody a[href="/partners/${partner.code}"]`).first();
      await link.waitFor({ state: 'visible' });
      await Promise.all([page.waitForURL(atPath(`/partners/${partner.code}`)), link.click()]);
      assert.match(await textOf(page.locator('h1')), new RegExp(partner.name));
      await snap(page, 'people-manager-sees-region.png');
    });
  });

  test('a partner admin creates a staff account in Chinese, and the staff member signs in', { timeout: 120_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await Promise.all([
        page.waitForURL(atPath('/team')),
        page.locator('nav.sidebar a[href="/team"]').click(),
      ]);
      assert.equal(await textOf(page.locator('[data-testid="page-title"]')), '我的团队');
      await page.locator('#login').fill(staff.login);
      await page.locator('#display_name').fill(staff.name);
      const res = await submit(page, page.locator('form[action="/team"] button[type=submit]'), '/team');
      assert.equal(res.status(), 200, `creating the staff account (got ${res.status()})`);
      const shown = page.locator('[data-testid="issued-password"]');
      assert.match(await textOf(shown), /仅此一次显示/);
      const password = (await page.locator('[data-testid="password"]').innerText()).trim();
      assert.equal(password.length, 20, 'a generated password');
      const row = page.locator(`[data-testid="team"] tr[data-login="${staff.login}"]`);
      assert.match(await textOf(row), /渠道商员工/);
      await snap(page, 'people-team-created.png');

      await page.goto(`${base}/team`);
      assert.equal(await page.locator('[data-testid="password"]').count(), 0, 'shown once only');
      await logout(page);

      await login(page, base, staff.login, password);
      assert.equal(pathOf(page), '/');
      const team = await page.goto(`${base}/team`);
      assert.equal(team.status(), 403, 'staff have no team page');
    }),
  );
});
