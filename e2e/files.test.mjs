// Chinese-first files, phone tables and light pages, in a browser, in
// Chinese: a partner file written with the UI's words (经销商, 金牌, 合作中)
// imports, the upload redirects to its result (a refresh posts nothing), and
// the result links to what was imported; a partners file uploaded as
// contacts is one error naming the expected headers; a Chinese export is
// named 合作伙伴_<day>.xlsx; on a phone the partner list keeps its first
// column in place and shows that it scrolls; the chart library loads only
// on a page with a chart. Every page is checked with axe-core (support.mjs).
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  DEMO_PASSWORD,
  PHONE,
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
const SHOTS = process.env.SHOTS_DIR;

/** A screenshot for people to look at, when SHOTS_DIR is set. */
async function shot(page, name) {
  if (!SHOTS) return;
  await fs.mkdir(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/** Uploads `text` as a CSV of `kind` through the import form. */
async function upload(page, kind, name, text) {
  await page.locator('#kind').selectOption(kind);
  await page.locator('#file').setInputFiles({
    name,
    mimeType: 'text/csv',
    buffer: Buffer.from(text, 'utf8'),
  });
  return submit(page, page.getByRole('button', { name: '导入' }), '/imports');
}

describe('Chinese-first files, phone tables and light pages', () => {
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

  test('a partner file in Chinese words imports, redirects to its result and links to what it made', { timeout: 90_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/imports`);
      const posts = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(r.url());
      });
      const file =
        '编码,名称,类型,等级,状态,区域编码\n' +
        `ZH-${RUN}-1,中文导入经销,经销商,金牌,合作中,310000\n` +
        `ZH-${RUN}-2,中文导入代理,代理商,银牌,潜在,310000\n`;
      const posted = await upload(page, 'partners', '中文.csv', file);
      assert.equal(posted.status(), 303, 'the upload answers with a redirect');
      assert.equal(pathOf(page), '/imports/result');
      assert.ok(!page.url().includes('_csrf'), page.url());
      const report = page.getByTestId('import-report');
      assert.match(await textOf(report), /已导入 2 条记录/);
      await shot(page, 'files-import-result-desktop.png');

      await page.reload();
      await page.waitForLoadState('load');
      assert.equal(pathOf(page), '/imports/result');
      assert.equal(posts.length, 1, `a refresh posts nothing: ${posts.join(', ')}`);

      await Promise.all([
        page.waitForURL(atPath(`/partners/ZH-${RUN}-1`)),
        page.getByTestId('import-records').getByRole('link', { name: `ZH-${RUN}-1` }).click(),
      ]);
      const details = await textOf(page.locator('dl.details'));
      assert.match(details, /经销商/);
      assert.match(details, /合作中/);

      await page.goto(`${base}/imports/result`);
      await Promise.all([
        page.waitForURL(atPath('/partners')),
        page.getByTestId('import-list').click(),
      ]);
    }, { failureShot: 'files-failure-import.png' }));

  test('a partners file uploaded as contacts is one error naming the expected headers', { timeout: 90_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/imports`);
      let file = '编码,名称,类型,等级,区域编码\n';
      for (let i = 0; i < 117; i += 1) file += `W${RUN}${i},伙伴${i},经销商,金牌,310000\n`;
      const posted = await upload(page, 'contacts', 'partners.csv', file);
      assert.equal(posted.status(), 303);
      const errors = page.getByTestId('import-errors');
      assert.equal(await errors.locator('tbody tr').count(), 1);
      const row = await textOf(errors.locator('tbody tr').first());
      assert.match(row, /这些表头不是联系人文件的表头。/);
      assert.match(row, /合作伙伴编码、姓名、职务、电话、邮箱、生日/);
      assert.doesNotMatch(row, /row|header/);
      await shot(page, 'files-import-wrong-kind-desktop.png');

      const template = await page.request.get(`${base}/imports/templates/partners.zh.csv`);
      const sample = (await template.text()).replace(/^\uFEFF/, '');
      await page.goto(`${base}/imports`);
      await upload(page, 'partners', 'template.csv', sample);
      assert.match(await textOf(page.getByTestId('import-errors')), /示例行/);
    }, { failureShot: 'files-failure-wrong-kind.png' }));

  test('a Chinese export is named after its list and day, with Chinese headers', { timeout: 60_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      const res = await page.request.get(`${base}/partners?format=xlsx`);
      assert.equal(res.status(), 200);
      const disposition = res.headers()['content-disposition'];
      const day = /_(\d{4}-\d{2}-\d{2})\.xlsx/.exec(disposition)?.[1];
      assert.ok(day, disposition);
      assert.ok(
        disposition.includes(`filename*=UTF-8''${encodeURIComponent(`合作伙伴_${day}.xlsx`)}`),
        disposition,
      );
      assert.ok(disposition.includes(`filename="partners_${day}.xlsx"`), disposition);
    }, { failureShot: 'files-failure-export.png' }));

  test('on a phone the partner list keeps its first column and shows that it scrolls', { timeout: 60_000 }, () =>
    journey(async (page) => {
      await page.setViewportSize(PHONE);
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      const scripts = [];
      page.on('request', (r) => {
        if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
      });
      await page.goto(`${base}/partners`);
      const wrap = page.locator('.table-wrap').first();
      const first = page.locator('table.data tbody tr:first-child td:first-child').first();
      assert.equal(await first.evaluate((el) => getComputedStyle(el).position), 'sticky');
      assert.match(await wrap.getAttribute('class'), /more-right/, 'a cue that more columns follow');
      const before = await first.boundingBox();
      await wrap.evaluate((el) => { el.scrollLeft = 300; el.dispatchEvent(new Event('scroll')); });
      await page.waitForFunction(() => document.querySelector('.table-wrap').classList.contains('scrolled'));
      const afterScroll = await first.boundingBox();
      assert.equal(Math.round(afterScroll.x), Math.round(before.x), 'the first column stays in place');
      await wrap.evaluate((el) => { el.scrollLeft = 0; });
      await shot(page, 'files-partners-phone.png');
      assert.ok(!scripts.some((s) => s.includes('echarts')), `no chart library on a list: ${scripts}`);

      // The menu toggle lives in the header landmark and still opens the menu.
      const menu = page.locator('nav.sidebar');
      assert.equal(await menu.isVisible(), false);
      await page.locator('label.nav-toggle-label').click();
      await menu.waitFor({ state: 'visible' });

      await page.goto(`${base}/`);
      await page.locator('#chart-partners-by-type canvas').waitFor({ state: 'attached' });
      assert.ok(scripts.some((s) => s.includes('echarts')), 'the chart page loads it');
      await shot(page, 'files-home-phone.png');
    }, { failureShot: 'files-failure-phone.png' }));
});
