// Browser end-to-end test of importing a commune register (issue #13): a district officer
// opens the import page from the register, uploads a CSV with an error and reads the
// refusal, uploads it corrected, reads the check (nothing stored yet), downloads the
// report, confirms, and finds the import in the history and the children in the register.
// Imports two made-up children into Phường Mỹ Ngãi of TP Cao Lãnh before 2025 (code 29881,
// registered 2024), which the other browser tests do not count. Run alone:
//   TREEM_E2E_URL=http://127.0.0.1:8080 node --test import.test.mjs   (from tests/e2e)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, TEST_TIMEOUT, clickAndLoad, openPage, path, submitLogin, text, visit } from './lib.mjs';

const USER = 'huyen';
const HEADER = 'STT,Họ và tên,Ngày sinh,Giới tính,Mã xã,Ngày đăng ký,Ghi chú';
const GOOD = ['1,Lý Thị Nhập Một,01/03/2015,Nữ,29881,01/03/2024,', '2,Lý Văn Nhập Hai,2016,Nam,29881,01/03/2024,con thứ hai'];
const BAD = '3,Lý Văn Sai,05/06/15,Nam,29881,01/03/2024,';

function csv(rows) {
  return { name: 'so-my-ngai-2024.csv', mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\n${rows.join('\n')}\n`, 'utf8') };
}

test('a register file is checked, its report read and downloaded, then imported on confirmation', { timeout: TEST_TIMEOUT }, async () => {
  const p = await openPage();
  const { page } = p;
  try {
    await submitLogin(p, USER, PASSWORD);
    assert.notEqual(new URL(page.url()).pathname, '/login', 'signed in');
    assert.equal(await visit(page, '/children'), 200);
    await clickAndLoad(page, page.locator('a#child-import'));
    assert.equal(path(page), '/imports');
    assert.equal(await page.locator('input#import-mode-check').isChecked(), true, 'a check is the default');

    // With an error: refused, every problem by row and column, no confirmation offered.
    await page.locator('input#import-file').setInputFiles(csv([...GOOD, BAD]));
    p.expectError(422, '/imports/children');
    await clickAndLoad(page, page.locator('button#import-submit'));
    assert.equal(await page.locator('#import-refused').count(), 1, await text(page.locator('main')));
    assert.equal(await page.locator('form#import-confirm').count(), 0);
    const errorRow = page.locator('table#import-problems tr.problem-error');
    assert.equal(await errorRow.count(), 1);
    const cells = await errorRow.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 4), ['3', 'Ngày sinh', '05/06/15', 'lỗi']);
    assert.match(cells[4], /năm ghi hai chữ số/);

    // Corrected: checked, nothing stored yet; the warning about the note is listed.
    assert.equal(await visit(page, '/imports'), 200);
    await page.locator('input#import-file').setInputFiles(csv(GOOD));
    await clickAndLoad(page, page.locator('button#import-submit'));
    assert.equal(await page.locator('#import-checked').count(), 1, await text(page.locator('main')));
    assert.equal(await text(page.locator('dd[data-fact="to_add"]')), '2');
    assert.equal(await text(page.locator('dd[data-fact="errors"]')), '0');
    assert.equal(await page.locator('table#import-problems tr.problem-warning').count(), 1, 'the note is not imported: said');

    // The report downloads as CSV with the columns a program reads (fetched with the page's
    // cookies: a click on a download aborts its navigation, which the page check counts).
    const href = await page.locator('a#import-report-download').getAttribute('href');
    const answer = await page.request.get(new URL(href, page.url()).href);
    assert.equal(answer.status(), 200);
    assert.match(answer.headers()['content-disposition'], /attachment/);
    const report = (await answer.body()).toString('utf8');
    assert.match(report, /^\uFEFFrow,column,value,severity,message\n2,Ghi chú,con thứ hai,warning,/, report);

    // Confirmed: stored, and the history lists it.
    await clickAndLoad(page, page.locator('button#import-confirm-submit'));
    assert.equal(await page.locator('#import-stored').count(), 1, await text(page.locator('main')));
    assert.equal(await text(page.locator('dd[data-fact="to_add"]')), '2');
    assert.equal(await visit(page, '/imports'), 200);
    assert.match(await text(page.locator('table#import-history')), /so-my-ngai-2024\.csv/);
    assert.equal(await visit(page, '/children?q=Nhập'), 200);
    const listed = await text(page.locator('main'));
    assert.ok(listed.includes('Lý Thị Nhập Một') && listed.includes('Lý Văn Nhập Hai'), listed);
  } finally {
    await p.done();
  }
});
