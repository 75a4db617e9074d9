// Browser end-to-end test of a form sent after its session ended: the typed text is
// kept through signing in again, shown for a check, and saved when sent again.
//
// The session is ended the way an idle timeout ends it: the server forgets it (here by
// signing out in another tab) while the first tab still holds the old cookie. Needs a
// fresh `treem demo` database (tests/e2e/run.sh). It registers one child in TP Cao
// Lãnh (before 2025), a unit the other browser tests do not count. Run alone:
//   TREEM_E2E_URL=http://127.0.0.1:8080 node --test draft.test.mjs   (from tests/e2e)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, TEST_TIMEOUT, clickAndLoad, openPage, path, submitLogin, text, visit } from './lib.mjs';

const USER = 'huyen';
// Quotes, an ampersand and angle brackets: the draft must carry them unchanged.
const TYPED_NAME = 'Lê Thị "Mai" & <Hoa> Nháp';

test('a child form sent after the session ended is kept through signing in again', { timeout: TEST_TIMEOUT }, async () => {
  const p = await openPage();
  const { page, context } = p;
  try {
    await submitLogin(p, USER, PASSWORD);
    assert.notEqual(new URL(page.url()).pathname, '/login', 'signed in');
    assert.equal(await visit(page, '/children/new'), 200);
    await page.locator('input#full_name').fill(TYPED_NAME);
    await page.locator('select#sex').selectOption('female');
    await page.locator('input#birth_date').fill('2016-05-04');
    await page.locator('input#registered_on').fill('2024-02-01');
    const unit = await page.locator('select#residence_unit_id').inputValue();
    assert.ok(unit, 'a residence unit is offered');

    // Meanwhile the session ends: another tab signs out, and this tab keeps its old cookie.
    const oldCookies = await context.cookies();
    const other = await context.newPage();
    assert.equal((await other.goto(page.url())).status(), 200);
    await clickAndLoad(other, other.locator('button#sign-out'));
    await other.close();
    await context.addCookies(oldCookies);

    p.expectError(401, '/children');
    await clickAndLoad(page, page.locator('button#child-save'));
    assert.equal(p.lastDocumentStatus(), 401);
    assert.equal(await page.locator('#session-expired').count(), 1, 'the page says the session ended');
    assert.equal(await page.locator('#draft-kept').count(), 1, 'and that the typed text is kept');
    assert.equal(await page.locator('form#login-form input[name="draft_action"]').inputValue(), '/children');

    // Signing in again shows the typed text, editable, going where it was going.
    await page.locator('input#username').fill(USER);
    await page.locator('input#password').fill(PASSWORD);
    await clickAndLoad(page, page.locator('button#login-submit'));
    const form = page.locator('form#draft-form');
    assert.equal(await form.count(), 1, `the draft page, at ${path(page)}`);
    assert.equal(await form.getAttribute('action'), '/children');
    const values = await form.locator('input:not([type="hidden"]), textarea').evaluateAll((els) => els.map((e) => e.value));
    assert.ok(values.includes(TYPED_NAME), `the typed name is shown: ${JSON.stringify(values)}`);
    assert.ok(!(await text(page.locator('main'))).includes('csrf'), 'no field code on the page');
    assert.equal(await form.locator('input[name="residence_unit_id"]').inputValue(), unit);

    // Sent again: saved, and the child's page shows the name as typed.
    await clickAndLoad(page, page.locator('button#draft-resubmit'));
    assert.match(new URL(page.url()).pathname, /^\/children\/\d+$/, `saved: ${path(page)} ${await text(page.locator('main'))}`);
    assert.ok((await text(page.locator('main'))).includes(TYPED_NAME));
  } finally {
    await p.done();
  }
});
