// Bytes transferred by a cold load of each page type: the page and
// everything it loads (styles, scripts, fonts), as the network sent them
// (compressed bodies plus headers), with an empty browser cache. Issue 8's
// target: the partner list at most 300 KB.
//
//   cargo build -p qudao-cli && node bench/page_weight.mjs
//
// Uses the browser tests' plumbing (e2e/support.mjs): a fresh demo database,
// Debian's Chromium; QUDAO_BIN picks the binary.

import { DEMO_PASSWORD, launchChromium, login, startQudao } from '../e2e/support.mjs';

const TARGET_KB = 300;

/** Loads `path` with an empty cache and sums what the network transferred. */
async function weigh(context, page, base, path) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  const requests = [];
  const onFinished = (req) => requests.push(req);
  page.on('requestfinished', onFinished);
  await page.goto(`${base}${path}`, { waitUntil: 'networkidle' });
  page.off('requestfinished', onFinished);
  let bytes = 0;
  for (const req of requests) {
    const sizes = await req.sizes();
    bytes += sizes.responseBodySize + sizes.responseHeadersSize;
  }
  return { bytes, requests: requests.length };
}

const qudao = await startQudao();
const browser = await launchChromium();
try {
  const pages = [
    ['login', '/login', false],
    ['home (chart)', '/', true],
    ['partner list', '/partners', true],
    ['partner detail', null, true],
  ];
  const rows = [];
  for (const [name, path, signedIn] of pages) {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    if (signedIn) await login(page, qudao.base, 'manager', DEMO_PASSWORD);
    let target = path;
    if (!target) {
      await page.goto(`${qudao.base}/partners`);
      target = new URL(await page.locator('table.data tbody a[href^="/partners/"]').first().getAttribute('href'), qudao.base).pathname;
    }
    const { bytes, requests } = await weigh(context, page, qudao.base, target);
    rows.push([name, target, requests, bytes]);
    await context.close();
  }
  console.log('| page | path | requests | transferred |');
  console.log('|---|---|---|---|');
  for (const [name, path, requests, bytes] of rows) {
    console.log(`| ${name} | \`${path}\` | ${requests} | ${(bytes / 1024).toFixed(1)} KB |`);
  }
  const list = rows.find(([name]) => name === 'partner list');
  console.log(`\npartner list ${(list[3] / 1024).toFixed(1)} KB; target ≤ ${TARGET_KB} KB: ${list[3] <= TARGET_KB * 1024 ? 'met' : 'NOT met'}`);
} finally {
  await browser.close();
  await qudao.close();
}
