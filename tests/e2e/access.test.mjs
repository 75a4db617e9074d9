// Browser end-to-end test of signing in and of who may see what: the sign-in
// form and its error, enrolling a second factor (TOTP) and signing in with it,
// the child register limited to the user's commune, the 404 for a child out of
// scope (the same page as for one that does not exist), a field hidden from the
// hamlet collaborator, and the refused read in the auditor's log view.
//
// The tests run in order and build on each other (an An Bình child id from the
// first, the Mỹ Ngãi session of the second); they need a fresh `treem demo`
// database, as tests/e2e/run.sh gives them. They do not depend on
// units.test.mjs, which may run at the same time in another process. Run alone:
//   TREEM_E2E_URL=http://127.0.0.1:8080 node --test access.test.mjs   (from tests/e2e)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE, PASSWORD, TEST_TIMEOUT, clickAndLoad, navigate, openPage, path, submitLogin, text, visit, landingOf } from './lib.mjs';

const VI_SIGN_IN_FAILED = 'Tên đăng nhập hoặc mật khẩu không đúng.';
const VI_NOT_FOUND = 'Không tìm thấy trang hoặc bản ghi này.';
const VI_HIDDEN = '(ẩn với vai trò của bạn)';
const VI_TOTP_ON = 'đã bật';
const VI_TOTP_OFF = 'chưa bật';
const VI_CHAIN_OK = 'Chuỗi băm của nhật ký toàn vẹn.';
const VI_CHILD_READ = 'Xem thông tin trẻ em';
const VI_DENIED = 'Bị từ chối';
// xa.myngai's name in the demo (crates/treem_cli/src/demo.rs).
const VI_WORKER = 'Nguyễn Thị Lan';
// Vietnam's time, to the second.
const VI_TIME = /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}:\d{2}$/;
// How long one wrong password locks the account against further sign-ins.
const ACCOUNT_LOCK_AFTER_ONE_FAILURE_MS = 1000;
// No demo child has this id.
const MISSING_CHILD_ID = '999999';

// Carried from one test to the next; each test checks that what it needs is there.
const shared = {
  /** Ids of the children xa.anbinh lists (Phường An Bình). */
  anBinhIds: [],
  /** One of them, opened by xa.myngai in test 3 (and so refused, and audited). */
  anBinhChildId: null,
  /** The signed-in xa.myngai session of test 2, used on by test 3. */
  myNgai: null,
};

/** Sign in as `username`, with no second factor, and land on the home page signed in. */
async function signIn(p, username) {
  await submitLogin(p, username, PASSWORD);
  assert.equal(p.lastDocumentStatus(), 200, `signed in as ${username}`);
  assert.equal(path(p.page), landingOf(username), `signed in as ${username}: landed on their first page`);
  await assertSignedIn(p.page);
}

async function assertSignedIn(page) {
  assert.equal(await page.locator('a#nav-account').count(), 1, 'the account link is in the header');
  assert.equal(await page.locator('a#nav-account').getAttribute('href'), '/account');
  assert.equal(await page.locator('button#sign-out').count(), 1, 'the sign-out button is in the header');
  assert.equal(await page.locator('a#nav-sign-in').count(), 0, 'no sign-in link when signed in');
}

/** Sign out with the header button (a POST form) and check the header is back to signed out. */
async function signOut(p) {
  const { page } = p;
  const button = page.locator('button#sign-out');
  assert.equal(await button.evaluate((b) => b.form?.method), 'post', 'the sign-out button submits a POST form');
  await clickAndLoad(page, button);
  assert.equal(p.lastDocumentStatus(), 200);
  assert.equal(await page.locator('a#nav-sign-in').count(), 1, 'signed out: the sign-in link is back');
  assert.equal(await page.locator('a#nav-account').count(), 0, 'signed out: no account link');
  assert.equal(await page.locator('button#sign-out').count(), 0, 'signed out: no sign-out button');
  assert.equal(await page.locator('a#nav-children').count(), 0, 'signed out: no children link');
}

/**
 * Open /children through the nav link and return the ids of every child listed,
 * following the "next" links when the list has more than one page.
 */
async function listChildIds(p) {
  const { page } = p;
  const nav = page.locator('a#nav-children');
  assert.equal(await nav.count(), 1, 'the children link is in the nav');
  assert.equal(await nav.getAttribute('href'), '/children');
  await clickAndLoad(page, nav);
  assert.equal(p.lastDocumentStatus(), 200);
  assert.equal(path(page), '/children');
  const ids = [];
  for (let pages = 0; pages < 100; pages++) {
    assert.equal(await page.locator('table#children-list').count(), 1, 'the children table');
    const rows = page.locator('table#children-list tr[data-child-id]');
    for (const row of await rows.all()) {
      const id = await row.getAttribute('data-child-id');
      assert.match(id, /^\d+$/, 'a child id is a number');
      assert.equal(await row.locator(`a[href="/children/${id}"]`).count(), 1, `row ${id} links to /children/${id}`);
      ids.push(id);
    }
    const next = page.locator('a#children-next');
    if ((await next.count()) === 0) break;
    await clickAndLoad(page, next);
    assert.equal(p.lastDocumentStatus(), 200);
  }
  assert.equal(new Set(ids).size, ids.length, 'no child is listed twice');
  return ids;
}

// ---- TOTP (RFC 6238 with HMAC-SHA1, 6 digits, 30 s steps) ----

/** Decode RFC 4648 base32 (no padding). */
function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in ${s}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function totpStep(ms = Date.now()) {
  return Math.floor(ms / 1000 / 30);
}

/** The 6-digit code of `step` (RFC 4226 HOTP with the step as counter). */
function totpCode(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

// RFC 6238 appendix B, the SHA-1 vectors (8 digits there; the last 6 here).
test('the TOTP code computation matches the RFC 6238 test vectors', () => {
  const key = Buffer.from('12345678901234567890', 'ascii');
  assert.equal(totpCode(key, totpStep(59_000)), '287082');
  assert.equal(totpCode(key, totpStep(1_111_111_109_000)), '081804');
  assert.equal(totpCode(key, totpStep(1_234_567_890_000)), '005924');
  assert.equal(totpCode(key, totpStep(20_000_000_000_000)), '353130');
  assert.deepEqual(base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'), key);
});

// ---- The tests against the server, in order ----

test('a wrong password is refused; xa.anbinh signs in, lists its children and signs out', { timeout: TEST_TIMEOUT }, async (t) => {
  const p = await openPage();
  const { page } = p;

  // Wrong password: 401, the form again with the message, still signed out.
  p.expectError(401, '/login');
  await submitLogin(p, 'xa.anbinh', 'not-the-password');
  assert.equal(p.lastDocumentStatus(), 401, 'a wrong password answers 401');
  assert.equal(path(page), '/login');
  assert.equal(await text(page.locator('p#form-error')), VI_SIGN_IN_FAILED);
  assert.equal(await page.locator('form#login-form').count(), 1, 'the form is shown again');
  assert.equal(await page.locator('input#password').inputValue(), '', 'the password is not sent back');
  assert.equal(await page.locator('a#nav-sign-in').count(), 1, 'still signed out');
  assert.equal(await page.locator('a#nav-account').count(), 0, 'still signed out');

  // The right one, in the same form. A failure locks the account for a moment
  // (1 s after the first, doubling with each further one; 429 meanwhile), so wait that out.
  await sleep(ACCOUNT_LOCK_AFTER_ONE_FAILURE_MS + 1000);
  await submitLogin(p, 'xa.anbinh', PASSWORD);
  assert.equal(p.lastDocumentStatus(), 200);
  assert.equal(path(page), landingOf('xa.anbinh'), 'a worker lands on their work');
  assert.equal(await text(page.locator('#tasks-heading')), 'Việc của tôi');
  await assertSignedIn(page);
  assert.equal(await page.locator('a#nav-audit').count(), 0, 'a commune worker has no audit link');
  assert.equal(await page.locator('a#nav-admin').count(), 0, 'a commune worker has no admin link');

  const ids = await listChildIds(p);
  assert.ok(ids.length > 0, 'Phường An Bình has children in the demo');
  assert.ok(!ids.includes(MISSING_CHILD_ID), `no demo child has id ${MISSING_CHILD_ID}`);
  shared.anBinhIds = ids;
  shared.anBinhChildId = ids[0];
  t.diagnostic(`An Bình children: ${ids.join(' ')}`);

  // Its own child opens.
  await visit(page, `/children/${shared.anBinhChildId}`);
  assert.equal(p.lastDocumentStatus(), 200);
  assert.ok((await text(page.locator('h1#child-name'))).length > 0, 'the child has a name');

  await signOut(p);
  await p.done();
});

test('xa.myngai enrols TOTP, then signing in asks for the code: a wrong one is refused, the next one works', { timeout: TEST_TIMEOUT }, async () => {
  const p = await openPage();
  const { page } = p;
  let handedOn = false;
  try {
    await signIn(p, 'xa.myngai');

    // The account page: no second factor yet.
    await clickAndLoad(page, page.locator('a#nav-account'));
    assert.equal(path(page), '/account');
    assert.equal(await text(page.locator('dd#account-username')), 'xa.myngai');
    assert.equal(await text(page.locator('dd#account-totp')), VI_TOTP_OFF);

    // Start the enrolment.
    const link = page.locator('a#totp-link');
    assert.equal(await link.getAttribute('href'), '/account/totp');
    await clickAndLoad(page, link);
    assert.equal(path(page), '/account/totp');
    assert.equal(p.lastDocumentStatus(), 200);
    const start = page.locator('button#totp-start-submit');
    assert.equal(await start.evaluate((b) => b.form?.method), 'post', 'starting is a POST');
    await clickAndLoad(page, start);
    assert.equal(p.lastDocumentStatus(), 200);

    // The secret, and the same secret in the otpauth:// URI.
    const secret = await text(page.locator('code#totp-secret'));
    assert.match(secret, /^[A-Z2-7]+$/, `the secret is base32 without padding: ${secret}`);
    const key = base32Decode(secret);
    assert.ok(key.length >= 10, `the secret has at least 80 bits (${key.length * 8})`);
    const uri = await text(page.locator('code#totp-uri'));
    assert.match(uri, /^otpauth:\/\/totp\//, `the URI: ${uri}`);
    const params = new URL(uri).searchParams;
    assert.equal(params.get('secret'), secret, 'the URI carries the secret shown');
    for (const [name, value] of [['algorithm', 'SHA1'], ['digits', '6'], ['period', '30']]) {
      if (params.has(name)) assert.equal(params.get(name).toUpperCase(), value, `the URI's ${name}`);
    }

    // Confirm with the current step's code.
    assert.equal(await page.locator('form#totp-confirm').count(), 1);
    const enrolStep = totpStep();
    await page.locator('form#totp-confirm input#code').fill(totpCode(key, enrolStep));
    await clickAndLoad(page, page.locator('button#totp-confirm-submit'));
    assert.equal(p.lastDocumentStatus(), 200);
    assert.equal(path(page), '/account?done=totp');
    assert.ok((await text(page.locator('p#notice'))).length > 0, 'a notice says it is done');
    assert.equal(await text(page.locator('dd#account-totp')), VI_TOTP_ON);
    await assertSignedIn(page);

    // Sign out; signing in again now asks for a code.
    await signOut(p);
    await submitLogin(p, 'xa.myngai', PASSWORD);
    assert.equal(p.lastDocumentStatus(), 200);
    assert.equal(path(page), '/login/code', 'with TOTP on, the password leads to the code form');
    assert.equal(await page.locator('form#code-form').count(), 1);
    assert.equal(await page.locator('a#nav-account').count(), 0, 'not signed in before the code');
    assert.equal(await page.locator('a#nav-children').count(), 0, 'not signed in before the code');

    // A wrong code: one that is no valid code of the steps around now.
    const now = totpStep();
    const near = new Set([-2, -1, 0, 1, 2].map((d) => totpCode(key, now + d)));
    let wrong = 0;
    while (near.has(String(wrong).padStart(6, '0'))) wrong++;
    p.expectError(422, '/login/code');
    await page.locator('input#code').fill(String(wrong).padStart(6, '0'));
    await clickAndLoad(page, page.locator('button#code-submit'));
    assert.equal(p.lastDocumentStatus(), 422, 'a wrong code answers 422');
    assert.equal(path(page), '/login/code');
    assert.ok((await text(page.locator('p#form-error'))).length > 0, 'the error is shown');
    assert.equal(await page.locator('form#code-form').count(), 1, 'the code form is shown again');
    assert.equal(await page.locator('a#nav-account').count(), 0, 'still not signed in');

    // The next step's code (the current one was used for the enrolment when
    // the step has not moved on since).
    const nextStep = totpStep() + 1;
    assert.ok(nextStep > enrolStep);
    await page.locator('input#code').fill(totpCode(key, nextStep));
    await clickAndLoad(page, page.locator('button#code-submit'));
    assert.equal(p.lastDocumentStatus(), 200);
    assert.equal(path(page), landingOf('xa.myngai'), 'after the code too');
    await assertSignedIn(page);
    await clickAndLoad(page, page.locator('a#nav-account'));
    assert.equal(await text(page.locator('dd#account-username')), 'xa.myngai');
    assert.equal(await text(page.locator('dd#account-totp')), VI_TOTP_ON);

    p.check();
    shared.myNgai = p; // test 3 goes on with this session
    handedOn = true;
  } finally {
    if (!handedOn) await p.context.close();
  }
});

test('xa.myngai sees only Mỹ Ngãi children; an An Bình child is the same 404 as a missing one', { timeout: TEST_TIMEOUT }, async (t) => {
  assert.ok(shared.myNgai, 'the signed-in xa.myngai session of the test before');
  assert.ok(shared.anBinhChildId, 'an An Bình child id from the first test');
  const p = shared.myNgai;
  shared.myNgai = null;
  const { page } = p;
  try {
    await visit(page, '/');
    const ids = await listChildIds(p);
    assert.ok(ids.length > 0, 'Phường Mỹ Ngãi has children in the demo');
    t.diagnostic(`Mỹ Ngãi children: ${ids.join(' ')}`);
    const leaked = ids.filter((id) => shared.anBinhIds.includes(id));
    assert.deepEqual(leaked, [], 'no An Bình child in the Mỹ Ngãi list');

    // Out of scope: 404 with the not-found page.
    const outOfScope = `/children/${shared.anBinhChildId}`;
    p.expectError(404, outOfScope);
    assert.equal(await visit(page, outOfScope), 404, `${outOfScope} answers 404`);
    const notFound = page.locator('p#error-message');
    assert.equal(await notFound.getAttribute('data-code'), 'NOT_FOUND');
    assert.equal(await text(notFound), VI_NOT_FOUND);
    assert.equal(await page.locator('h1#child-name').count(), 0, 'no child is shown');
    await assertSignedIn(page);
    const scopeTitle = await page.title();
    const scopeMainText = await text(page.locator('main'));
    const scopeMainHtml = await page.locator('main').innerHTML();

    // Missing: the same.
    const missing = `/children/${MISSING_CHILD_ID}`;
    p.expectError(404, missing);
    assert.equal(await visit(page, missing), 404, `${missing} answers 404`);
    assert.equal(await page.locator('p#error-message').getAttribute('data-code'), 'NOT_FOUND');
    assert.equal(await page.title(), scopeTitle, 'the same title');
    assert.equal(await text(page.locator('main')), scopeMainText, 'the same text');
    assert.equal(await page.locator('main').innerHTML(), scopeMainHtml, 'the same HTML in <main>');

    // Its own child opens, through the list.
    await listChildIds(p);
    const first = page.locator('table#children-list tr[data-child-id]').first();
    const ownId = await first.getAttribute('data-child-id');
    const ownName = await text(first.locator('a'));
    await clickAndLoad(page, first.locator(`a[href="/children/${ownId}"]`));
    assert.equal(p.lastDocumentStatus(), 200);
    assert.equal(path(page), `/children/${ownId}`);
    assert.equal(await text(page.locator('h1#child-name')), ownName);
    assert.notEqual(await text(page.locator('dd#child-hiv')), VI_HIDDEN, 'a commune worker sees the HIV field');
    assert.equal(await page.locator('p#error-message').count(), 0);

    await signOut(p);
  } finally {
    await p.context.close();
  }
  p.check();
});

test('ap.myngai (hamlet collaborator) does not see the HIV field', { timeout: TEST_TIMEOUT }, async () => {
  const p = await openPage();
  const { page } = p;
  await signIn(p, 'ap.myngai');
  const ids = await listChildIds(p);
  assert.ok(ids.length > 0, 'the hamlet collaborator sees some children');
  const leaked = ids.filter((id) => shared.anBinhIds.includes(id));
  assert.deepEqual(leaked, [], 'no An Bình child in the hamlet list');

  const first = page.locator('table#children-list tr[data-child-id]').first();
  const id = await first.getAttribute('data-child-id');
  const name = await text(first.locator('a'));
  await clickAndLoad(page, first.locator(`a[href="/children/${id}"]`));
  assert.equal(p.lastDocumentStatus(), 200);
  assert.equal(await text(page.locator('h1#child-name')), name);
  // Not even a "hidden" row: nothing on the page hints that the field exists for this child.
  assert.equal(await page.locator('dd#child-hiv').count(), 0, 'no HIV status row for the hamlet collaborator');
  assert.ok(!(await page.content()).includes(VI_HIDDEN), 'no "hidden" marker on the page');

  await signOut(p);
  await p.done();
});

test('the auditor sees the refused child read in the log, and an intact hash chain', { timeout: TEST_TIMEOUT }, async (t) => {
  assert.ok(shared.anBinhChildId, 'an An Bình child id from the first test');
  const p = await openPage();
  const { page } = p;
  await signIn(p, 'kiemtra');
  assert.equal(await page.locator('a#nav-admin').count(), 0, 'the auditor has no admin link');
  const nav = page.locator('a#nav-audit');
  assert.equal(await nav.getAttribute('href'), '/audit');
  await clickAndLoad(page, nav);
  assert.equal(p.lastDocumentStatus(), 200);
  assert.equal(path(page), '/audit');

  const chain = page.locator('p#chain-status');
  assert.ok((await chain.getAttribute('class')).split(/\s+/).includes('notice'), 'the chain-status is a notice');
  assert.ok((await text(chain)).startsWith(VI_CHAIN_OK), `chain status: ${await text(chain)}`);

  const readRows = () =>
    page.locator('table#audit-entries tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.innerText.replace(/\s+/g, ' ').trim())),
    );
  const rows = await readRows();
  assert.ok(rows.length > 0, 'the log has entries');
  // Columns: time, person, source, action, record, fields, outcome (no entry number: a gap would tell),
  // in words and in Vietnam's time, never the stored codes.
  for (const r of rows) {
    assert.match(r[0], VI_TIME, `a time as dd/mm/yyyy hh:mm:ss: ${r.join(' | ')}`);
    assert.ok(!/[._]/.test(r[3]), `an action in words: ${r.join(' | ')}`);
    assert.ok(!['ok', 'denied', 'failed'].includes(r[6]), `an outcome in words: ${r.join(' | ')}`);
  }

  // The person and action filters (a GET form): the commune worker's refused child reads.
  const person = page.locator('select#actor_id');
  const worker = await person.locator('option', { hasText: '(xa.myngai)' }).getAttribute('value');
  await person.selectOption(worker);
  await page.locator('select#action').selectOption({ label: VI_CHILD_READ });
  await clickAndLoad(page, page.locator('form#audit-filter button[type="submit"]'));
  assert.equal(p.lastDocumentStatus(), 200);
  assert.ok(path(page).startsWith('/audit?'), path(page));
  assert.equal(await person.inputValue(), worker, 'the person stays chosen');
  assert.equal(await page.locator('select#action').inputValue(), 'child.read', 'the action stays chosen');
  const filtered = await readRows();
  assert.ok(rows.some((r) => r[3] !== VI_CHILD_READ), 'the whole log holds other actions');
  assert.ok(filtered.length > 0, 'the filter finds the reads');
  assert.ok(filtered.every((r) => r[3] === VI_CHILD_READ && r[1].startsWith(VI_WORKER)), `only the worker's child reads:\n${filtered.map((r) => r.join(' | ')).join('\n')}`);
  const denied = filtered.filter((r) => r[6] === VI_DENIED);
  assert.ok(denied.length > 0, `a refused child read; entries seen:\n${filtered.map((r) => r.join(' | ')).join('\n')}`);
  const ours = denied.filter((r) => r[4].split(/\s+/).includes(shared.anBinhChildId));
  assert.ok(ours.length > 0, `a refused read of child ${shared.anBinhChildId}; refused ones:\n${denied.map((r) => r.join(' | ')).join('\n')}`);
  t.diagnostic(`chain: ${await text(chain)}; entry: ${ours[0].join(' | ')}`);

  await signOut(p);
  await p.done();
});
