// The indicator catalogue follows the records: the provincial officer reads this
// year's count of sexual abuse on /indicators, records one sexual-abuse incident
// through the form, reloads /indicators and sees the count one higher; the trend
// chart and the breakdown's map and downloads are there for the signed-in.
//
// Runs in parallel with the other files; none of them records sexual abuse, so
// the count moves only by this test's incident.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, TEST_TIMEOUT, VIETNAM, clickAndLoad, openPage, path, submitLogin, text, visit, landingOf } from './lib.mjs';

const OFFICER = 'tinh';
const CODE = 'incidents.sexual_abuse';
const AN_BINH_OPTION = 'Phường An Bình (29954';

function vietnamToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: VIETNAM, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** This year's value of the indicator in the catalogue's table, as a number. */
async function thisYearsCount(page, year) {
  const section = page.locator(`section.indicator[data-indicator="${CODE}"]`);
  assert.equal(await section.count(), 1, `the ${CODE} section`);
  const years = await section.locator('thead th').evaluateAll((ths) => ths.map((th) => th.textContent.trim()));
  const column = years.indexOf(String(year));
  assert.ok(column >= 0, `a column for ${year}: ${years.join(' ')}`);
  const cell = await text(section.locator('td[data-value]').nth(column));
  assert.match(cell, /^\d+$/, `a count for ${year}: ${cell}`);
  return Number(cell);
}

test('a sexual-abuse incident recorded in the form adds exactly one to this year on /indicators', { timeout: TEST_TIMEOUT }, async (t) => {
  const p = await openPage();
  const { page } = p;
  await submitLogin(p, OFFICER, PASSWORD);
  assert.equal(p.lastDocumentStatus(), 200, `signed in as ${OFFICER}`);
  assert.equal(path(page), landingOf(OFFICER));

  const today = vietnamToday();
  const year = Number(today.slice(0, 4));
  assert.equal(await visit(page, '/indicators'), 200);
  const before = await thisYearsCount(page, year);
  // A trend chart per indicator, drawn on the server; this one has a point per year.
  const trend = page.locator(`section.indicator[data-indicator="${CODE}"] svg.trend`);
  assert.equal(await trend.count(), 1, 'the trend chart');
  assert.ok((await trend.locator(`circle.point[data-year="${year}"]`).count()) === 1, 'a point for this year');

  // Record the incident as cases.test.mjs does, with the sexual-abuse fields.
  assert.equal(await visit(page, '/incidents/new'), 200);
  await page.locator('select#kind').selectOption('abuse');
  await page.locator('input#occurred_on').fill(today);
  const unit = page.locator('select#unit_id');
  const units = await unit.locator('option').evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent.trim() })));
  const anBinh = units.filter((o) => o.text.startsWith(AN_BINH_OPTION));
  assert.equal(anBinh.length, 1, `one option for An Bình: ${units.length} options`);
  await unit.selectOption(anBinh[0].value);
  // Children are found by a search (an empty one offers the first children in scope).
  await clickAndLoad(page, page.locator('button#children-search'));
  assert.equal(p.lastDocumentStatus(), 200, 'the search answers the form again');
  assert.equal(await page.locator('select#unit_id').inputValue(), anBinh[0].value, 'the unit is kept by the search');
  const box = page.locator('#children-choices input[name="children"]').first();
  const child = await box.getAttribute('value');
  assert.ok(child, 'the officer is offered a child of the province');
  await box.check();
  await page.locator('select[name="abuse_form"]').selectOption('xam_hai_tinh_duc');
  await page.locator('select[name="sexual_subtype"]').selectOption('dam_o');
  await page.locator('select[name="setting"]').selectOption('family');
  await page.locator('select[name="relation"]').selectOption('acquaintance');
  await clickAndLoad(page, page.locator('button#incident-save'));
  assert.equal(p.lastDocumentStatus(), 200, 'the incident is saved');
  const m = /^\/incidents\/(\d+)$/.exec(path(page));
  assert.ok(m, `the new incident's page: ${path(page)}`);
  t.diagnostic(`incident ${m[1]} on ${today}`);

  assert.equal(await visit(page, '/indicators'), 200);
  const after = await thisYearsCount(page, year);
  assert.equal(after, before + 1, `this year's count went from ${before} to ${after}`);
  const point = page.locator(`section.indicator[data-indicator="${CODE}"] svg.trend circle.point[data-year="${year}"] title`);
  assert.equal(await point.textContent(), `${year}: ${after}`, 'the chart follows the table');

  // The breakdown for this year: a map with the commune's circle, and the downloads.
  assert.equal(await visit(page, `/indicators/${CODE}`), 200);
  assert.ok((await page.locator('#breakdown-map svg circle.unit').count()) > 50, 'a circle per commune');
  for (const [id, type] of [
    ['breakdown-xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    ['breakdown-svg', 'image/svg+xml'],
  ]) {
    const href = await page.locator(`a#${id}`).getAttribute('href');
    const res = await page.request.get(`${BASE}${href}`);
    assert.equal(res.status(), 200, href);
    assert.equal(res.headers()['content-type'], type, href);
    assert.match(res.headers()['content-disposition'] ?? '', /^attachment; filename="incidents\.sexual_abuse-\d{4}-commune\.(xlsx|svg)"$/);
  }
  await p.done();
});
