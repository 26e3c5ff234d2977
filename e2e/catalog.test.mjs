// Browser journeys for the catalog, in Chinese: a channel manager adds a
// product, choosing its product line with the picker by its Chinese name,
// and finds it in the product list with the "new" badge; a partner's user
// sees its channel's products, without cost, from the portal navigation,
// and on a phone too.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  atPath,
  journeys,
  launchChromium,
  login,
  snap,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

const RUN = Date.now().toString(36).toUpperCase().slice(-6);

async function signInZh(page, base, who) {
  await login(page, base, who, DEMO_PASSWORD);
  await switchLang(page, 'zh-CN');
}

describe('the catalog in Chinese', () => {
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

  test('a channel manager adds a product with the line picker and finds it in the list', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await signInZh(page, base, 'manager');
      await Promise.all([
        page.waitForURL(atPath('/catalog/products')),
        page.locator('nav.sidebar a[href="/catalog/products"]').click(),
      ]);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '产品');
      await Promise.all([
        page.waitForURL(atPath('/catalog/products/new')),
        page.locator('[data-testid=new-product]').click(),
      ]);
      const sku = `E2E-${RUN}`;
      await page.locator('#sku').fill(sku);
      await page.locator('#name').fill(`明前龙井 ${RUN}`);
      await page.locator('#name_en').fill(`Pre-Qingming Longjing ${RUN}`);
      const line = page.locator('#product_line');
      await line.click();
      await line.pressSequentially('茶饮');
      const option = page.locator('#product_line-list [role=option][data-value="TEA"]');
      await option.waitFor({ state: 'visible' });
      await option.click();
      assert.equal(await line.inputValue(), '茶饮');
      await page.locator('#category').fill('绿茶');
      await page.locator('#unit').fill('盒');
      await page.locator('#list_price').fill('368');
      await page.locator('#cost').fill('190');
      await page.locator('#launch_date').fill(new Date().toISOString().slice(0, 10));
      await snap(page, 'catalog-01-product-form.png');
      const saved = await submit(page, page.locator('#product-form button[type=submit]'), '/catalog/products');
      assert.equal(saved.status(), 303);
      assert.match(await textOf(page.locator('[data-testid=page-title]')), new RegExp(sku));
      assert.equal(await textOf(page.locator('[data-testid=list-price]')), '¥368.00');
      assert.equal(await textOf(page.locator('[data-testid=cost]')), '¥190.00');

      await page.goto(`${base}/catalog/products?q=${sku}`);
      const rows = page.locator('[data-testid=products] tbody tr');
      assert.equal(await rows.count(), 1);
      const row = await textOf(rows.first());
      assert.match(row, /明前龙井/);
      assert.match(row, /茶饮/);
      assert.match(row, /新品/);
      assert.match(row, /¥368\.00/);
      await snap(page, 'catalog-02-product-list.png');
    });
  });

  test("a partner's user sees its channel's products without cost", { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await signInZh(page, base, 'partner.user');
      await Promise.all([
        page.waitForURL(atPath('/catalog/products')),
        page.locator('nav.sidebar a[href="/catalog/products"]').click(),
      ]);
      const table = page.locator('[data-testid=products]');
      assert.ok((await table.locator('tbody tr').count()) > 0, 'its channel has products');
      const head = await textOf(table.locator('thead'));
      assert.doesNotMatch(head, /成本/);
      const body = await textOf(table.locator('tbody'));
      // Commercial coffee machines are for distributors and online stores.
      assert.doesNotMatch(body, /CPRO-/);
      assert.match(body, /TEA-/);
      // On a phone the list scrolls sideways inside its frame, the product
      // column fixed, and the page itself does not.
      await page.setViewportSize(PHONE);
      await page.reload();
      const wrap = page.locator('.table-wrap').first();
      assert.match(await wrap.getAttribute('class'), /more-right/, 'a cue that more columns follow');
      const first = page.locator('[data-testid=products] tbody tr:first-child td:first-child');
      assert.equal(await first.evaluate((el) => getComputedStyle(el).position), 'sticky');
      assert.ok(
        await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1),
        'the page does not scroll sideways',
      );
      await snap(page, 'catalog-03-partner-phone.png');
      await page.goto(`${base}/catalog/products/CPRO-ESP-2G`);
      assert.match(await textOf(page.locator('main')), /未找到/);
    });
  });
});
