// Open Payments on Postgres and Redis (TEST_POSTGRES_URL and TEST_REDIS_URL, set by
// scripts/with-services.sh). First, two replicas of `rafiki serve`: grants, tokens and
// interactions live in the shared database and the replay guard in the shared cache, so any
// step may land on either replica behind a load balancer (a proxy in the test, on the public
// URLs that signatures cover, routing each request where the test says). A grant asked of replica A is used
// on B; a signed POST accepted by B is refused as a replay by A; an interaction started on A is
// decided through B's interaction API and continued on B; the payment made on B is seen on A; a
// token rotated on B stops working on A. Second, one process per role (--components auth and
// --components backend), the backend introspecting over HTTP.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { startServe, sleep } from './lib/serve.mjs';
import { gqlClient, sign } from './lib/gql.mjs';
import { freePorts } from './lib/ports.mjs';
import { pgUrl, psql } from './lib/pg.mjs';

const require = createRequire(import.meta.url);
const { createAuthenticatedClient, isPendingGrant, isFinalizedGrantWithAccessToken } = require('@interledger/open-payments');
const { generateTestKeys } = require('@interledger/http-signature-utils');
const fromSigUtils = createRequire(require.resolve('@interledger/http-signature-utils'));
const { httpbis, createSigner } = fromSigUtils('http-message-signatures');
const { createContentDigestHeader } = fromSigUtils('httpbis-digest-headers');

const base = process.env.TEST_POSTGRES_URL;
const redis = process.env.TEST_REDIS_URL;
const SECRET = 'replicas-admin-secret-0123456789';
const IDP_SECRET = 'replicas-idp-secret-0123456789ab';
const FINISH = 'http://localhost:39997/finish';
const dir = mkdtempSync(join(tmpdir(), 'rafiki-opr-'));
const procs = [];
let dbName;

// What the processes of one deployment share: the database, the cache, the secrets, and the
// public URLs of the Open Payments and auth ports (op, auth).
function sharedEnv (db, op, auth) {
  return {
    DATABASE_URL: pgUrl(base, db),
    REDIS_URL: redis,
    STREAM_SECRET: randomBytes(32).toString('hex'),
    IDP_SECRET,
    WAIT_SECONDS: '1',
    OPEN_PAYMENTS_URL: `http://localhost:${op}`,
    AUTH_SERVER_URL: `http://localhost:${auth}`
  };
}

after(() => {
  for (const p of procs) p.kill('SIGKILL');
  if (dbName) psql(base, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
});

// A request signed as the official client signs it (see open_payments_security.test.mjs).
async function signed (method, url, keys, token, body) {
  const headers = {};
  if (token) headers.Authorization = `GNAP ${token}`;
  const text = body === undefined ? undefined : JSON.stringify(body);
  if (text !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Digest'] = createContentDigestHeader(text, ['sha-512']);
    headers['Content-Length'] = String(Buffer.byteLength(text));
  }
  const fields = ['@method', '@target-uri', ...(token ? ['authorization'] : []), ...(text ? ['content-digest', 'content-length', 'content-type'] : [])];
  const key = createSigner(keys.privateKey, 'ed25519', keys.publicKey.kid);
  const { headers: all } = await httpbis.signMessage({ key, name: 'sig1', params: ['keyid', 'created'], fields }, { method, url, headers });
  return { headers: all, body: text };
}

// The load balancer in front of the replicas, on a public port: each request goes to the replica
// that lb.to names ('a' or 'b'; lb.a and lb.b are their ports of this kind), Host header and
// all. Signatures cover the public URL (OPEN_PAYMENTS_URL, AUTH_SERVER_URL), so a client reaches
// a replica through it, as in production.
async function balancer (lb, port) {
  const server = http.createServer((req, res) => {
    const up = http.request({ host: '127.0.0.1', port: lb[lb.to], method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(port, resolve));
  return server;
}

async function send (method, url, req) {
  const r = await fetch(url, { method, headers: req.headers, body: req.body, redirect: 'manual' });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  return { status: r.status, json, text };
}

test('two replicas on one Postgres and Redis share grants, tokens, interactions and the replay guard',
  { timeout: 120000, skip: base && redis ? false : 'TEST_POSTGRES_URL and TEST_REDIS_URL are not set' },
  async () => {
    dbName = 'op_replicas_' + randomUUID().replace(/-/g, '').slice(0, 12);
    psql(base, `CREATE DATABASE ${dbName}`);
    // the public URLs are a load balancer's (opLB, authLB), which sends each request to the
    // replica named in to
    const [opLB, authLB] = await freePorts(2);
    const shared = sharedEnv(dbName, opLB, authLB);
    const a = await startServe({ dir, name: 'a', ilp: 'test.replicas', secret: SECRET, env: shared });
    procs.push(a.proc);
    const b = await startServe({ dir, name: 'b', ilp: 'test.replicas', secret: SECRET, env: shared });
    procs.push(b.proc);
    const A = a.ports;
    const B = b.ports;
    const opBal = { to: 'a', a: A.op, b: B.op };
    const authBal = { to: 'a', a: A.auth, b: B.auth };
    const to = (replica) => { opBal.to = authBal.to = replica; };
    const lbs = [await balancer(opBal, opLB), await balancer(authBal, authLB)];
    try {
      const usd = await a.admin('POST', '/assets', { code: 'USD', scale: 2 });
      const wa = (name) => a.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${opLB}/${name}`, public_name: name });
      const alice = await wa('alice');
      const bob = await wa('bob');
      const shopWa = await wa('shop');
      const keys = generateTestKeys();
      await b.admin('POST', `/wallet-addresses/${shopWa.id}/keys`, { jwk: keys.publicKey });
      await b.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '10000' });
      const shop = await createAuthenticatedClient({ walletAddressUrl: shopWa.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid });

      // a grant from A's authorization server, used on B's resource server
      to('a');
      const ipGrant = await shop.grant.request({ url: `http://localhost:${authLB}/` },
        { access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read'] }] } });
      assert.ok(isFinalizedGrantWithAccessToken(ipGrant));
      const body = { walletAddress: bob.url, incomingAmount: { value: '700', assetCode: 'USD', assetScale: 2 } };
      const req = await signed('POST', `http://localhost:${opLB}/incoming-payments`, keys, ipGrant.access_token.value, body);
      const created = await send('POST', `http://localhost:${B.op}/incoming-payments`, req);
      assert.equal(created.status, 201, created.text);
      // the same signed request replayed to A: the guard lives in Redis, A refuses it
      const replayed = await send('POST', `http://localhost:${A.op}/incoming-payments`, { ...req });
      assert.equal(replayed.status, 401, `a replay on the other replica: ${replayed.text}`);
      assert.match(replayed.text, /already received/, 'refused as a replay');
      const incoming = created.json;
      const read = await shop.incomingPayment.get({ url: incoming.id, accessToken: ipGrant.access_token.value });
      assert.equal(read.id, incoming.id, 'A reads what B created');

      // quote on A
      const qGrant = await shop.grant.request({ url: `http://localhost:${authLB}/` },
        { access_token: { access: [{ type: 'quote', actions: ['create', 'read'] }] } });
      const quote = await shop.quote.create({ url: `http://localhost:${opLB}`, accessToken: qGrant.access_token.value },
        { walletAddress: alice.url, receiver: incoming.id, method: 'ilp' });

      // interactive grant on A, decided through B's interaction API, continued on B
      const grant = await shop.grant.request({ url: `http://localhost:${authLB}/` }, {
        access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier: alice.url, limits: { debitAmount: quote.debitAmount } }] },
        interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } }
      });
      assert.ok(isPendingGrant(grant));
      const start = await fetch(grant.interact.redirect, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const [, id, nonce] = new URL(grant.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/);
      const decided = await fetch(`http://127.0.0.1:${B.inter}/grant/${id}/${nonce}/accept`, { method: 'POST', headers: { 'x-idp-secret': IDP_SECRET } });
      assert.equal(decided.status, 202);
      const fin = await fetch(`http://localhost:${authLB}/interact/${id}/${nonce}/finish`, { redirect: 'manual', headers: { cookie } });
      assert.equal(fin.status, 302);
      const ref = new URL(fin.headers.get('location')).searchParams.get('interact_ref');
      assert.ok(ref, fin.headers.get('location'));
      await sleep(1000);
      to('b');
      const token = await shop.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: ref });
      assert.ok(isFinalizedGrantWithAccessToken(token));

      // pay on B; A sees the incoming payment filled
      const out = await shop.outgoingPayment.create({ url: `http://localhost:${opLB}`, accessToken: token.access_token.value },
        { walletAddress: alice.url, quoteId: quote.id });
      to('a');
      let paid;
      for (let i = 0; i < 200; i++) {
        paid = await shop.incomingPayment.get({ url: incoming.id, accessToken: ipGrant.access_token.value });
        if (paid.receivedAmount.value === '700') break;
        await sleep(50);
      }
      assert.equal(paid.receivedAmount.value, '700');
      const got = await shop.outgoingPayment.get({ url: out.id, accessToken: token.access_token.value });
      assert.equal(got.sentAmount.value, '700');

      // a token rotated on B no longer works on A; the new one does
      to('b');
      const rotated = await shop.token.rotate({ url: token.access_token.manage, accessToken: token.access_token.value });
      to('a');
      const old = await shop.outgoingPayment.get({ url: out.id, accessToken: token.access_token.value }).catch((e) => e);
      assert.equal(old.status, 403);
      const fresh = await shop.outgoingPayment.get({ url: out.id, accessToken: rotated.access_token.value });
      assert.equal(fresh.id, out.id);
      const status = await a.admin('GET', `/accounts/${alice.account_id}/status`);
      assert.equal(status.balance, String(10000 - 700), 'alice paid once');

      // Rafiki's Admin GraphQL signatures are accepted once across replicas (the replay guard
      // is in Redis): a request signed once and answered by a is refused by b
      const gqlBody = { query: 'query { __typename }' };
      const gqlHeaders = { 'content-type': 'application/json', signature: sign(gqlBody, SECRET) };
      const text = JSON.stringify(gqlBody);
      const first = await fetch(`http://127.0.0.1:${A.admin}/graphql`, { method: 'POST', headers: gqlHeaders, body: text });
      assert.equal(first.status, 200, await first.text());
      const replay = await fetch(`http://127.0.0.1:${B.admin}/graphql`, { method: 'POST', headers: gqlHeaders, body: text });
      assert.equal(replay.status, 401, 'replica b refuses the signature a accepted');
      // and idempotencyKey is shared too: the same createAsset through b replays a's answer
      const gA = gqlClient({ url: `http://127.0.0.1:${A.admin}/graphql`, secret: SECRET });
      const gB = gqlClient({ url: `http://127.0.0.1:${B.admin}/graphql`, secret: SECRET });
      const create = 'mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id code } } }';
      const input = { code: 'EUR', scale: 2, idempotencyKey: randomUUID() };
      const x = await gA.request(create, { input });
      const y = await gB.request(create, { input });
      assert.equal(y.createAsset.asset.id, x.createAsset.asset.id, 'b replays the answer a gave');
    } finally {
      for (const lb of lbs) lb.close();
    }
  });

// The same database split by role, as Rafiki deploys its packages: one process runs only the
// authorization server (--components auth), the other the backend (--components backend),
// which introspects tokens over HTTP at AUTH_SERVER_INTROSPECTION_URL. Grant limits reach the
// backend through that answer; a token revoked on the authorization server stops working on the
// backend at once; with the authorization server gone the backend answers 401, not 500.
test('--components auth and --components backend in two processes',
  { timeout: 120000, skip: base && redis ? false : 'TEST_POSTGRES_URL and TEST_REDIS_URL are not set' },
  async () => {
    const name = 'op_split_' + randomUUID().replace(/-/g, '').slice(0, 12);
    psql(base, `CREATE DATABASE ${name}`);
    try {
      const [op, auth, intro, inter] = await freePorts(4);
      const shared = { ...sharedEnv(name, op, auth), AUTH_SERVER_INTROSPECTION_URL: `http://127.0.0.1:${intro}/` };
      const as = await startServe({ dir, name: 'as', ilp: 'test.split', secret: SECRET, env: shared, use: { auth, intro, inter }, args: ['--components', 'auth'], health: ['auth', 'intro', 'inter'] });
      procs.push(as.proc);
      const be = await startServe({ dir, name: 'be', ilp: 'test.split', secret: SECRET, env: shared, use: { op }, args: ['--components=backend'], health: ['admin', 'op'] });
      procs.push(be.proc);
      const closed = await fetch(`http://127.0.0.1:${be.ports.auth}/healthz`).catch((e) => e);
      assert.ok(closed instanceof Error, 'the backend does not listen on the auth port');

      const usd = await be.admin('POST', '/assets', { code: 'USD', scale: 2 });
      const wa = (n) => be.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${op}/${n}`, public_name: n });
      const alice = await wa('alice');
      const bob = await wa('bob');
      const shopWa = await wa('shop');
      const keys = generateTestKeys();
      await be.admin('POST', `/wallet-addresses/${shopWa.id}/keys`, { jwk: keys.publicKey });
      await be.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '10000' });
      const shop = await createAuthenticatedClient({ walletAddressUrl: shopWa.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid });
      const wAlice = await shop.walletAddress.get({ url: alice.url });
      assert.equal(wAlice.authServer, `http://localhost:${auth}/`);

      const ipGrant = await shop.grant.request({ url: wAlice.authServer },
        { access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read'] }] } });
      const incoming = await shop.incomingPayment.create({ url: `http://localhost:${op}`, accessToken: ipGrant.access_token.value },
        { walletAddress: bob.url, incomingAmount: { value: '300', assetCode: 'USD', assetScale: 2 } });
      const qGrant = await shop.grant.request({ url: wAlice.authServer },
        { access_token: { access: [{ type: 'quote', actions: ['create'] }] } });
      const quote = await shop.quote.create({ url: `http://localhost:${op}`, accessToken: qGrant.access_token.value },
        { walletAddress: alice.url, receiver: incoming.id, method: 'ilp' });

      // an outgoing-payment grant limited to 200: the backend learns the limit by introspection
      const grant = await shop.grant.request({ url: wAlice.authServer }, {
        access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier: alice.url, limits: { debitAmount: { value: '200', assetCode: 'USD', assetScale: 2 } } }] },
        interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } }
      });
      assert.ok(isPendingGrant(grant));
      const start = await fetch(grant.interact.redirect, { redirect: 'manual' });
      const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const [, id, nonce] = new URL(grant.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/);
      assert.equal((await fetch(`http://127.0.0.1:${inter}/grant/${id}/${nonce}/accept`, { method: 'POST', headers: { 'x-idp-secret': IDP_SECRET } })).status, 202);
      const fin = await fetch(`http://localhost:${auth}/interact/${id}/${nonce}/finish`, { redirect: 'manual', headers: { cookie } });
      const ref = new URL(fin.headers.get('location')).searchParams.get('interact_ref');
      await sleep(1000);
      const token = await shop.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: ref });
      const over = await shop.outgoingPayment.create({ url: `http://localhost:${op}`, accessToken: token.access_token.value },
        { walletAddress: alice.url, quoteId: quote.id }).catch((e) => e);
      assert.equal(over.status, 403, 'a quote of 300 under a limit of 200');

      // revoked on the authorization server: refused by the backend at once
      const ok = await shop.incomingPayment.get({ url: incoming.id, accessToken: ipGrant.access_token.value });
      assert.equal(ok.id, incoming.id);
      await shop.token.revoke({ url: ipGrant.access_token.manage, accessToken: ipGrant.access_token.value });
      const gone = await shop.incomingPayment.get({ url: incoming.id, accessToken: ipGrant.access_token.value }).catch((e) => e);
      assert.equal(gone.status, 403);

      // the authorization server stops: the backend cannot introspect and says 401
      as.proc.kill('SIGTERM');
      await new Promise((resolve) => as.proc.once('exit', resolve));
      const down = await shop.outgoingPayment.list({ url: `http://localhost:${op}`, walletAddress: alice.url, accessToken: token.access_token.value }).catch((e) => e);
      assert.equal(down.status, 401);
      const status = await be.admin('GET', `/accounts/${alice.account_id}/status`);
      assert.equal(status.balance, '10000', 'nothing paid');
    } finally {
      psql(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
