// Browser walk through the partner-network pages a channel manager uses
// beside the partner page, in Chinese: a GBK import with a bad row (rejected,
// row and column named, nothing written), then the same file fixed; the
// recruitment board, the grade ladder, the region tree and the expiring
// agreements, each reached from the navigation.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  SETUP_TIMEOUT_MS,
  atPath,
  dataRows,
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

/** Follows the sidebar link to `href` and waits for that page. */
async function viaNavigation(page, href) {
  await Promise.all([
    page.waitForURL(atPath(href)),
    page.locator(`nav a[href="${href}"]`).first().click(),
  ]);
}

/** Uploads `text` as a partners CSV through the import form. */
async function upload(page, name, text) {
  await page.locator('#kind').selectOption('partners');
  await page.locator('#file').setInputFiles({
    name,
    mimeType: 'text/csv',
    buffer: Buffer.from(text, 'utf8'),
  });
  return submit(page, page.getByRole('button', { name: '导入' }), '/imports');
}

/** How many partners the list shows for a search. */
async function partnersMatching(page, base, text) {
  await page.goto(`${base}/partners?q=${encodeURIComponent(text)}`);
  const table = page.locator('table.data').first();
  await table.waitFor({ state: 'visible' });
  return table.locator('tbody tr').count();
}

describe('partner-network pages in a browser', () => {
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

  test('a manager imports partners: a bad row rejects the file, the fixed file goes in', { timeout: 90_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await viaNavigation(page, '/imports');
      assert.equal(await textOf(page.getByTestId('page-title')), '批量导入');
      const template = await page.request.get(`${base}/imports/templates/partners.zh.xlsx`);
      assert.equal(template.status(), 200);
      assert.match(template.headers()['content-type'], /spreadsheetml/);

      // The child comes before its parent; the second child names a parent
      // that exists nowhere.
      const header = '编码,名称,类型,上级编码,区域编码,信用额度\n';
      const bad =
        header +
        `IMP-${RUN}-2,导入二级零售,retailer,IMP-${RUN}-1,440300,"1,000.50"\n` +
        `IMP-${RUN}-1,导入一级经销,distributor,,440300,200000\n` +
        `IMP-${RUN}-3,孤儿零售,retailer,NOWHERE-${RUN},440300,\n`;
      const rejected = await upload(page, 'bad.csv', bad);
      assert.equal(rejected.status(), 422);
      const errors = page.getByTestId('import-errors');
      await errors.waitFor({ state: 'visible' });
      const row = await textOf(errors.locator('tbody tr').first());
      assert.match(row, /^4 上级编码/, row);
      assert.match(await textOf(page.getByTestId('import-report')), /未导入任何数据/);
      await snap(page, 'areas-01-import-rejected.png');
      assert.equal(await partnersMatching(page, base, `IMP-${RUN}`), 0, 'nothing imported');

      await page.goto(`${base}/imports`);
      const good = bad.split('\n').slice(0, 3).join('\n') + '\n';
      const done = await upload(page, 'good.csv', good);
      assert.equal(done.status(), 200);
      assert.match(await textOf(page.getByTestId('import-report')), /已导入 2 条记录/);
      await snap(page, 'areas-02-import-done.png');
      await page.goto(`${base}/partners/IMP-${RUN}-2`);
      assert.match(await textOf(page.locator('dl.details')), new RegExp(`IMP-${RUN}-1`));
      assert.match(await textOf(page.getByTestId('credit-limit')), /^¥1,000\.50$/);
    }, { failureShot: 'areas-failure-import.png' }));

  test('the board, the grade ladder, the region tree and expiring agreements are one click away', { timeout: 90_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');

      await viaNavigation(page, '/partners/pipeline');
      const board = page.getByTestId('pipeline');
      await board.waitFor({ state: 'visible' });
      for (const stage of ['prospect', 'screening', 'negotiating']) {
        const column = board.locator(`section.board-column[data-stage="${stage}"]`);
        assert.ok((await column.locator('article.board-card').count()) > 0, `cards in ${stage}`);
      }
      await snap(page, 'areas-03-pipeline.png');

      await viaNavigation(page, '/partners/grades');
      const grades = await textOf(page.getByTestId('grades'));
      for (const name of ['注册', '银牌', '金牌', '白金']) {
        assert.ok(grades.includes(name), `grade ${name} in ${grades}`);
      }

      await viaNavigation(page, '/territories/regions');
      await page.goto(`${base}/territories/regions/310000`);
      const children = page.locator('ul.region-children li');
      assert.ok((await children.count()) > 0, 'Shanghai has districts');
      await snap(page, 'areas-04-region.png');

      await viaNavigation(page, '/agreements');
      await page.goto(`${base}/agreements/expiring`);
      assert.ok((await dataRows(page)) > 0, 'the demo has agreements ending within 60 days');
      await snap(page, 'areas-05-expiring.png');
    }, { failureShot: 'areas-failure-pages.png' }));
});
