// Shared by the browser tests: the server and browser settings, one Chromium per
// test file, a checked page (no unexpected HTTP, page or console errors), and the
// navigation helpers. Not a test file itself (run.sh runs ./*.test.mjs).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.TREEM_E2E_URL ?? '').replace(/\/+$/, '');
if (!BASE) {
  throw new Error('TREEM_E2E_URL is not set (e.g. http://127.0.0.1:8080); use tests/e2e/run.sh');
}
export const CHROMIUM = process.env.TREEM_E2E_CHROMIUM ?? '/usr/bin/chromium';
// sqlite or postgres when run.sh knows it; checked against /healthz.
export const BACKEND = process.env.TREEM_E2E_BACKEND ?? '';
// A hung browser or server fails the test instead of stalling CI.
export const TEST_TIMEOUT = 120_000;
export const ARTIFACTS = process.env.TREEM_E2E_ARTIFACTS ?? mkdtempSync(join(tmpdir(), 'treem-e2e-'));
export const PASSWORD = 'tre-em-demo-2026';
export const VIETNAM = 'Asia/Ho_Chi_Minh';
/** Where a user lands after signing in without asking for a page: a worker on the records
 * of an area (the demo's xa.*, ap.*, tinh) on their own tasks; the auditor on the home page. */
export function landingOf(username) {
  return username === 'kiemtra' ? '/' : '/tasks?mine=1';
}

let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
});

/**
 * A fresh browser context (own cookies) and page. Every response of 400 or
 * more, uncaught page error and console error is recorded, and `done()`
 * asserts there were none before closing the context, except the HTTP errors
 * announced with `expectError(status, path)`: each such announcement allows one
 * response with that status for that path (and the console message the browser
 * writes about it), and `done()` asserts that each was used.
 * `allowError(status, path)` is the same, except that it need not be used (for
 * a response that depends on another test process's timing).
 *
 * `lastDocumentStatus()` is the status of the last page the browser loaded in
 * the main frame (after redirects).
 */
export async function openPage(options = {}) {
  const context = await browser.newContext({ locale: 'vi-VN', timezoneId: VIETNAM, ...options });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  const expected = []; // { status, path, used, optional }
  let lastDocument = null;
  const pathOf = (url) => {
    const u = new URL(url);
    return u.pathname;
  };
  page.on('response', (r) => {
    if (r.request().resourceType() === 'document' && r.frame() === page.mainFrame()) {
      lastDocument = r;
    }
    if (r.status() >= 400) {
      const e = expected.find((x) => !x.used && x.status === r.status() && x.path === pathOf(r.url()));
      if (e) {
        e.used = true;
      } else {
        problems.push(`HTTP ${r.status()} ${r.url()}`);
      }
    }
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location().url ?? '';
    // The browser asks for /favicon.ico on its own; not a fault of the pages.
    if (url.endsWith('/favicon.ico')) return;
    // Chromium reports an error status of the page itself on the console too;
    // for an announced one that is expected.
    const status = /status of (\d{3})/.exec(m.text())?.[1];
    if (status && url && expected.some((x) => x.status === Number(status) && x.path === pathOf(url))) return;
    problems.push(`console error: ${m.text()} (${url})`);
  });
  const expectError = (status, path) => {
    expected.push({ status, path, used: false, optional: false });
  };
  const allowError = (status, path) => {
    expected.push({ status, path, used: false, optional: true });
  };
  const lastDocumentStatus = () => lastDocument?.status();
  const check = () => {
    assert.deepEqual(problems, [], 'no unexpected HTTP errors, failed requests, page errors or console errors');
    const unused = expected.filter((x) => !x.used && !x.optional).map((x) => `HTTP ${x.status} ${x.path}`);
    assert.deepEqual(unused, [], 'every expected HTTP error was seen');
  };
  const done = async () => {
    await context.close();
    check();
  };
  return { context, page, done, check, expectError, allowError, lastDocumentStatus };
}

export async function navigate(page, action) {
  const committed = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await action();
  await committed;
  await page.waitForLoadState('load');
}

export async function clickAndLoad(page, locator) {
  await navigate(page, () => locator.click());
}

export async function visit(page, path) {
  const res = await page.goto(`${BASE}${path}`);
  assert.ok(res, `a response for ${path}`);
  return res.status();
}

export async function text(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

export function path(page) {
  const u = new URL(page.url());
  return u.pathname + u.search;
}

export async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

export async function submitLogin(p, username, password) {
  const { page } = p;
  if (new URL(page.url()).pathname !== '/login') {
    await visit(p.page, '/');
    const link = page.locator('a#nav-sign-in');
    assert.equal(await link.getAttribute('href'), '/login');
    await clickAndLoad(page, link);
    assert.equal(new URL(page.url()).pathname, '/login');
  }
  assert.equal(await page.locator('form#login-form').count(), 1);
  await page.locator('input#username').fill(username);
  await page.locator('input#password').fill(password);
  await clickAndLoad(page, page.locator('button#login-submit'));
}

