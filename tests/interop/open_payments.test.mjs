// The whole Open Payments flow against a real `rafiki serve`, driven by the official client
// (@interledger/open-payments 7.4.0, which validates every 2xx answer against the 1.3.0
// specs): wallet addresses, a non-interactive incoming-payment grant and an incoming payment,
// a quote grant and a quote, an interactive outgoing-payment grant accepted through the
// interaction API (what a wallet with its own login uses), continue, the outgoing payment paid
// in full, the grant's limit enforced, then token rotation, revocation and grant cancellation;
// a declined grant. The browser-driven consent screen has its own test (consent.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { startServe, sleep } from './lib/serve.mjs';

const require = createRequire(import.meta.url);
const {
  createAuthenticatedClient, createUnauthenticatedClient, isPendingGrant,
  isFinalizedGrantWithAccessToken,
} = require('@interledger/open-payments');
const { generateTestKeys } = require('@interledger/http-signature-utils');

const SECRET = 'open-payments-admin-secret-0123';
const IDP_SECRET = 'open-payments-idp-secret-0123456';
const WAIT_S = 1;
const FINISH = 'http://localhost:39999/finish'; // never fetched: redirects stop at it
const dir = mkdtempSync(join(tmpdir(), 'rafiki-op-'));

let srv, ports, admin, alice, bob, clientWa, keys, client, anon;

before(async () => {
  srv = await startServe({ dir, name: 'op', ilp: 'test.op', secret: SECRET, env: { IDP_SECRET, WAIT_SECONDS: String(WAIT_S) } });
  ({ ports, admin } = srv);
  const { op } = ports;
  const usd = await admin('POST', '/assets', { code: 'USD', scale: 2 });
  const wa = (name, publicName) =>
    admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${op}/${name}`, public_name: publicName });
  alice = await wa('alice', 'Alice');
  bob = await wa('bob', 'Bob');
  clientWa = await wa('shop', 'Corner Shop');
  await admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '100000' });
  keys = generateTestKeys();
  await admin('POST', `/wallet-addresses/${clientWa.id}/keys`, { jwk: keys.publicKey });
  client = await createAuthenticatedClient({
    walletAddressUrl: clientWa.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid,
  });
  anon = await createUnauthenticatedClient({});
});

after(() => {
  srv?.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// The interaction, as a wallet with its own login drives it: start (cookie), decide through the
// interaction API, finish: the client's finish URI with hash and interact_ref (or a result).
async function interact(grant, accept) {
  const start = await fetch(grant.interact.redirect, { redirect: 'manual' });
  assert.equal(start.status, 302);
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  assert.ok(cookie, 'the interaction sets a session cookie');
  const [, id, nonce] = new URL(grant.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/);
  const idp = `http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}`;
  const shown = await fetch(idp, { headers: { 'x-idp-secret': IDP_SECRET } });
  assert.equal(shown.status, 200);
  const view = await shown.json();
  assert.equal(view.state, 'PENDING');
  const denied = await fetch(`${idp}/accept`, { method: 'POST', headers: { 'x-idp-secret': 'wrong' } });
  assert.equal(denied.status, 401, 'the interaction API needs the IdP secret');
  const decided = await fetch(`${idp}/${accept ? 'accept' : 'reject'}`, {
    method: 'POST', headers: { 'x-idp-secret': IDP_SECRET },
  });
  assert.equal(decided.status, 202);
  const noCookie = await fetch(`${new URL(grant.interact.redirect).origin}/interact/${id}/${nonce}/finish`, { redirect: 'manual' });
  assert.equal(noCookie.status, 401, 'finish needs the session cookie');
  const fin = await fetch(`${new URL(grant.interact.redirect).origin}/interact/${id}/${nonce}/finish`, {
    redirect: 'manual', headers: { cookie },
  });
  assert.equal(fin.status, 302);
  const loc = new URL(fin.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, FINISH, 'only ever the grant\'s finish URI');
  return { view, loc, nonce };
}

function finishHash(clientNonce, asNonce, ref, grantEndpoint) {
  return createHash('sha256').update(`${clientNonce}\n${asNonce}\n${ref}\n${grantEndpoint}`).digest('base64');
}

const amount = (value) => ({ value: String(value), assetCode: 'USD', assetScale: 2 });

test('wallet address, incoming payment, quote, consented outgoing payment, tokens', async () => {
  const wBob = await anon.walletAddress.get({ url: bob.url });
  const wAlice = await anon.walletAddress.get({ url: alice.url });
  assert.equal(wBob.authServer, `http://localhost:${ports.auth}/`);
  assert.equal(wBob.resourceServer, `http://localhost:${ports.op}`);
  const jwks = await anon.walletAddress.getKeys({ url: clientWa.url });
  assert.deepEqual(jwks.keys.map((k) => k.kid), [keys.publicKey.kid]);

  // incoming payment on bob, under a non-interactive grant
  const ipGrant = await client.grant.request({ url: wBob.authServer }, {
    access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read', 'list', 'complete'] }] },
  });
  assert.ok(isFinalizedGrantWithAccessToken(ipGrant), JSON.stringify(ipGrant));
  const incoming = await client.incomingPayment.create(
    { url: wBob.resourceServer, accessToken: ipGrant.access_token.value },
    { walletAddress: wBob.id, incomingAmount: amount(2500), expiresAt: new Date(Date.now() + 600000).toISOString() },
  );
  assert.equal(incoming.methods[0].type, 'ilp');
  assert.equal(incoming.receivedAmount.value, '0');
  const pub = await anon.incomingPayment.get({ url: incoming.id });
  assert.equal(pub.authServer, wBob.authServer);

  // quote on alice for bob's incoming payment
  const qGrant = await client.grant.request({ url: wAlice.authServer }, {
    access_token: { access: [{ type: 'quote', actions: ['create', 'read'] }] },
  });
  assert.ok(isFinalizedGrantWithAccessToken(qGrant));
  const quote = await client.quote.create(
    { url: wAlice.resourceServer, accessToken: qGrant.access_token.value },
    { walletAddress: wAlice.id, receiver: incoming.id, method: 'ilp' },
  );
  assert.deepEqual(quote.receiveAmount, amount(2500));
  assert.deepEqual(quote.debitAmount, amount(2500), 'no fees configured');

  // an interactive outgoing-payment grant limited to the quote's debit amount
  const clientNonce = randomUUID();
  const opGrant = await client.grant.request({ url: wAlice.authServer }, {
    access_token: {
      access: [{ type: 'outgoing-payment', actions: ['create', 'read', 'list'], identifier: wAlice.id, limits: { debitAmount: quote.debitAmount } }],
    },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: clientNonce } },
  });
  assert.ok(isPendingGrant(opGrant), JSON.stringify(opGrant));
  const early = await client.grant.continue(
    { url: opGrant.continue.uri, accessToken: opGrant.continue.access_token.value }, { interact_ref: 'x' },
  ).catch((e) => e);
  assert.ok(early.status >= 400, 'continue before the interaction ends fails');
  const { view, loc } = await interact(opGrant, true);
  assert.equal(view.access[0].limits.debitAmount.value, '2500');
  const ref = loc.searchParams.get('interact_ref');
  assert.equal(loc.searchParams.get('hash'), finishHash(clientNonce, opGrant.interact.finish, ref, wAlice.authServer));
  await sleep(WAIT_S * 1000);
  const bad = await client.grant.continue(
    { url: opGrant.continue.uri, accessToken: opGrant.continue.access_token.value }, { interact_ref: randomUUID() },
  ).catch((e) => e);
  assert.equal(bad.status, 404, 'an unknown interact_ref');
  await sleep(WAIT_S * 1000);
  const opToken = await client.grant.continue(
    { url: opGrant.continue.uri, accessToken: opGrant.continue.access_token.value }, { interact_ref: ref },
  );
  assert.ok(isFinalizedGrantWithAccessToken(opToken));

  // pay, and see it arrive
  const out = await client.outgoingPayment.create(
    { url: wAlice.resourceServer, accessToken: opToken.access_token.value },
    { walletAddress: wAlice.id, quoteId: quote.id, metadata: { description: 'coffee' } },
  );
  assert.equal(out.grantSpentDebitAmount.value, '2500');
  let got;
  for (let i = 0; i < 200; i++) {
    got = await client.outgoingPayment.get({ url: out.id, accessToken: opToken.access_token.value });
    if (got.sentAmount.value === got.debitAmount.value || got.failed) break;
    await sleep(50);
  }
  assert.equal(got.failed, false);
  assert.equal(got.sentAmount.value, '2500');
  const paid = await client.incomingPayment.get({ url: incoming.id, accessToken: ipGrant.access_token.value });
  assert.equal(paid.receivedAmount.value, '2500');
  const spent = await client.outgoingPayment.getGrantSpentAmounts({ url: wAlice.resourceServer, accessToken: opToken.access_token.value });
  assert.equal(spent.spentDebitAmount.value, '2500');
  const list = await client.outgoingPayment.list(
    { url: wAlice.resourceServer, walletAddress: wAlice.id, accessToken: opToken.access_token.value }, { first: 10 },
  );
  assert.deepEqual(list.result.map((p) => p.id), [out.id]);

  // the grant's limit is spent: a second payment is refused and nothing is created
  const ip2 = await client.incomingPayment.create(
    { url: wBob.resourceServer, accessToken: ipGrant.access_token.value },
    { walletAddress: wBob.id, incomingAmount: amount(100) },
  );
  const q2 = await client.quote.create(
    { url: wAlice.resourceServer, accessToken: qGrant.access_token.value },
    { walletAddress: wAlice.id, receiver: ip2.id, method: 'ilp' },
  );
  const over = await client.outgoingPayment.create(
    { url: wAlice.resourceServer, accessToken: opToken.access_token.value },
    { walletAddress: wAlice.id, quoteId: q2.id },
  ).catch((e) => e);
  assert.equal(over.status, 403);

  // a token for alice cannot touch bob's wallet address
  const foreign = await client.outgoingPayment.list(
    { url: wBob.resourceServer, walletAddress: wBob.id, accessToken: opToken.access_token.value },
  ).catch((e) => e);
  assert.equal(foreign.status, 403);

  // rotate: the old token stops working, the new one works
  const rotated = await client.token.rotate({ url: opToken.access_token.manage, accessToken: opToken.access_token.value });
  assert.notEqual(rotated.access_token.value, opToken.access_token.value);
  const old = await client.outgoingPayment.get({ url: out.id, accessToken: opToken.access_token.value }).catch((e) => e);
  assert.equal(old.status, 403);
  await client.outgoingPayment.get({ url: out.id, accessToken: rotated.access_token.value });
  await client.token.revoke({ url: rotated.access_token.manage, accessToken: rotated.access_token.value });
  const revoked = await client.outgoingPayment.get({ url: out.id, accessToken: rotated.access_token.value }).catch((e) => e);
  assert.equal(revoked.status, 403);

  // cancel the incoming-payment grant: its token stops working
  await client.grant.cancel({ url: ipGrant.continue.uri, accessToken: ipGrant.continue.access_token.value });
  const cancelled = await client.incomingPayment.get({ url: incoming.id, accessToken: ipGrant.access_token.value }).catch((e) => e);
  assert.equal(cancelled.status, 403);
});

test('a declined grant sends the user back with result=grant_rejected and gives no token', async () => {
  const wAlice = await anon.walletAddress.get({ url: alice.url });
  const grant = await client.grant.request({ url: wAlice.authServer }, {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create'], identifier: wAlice.id, limits: { debitAmount: amount(500) } }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } },
  });
  assert.ok(isPendingGrant(grant));
  const { loc } = await interact(grant, false);
  assert.equal(loc.searchParams.get('result'), 'grant_rejected');
  assert.equal(loc.searchParams.get('hash'), null);
  await sleep(WAIT_S * 1000);
  const r = await client.grant.continue(
    { url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: randomUUID() },
  ).catch((e) => e);
  assert.ok(r.status === 401 || r.status === 404, `no token for a declined grant (${r.status})`);
});

test('a request signed with a key the client does not publish is refused', async () => {
  const stranger = generateTestKeys();
  const impostor = await createAuthenticatedClient({
    walletAddressUrl: clientWa.url, privateKey: stranger.privateKey, keyId: stranger.publicKey.kid,
  });
  const wBob = await anon.walletAddress.get({ url: bob.url });
  const r = await impostor.grant.request({ url: wBob.authServer }, {
    access_token: { access: [{ type: 'incoming-payment', actions: ['create'] }] },
  }).catch((e) => e);
  assert.equal(r.status, 401);
  assert.equal(r.code, 'invalid_client');
});
