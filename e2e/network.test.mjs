// Browser journey for the partner network, through the UI only: a channel
// manager creates a distributor, grants it an exclusive territory and sees an
// overlapping grant refused, gives it an agreement and amends it; an admin
// creates a login for the distributor; that login sees its own organisation
// and nothing else.
//
// Run from the repository root:  npm run e2e   (see support.mjs for settings)
//
// The journeys run in order and share what they created (codes, dates). Codes
// carry a per-run suffix so nothing collides with the demo data, whatever it
// holds; only the demo accounts are relied on.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEMO_PASSWORD,
  DESKTOP,
  PHONE,
  SETUP_TIMEOUT_MS,
  atPath,
  dataRows,
  htmlLang,
  journeys,
  launchChromium,
  login,
  logout,
  pathOf,
  snap,
  snapPart,
  startQudao,
  submit,
  switchLang,
  textOf,
} from './support.mjs';

const RUN = Date.now().toString(36).toUpperCase().slice(-6);
const SHANGHAI = '310000';
const PREFERRED_COUNTY = '310104'; // 徐汇区, when the regions data has counties

/** `iso` (YYYY-MM-DD) plus `days`, as YYYY-MM-DD. */
function addDays(iso, days) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The partner page's authorization panel. */
const authorizationPanel = (page) => page.locator('section#authorizations');

/** The form that adds an authorization on a partner page. */
const authorizationForm = (page) =>
  authorizationPanel(page).locator('form[action="/territories/authorizations"]');

/**
 * A county-level (or at least city-level) region inside Shanghai, found by
 * walking the regions pages: 310104 if present, otherwise the first region
 * two levels down, otherwise the first one level down.
 */
async function regionInsideShanghai(page, base) {
  const children = async (code) => {
    const res = await page.goto(`${base}/territories/regions/${code}`);
    assert.equal(res.status(), 200, `region page ${code}`);
    const links = page.locator('ul.region-children a');
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    return hrefs.map((h) => h.split('/').pop());
  };
  const cities = await children(SHANGHAI);
  assert.ok(cities.length >= 1, 'Shanghai has regions inside it');
  if (cities.includes(PREFERRED_COUNTY)) return PREFERRED_COUNTY;
  for (const city of cities) {
    const counties = await children(city);
    if (counties.includes(PREFERRED_COUNTY)) return PREFERRED_COUNTY;
    if (counties.length) return counties[0];
  }
  return cities[0];
}

/** The partner codes a list page's table links to (one per row). */
async function partnerLinks(page) {
  await page.locator('table.data').first().waitFor({ state: 'visible' });
  return page
    .locator('table.data tbody tr .name-code a[href^="/partners/"]')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href').split('/')[2]));
}

/** Fills and submits /partners/new; lands on the new partner's page. */
async function createPartner(page, base, p) {
  await page.goto(`${base}/partners`);
  await Promise.all([
    page.waitForURL(atPath('/partners/new')),
    page.locator('a[href="/partners/new"]').click(),
  ]);
  await page.getByLabel('Code', { exact: true }).fill(p.code);
  await page.getByLabel('Name', { exact: true }).fill(p.name);
  await page.locator('#partner_type').selectOption('distributor');
  await page.locator('#owner_login').fill(p.owner);
  await page.locator('#region_code').fill(p.region);
  await page.locator('#address').fill(p.address);
  await page.locator('#credit_limit').fill(p.creditLimit);
  await page.locator('#currency').selectOption('CNY');
  if (p.shot) await snap(page, p.shot);
  const res = await submit(page, page.locator('form[action="/partners"] button[type=submit]'), '/partners');
  assert.equal(res.status(), 303, `creating ${p.code} redirects (got ${res.status()})`);
  assert.equal(pathOf(page), `/partners/${p.code}`);
  await page.locator('.flash-success').first().waitFor({ state: 'visible' });
}

/** Fills the partner page's "add authorization" form and submits it. */
async function grantOnPartnerPage(page, g) {
  const form = authorizationForm(page);
  await form.locator('#au_region_code').fill(g.region);
  await form.locator('#au_product_line').fill(g.productLine);
  await form.locator('#au_mode').selectOption(g.mode);
  if (g.from) await form.locator('#au_valid_from').fill(g.from);
  await form.locator('#au_valid_to').fill(g.to);
  return submit(page, form.locator('button[type=submit]'), '/territories/authorizations');
}

/** Submits the agreement version form shown on the page. */
async function saveDraft(page, partnerCode) {
  const action = `/partners/${partnerCode}/agreement/versions`;
  const res = await submit(page, page.locator(`form[action="${action}"] button[type=submit]`), action);
  assert.equal(res.status(), 303, `saving the draft redirects (got ${res.status()})`);
  const version = page.locator('[data-testid="version"]');
  await version.waitFor({ state: 'visible' });
  assert.equal(await textOf(page.locator('[data-testid="version-status"]')), 'Draft');
  return textOf(version.locator('h2 .mono'));
}

/** Activates the open draft with the page's button. */
async function activateDraft(page, partnerCode, versionNumber) {
  const action = `/partners/${partnerCode}/agreement/versions/${versionNumber}/activate`;
  const res = await submit(page, page.locator('[data-testid="activate"]'), action);
  assert.equal(res.status(), 303, `activating redirects (got ${res.status()})`);
  await page.locator('[data-testid="version"]').waitFor({ state: 'visible' });
  assert.equal(await textOf(page.locator('[data-testid="version-status"]')), 'Active');
}

/** Sets the agreement page's "as of" date and shows it; returns the in-force line. */
async function agreementAsOf(page, day) {
  const filters = page.locator('form.filters');
  await filters.locator('input[name=as_of]').fill(day);
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('as_of') === day),
    filters.locator('button[type=submit]').click(),
  ]);
  return textOf(page.locator('[data-testid="in-force"]'));
}

// ------------------------------------------------------------------ suite

describe('partner network in a browser', () => {
  let qudao;
  let base;
  let browser;
  let journey;

  // What the journeys create, shared in order.
  const distributor = {
    code: `E2E-${RUN}-D`,
    name: `华东茶业 E2E ${RUN}`,
    owner: 'manager',
    region: SHANGHAI,
    address: '上海市徐汇区漕溪北路 88 号',
    creditLimit: '500000.00',
  };
  const rival = {
    code: `E2E-${RUN}-R`,
    name: `Rival Tea E2E ${RUN}`,
    owner: 'manager',
    region: SHANGHAI,
    address: '1 Rival Road, Shanghai',
    creditLimit: '10000.00',
  };
  const productLine = `TEA-${RUN}`;
  const portalUser = { login: `e2e.${RUN.toLowerCase()}`, password: `E2e-portal-pass-${RUN}` };
  let today; // the server's today, as its forms suggest it
  let authorizationCode;
  let v1Code;
  let v2Code;
  let amendmentStarts;
  let demoPartnerCode;

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

  test('a manager creates a distributor and authorizes it; an overlapping exclusive grant is refused', { timeout: 90_000 }, () =>
    journey(async (page) => {
      await login(page, base, 'manager', DEMO_PASSWORD);

      // The line the grants name must be a record: the manager adds it.
      await page.goto(`${base}/catalog/lines`);
      await page.locator('#code').fill(productLine);
      await page.locator('#name').fill(`测试茶 ${RUN}`);
      await page.locator('#name_en').fill(`Test tea ${RUN}`);
      const line = await submit(page, page.locator('#line-new-form button[type=submit]'), '/catalog/lines');
      assert.equal(line.status(), 303, `creating the product line redirects (got ${line.status()})`);

      // Create the distributor through the "New partner" form.
      await createPartner(page, base, { ...distributor, shot: 'network-01-new-partner-form.png' });
      assert.equal(
        await textOf(page.locator('[data-testid="page-title"]')),
        `${distributor.name} (${distributor.code})`,
      );
      const details = page.locator('dl.details').first();
      const detailsText = await textOf(details);
      assert.ok(detailsText.includes(distributor.code), 'code shown');
      assert.ok(detailsText.includes('Distributor'), 'type shown');
      assert.ok(detailsText.includes(`上海市 ${SHANGHAI}`), `home region shown by name: ${detailsText}`);
      assert.ok(detailsText.includes(distributor.address), 'address shown');
      assert.equal(await textOf(page.locator('[data-testid="credit-limit"]')), '¥500,000.00');
      assert.equal(await textOf(page.locator('[data-testid="partner-status"]')), 'Active');
      await snap(page, 'network-02-partner-created.png');

      // Grant it an exclusive territory for a year.
      const auForm = authorizationForm(page);
      await auForm.waitFor({ state: 'visible' });
      today = await auForm.locator('#au_valid_from').inputValue();
      assert.match(today, /^\d{4}-\d{2}-\d{2}$/, 'the form suggests today as the start');
      const validTo = addDays(today, 364);
      const granted = await grantOnPartnerPage(page, {
        region: SHANGHAI,
        productLine,
        mode: 'exclusive',
        to: validTo,
      });
      assert.equal(granted.status(), 303, `granting redirects (got ${granted.status()})`);
      assert.equal(pathOf(page), `/partners/${distributor.code}`);
      const flash = await textOf(page.locator('.flash-success').first());
      const rows = page.locator('[data-testid="partner-authorizations"] tbody tr');
      assert.equal(await rows.count(), 1, 'one authorization listed');
      const row = await textOf(rows.first());
      authorizationCode = await textOf(rows.first().locator('td').first());
      assert.match(authorizationCode, /^AU/, `authorization code: ${authorizationCode}`);
      assert.ok(flash.includes(authorizationCode), `flash names the new code: ${flash}`);
      for (const part of [SHANGHAI, productLine, 'Exclusive', `${today} – ${validTo}`]) {
        assert.ok(row.includes(part), `authorization row shows ${part}: ${row}`);
      }
      await snapPart(authorizationPanel(page), 'network-03-authorized.png');

      // A second distributor asks for the same line in a district of Shanghai,
      // overlapping in time: refused, naming the authorization in the way.
      const district = await regionInsideShanghai(page, base);
      await createPartner(page, base, rival);
      const refused = await grantOnPartnerPage(page, {
        region: district,
        productLine,
        mode: 'exclusive',
        from: addDays(today, 30),
        to: addDays(today, 200),
      });
      assert.ok(
        [409, 422].includes(refused.status()),
        `the collision is refused (got ${refused.status()})`,
      );
      const errors = await textOf(page.locator('[data-testid="region-error"]'));
      assert.ok(
        errors.includes('collides with an exclusive authorization') && errors.includes(authorizationCode),
        `the error names ${authorizationCode}: ${errors}`,
      );
      // The form keeps what was typed: the pickers post the same codes.
      const posted = (name) => page.locator(`[data-picker] input[type=hidden][name=${name}]`).inputValue();
      assert.equal(await posted('region_code'), district);
      assert.equal(await posted('product_line'), productLine);
      await snap(page, 'network-04-collision.png');

      // Nothing was written for the rival.
      await page.goto(`${base}/partners/${rival.code}`);
      await authorizationPanel(page).locator('.empty').waitFor({ state: 'visible' });
      assert.equal(await page.locator('[data-testid="partner-authorizations"]').count(), 0);

      // The new partner's page at phone width (forms included).
      await page.setViewportSize(PHONE);
      await page.goto(`${base}/partners/${distributor.code}`);
      await page.locator('[data-testid="credit-limit"]').waitFor({ state: 'visible' });
      await snap(page, 'network-05-partner-phone.png');
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 1, `the partner page fits a phone (overflows by ${overflow}px)`);
      await page.setViewportSize(DESKTOP);
    }),
  );

  test('the manager gives it an agreement, amends it, and asks what was in force', { timeout: 90_000 }, () =>
    journey(async (page) => {
      assert.ok(today, 'the distributor was created');
      await login(page, base, 'manager', DEMO_PASSWORD);
      const agreementPath = `/partners/${distributor.code}/agreement`;

      // From the partner page to its (empty) agreement.
      await page.goto(`${base}/partners/${distributor.code}`);
      await Promise.all([
        page.waitForURL(atPath(agreementPath)),
        page.locator(`[data-testid="partner-agreement"] a[href="${agreementPath}"]`).click(),
      ]);
      await page.locator('[data-testid="no-agreement"]').waitFor({ state: 'visible' });

      // Version 1: a year from today (what the form suggests), net 30.
      await Promise.all([
        page.waitForURL(atPath(`${agreementPath}/new`)),
        page.locator(`a[href="${agreementPath}/new"]`).click(),
      ]);
      const v1From = await page.locator('#valid_from').inputValue();
      const v1To = await page.locator('#valid_to').inputValue();
      assert.equal(v1From, today, 'a first agreement starts today');
      assert.ok(v1To > v1From, 'and ends later');
      await page.locator('#annual_target').fill('1200000.00');
      await page.locator('#payment_net_days').fill('30');
      await page.locator('#payment_terms').fill('Bank transfer');
      await page.locator('#after_sales_duties').fill('First-line service within Shanghai');
      await page.locator('#training_duties').fill('Two product trainings a year');
      await page.locator('#signed_on').fill(today);
      await page.locator('#note').fill('First agreement (browser test)');
      v1Code = await saveDraft(page, distributor.code);
      await activateDraft(page, distributor.code, 1);
      await snap(page, 'network-06-agreement-v1.png');

      // Amend it: from day D, net 45 and a higher target.
      amendmentStarts = addDays(today, 90);
      assert.ok(amendmentStarts < v1To, 'the amendment starts inside the first term');
      await Promise.all([
        page.waitForURL(atPath(`${agreementPath}/new`)),
        page.locator('[data-testid="amend"]').click(),
      ]);
      assert.equal(await page.locator('input[name=amends]').inputValue(), '1');
      assert.equal(await page.locator('#annual_target').inputValue(), '1200000.00', 'the amendment starts from version 1');
      await page.locator('#valid_from').fill(amendmentStarts);
      await page.locator('#annual_target').fill('1500000.00');
      await page.locator('#payment_net_days').fill('45');
      await page.locator('#note').fill('Amendment: net 45, higher target');
      await snap(page, 'network-07-amendment-form.png');
      v2Code = await saveDraft(page, distributor.code);
      assert.notEqual(v2Code, v1Code);
      await activateDraft(page, distributor.code, 2);

      // Both versions are listed.
      await page.goto(`${base}${agreementPath}`);
      const versions = page.locator('[data-testid="versions"] tbody tr');
      assert.equal(await versions.count(), 2, 'two versions');
      const listed = await textOf(page.locator('[data-testid="versions"] tbody'));
      assert.ok(listed.includes(v1Code) && listed.includes(v2Code), `both listed: ${listed}`);

      // The day before D: version 1. On D and after: version 2.
      const before_ = await agreementAsOf(page, addDays(amendmentStarts, -1));
      assert.ok(before_.includes(v1Code) && !before_.includes(v2Code), `before D: ${before_}`);
      assert.ok(before_.includes(addDays(amendmentStarts, -1)), 'version 1 ends the day before D');
      assert.ok((await textOf(page.locator('[data-testid="version"]'))).includes('30 days'));
      await snap(page, 'network-08-as-of-before.png');
      const onD = await agreementAsOf(page, amendmentStarts);
      assert.ok(onD.includes(v2Code) && !onD.includes(v1Code), `on D: ${onD}`);
      const selected = await textOf(page.locator('[data-testid="version"]'));
      assert.ok(selected.includes('45 days'), `version 2 pays in 45 days: ${selected}`);
      const target = await textOf(page.locator('[data-testid="annual-target"]'));
      // (Grouping of thousands differs between pages; the amount is what counts.)
      assert.match(target, /^¥1,?500,?000\.00 · /, 'version 2 has the higher target, the year target it set');
      await snap(page, 'network-09-as-of-on-d.png');
      const later = await agreementAsOf(page, addDays(amendmentStarts, 30));
      assert.ok(later.includes(v2Code), `after D: ${later}`);
    }),
  );

  test('an admin creates a login for the distributor', { timeout: 60_000 }, () =>
    journey(async (page) => {
      assert.ok(v2Code, 'the agreement was amended');
      await login(page, base, 'admin', DEMO_PASSWORD);

      // A demo partner the new login must not see.
      await page.goto(`${base}/partners`);
      assert.ok((await dataRows(page)) >= 2);
      const codes = await page
        .locator('table.data tbody tr td:first-child a')
        .evaluateAll((as) => as.map((a) => a.textContent.trim()));
      demoPartnerCode = codes.find((c) => !c.startsWith(`E2E-${RUN}-`));
      assert.ok(demoPartnerCode, `a demo partner in ${codes.join(' ')}`);

      await page.goto(`${base}/admin/users`);
      await Promise.all([
        page.waitForURL(atPath('/admin/users/new')),
        page.locator('a[href="/admin/users/new"]').click(),
      ]);
      await page.locator('#login').fill(portalUser.login);
      await page.locator('#display_name').fill(`Portal ${distributor.name}`);
      await page.locator('#role').selectOption('partner_admin');
      await page.locator('#partner_code').fill(distributor.code);
      await page.locator('#password').fill(portalUser.password);
      await snap(page, 'network-10-new-user.png');
      const res = await submit(page, page.locator('form[action="/admin/users"] button[type=submit]'), '/admin/users');
      assert.equal(res.status(), 303, `creating the user redirects (got ${res.status()})`);
      assert.equal(pathOf(page), '/admin/users');
      await page.locator('.flash-success').first().waitFor({ state: 'visible' });
      const userRow = page.locator('table.data tbody tr').filter({ hasText: portalUser.login });
      assert.equal(await userRow.count(), 1, 'the user is listed');
      assert.ok((await textOf(userRow)).includes(distributor.code), 'attached to the distributor');
      await logout(page);
    }),
  );

  test("the distributor's login sees its own organisation and nothing else", { timeout: 90_000 }, () =>
    journey(async (page) => {
      assert.ok(demoPartnerCode, 'the login was created');
      await login(page, base, portalUser.login, portalUser.password);
      assert.equal(await htmlLang(page), 'en');

      // The partner list: one row, its own.
      const list = await page.goto(`${base}/partners`);
      assert.equal(list.status(), 200);
      assert.equal(await dataRows(page), 1, 'exactly one partner');
      assert.equal(await textOf(page.locator('table.data tbody tr td:first-child')), distributor.code);
      await snap(page, 'network-11-portal-partners.png');

      // Its page: agreement in force today (version 1) and its authorization,
      // read only.
      await Promise.all([
        page.waitForURL(atPath(`/partners/${distributor.code}`)),
        page.locator(`table.data a[href="/partners/${distributor.code}"]`).first().click(),
      ]);
      const agreement = await textOf(page.locator('[data-testid="partner-agreement"]'));
      assert.ok(agreement.includes(v1Code), `agreement in force today: ${agreement}`);
      const au = await textOf(page.locator('[data-testid="partner-authorizations"]'));
      assert.ok(au.includes(authorizationCode) && au.includes(productLine), `authorization: ${au}`);
      assert.equal(await authorizationForm(page).count(), 0, 'no add-authorization form');
      assert.equal(await page.locator('[data-testid="edit-partner"]').count(), 0, 'no edit button');
      await snap(page, 'network-12-portal-partner.png');

      // Its agreement, both versions, no amend button.
      const agreementPage = await page.goto(`${base}/partners/${distributor.code}/agreement`);
      assert.equal(agreementPage.status(), 200);
      const listed = await textOf(page.locator('[data-testid="versions"] tbody'));
      assert.ok(listed.includes(v1Code) && listed.includes(v2Code), `both versions: ${listed}`);
      assert.equal(await page.locator('[data-testid="amend"]').count(), 0, 'cannot amend');

      // The authorization and agreement lists hold its own records only.
      for (const list of ['/territories/authorizations', '/agreements']) {
        const res = await page.goto(`${base}${list}`);
        assert.equal(res.status(), 200, `${list} answers`);
        const partners = await partnerLinks(page);
        assert.ok(partners.length >= 1, `${list} lists its own records`);
        assert.deepEqual([...new Set(partners)], [distributor.code], `${list} lists only its own partner`);
      }

      // Other partners do not exist for it.
      for (const code of [rival.code, demoPartnerCode]) {
        const other = await page.goto(`${base}/partners/${code}`);
        assert.equal(other.status(), 404, `/partners/${code} is not found`);
        assert.ok(!(await page.content()).includes(code === rival.code ? rival.name : 'partner-authorizations'));
        const otherAgreement = await page.goto(`${base}/partners/${code}/agreement`);
        assert.equal(otherAgreement.status(), 404, `/partners/${code}/agreement is not found`);
      }
      await page.goto(`${base}/partners/${rival.code}`);
      await snap(page, 'network-13-portal-404.png');

      // Staff pages are forbidden.
      for (const p of ['/admin/users', '/partners/pipeline']) {
        const res = await page.goto(`${base}${p}`);
        assert.equal(res.status(), 403, `${p} is forbidden`);
      }
      await snap(page, 'network-14-portal-403.png');

      // In Chinese: the authorization panel's labels.
      await page.goto(`${base}/partners/${distributor.code}`);
      await switchLang(page, 'zh-CN');
      assert.equal(pathOf(page), `/partners/${distributor.code}`);
      const panel = authorizationPanel(page);
      assert.equal(await textOf(panel.locator('h2')), '授权区域');
      const head = await textOf(panel.locator('thead'));
      for (const label of ['编号', '区域', '产品线', '授权方式', '有效期']) {
        assert.ok(head.includes(label), `Chinese header ${label}: ${head}`);
      }
      assert.ok((await textOf(panel.locator('tbody'))).includes('独家'), 'mode in Chinese');
      await snap(page, 'network-15-portal-partner-zh.png');
      await snapPart(panel, 'network-15-portal-authorizations-zh.png');

      // And at phone width.
      await page.setViewportSize(PHONE);
      await page.reload();
      await panel.waitFor({ state: 'visible' });
      await snap(page, 'network-16-portal-partner-phone-zh.png');
      await switchLang(page, 'en');
    }),
  );
});
