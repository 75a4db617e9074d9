// Browser end-to-end test of the public pages: language switch, the
// administrative-unit tree at two dates, a unit page and its succession links,
// and the layout at phone width.
//
// It drives the system Chromium (headless) through playwright-core against a
// running `treem demo`; tests/e2e/run.sh starts the server and sets
// TREEM_E2E_URL. Run alone with:
//   TREEM_E2E_URL=http://127.0.0.1:8080 node --test   (from tests/e2e)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, BACKEND, BASE, TEST_TIMEOUT, clickAndLoad, htmlLang, openPage, path, text } from './lib.mjs';

const VI_TITLE = 'Hệ thống thông tin bảo vệ trẻ em và theo dõi kế hoạch';
const EN_TITLE = 'Child-protection information and plan-monitoring system';

test('the server is up and reports its database', { timeout: TEST_TIMEOUT }, async () => {
  const res = await fetch(`${BASE}/healthz`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, 'ok');
  assert.ok(['sqlite', 'postgres'].includes(body.database), `database is ${body.database}`);
  if (BACKEND) assert.equal(body.database, BACKEND);
});

test('home page is Vietnamese by default, the language link switches and is remembered', { timeout: TEST_TIMEOUT }, async () => {
  const { page, done } = await openPage();
  await page.goto(`${BASE}/`);

  // Vietnamese by default.
  assert.equal(await htmlLang(page), 'vi');
  assert.equal(await page.evaluate(() => document.characterSet), 'UTF-8');
  assert.equal(await text(page.locator('main h1')), VI_TITLE);
  assert.equal(await text(page.locator('a#lang-switch')), 'English');
  assert.equal(await text(page.locator('a#nav-units')), 'Đơn vị hành chính');
  assert.equal(await page.locator('a#home-units-2013').getAttribute('href'), '/units?date=2013-12-31');
  assert.equal(await page.locator('a#home-units-2025').getAttribute('href'), '/units?date=2025-07-01');

  // To English through the link: same page, ?lang=en.
  await clickAndLoad(page, page.locator('a#lang-switch'));
  assert.equal(path(page), '/?lang=en');
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await text(page.locator('main h1')), EN_TITLE);
  assert.equal(await text(page.locator('a#lang-switch')), 'Tiếng Việt');
  assert.equal(await text(page.locator('a#nav-units')), 'Administrative units');

  // The choice is remembered: the nav link to /units has no ?lang.
  assert.equal(await page.locator('a#nav-units').getAttribute('href'), '/units');
  await clickAndLoad(page, page.locator('a#nav-units'));
  assert.equal(path(page), '/units');
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await text(page.locator('a#lang-switch')), 'Tiếng Việt');
  assert.equal(await text(page.locator('a#nav-units')), 'Administrative units');

  // English dates on the tree page.
  await page.goto(`${BASE}/units?date=2025-07-01`);
  assert.equal(await htmlLang(page), 'en');
  assert.equal(await text(page.locator('h2#tree-heading time')), '1 Jul 2025');

  // And back to Vietnamese, on the same page; remembered as well.
  await clickAndLoad(page, page.locator('a#lang-switch'));
  assert.equal(await htmlLang(page), 'vi');
  assert.equal(new URL(page.url()).searchParams.get('lang'), 'vi');
  assert.equal(new URL(page.url()).searchParams.get('date'), '2025-07-01');
  assert.equal(await text(page.locator('h2#tree-heading time')), '01/07/2025');
  assert.equal(await text(page.locator('a#lang-switch')), 'English');
  await clickAndLoad(page, page.locator('a#nav-home'));
  assert.equal(path(page), '/');
  assert.equal(await htmlLang(page), 'vi');
  assert.equal(await text(page.locator('main h1')), VI_TITLE);

  await done();
});

test('the tree as of 31/12/2013 has Đồng Tháp and Tiền Giang with their districts', { timeout: TEST_TIMEOUT }, async () => {
  const { page, done } = await openPage();
  await page.goto(`${BASE}/`);
  await clickAndLoad(page, page.locator('a#home-units-2013'));
  assert.equal(path(page), '/units?date=2013-12-31');
  assert.equal(await htmlLang(page), 'vi');

  // The form and the presets.
  assert.equal(await page.locator('form#tree-date').getAttribute('method'), 'get');
  assert.equal(await page.locator('input#date').getAttribute('type'), 'date');
  assert.equal(await page.locator('input#date').getAttribute('name'), 'date');
  assert.equal(await page.locator('input#date').inputValue(), '2013-12-31');
  for (const d of ['2013-12-31', '2025-06-30', '2025-07-01']) {
    assert.equal(await page.locator(`a.preset-date[data-date="${d}"]`).count(), 1, `preset ${d}`);
  }

  assert.equal(await page.locator('h2#tree-heading time').getAttribute('datetime'), '2013-12-31');
  assert.equal(await text(page.locator('h2#tree-heading time')), '31/12/2013');
  // 330 real units and the demo's 2 made-up hamlets of old Phường Mỹ Ngãi.
  assert.equal(await text(page.locator('span#tree-count')), '332');
  assert.equal(await page.locator('ul#unit-tree li.unit').count(), 332, 'every counted unit is in the tree');
  assert.equal(await page.locator('ul#unit-tree li.unit.level-hamlet').count(), 2);

  const provinces = page.locator('ul#unit-tree > li.unit.level-province');
  assert.equal(await provinces.count(), 2);
  const dongThap = page.locator('li.unit.level-province[data-code="87"]');
  const tienGiang = page.locator('li.unit.level-province[data-code="82"]');
  assert.equal(await text(dongThap.locator('> a.unit-link')), 'Tỉnh Đồng Tháp');
  assert.equal(await text(tienGiang.locator('> a.unit-link')), 'Tỉnh Tiền Giang');

  // Districts, with their diacritics intact (precomposed, as typed in Vietnamese).
  const tpCaoLanh = dongThap.locator('li.unit.level-district[data-code="866"]');
  const hCaoLanh = dongThap.locator('li.unit.level-district[data-code="873"]');
  const tpName = await text(tpCaoLanh.locator('> a.unit-link'));
  assert.equal(tpName, 'Thành phố Cao Lãnh');
  assert.equal(tpName, tpName.normalize('NFC'));
  assert.equal(await text(hCaoLanh.locator('> a.unit-link')), 'Huyện Cao Lãnh');
  assert.ok(await tpCaoLanh.locator('> a.unit-link').isVisible(), 'districts are shown');
  assert.ok((await dongThap.locator('li.unit.level-district').count()) >= 10);

  // Communes sit in <details>: open the city's list to see Phường Mỹ Ngãi (29881).
  const myNgai = tpCaoLanh.locator('li.unit.level-commune[data-code="29881"] > a.unit-link');
  assert.equal((await myNgai.textContent())?.trim(), 'Phường Mỹ Ngãi'); // in the DOM even when closed
  if (!(await myNgai.isVisible())) {
    await tpCaoLanh.locator('> details > summary').click();
  }
  await myNgai.waitFor({ state: 'visible' });
  assert.ok(await myNgai.isVisible());

  await done();
});

test('the tree as of 01/07/2025, chosen with the date form, has no district level', { timeout: TEST_TIMEOUT }, async () => {
  const { page, done } = await openPage();
  await page.goto(`${BASE}/units?date=2013-12-31`);
  await page.locator('input#date').fill('2025-07-01');
  await clickAndLoad(page, page.locator('button#tree-date-submit'));
  assert.equal(path(page), '/units?date=2025-07-01');

  assert.equal(await page.locator('input#date').inputValue(), '2025-07-01');
  assert.equal(await page.locator('h2#tree-heading time').getAttribute('datetime'), '2025-07-01');
  assert.equal(await text(page.locator('h2#tree-heading time')), '01/07/2025');
  // The province, its 102 communes, and the demo's 3 made-up hamlets.
  assert.equal(await text(page.locator('span#tree-count')), '106');
  assert.equal(await page.locator('ul#unit-tree li.unit').count(), 106);
  assert.equal(await page.locator('ul#unit-tree li.unit.level-hamlet').count(), 3);

  const provinces = page.locator('ul#unit-tree > li.unit.level-province');
  assert.equal(await provinces.count(), 1);
  assert.equal(await provinces.getAttribute('data-code'), '82');
  assert.equal(await text(provinces.locator('> a.unit-link')), 'Tỉnh Đồng Tháp');
  assert.equal(await page.locator('li.unit.level-district').count(), 0, 'no district level after 1 July 2025');
  assert.equal(await provinces.locator('li.unit.level-commune').count(), 102);

  // The reused code: Phường Mỹ Ngãi is 29884 now (it was 29881).
  const myNgai = provinces.locator('li.unit.level-commune', { hasText: 'Phường Mỹ Ngãi' });
  assert.equal(await myNgai.count(), 1);
  assert.equal(await myNgai.getAttribute('data-code'), '29884');
  assert.ok(await myNgai.locator('> a.unit-link').isVisible(), 'communes are shown');

  await done();
});

test('unit pages link predecessors and successors across the 2025 reform', { timeout: TEST_TIMEOUT }, async () => {
  const { page, done } = await openPage();
  await page.goto(`${BASE}/units?date=2025-07-01`);
  await clickAndLoad(page, page.locator('li.unit[data-code="29884"] > a.unit-link'));
  assert.match(new URL(page.url()).pathname, /^\/units\/[^/]+$/);

  // The new ward.
  assert.equal(await text(page.locator('h1#unit-name')), 'Phường Mỹ Ngãi');
  assert.equal(await text(page.locator('dd#unit-code')), '29884');
  for (const id of ['parents', 'children', 'predecessors', 'successors']) {
    assert.equal(await page.locator(`section#${id}`).count(), 1, `section#${id}`);
  }
  assert.equal(await text(page.locator('section#parents a').first()), 'Tỉnh Đồng Tháp');
  const preds = page.locator('section#predecessors li');
  const predTexts = (await preds.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  assert.ok(predTexts.some((t) => t.startsWith('Phường Mỹ Ngãi 29881')), `predecessors: ${predTexts.join(' | ')}`);
  assert.ok(predTexts.some((t) => t.startsWith('Xã Mỹ Tân 29884')), `predecessors: ${predTexts.join(' | ')}`);
  assert.ok(predTexts.every((t) => t.includes('01/07/2025')), 'effective 01/07/2025');
  const newWardUrl = page.url();

  // Its predecessor Xã Mỹ Tân (same code 29884, valid until 30/06/2025).
  await clickAndLoad(page, page.locator('section#predecessors li', { hasText: /Xã Mỹ Tân\s+29884/ }).locator('a'));
  assert.equal(await text(page.locator('h1#unit-name')), 'Xã Mỹ Tân');
  assert.equal(await text(page.locator('dd#unit-code')), '29884');
  assert.match(await text(page.locator('dd#unit-validity')), /30\/06\/2025/);
  assert.equal(await text(page.locator('section#parents a').first()), 'Thành phố Cao Lãnh');
  const succ = page.locator('section#successors li a', { hasText: 'Phường Mỹ Ngãi' });
  assert.equal(await succ.count(), 1);
  assert.equal(new URL(await succ.getAttribute('href'), BASE).href, newWardUrl);

  // The reused code is pointed out.
  const sameCode = page.locator('section#same-code');
  assert.equal(await sameCode.count(), 1);
  assert.match(await text(sameCode), /Phường Mỹ Ngãi/);

  // And the successor link leads back.
  await clickAndLoad(page, succ);
  assert.equal(page.url(), newWardUrl);
  assert.equal(await text(page.locator('h1#unit-name')), 'Phường Mỹ Ngãi');

  await done();
});

/** The page is in `lang` and nothing sticks out sideways: no horizontal scrolling. */
async function assertFits(page, lang) {
  const where = `${path(page)} (${lang})`;
  assert.equal(await htmlLang(page), lang, where);
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.equal(innerWidth, 412, where);
  assert.ok(scrollWidth <= innerWidth, `${where}: horizontal overflow, scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`);
}

test('at phone width the pages fit the screen', { timeout: TEST_TIMEOUT }, async (t) => {
  const { page, done } = await openPage({ viewport: { width: 412, height: 900 }, isMobile: true, hasTouch: true });
  const pages = ['/', '/units', '/units?date=2013-12-31', '/units?date=2025-07-01'];
  const shots = [];
  for (const lang of ['en', 'vi']) {
    // Set the language with ?lang; the cookie keeps it for the pages after.
    await page.goto(`${BASE}/?lang=${lang}`);
    for (const p of pages) {
      await page.goto(`${BASE}${p}`);
      await assertFits(page, lang);
    }
    // A unit page, with its history lists.
    await page.goto(`${BASE}/units?date=2025-07-01`);
    await clickAndLoad(page, page.locator('li.unit[data-code="29884"] > a.unit-link'));
    await assertFits(page, lang);
    // A screenshot of /units for a human to look at.
    await page.goto(`${BASE}/units`);
    const file = join(ARTIFACTS, `units-412x900-${lang}.png`);
    await page.screenshot({ path: file });
    assert.ok(statSync(file).size > 1000, 'screenshot written');
    shots.push(file);
  }
  t.diagnostic(`screenshots: ${shots.join(' ')}`);
  await done();
});

test('the founding plan: its targets and the unit targets counted from the demo statuses', { timeout: TEST_TIMEOUT }, async () => {
  const { page, done } = await openPage();
  await page.goto(`${BASE}/`);
  // The home page has the plan at a glance.
  assert.equal(await page.locator('li[data-glance="T3a"]').getAttribute('data-status'), 'achieved');
  assert.equal(await page.locator('li[data-glance="T5"]').getAttribute('data-status'), 'missed');
  await clickAndLoad(page, page.locator('a#nav-plans'));
  assert.equal(path(page), '/plans');
  await clickAndLoad(page, page.locator('a[href="/plans/dt-2013-ct20"]'));
  assert.equal(path(page), '/plans/dt-2013-ct20');
  assert.match(await text(page.locator('h1#plan-title')), /^Kế hoạch thực hiện Kế hoạch số 56-KH\/TU/);
  for (const id of ['T0', 'T1', 'T2', 'T3a', 'T3b', 'T4', 'T5']) {
    assert.equal(await page.locator(`li[data-target="${id}"]`).count(), 1, `target ${id}`);
  }
  // T3a (the model in ≥ 6 districts and > 45 communes by 2015) is met; T5 (> 90 % child-friendly) is not.
  const row = (target, year) => page.locator(`h3[data-unit-progress="${target}"] + .table-wrap tr[data-year="${year}"]`);
  assert.equal(await row('T3a', 2015).getAttribute('data-status'), 'achieved');
  assert.match(await text(row('T3a', 2015)), /Cấp huyện: 6 \/ 12 \(>= 6\) · Cấp xã: 50 \/ 141 \(> 45\)/);
  assert.equal(await row('T5', 2015).getAttribute('data-status'), 'missed');
  assert.match(await text(row('T5', 2015)), /không đạt/);
  // Counts of incidents are for the signed-in only.
  assert.match(await text(page.locator('section#progress')), /Đăng nhập/);
  await clickAndLoad(page, page.locator('a#lang-switch'));
  assert.match(await text(row('T5', 2015)), /missed/);
  await done();
});
