// The indicator catalogue edited in the browser: the provincial officer opens "New
// indicator" on /indicators, types a definition whose formula has an error, gets the
// form back with the error's position and everything typed, corrects the formula, saves,
// and finds the new indicator on /indicators with the same yearly values as the bundled
// indicator it restates (drowning deaths, written with its conditions swapped).
//
// Runs in parallel with the other files; it only adds a new code (no other file reads
// it) and none of them records drowning deaths, so the two rows stay equal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, TEST_TIMEOUT, clickAndLoad, openPage, path, submitLogin, text, visit } from './lib.mjs';

const OFFICER = 'tinh';
const CODE = 'incidents.drowning_deaths_e2e';
const SAME_AS = 'incidents.drowning_deaths';
const NAME_VI = 'Số vụ trẻ em tử vong do đuối nước (kiểm thử)';
const BAD = 'count(incidents where fatal = "yes" and injury = "drowning")';
const GOOD = 'count(incidents where fatal = "true" and injury = "drowning")';

/** The yearly values of an indicator in the catalogue's table. */
async function values(page, code) {
  const section = page.locator(`section.indicator[data-indicator="${code}"]`);
  assert.equal(await section.count(), 1, `the ${code} section`);
  return section.locator('td[data-value]').evaluateAll((tds) => tds.map((td) => td.textContent.trim()));
}

test('a new indicator typed in the form: its error shown with the position and the input kept, then saved and counted', { timeout: TEST_TIMEOUT }, async () => {
  const p = await openPage();
  const { page } = p;
  await submitLogin(p, OFFICER, PASSWORD);
  assert.equal(p.lastDocumentStatus(), 200, `signed in as ${OFFICER}`);

  assert.equal(await visit(page, '/indicators'), 200);
  await clickAndLoad(page, page.locator('a#indicator-new'));
  assert.equal(path(page), '/indicators/new');
  const form = page.locator('form#indicator-form');
  await form.locator('input#code').fill(CODE);
  await form.locator('input#name_vi').fill(NAME_VI);
  await form.locator('input#name_en').fill('Child drowning deaths (test)');
  await form.locator('textarea#concept_vi').fill('Số vụ đuối nước làm trẻ em tử vong trong năm');
  await form.locator('textarea#formula').fill(BAD);
  await form.locator('input#disaggregations').fill('unit, setting');
  await form.locator('input#source').fill('incidents recorded in treem');
  await form.locator('input#agency').fill('A1');
  p.expectError(422, '/indicators/new');
  await clickAndLoad(page, form.locator('button#indicator-save'));
  assert.equal(p.lastDocumentStatus(), 422, 'the bad formula is refused');
  // Character 31 is where the value "yes" starts (after `count(incidents where fatal = `).
  assert.match(await text(page.locator('p#formula-error')), /^Công thức: tại ký tự 31: .*yes/);
  assert.equal(await page.locator('input#name_vi').inputValue(), NAME_VI, 'the name typed is kept');
  assert.equal(await page.locator('textarea#formula').inputValue(), BAD, 'the formula typed is kept');
  assert.equal(await page.locator('input#disaggregations').inputValue(), 'unit, setting');

  await page.locator('textarea#formula').fill(GOOD);
  await clickAndLoad(page, page.locator('button#indicator-save'));
  assert.equal(p.lastDocumentStatus(), 200, 'saved');
  assert.equal(path(page), `/indicators/${CODE}/edit?saved=1`);
  assert.equal(await page.locator('p#indicator-saved').count(), 1, 'the saved notice');

  assert.equal(await visit(page, '/indicators'), 200);
  const mine = page.locator(`section.indicator[data-indicator="${CODE}"]`);
  assert.equal(await mine.getAttribute('data-origin'), 'stored');
  assert.equal(await text(mine.locator('h2')), NAME_VI);
  const counted = await values(page, CODE);
  assert.ok(counted.length >= 6 && counted.every((v) => /^\d+$/.test(v)), `a count per year: ${counted.join(' ')}`);
  assert.deepEqual(counted, await values(page, SAME_AS), 'the same figures as the bundled indicator it restates');
  await p.done();
});
