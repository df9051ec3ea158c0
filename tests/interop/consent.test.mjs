// The built-in consent screen in a real browser (Debian's chromium driven by playwright-core,
// headless) against a real `rafiki serve`: the official client asks for an outgoing-payment
// grant, the user signs in, sees what is asked in their asset and scale, accepts (and, for a
// second grant, declines), and lands on the client's finish URI; the client continues and gets
// its token. Also: a form without its CSRF token and another user's wallet address are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { freePorts } from './lib/ports.mjs';
import { startServe, root, sleep } from './lib/serve.mjs';

const require = createRequire(import.meta.url);
const { createAuthenticatedClient, isPendingGrant, isFinalizedGrantWithAccessToken } = require('@interledger/open-payments');
const { generateTestKeys } = require('@interledger/http-signature-utils');

const SECRET = 'consent-admin-secret-0123456789';
const IDP_SECRET = 'consent-idp-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'rafiki-consent-'));
const WAIT_S = 1;

let srv, ports, admin, alice, client, browser, finish, finishUrl;

before(async () => {
  srv = await startServe({ dir, name: 'c', ilp: 'test.consent', secret: SECRET, env: { IDP_SECRET, WAIT_SECONDS: String(WAIT_S) } });
  ({ ports, admin } = srv);
  const { op } = ports;
  const [fin] = await freePorts(1);
  const usd = await admin('POST', '/assets', { code: 'USD', scale: 2 });
  const wa = (name, publicName) =>
    admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${op}/${name}`, public_name: publicName });
  alice = await wa('alice', 'Alice');
  const bob = await wa('bob', 'Bob');
  const shop = await wa('shop', 'Corner Shop');
  const keys = generateTestKeys();
  await admin('POST', `/wallet-addresses/${shop.id}/keys`, { jwk: keys.publicKey });
  const u = await admin('POST', '/users', { username: 'alice', password: 'alice-password', wallet_address_ids: [alice.id] });
  assert.deepEqual(u.wallet_address_ids, [alice.id]);
  await admin('POST', '/users', { username: 'bob', password: 'bob-password', wallet_address_ids: [bob.id] });
  client = await createAuthenticatedClient({ walletAddressUrl: shop.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid });
  // the client's finish page: where the browser lands
  finish = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('back at the shop'));
  await new Promise((r) => finish.listen(fin, '127.0.0.1', r));
  finishUrl = `http://localhost:${fin}/finish`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  finish?.close();
  srv?.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function ask(limits) {
  const nonce = randomUUID();
  const grant = await client.grant.request({ url: `http://localhost:${ports.auth}/` }, {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier: alice.url, limits }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: finishUrl, nonce } },
  });
  assert.ok(isPendingGrant(grant));
  return { grant, nonce };
}

test('accept in the browser: sign in, see the amounts, land on the finish URI, continue', async () => {
  const { grant, nonce } = await ask({ debitAmount: { value: '2500', assetCode: 'USD', assetScale: 2 }, interval: 'R/2026-01-01T00:00:00Z/P1M' });
  const ctx = await browser.newContext({ viewport: { width: 420, height: 760 } }); // a phone
  const page = await ctx.newPage();
  await page.goto(grant.interact.redirect);
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.textContent('[role=alert]'), /Wrong user name or password/);
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('alice-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const text = await page.textContent('main');
  assert.match(text, /Allow Corner Shop to use your wallet\?/);
  assert.match(text, /at most USD 25\.00 taken from your account/);
  assert.match(text, /every month from 2026-01-01 00:00 UTC/);
  assert.match(text, new RegExp(alice.url.replace(/[.]/g, '\\.')));
  mkdirSync(join(root, 'docs'), { recursive: true });
  await page.screenshot({ path: join(root, 'docs', 'consent-screen.png'), fullPage: true });
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.waitForURL(/\/finish\?/);
  const landed = new URL(page.url());
  assert.equal(`${landed.origin}${landed.pathname}`, finishUrl);
  const ref = landed.searchParams.get('interact_ref');
  const want = createHash('sha256').update(`${nonce}\n${grant.interact.finish}\n${ref}\nhttp://localhost:${ports.auth}/`).digest('base64');
  assert.equal(landed.searchParams.get('hash'), want);
  await sleep(WAIT_S * 1000);
  const token = await client.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: ref });
  assert.ok(isFinalizedGrantWithAccessToken(token));

  // the same consent page again: the grant is decided
  const again = await page.goto(`http://localhost:${ports.auth}/consent?interactId=${new URL(grant.interact.redirect).pathname.split('/')[2]}&nonce=${grant.interact.finish}`);
  assert.equal(again.status(), 409);
  await ctx.close();
});

test('decline in the browser sends the user back with result=grant_rejected', async () => {
  const { grant } = await ask({ receiveAmount: { value: '1000', assetCode: 'USD', assetScale: 2 } });
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(grant.interact.redirect);
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('alice-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.textContent('main'), /at most USD 10\.00 delivered in all/);
  await page.getByRole('button', { name: 'Decline' }).click();
  await page.waitForURL(/\/finish\?/);
  assert.equal(new URL(page.url()).searchParams.get('result'), 'grant_rejected');
  await ctx.close();
});

test('no CSRF token, or another user\'s wallet address: refused, nothing decided', async () => {
  const { grant } = await ask({ debitAmount: { value: '100', assetCode: 'USD', assetScale: 2 } });
  const [, , id, nonce] = new URL(grant.interact.redirect).pathname.split('/');
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(grant.interact.redirect);
  await page.getByLabel('User name').fill('bob');
  await page.getByLabel('Password').fill('bob-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const cookies = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const post = (form) => fetch(`http://localhost:${ports.auth}/consent`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', cookie: cookies },
    body: new URLSearchParams(form).toString(),
  });
  const noCsrf = await post({ interactId: id, nonce, decision: 'accept' });
  assert.equal(noCsrf.status, 403);
  await page.getByRole('button', { name: 'Accept' }).click();
  assert.match(await page.textContent('main'), /not yours/);
  // the grant is still pending: the interaction API shows it
  const r = await fetch(`http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}`, { headers: { 'x-idp-secret': IDP_SECRET } });
  assert.equal((await r.json()).state, 'PENDING');
  await ctx.close();
});

test('users admin API: paging, bad input and links', async () => {
  const first = await admin('GET', '/users?limit=1');
  assert.equal(first.users.length, 1);
  assert.ok(first.next_cursor);
  const rest = await admin('GET', `/users?limit=1&cursor=${first.next_cursor}`);
  assert.equal(rest.users.length, 1);
  assert.notEqual(rest.users[0].id, first.users[0].id);
  const names = [first.users[0].username, rest.users[0].username].sort();
  assert.deepEqual(names, ['alice', 'bob']);
  assert.equal((await admin('GET', `/users?cursor=${rest.users[0].id}`)).next_cursor, null);

  const bad = async (method, path, body, status, code) => {
    const r = await srv.call(method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(r.json)}`);
    assert.equal(r.json.error?.code ?? r.json.code, code);
  };
  await bad('POST', '/users', { username: 'alice', password: 'another-password' }, 409, 'username_taken');
  await bad('POST', '/users', { username: 'carol', password: 'short' }, 400, 'invalid_field');
  await bad('POST', '/users', { username: 'car ol', password: 'long-enough' }, 400, 'invalid_field');
  await bad('POST', '/users', { username: 'carol', password: 'long-enough', wallet_address_ids: [randomUUID()] }, 404, 'wallet_address_not_found');
  await bad('GET', '/users?cursor=nope', undefined, 400, 'invalid_cursor');
  const carol = await admin('POST', '/users', { username: 'carol', password: 'long-enough' });
  await bad('POST', `/users/${carol.id}/wallet-addresses`, {}, 400, 'invalid_field');
  await bad('POST', `/users/${randomUUID()}/wallet-addresses`, { wallet_address_id: alice.id }, 404, 'user_not_found');
  const linked = await admin('POST', `/users/${carol.id}/wallet-addresses`, { wallet_address_id: alice.id });
  assert.deepEqual(linked.wallet_address_ids, [alice.id]);
});
