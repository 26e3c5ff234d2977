// Browser journeys for the shared form conventions (docs/UI.md), in Chinese:
// pickers instead of typed codes, errors the user can see where the form is,
// and a confirmation before what cannot be undone.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  ARTIFACTS,
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  offered,
  pathOf,
  snap,
  snapPart,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

const RUN = Date.now().toString(36).toUpperCase().slice(-6);

/** Whether the element is inside the viewport as it stands. */
function inViewport(locator) {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight && r.height > 0;
  });
}

describe('forms in a browser (zh-CN)', () => {
  let qudao;
  let base;
  let browser;
  let journey;

  const partner = { code: `F${RUN}`, name: `润泽测试贸易有限公司${RUN}` };

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

  test('经理通过选择器按中文名称选取合作伙伴、区域和产品线并保存授权', { timeout: 180_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');

      // A partner of the manager's own, its region picked by name.
      await page.goto(`${base}/partners/new`);
      await page.locator('#code').fill(partner.code);
      await page.locator('#name').fill(partner.name);
      await page.locator('#partner_type').selectOption('distributor');
      const pudong = await offered(page, 'region_code', '浦东', '310115');
      assert.match(await textOf(pudong), /中国 › 上海市 › .*浦东新区/, 'the region shows its tree path');
      await snap(page, 'forms-01-region-picker.png');
      await pudong.click();
      assert.equal(await page.locator('#region_code').inputValue(), '浦东新区', 'the name is shown');
      assert.equal(
        await page.locator('[data-picker] input[type=hidden][name=region_code]').inputValue(),
        '310115',
        'the code is what the form posts',
      );
      const created = await submit(page, page.locator('#partner-form button[type=submit]'), '/partners');
      assert.equal(created.status(), 303, `creating ${partner.code} (got ${created.status()})`);
      assert.equal(pathOf(page), `/partners/${partner.code}`);

      // Editing it, the pickers read as names while they keep the codes.
      await page.goto(`${base}/partners/${partner.code}/edit`);
      await page.waitForFunction(() => document.querySelector('#region_code').value === '浦东新区');
      await page.waitForFunction(() => document.querySelector('#owner_login').value.startsWith('王经理'));
      assert.equal(
        await page.locator('[data-picker] input[type=hidden][name=owner_login]').inputValue(),
        'manager',
      );

      // The new-authorization form: every field chosen by its Chinese name,
      // the partner and the product line with the keyboard.
      await page.goto(`${base}/territories/authorizations/new`);
      const who = page.locator('#partner_code');
      await who.click();
      await who.pressSequentially('润泽测试');
      await page.locator(`#partner_code-list [role=option][data-value="${partner.code}"]`).waitFor();
      while ((await who.getAttribute('aria-activedescendant')) !==
        (await page.locator(`#partner_code-list [role=option][data-value="${partner.code}"]`).getAttribute('id'))) {
        await who.press('ArrowDown');
      }
      await who.press('Enter');
      assert.equal(await who.inputValue(), partner.name);
      // The list closes after the choice is made: waited for, as a busy
      // machine may paint it a moment later.
      await page.locator('#partner_code[aria-expanded="false"]').waitFor({ timeout: 5_000 });

      await (await offered(page, 'region_code', '杭州', '330100')).click();
      await offered(page, 'product_line', '饮料', 'BEVERAGE');
      await page.locator('#product_line').press('Enter');
      assert.equal(await page.locator('#product_line').inputValue(), '饮料');

      await page.locator('#mode').selectOption('intensive');
      const today = new Date().toISOString().slice(0, 10);
      const nextYear = new Date(Date.now() + 360 * 86_400_000).toISOString().slice(0, 10);
      await page.locator('#valid_from').fill(today);
      await page.locator('#valid_to').fill(nextYear);
      await snap(page, 'forms-02-authorization-form.png');
      const saved = await submit(
        page,
        page.locator('#authorization-form button[type=submit]'),
        '/territories/authorizations',
      );
      assert.equal(saved.status(), 303, `the grant is saved (got ${saved.status()})`);
      assert.match(pathOf(page), /^\/territories\/authorizations\/AU\d+$/);
      const details = await textOf(page.locator('main'));
      assert.ok(details.includes(partner.code), 'granted to the picked partner');
      assert.ok(details.includes('330100'), 'in the picked region');
      assert.ok(details.includes('BEVERAGE'), 'for the picked product line');
    });
  });

  test('状态变更缺少原因时，错误汇总出现在视口内并标出字段', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/partners/${partner.code}`);
      await page.locator('#status').selectOption('suspended');
      await page.locator('#reason').fill('');
      const refused = await submit(
        page,
        page.locator('#status-form button[type=submit]'),
        `/partners/${partner.code}/status`,
      );
      assert.equal(refused.status(), 422);
      assert.equal(pathOf(page), `/partners/${partner.code}`, 'the URL stays the partner page');
      const summary = page.locator('#status-form [data-testid="error-summary"]');
      await summary.waitFor({ state: 'visible' });
      assert.ok(await inViewport(summary), 'the error summary is in view');
      assert.match(await textOf(summary), /请更正以下内容：.*原因/);
      const reason = page.locator('#reason');
      assert.equal(await reason.getAttribute('aria-invalid'), 'true');
      assert.equal(
        await reason.evaluate((el) => getComputedStyle(el).borderTopColor),
        'rgb(220, 38, 38)',
        'the field in error has the red border',
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'forms-03-status-error.png') });
      await snapPart(page.locator('#status-form'), 'forms-03-status-error-form.png');
      await page.setViewportSize(PHONE);
      await page.locator('#status-form [data-testid="error-summary"] a[href="#reason"]').click();
      assert.ok(await inViewport(reason), 'the summary links to the field');
      await page.screenshot({ path: path.join(ARTIFACTS, 'forms-03-status-error-phone.png') });

      // The picker at phone width.
      await page.goto(`${base}/territories/authorizations/new`);
      await offered(page, 'partner_code', '润泽', partner.code);
      await page.screenshot({ path: path.join(ARTIFACTS, 'forms-05-picker-phone.png') });
    });
  });

  test('终止合作须经确认对话框：先取消不做任何改变，再确认', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/partners/${partner.code}`);
      const badge = page.locator('[data-testid="partner-status"]');
      assert.equal(await textOf(badge), '合作中');
      const posts = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(r.url());
      });

      await page.locator('#status').selectOption('terminated');
      await page.locator('#reason').fill('合同到期不再续约（浏览器测试）');
      await page.locator('#status-form button[type=submit]').click();
      const dialog = page.locator('#confirm-dialog');
      await dialog.waitFor({ state: 'visible' });
      const text = await textOf(page.locator('#confirm-text'));
      assert.ok(text.startsWith(`${partner.name}（${partner.code}）将被终止合作。`), text);
      assert.ok(text.includes('此操作不可撤销。'), text);
      assert.ok(text.includes('其 1 项有效授权保留至各自到期日。'), text);
      await snap(page, 'forms-04-confirm.png');
      await page.setViewportSize(PHONE);
      await page.screenshot({ path: path.join(ARTIFACTS, 'forms-04-confirm-phone.png') });

      await page.locator('[data-testid="confirm-cancel"]').click();
      await dialog.waitFor({ state: 'hidden' });
      assert.deepEqual(posts, [], 'cancelling posts nothing');
      await page.reload();
      assert.equal(await textOf(badge), '合作中', 'still active after cancelling');

      await page.locator('#status').selectOption('terminated');
      await page.locator('#reason').fill('合同到期不再续约（浏览器测试）');
      await page.locator('#status-form button[type=submit]').click();
      await dialog.waitFor({ state: 'visible' });
      // Confirmed, the form posts (by htmx) and the saved change loads the page.
      const [done] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && pathOf({ url: () => r.url() }) === `/partners/${partner.code}/status`),
        page.waitForEvent('load'),
        page.locator('[data-testid="confirm-ok"]').click(),
      ]);
      assert.equal(done.headers()['hx-redirect'], `/partners/${partner.code}`);
      await page.locator('.flash-success').first().waitFor({ state: 'visible' });
      assert.equal(await textOf(badge), '已终止');
    });
  });
});
