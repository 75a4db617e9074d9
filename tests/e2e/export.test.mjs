// Browser end-to-end test of the list downloads and their reading back (issue #13): a
// district officer downloads the cases and incidents of the area from the lists' buttons
// (CSV with a title row and Vietnamese headers; XLSX), then uploads the incidents' CSV to the
// import page's form for incidents as a check: every row is read as the incident it is, so
// nothing is added and nothing is stored. Run alone:
//   TREEM_E2E_URL=http://127.0.0.1:8080 node --test export.test.mjs   (from tests/e2e)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, TEST_TIMEOUT, clickAndLoad, openPage, submitLogin, text, visit } from './lib.mjs';

const USER = 'huyen';

/** The file a download link names, fetched with the page's cookies (a click on a download
 * aborts its navigation, which the page check would count). */
async function download(page, selector) {
  const href = await page.locator(selector).getAttribute('href');
  const answer = await page.request.get(new URL(href, page.url()).href);
  assert.equal(answer.status(), 200, href);
  assert.match(answer.headers()['content-disposition'], /attachment/, href);
  return { type: answer.headers()['content-type'], body: await answer.body() };
}

test('the cases and incidents download with their titles, and the incidents read back as themselves', { timeout: TEST_TIMEOUT }, async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await submitLogin(p, USER, PASSWORD);
    assert.equal(await visit(page, '/cases'), 200);
    const cases = await download(page, 'a#cases-export');
    assert.match(cases.type, /^text\/csv/);
    const caseLines = cases.body.toString('utf8').split('\n');
    assert.match(caseLines[0], /^\uFEFF"?Danh sách trường hợp trong địa bàn .+: [\d.]+ trường hợp; xuất lúc \d\d\/\d\d\/\d{4} \d\d:\d\d \(giờ Việt Nam\)/, caseLines[0]);
    assert.match(caseLines[1], /^Số hồ sơ trường hợp,Mã hồ sơ treem,Họ và tên trẻ,Bước hiện tại,/);
    const workbook = await download(page, 'a#cases-export-xlsx');
    assert.match(workbook.type, /spreadsheetml/);
    assert.equal(workbook.body.subarray(0, 2).toString('latin1'), 'PK', 'a zip: an XLSX workbook');

    assert.equal(await visit(page, '/incidents'), 200);
    const incidents = await download(page, 'a#incidents-export');
    const lines = incidents.body.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    assert.match(lines[1], /^Số vụ việc,Ngày xảy ra,Loại vụ việc,/);
    assert.match(lines.at(-1), /^Tổng cộng,/, 'a total row');
    const rows = lines.length - 3;
    assert.ok(rows > 0, 'the demo area has incidents');

    // The file read back through the page: each row is the incident it is.
    assert.equal(await visit(page, '/imports'), 200);
    assert.equal(await page.locator('input#import-incidents-mode-check').isChecked(), true, 'a check is the default');
    await page.locator('input#import-incidents-file').setInputFiles({ name: 'vu-viec.csv', mimeType: 'text/csv', buffer: incidents.body });
    await clickAndLoad(page, page.locator('button#import-incidents-submit'));
    assert.equal(await page.locator('#import-checked').count(), 1, await text(page.locator('main')));
    assert.equal(await text(page.locator('dd[data-fact="errors"]')), '0');
    assert.equal(await text(page.locator('dd[data-fact="to_add"]')), '0');
    assert.equal(await text(page.locator('dd[data-fact="already_imported"]')), rows.toLocaleString('vi-VN'));

    // The cases' file read back through its own form: each row is the case it is.
    const caseRows = caseLines.filter((l) => l.trim() !== '').length - 2;
    assert.ok(caseRows > 0, 'the demo area has cases');
    assert.equal(await visit(page, '/imports'), 200);
    assert.equal(await page.locator('input#import-cases-mode-check').isChecked(), true, 'a check is the default');
    await page.locator('input#import-cases-file').setInputFiles({ name: 'truong-hop.csv', mimeType: 'text/csv', buffer: cases.body });
    await clickAndLoad(page, page.locator('button#import-cases-submit'));
    assert.equal(await page.locator('#import-checked').count(), 1, await text(page.locator('main')));
    assert.equal(await text(page.locator('dd[data-fact="errors"]')), '0');
    assert.equal(await text(page.locator('dd[data-fact="to_add"]')), '0');
    assert.equal(await text(page.locator('dd[data-fact="already_imported"]')), caseRows.toLocaleString('vi-VN'));
  } finally {
    await p.done();
  }
});
