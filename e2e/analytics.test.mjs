// Browser journeys over 经营分析 (the analytics dashboard) on the demo's
// year of trade:
// - the channel manager, in Chinese, opens the dashboard from the menu,
//   reads the numbers with their change on last year, clicks the province
//   with the most sell-in on the China map, then a partner of that
//   province, then that partner's sell-in number, and lands on the lines
//   behind it: every line that partner's, as many as the total says, with
//   an xlsx export of them;
// - the same in English, at phone width: the charts are drawn and the
//   words are English;
// - a partner's boss sees its own dashboard; another partner's code in the
//   URL or in an API request is "not found".
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  DEMO_PASSWORD,
  PHONE,
  SETUP_TIMEOUT_MS,
  journeys,
  launchChromium,
  login,
  snap,
  startQudao,
  switchLang,
  textOf,
} from './support.mjs';

function sqlite(file, sql) {
  return execFileSync('sqlite3', [file, sql], { encoding: 'utf8' }).trim();
}

const YEAR = String(new Date().getFullYear());

/** Waits until ECharts has drawn the chart in `#id` and answers its option. */
async function drawn(page, id) {
  await page.waitForFunction(
    (el) => window.echarts && document.getElementById(el) && window.echarts.getInstanceByDom(document.getElementById(el)),
    id,
  );
  return page.evaluate((el) => window.echarts.getInstanceByDom(document.getElementById(el)).getOption(), id);
}

describe('analytics in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;
  let stranger;

  before(async () => {
    qudao = await startQudao({
      beforeServe: async (file) => {
        // A partner outside the partner admin's organisation.
        stranger = sqlite(
          file,
          `SELECT p.code FROM partners p, users u JOIN partners own ON own.id = u.partner_id
           WHERE u.login = 'partner.admin' AND p.path NOT LIKE own.path || '%'
           ORDER BY p.code LIMIT 1`,
        );
      },
    });
    base = qudao.base;
    browser = await launchChromium();
    journey = journeys(browser, qudao.log);
  }, { timeout: SETUP_TIMEOUT_MS });

  after(async () => {
    await browser?.close().catch(() => {});
    await qudao?.close();
  });

  test('渠道经理从中国地图下钻到一个伙伴的进货明细', { timeout: 180_000 }, async () => {
    await journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.locator('nav a[href="/analytics"]').first().click();
      await page.waitForURL((url) => url.pathname === '/analytics');
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '经营分析');
      const sellIn = page.locator('[data-testid=kpi-sell_in_amount]');
      assert.match(await textOf(sellIn.locator('.card-label')), /进货额/);
      assert.match(await textOf(sellIn.locator('.card-value')), /^¥[\d,]+\.\d\d$/);

      // The map: the province with the most sell-in, clicked where it is drawn.
      const option = await drawn(page, 'chart-map');
      const provinces = option.series[0].data.filter((d) => Number(d.value) > 0);
      assert.ok(provinces.length > 0, 'the map has provinces with sell-in');
      const top = provinces.reduce((a, b) => (Number(b.value) > Number(a.value) ? b : a));
      const at = await page.evaluate((id) => {
        const chart = window.echarts.getInstanceByDom(document.getElementById('chart-map'));
        const feature = window.echarts.getMap('china').geoJSON.features.find((f) => f.properties.id === id);
        const p = feature.properties;
        const lnglat = p.cp || [p.longitude, p.latitude];
        return chart.convertToPixel({ seriesIndex: 0 }, lnglat);
      }, top.name);
      await snap(page, 'analytics-01-dashboard-zh.png');
      await page.locator('#chart-map').scrollIntoViewIfNeeded();
      const box = await page.locator('#chart-map').boundingBox();
      await Promise.all([
        page.waitForURL((url) => (url.searchParams.get('region') || '').startsWith(top.name)),
        page.mouse.click(box.x + at[0], box.y + at[1]),
      ]);
      const region = new URL(page.url()).searchParams.get('region');
      assert.match(region, /^\d{6}$/, 'the map drills to a province code');
      // One level down: the province's cities (or partners) as bars.
      const geo = await drawn(page, 'chart-geo');
      assert.ok(geo.series[0].data.length > 0, 'the province has places with sell-in');

      // A partner of that province from the ranking, then its number.
      const partner = page.locator('[data-testid=top-partners] li a').first();
      const partnerName = await textOf(partner);
      await Promise.all([
        page.waitForURL((url) => url.searchParams.has('partner')),
        partner.click(),
      ]);
      const code = new URL(page.url()).searchParams.get('partner');
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), `${partnerName}：经营分析`);
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/analytics/lines'),
        page.locator('[data-testid=kpi-sell_in_amount]').click(),
      ]);
      const rows = page.locator('[data-testid=lines] tbody tr');
      assert.ok((await rows.count()) > 0, 'the number has lines behind it');
      const partners = await rows.locator('td:nth-child(3) .name-code').allInnerTexts();
      assert.ok(partners.every((p) => p.includes(partnerName) && p.includes(code)), 'every line is that partner\'s');
      assert.match(await textOf(page.locator('.pager-info')), /\d/);
      await snap(page, 'analytics-02-lines-zh.png');

      // Sorted by amount, largest first, from the column header.
      await page.locator('[data-testid=lines] thead a', { hasText: '金额' }).click();
      await page.locator('[data-testid=lines] thead a', { hasText: '金额' }).click();
      await page.waitForURL((url) => url.searchParams.get('dir') === 'desc');
      const amounts = (await rows.locator('td:nth-child(7)').allInnerTexts()).map((t) => Number(t.replace(/[¥,]/g, '')));
      assert.deepEqual(amounts, [...amounts].sort((a, b) => b - a), 'largest first');

      // The lines as xlsx.
      const href = await page.locator('[data-testid=export-lines]').getAttribute('href');
      const file = await page.request.get(`${base}${href}`);
      assert.equal(file.status(), 200);
      assert.match(file.headers()['content-type'], /spreadsheetml/);
      assert.ok((await file.body()).length > 1000, 'the export has the lines');
    });
  });

  test('the dashboard in English at phone width', { timeout: 120_000 }, async () => {
    await journey(async (page) => {
      await page.setViewportSize(PHONE);
      await login(page, base, 'manager', DEMO_PASSWORD);
      await switchLang(page, 'en');
      await page.goto(`${base}/analytics?period=${YEAR}&measure=sell_through_amount`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), 'Sales analytics');
      assert.match(await textOf(page.locator('[data-testid=kpi-sell_through_amount] .card-label')), /Sell-through/);
      const trend = await drawn(page, 'chart-trend');
      assert.equal(trend.series[1].name, 'Last year');
      await drawn(page, 'chart-channel');
      assert.match(await textOf(page.locator('[data-testid=forecast-error]')), /back-test|history/);
      await snap(page, 'analytics-03-dashboard-en-phone.png');
    });
  });

  test("a partner's boss sees its own numbers and no one else's", { timeout: 120_000 }, async () => {
    assert.ok(stranger, 'the demo has a partner outside the boss\'s organisation');
    await journey(async (page) => {
      await login(page, base, 'partner.admin', DEMO_PASSWORD);
      await switchLang(page, 'zh-CN');
      await page.goto(`${base}/analytics`);
      assert.equal(await textOf(page.locator('[data-testid=page-title]')), '经营分析');
      assert.equal(await page.locator('#f-partner').count(), 0, 'no partner picker in the portal');
      const response = await page.request.get(`${base}/analytics?partner=${stranger}`);
      assert.equal(response.status(), 404);
      const api = await page.request.get(
        `${base}/api/v1/analytics/lines?measure=sell_in_amount&period=${YEAR}&partner=${stranger}`,
      );
      assert.equal(api.status(), 404);
    });
  });
});
