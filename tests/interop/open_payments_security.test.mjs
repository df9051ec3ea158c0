// Bad input and attacks against the Open Payments ports of a real `rafiki serve`: every refused
// request gets the status and error the 1.3.0 specs give (each answer is also validated against
// the specs with @interledger/openapi, lib/spec.mjs), and nothing is created or moved (the rows
// of the database and the payer's balance are counted before and after each case).
// Requests are signed here with the same libraries the official client uses
// (http-message-signatures, httpbis-digest-headers), so a case can change one thing at a time:
// no signature, a broken one, an old `created`, a replay, a body that does not match its digest,
// a key the client never published or has revoked. Then tokens (expired, revoked, rotated away,
// the wrong type, action or wallet address), another client's resources, grant limits per
// interval, the interaction (tampered nonce and interact_ref, continue with the wrong token,
// a decision on a finalized grant, no redirect but the grant's finish URI), huge and deeply
// nested bodies, and token introspection over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import { startServe, sleep } from './lib/serve.mjs';
import { specChecker } from './lib/spec.mjs';

const require = createRequire(import.meta.url);
const { createAuthenticatedClient, isPendingGrant, isFinalizedGrantWithAccessToken } = require('@interledger/open-payments');
const { generateTestKeys } = require('@interledger/http-signature-utils');
// the signing libraries of the official client, resolved from where it resolves them
const fromSigUtils = createRequire(require.resolve('@interledger/http-signature-utils'));
const { httpbis, createSigner } = fromSigUtils('http-message-signatures');
const { createContentDigestHeader } = fromSigUtils('httpbis-digest-headers');

const SECRET = 'op-security-admin-secret-012345';
const IDP_SECRET = 'op-security-idp-secret-01234567';
const WAIT_S = 1;
const FINISH = 'http://localhost:39998/finish';
const dir = mkdtempSync(join(tmpdir(), 'rafiki-opsec-'));

let checkSpec, specChecked = 0;
let srv, ports, admin, usd, alice, bob, shopWa, mallWa, shopKeys, mallKeys, shop, mall;

const amount = (value) => ({ value: String(value), assetCode: 'USD', assetScale: 2 });

before(async () => {
  srv = await startServe({ dir, name: 'sec', ilp: 'test.sec', secret: SECRET, env: { IDP_SECRET, WAIT_SECONDS: String(WAIT_S) } });
  ({ ports, admin } = srv);
  checkSpec = await specChecker(ports);
  usd = await admin('POST', '/assets', { code: 'USD', scale: 2 });
  const wa = (name) => admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${ports.op}/${name}`, public_name: name });
  alice = await wa('alice');
  bob = await wa('bob');
  shopWa = await wa('shop');
  mallWa = await wa('mall');
  await admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '100000' });
  shopKeys = generateTestKeys();
  mallKeys = generateTestKeys();
  await admin('POST', `/wallet-addresses/${shopWa.id}/keys`, { jwk: shopKeys.publicKey });
  await admin('POST', `/wallet-addresses/${mallWa.id}/keys`, { jwk: mallKeys.publicKey });
  shop = await createAuthenticatedClient({ walletAddressUrl: shopWa.url, privateKey: shopKeys.privateKey, keyId: shopKeys.publicKey.kid });
  mall = await createAuthenticatedClient({ walletAddressUrl: mallWa.url, privateKey: mallKeys.privateKey, keyId: mallKeys.publicKey.kid });
});

after(() => {
  srv?.proc.kill('SIGKILL');
  assert.ok(specChecked > 50, `answers checked against the specs: ${specChecked}`);
  rmSync(dir, { recursive: true, force: true });
});

// ---- helpers ----

// What the database holds and what alice has: compared before and after each refused request.
async function counts () {
  const tables = ['incoming_payments', 'quotes', 'outgoing_payments', 'auth_grants', 'auth_tokens'];
  const sql = tables.map((t) => `SELECT count(*) FROM ${t};`).join(' ');
  const out = execFileSync('sqlite3', [join(dir, 'sec.db'), sql], { encoding: 'utf8' }).trim().split('\n');
  const c = Object.fromEntries(tables.map((t, i) => [t, Number(out[i])]));
  c.alice = (await admin('GET', `/accounts/${alice.account_id}/status`)).balance;
  assert.ok(c.alice !== undefined);
  return c;
}

async function unchanged (before, what) {
  assert.deepEqual(await counts(), before, `${what}: nothing is created or moved`);
}

// A request signed as the official client signs it, with one thing changeable at a time.
// opts: body (object or raw string), token, keys, keyId, created (Date), digest (header value),
// fields (covered components), headers (extra, after signing), sendTo (the URL to send it to
// instead of url, with url's Host header: a request signed for another server replayed here).
async function signed (method, url, opts = {}) {
  const keys = opts.keys ?? shopKeys;
  const headers = {};
  if (opts.token) headers.Authorization = `GNAP ${opts.token}`;
  const text = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  if (text !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Digest'] = opts.digest ?? createContentDigestHeader(text, ['sha-512']);
    headers['Content-Length'] = String(Buffer.byteLength(text));
  }
  const fields = opts.fields ?? ['@method', '@target-uri', ...(opts.token ? ['authorization'] : []),
    ...(text !== undefined ? ['content-digest', 'content-length', 'content-type'] : [])];
  const key = createSigner(keys.privateKey, 'ed25519', opts.keyId ?? keys.publicKey.kid);
  const { headers: all } = await httpbis.signMessage(
    { key, name: 'sig1', params: ['keyid', 'created'], fields, paramValues: opts.created ? { created: opts.created } : undefined },
    { method, url, headers },
  );
  if (opts.sendTo) return sendHost(method, opts.sendTo, { ...all, Host: new URL(url).host, ...opts.headers }, opts.sendBody ?? text);
  return send(method, url, { ...all, ...opts.headers }, opts.sendBody ?? text);
}

// send with a Host header of the caller's choosing (fetch sets its own), through node:http.
async function sendHost (method, url, headers, body) {
  const u = new URL(url);
  const r = await new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
  let json = null;
  try { json = JSON.parse(r.text); } catch {}
  if (checkSpec(method, url, r.status, json)) specChecked++;
  return { ...r, json };
}

async function send (method, url, headers, body) {
  const r = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch {}
  if (checkSpec(method, url, r.status, json)) specChecked++;
  return { status: r.status, json, headers: r.headers, text };
}

// A refused request: its status, and the error code when given (RS: the status as a string;
// AS: the GNAP code).
function refused (r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
  if (code) assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  else assert.ok(r.json?.error?.code, `${what}: a JSON error body (${r.text})`);
}

// The official client's signatures are deterministic and `created` has whole seconds, so the
// same grant request twice in one second is byte-identical, and the second is refused as a
// replay; a repeat here waits for the next second.
const lastAsk = new Map();
async function grant (client, access, interact) {
  const key = JSON.stringify([client === shop ? 'shop' : client === mall ? 'mall' : 'other', access, interact ?? null]);
  // the last request's `created` is at most the second its answer came in
  while (Math.floor(Date.now() / 1000) <= (lastAsk.get(key) ?? -1)) await sleep(1005 - (Date.now() % 1000));
  try {
    return await client.grant.request({ url: `http://localhost:${ports.auth}/` }, { access_token: { access }, ...(interact ? { interact } : {}) });
  } catch (e) {
    throw new Error(`grant request refused: ${e.status} ${e.code}: ${e.description}`)
  } finally {
    lastAsk.set(key, Math.floor(Date.now() / 1000));
  }
}

async function incomingToken (client = shop, actions = ['create', 'read', 'list', 'complete'], identifier) {
  const g = await grant(client, [{ type: 'incoming-payment', actions, ...(identifier ? { identifier } : {}) }]);
  assert.ok(isFinalizedGrantWithAccessToken(g), JSON.stringify(g));
  return g;
}

const ipUrl = () => `http://localhost:${ports.op}/incoming-payments`;
const ipBody = (wa = bob) => ({ walletAddress: wa.url, incomingAmount: amount(100) });

// An interactive outgoing-payment grant accepted through the interaction API; returns the
// grant, the finish redirect and the token after continue.
async function consented (limits, { client = shop } = {}) {
  const g = await grant(client, [{ type: 'outgoing-payment', actions: ['create', 'read', 'list'], identifier: alice.url, limits }],
    { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } });
  assert.ok(isPendingGrant(g), JSON.stringify(g));
  const start = await fetch(g.interact.redirect, { redirect: 'manual' });
  assert.equal(start.status, 302);
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const [, id, nonce] = new URL(g.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/);
  const idp = `http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}`;
  const d = await fetch(`${idp}/accept`, { method: 'POST', headers: { 'x-idp-secret': IDP_SECRET } });
  assert.equal(d.status, 202);
  const fin = await fetch(`http://localhost:${ports.auth}/interact/${id}/${nonce}/finish`, { redirect: 'manual', headers: { cookie } });
  assert.equal(fin.status, 302);
  const loc = new URL(fin.headers.get('location'));
  await sleep(WAIT_S * 1000);
  const token = await client.grant.continue({ url: g.continue.uri, accessToken: g.continue.access_token.value },
    { interact_ref: loc.searchParams.get('interact_ref') });
  assert.ok(isFinalizedGrantWithAccessToken(token));
  return { g, id, nonce, idp, cookie, loc, token };
}

async function incomingFor (wa, value) {
  const t = await incomingToken();
  return shop.incomingPayment.create({ url: `http://localhost:${ports.op}`, accessToken: t.access_token.value },
    { walletAddress: wa.url, incomingAmount: amount(value) });
}

async function quoteFor (receiver, client = shop) {
  const g = await grant(client, [{ type: 'quote', actions: ['create', 'read'] }]);
  return client.quote.create({ url: `http://localhost:${ports.op}`, accessToken: g.access_token.value },
    { walletAddress: alice.url, receiver: receiver.id, method: 'ilp' });
}

// ---- signatures ----

test('signatures: missing, malformed, old, from the future, replayed, digest mismatch', async () => {
  const { access_token: { value: token } } = await incomingToken();
  const { access_token: { value: other } } = await incomingToken(shop, ['create', 'read']);
  const none = await send('POST', ipUrl(), { Authorization: `GNAP ${token}`, 'Content-Type': 'application/json' }, JSON.stringify(ipBody()));
  const c0 = await counts();
  refused(none, 401, '401', 'no signature');
  assert.match(none.headers.get('www-authenticate') ?? '', /^GNAP as_uri=/);

  const good = async (extra) => signed('POST', ipUrl(), { token, body: ipBody(), ...extra });
  refused(await good({ headers: { Signature: 'sig1=:AAAA:' } }), 401, '401', 'a signature of the wrong length');
  refused(await good({ headers: { Signature: 'sig1=not-a-byte-sequence' } }), 401, '401', 'a malformed Signature');
  refused(await good({ headers: { 'Signature-Input': 'sig1=("@method");created=1;keyid="x"' } }), 401, '401', 'Signature-Input covering too little');
  refused(await good({ headers: { 'Signature-Input': 'garbage(' } }), 401, '401', 'a malformed Signature-Input');
  refused(await good({ fields: ['@method', '@target-uri', 'authorization'] }), 401, '401', 'a body whose digest is not covered');
  refused(await good({ created: new Date(Date.now() - 3600e3) }), 401, '401', 'created an hour ago');
  refused(await good({ created: new Date(Date.now() + 3600e3) }), 401, '401', 'created an hour from now');
  const swapped = JSON.stringify(ipBody()).replace('"100"', '"999"'); // same length
  refused(await good({ sendBody: swapped }), 401, '401', 'a body that is not the signed one');
  refused(await good({ digest: 'sha-512=:' + Buffer.alloc(64).toString('base64') + ':' }), 401, '401', 'a signed digest that does not match the body');
  refused(await good({ digest: 'sha-256=:' + Buffer.alloc(32).toString('base64') + ':' }), 401, '401', 'a digest without sha-512');
  refused(await good({ headers: { Authorization: `GNAP ${other}` } }), 401, '401', 'another valid token than the signed one');
  refused(await good({ keyId: 'no-such-key' }), 401, '401', 'a key id the client does not publish');
  refused(await good({ keys: mallKeys, keyId: shopKeys.publicKey.kid }), 401, '401', 'signed with another client\'s private key');
  await unchanged(c0, 'bad signatures');

  // the same signed POST twice: the second is a replay
  const body = JSON.stringify(ipBody());
  const headers = { Authorization: `GNAP ${token}`, 'Content-Type': 'application/json', 'Content-Digest': createContentDigestHeader(body, ['sha-512']), 'Content-Length': String(Buffer.byteLength(body)) };
  const key = createSigner(shopKeys.privateKey, 'ed25519', shopKeys.publicKey.kid);
  const { headers: sig } = await httpbis.signMessage({ key, name: 'sig1', params: ['keyid', 'created'], fields: ['@method', '@target-uri', 'authorization', 'content-digest', 'content-length', 'content-type'] }, { method: 'POST', url: ipUrl(), headers });
  const first = await send('POST', ipUrl(), sig, body);
  assert.equal(first.status, 201, first.text);
  const c1 = await counts();
  assert.equal(c1.incoming_payments, c0.incoming_payments + 1);
  refused(await send('POST', ipUrl(), sig, body), 401, '401', 'a replayed POST');
  await unchanged(c1, 'a replayed POST');
});

test('keys: a revoked key stops working at once, on the resource and the authorization server', async () => {
  const keys = generateTestKeys();
  const wa = await admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${ports.op}/kiosk`, public_name: 'kiosk' });
  await admin('POST', `/wallet-addresses/${wa.id}/keys`, { jwk: keys.publicKey });
  const kiosk = await createAuthenticatedClient({ walletAddressUrl: wa.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid });
  const t = await incomingToken(kiosk);
  const ok = await signed('POST', ipUrl(), { token: t.access_token.value, body: ipBody(), keys });
  assert.equal(ok.status, 201, ok.text);
  const del = await srv.call('DELETE', `/wallet-addresses/${wa.id}/keys/${encodeURIComponent(keys.publicKey.kid)}`);
  assert.ok(del.status < 300, JSON.stringify(del));
  const c0 = await counts();
  refused(await signed('POST', ipUrl(), { token: t.access_token.value, body: ipBody(), keys }), 401, '401', 'a revoked key on the resource server');
  const g = await signed('POST', `http://localhost:${ports.auth}/`, {
    keys, body: { access_token: { access: [{ type: 'incoming-payment', actions: ['create'] }] }, client: wa.url },
  });
  refused(g, 401, 'invalid_client', 'a revoked key on the authorization server');
  await unchanged(c0, 'a revoked key');
});

// Issue 18: the target URI of a signature came from the Host header, so a grant request signed
// for http://elsewhere.example/ (and sent with that Host) was accepted. It is this server's
// configured URL (AUTH_SERVER_URL, OPEN_PAYMENTS_URL) plus the request target.
test('signatures: a request signed for another server is refused, whatever its Host header', async () => {
  const { access_token: { value: token } } = await incomingToken();
  const c0 = await counts();
  const asUrl = `http://localhost:${ports.auth}/`;
  const body = { access_token: { access: [{ type: 'incoming-payment', actions: ['create'] }] }, client: shopWa.url };
  refused(await signed('POST', 'http://elsewhere.example/', { body, sendTo: asUrl }), 401, 'invalid_client',
    'a grant request signed for http://elsewhere.example/');
  refused(await signed('POST', `http://localhost:${ports.op}/`, { body, sendTo: asUrl }), 401, 'invalid_client',
    'a grant request signed for another port of this host');
  refused(await signed('POST', `https://localhost:${ports.auth}/`, { body, sendTo: asUrl }), 401, 'invalid_client',
    'a grant request signed for https');
  refused(await signed('POST', 'http://elsewhere.example/incoming-payments', { token, body: ipBody(), sendTo: ipUrl() }), 401, '401',
    'an incoming payment signed for another server');
  await unchanged(c0, 'requests signed for another server');
  // signed for this server: accepted, also when a proxy in front changed the Host header
  const ok = await signed('POST', asUrl, { body, sendTo: asUrl, headers: { Host: 'backend.internal:8080' } });
  assert.equal(ok.status, 200, ok.text);
  const created = await signed('POST', ipUrl(), { token, body: ipBody(), sendTo: ipUrl(), headers: { Host: 'backend.internal:8080' } });
  assert.equal(created.status, 201, created.text);
});

// ---- tokens ----

test('tokens: missing, unknown, revoked, rotated away, of a cancelled grant', async () => {
  const c0 = await counts();
  const noTok = await signed('POST', ipUrl(), { body: ipBody() });
  refused(noTok, 401, '401', 'no token');
  assert.match(noTok.headers.get('www-authenticate') ?? '', /^GNAP as_uri=http:\/\/localhost:\d+\/$/);
  refused(await signed('POST', ipUrl(), { token: 'A'.repeat(64), body: ipBody() }), 403, '403', 'an unknown token');
  refused(await send('POST', ipUrl(), { Authorization: 'Bearer x', 'Content-Type': 'application/json' }, JSON.stringify(ipBody())), 401, '401', 'not a GNAP token');

  const t = await incomingToken();
  const rotated = await shop.token.rotate({ url: t.access_token.manage, accessToken: t.access_token.value });
  refused(await signed('POST', ipUrl(), { token: t.access_token.value, body: ipBody() }), 403, '403', 'a token rotated away');
  await sleep(1000); // the same signed POST in the same second would be a replay
  const again = await signed('POST', `${t.access_token.manage}`, { token: t.access_token.value });
  refused(again, 404, 'invalid_rotation', 'rotating a token that was rotated away');
  await shop.token.revoke({ url: rotated.access_token.manage, accessToken: rotated.access_token.value });
  refused(await signed('POST', ipUrl(), { token: rotated.access_token.value, body: ipBody() }), 403, '403', 'a revoked token');

  const t2 = await incomingToken();
  await shop.grant.cancel({ url: t2.continue.uri, accessToken: t2.continue.access_token.value });
  refused(await signed('POST', ipUrl(), { token: t2.access_token.value, body: ipBody() }), 403, '403', 'the token of a cancelled grant');
  const twice = await signed('DELETE', t2.continue.uri, { token: t2.continue.access_token.value });
  refused(twice, 401, undefined, 'cancelling a cancelled grant');
  // c0 plus the grants and tokens made here; no resource, no money
  const c1 = await counts();
  assert.deepEqual({ ...c1, auth_grants: 0, auth_tokens: 0 }, { ...c0, auth_grants: 0, auth_tokens: 0 });
});

test('tokens: an expired token is refused', async () => {
  const d2 = mkdtempSync(join(tmpdir(), 'rafiki-opsec-exp-'));
  const s2 = await startServe({ dir: d2, name: 'exp', ilp: 'test.exp', secret: SECRET, env: { ACCESS_TOKEN_EXPIRY_SECONDS: '1' } });
  try {
    const u = await s2.admin('POST', '/assets', { code: 'USD', scale: 2 });
    const wa = (n) => s2.admin('POST', '/wallet-addresses', { asset_id: u.id, url: `http://localhost:${s2.ports.op}/${n}`, public_name: n });
    const carol = await wa('carol');
    const kioskWa = await wa('kiosk');
    const keys = generateTestKeys();
    await s2.admin('POST', `/wallet-addresses/${kioskWa.id}/keys`, { jwk: keys.publicKey });
    const c = await createAuthenticatedClient({ walletAddressUrl: kioskWa.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid });
    const g = await c.grant.request({ url: `http://localhost:${s2.ports.auth}/` }, { access_token: { access: [{ type: 'incoming-payment', actions: ['create'] }] } });
    assert.equal(g.access_token.expires_in, 1);
    await sleep(2100);
    const r = await signed('POST', `http://localhost:${s2.ports.op}/incoming-payments`, { keys, token: g.access_token.value, body: { walletAddress: carol.url } });
    refused(r, 403, '403', 'an expired token');
    // rotation gives a fresh token for the grant
    const fresh = await c.token.rotate({ url: g.access_token.manage, accessToken: g.access_token.value });
    const ok = await signed('POST', `http://localhost:${s2.ports.op}/incoming-payments`, { keys, token: fresh.access_token.value, body: { walletAddress: carol.url } });
    assert.equal(ok.status, 201, ok.text);
  } finally {
    s2.proc.kill('SIGKILL');
    rmSync(d2, { recursive: true, force: true });
  }
});

test('access: the wrong type, action or wallet address, and another client\'s resources', async () => {
  const quoteGrant = await grant(shop, [{ type: 'quote', actions: ['create', 'read'] }]);
  const readOnly = await incomingToken(shop, ['read']);
  const aliceOnly = await incomingToken(shop, ['create', 'read'], alice.url);
  const c0 = await counts();
  refused(await signed('POST', ipUrl(), { token: quoteGrant.access_token.value, body: ipBody() }), 403, '403', 'a quote token on incoming payments');
  refused(await signed('POST', ipUrl(), { token: readOnly.access_token.value, body: ipBody() }), 403, '403', 'a read token used to create');
  refused(await signed('POST', ipUrl(), { token: aliceOnly.access_token.value, body: ipBody(bob) }), 403, '403', 'a token for alice used on bob');
  await unchanged(c0, 'the wrong access');

  // shop's incoming payment: mall (read, not read-all) may not read, list or complete it
  const ip = await incomingFor(bob, 100);
  const mallTok = await incomingToken(mall, ['read', 'list', 'complete']);
  const r = await signed('GET', ip.id, { keys: mallKeys, token: mallTok.access_token.value });
  refused(r, 404, '404', 'reading another client\'s incoming payment');
  assert.equal(r.json?.methods, undefined, 'no payment credentials in the answer');
  const list = await mall.incomingPayment.list({ url: `http://localhost:${ports.op}`, walletAddress: bob.url, accessToken: mallTok.access_token.value }, { first: 20 });
  assert.ok(!list.result.some((p) => p.id === ip.id), 'not in another client\'s list');
  const c1 = await counts();
  const done = await signed('POST', `${ip.id}/complete`, { keys: mallKeys, token: mallTok.access_token.value });
  refused(done, 404, '404', 'completing another client\'s incoming payment');
  const still = await shop.incomingPayment.get({ url: ip.id, accessToken: (await incomingToken()).access_token.value });
  assert.equal(still.completed, false);
  await unchanged({ ...c1, auth_grants: c1.auth_grants + 1, auth_tokens: c1.auth_tokens + 1 }, 'another client\'s resources');

  // read-all sees it
  const all = await incomingToken(mall, ['read-all']);
  const seen = await signed('GET', ip.id, { keys: mallKeys, token: all.access_token.value });
  assert.equal(seen.status, 200, seen.text);
});

// ---- grant limits ----

test('limits: over the debit limit of an interval, and an interval that has not started', async () => {
  const start = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const { token } = await consented({ debitAmount: amount(1000), interval: `R/${start}/PT1H` });
  const pay = async (value) => {
    const ip = await incomingFor(bob, value);
    const q = await quoteFor(ip);
    return signed('POST', `http://localhost:${ports.op}/outgoing-payments`, { token: token.access_token.value, body: { walletAddress: alice.url, quoteId: q.id } });
  };
  const first = await pay(600);
  assert.equal(first.status, 201, first.text);
  // alice is debited by the payment worker after the 201: read her balance once it is done
  const firstId = first.json.id.split('/').pop();
  for (let i = 0; ; i++) {
    const p = await admin('GET', `/outgoing-payments/${firstId}`);
    if (p.state === 'COMPLETED') break;
    assert.ok(i < 200 && p.state !== 'FAILED', `the first payment completes: ${JSON.stringify(p)}`);
    await sleep(25);
  }
  const c0 = await counts();
  const second = await pay(600);
  refused(second, 403, '403', 'over the limit of this interval');
  const c1 = await counts();
  assert.equal(c1.outgoing_payments, c0.outgoing_payments, 'no outgoing payment created');
  assert.equal(c1.alice, c0.alice, 'alice is charged only for the first payment');

  const later = new Date(Date.now() + 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const { token: future } = await consented({ debitAmount: amount(1000), interval: `R/${later}/P1D` });
  const ip = await incomingFor(bob, 100);
  const q = await quoteFor(ip);
  const c2 = await counts();
  refused(await signed('POST', `http://localhost:${ports.op}/outgoing-payments`, { token: future.access_token.value, body: { walletAddress: alice.url, quoteId: q.id } }),
    403, '403', 'an interval that has not started');
  await unchanged(c2, 'an interval that has not started');
});

// ---- the interaction ----

test('interaction: tampered nonce and interact_ref, wrong continue token, decisions after the end, only the finish URI', async () => {
  const g = await grant(shop, [{ type: 'outgoing-payment', actions: ['create'], identifier: alice.url, limits: { debitAmount: amount(100) } }],
    { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } });
  const [, id, nonce] = new URL(g.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/);
  const auth = `http://localhost:${ports.auth}`;
  const wrongNonce = await send('GET', `${auth}/interact/${id}/${randomUUID()}`, {});
  refused(wrongNonce, 400, 'unknown_interaction', 'starting with a tampered nonce');
  assert.equal(wrongNonce.headers.get('location'), null);
  const idpWrong = await send('POST', `http://127.0.0.1:${ports.inter}/grant/${id}/${randomUUID()}/accept`, { 'x-idp-secret': IDP_SECRET });
  refused(idpWrong, 404, 'unknown_interaction', 'accepting with a tampered nonce');
  // extra query parameters cannot move the redirect
  const start = await fetch(`${g.interact.redirect}?finish=http://evil.example/&redirect_uri=http://evil.example/`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  assert.ok(!start.headers.get('location').includes('evil'), start.headers.get('location'));
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const d = await fetch(`http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}/accept`, { method: 'POST', headers: { 'x-idp-secret': IDP_SECRET } });
  assert.equal(d.status, 202);
  const fin = await fetch(`${auth}/interact/${id}/${nonce}/finish?uri=http://evil.example/`, { redirect: 'manual', headers: { cookie } });
  assert.equal(fin.status, 302);
  const loc = new URL(fin.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, FINISH);
  const ref = loc.searchParams.get('interact_ref');
  await sleep(WAIT_S * 1000);

  // continue: the wrong token, another grant's token, a tampered interact_ref
  const other = await incomingToken();
  const c0 = await counts();
  refused(await signed('POST', g.continue.uri, { token: 'B'.repeat(64), body: { interact_ref: ref } }), 401, 'invalid_continuation', 'continue with an unknown token');
  refused(await signed('POST', g.continue.uri, { token: other.continue.access_token.value, body: { interact_ref: ref } }), 401, 'invalid_continuation', 'continue with another grant\'s token');
  refused(await signed('POST', g.continue.uri, { token: g.continue.access_token.value, body: { interact_ref: ref + 'x' } }), 404, 'invalid_continuation', 'a tampered interact_ref');
  refused(await signed('POST', g.continue.uri, { token: g.continue.access_token.value, body: { interact_ref: ref }, keys: mallKeys, keyId: shopKeys.publicKey.kid }), 401, 'invalid_client', 'continue signed by another key');
  await unchanged({ ...c0, auth_grants: c0.auth_grants, auth_tokens: c0.auth_tokens }, 'refused continues');
  await sleep(WAIT_S * 1000);
  const tok = await shop.grant.continue({ url: g.continue.uri, accessToken: g.continue.access_token.value }, { interact_ref: ref });
  assert.ok(isFinalizedGrantWithAccessToken(tok));

  // the grant is finalized: no second decision, no second token, no new interaction
  const c1 = await counts();
  const late = await send('POST', `http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}/reject`, { 'x-idp-secret': IDP_SECRET });
  refused(late, 400, 'invalid_interaction', 'a decision on a finalized grant');
  const restart = await fetch(g.interact.redirect, { redirect: 'manual' });
  assert.equal(restart.status, 302, 'an interaction of a finalized grant goes back to the client');
  const back = new URL(restart.headers.get('location'));
  assert.equal(`${back.origin}${back.pathname}`, FINISH);
  assert.equal(back.searchParams.get('result'), 'invalid_interaction');
  assert.equal(back.searchParams.get('interact_ref'), null);
  await sleep(WAIT_S * 1000);
  const second = await signed('POST', g.continue.uri, { token: g.continue.access_token.value, body: { interact_ref: ref } });
  assert.ok(second.status === 401 || second.status === 404, `a second continue: ${second.status} ${second.text}`);
  await unchanged(c1, 'after the grant is finalized');
  const out = await shop.outgoingPayment.list({ url: `http://localhost:${ports.op}`, walletAddress: alice.url, accessToken: tok.access_token.value }).catch((e) => e);
  assert.equal(out.status, 403, 'the token has create only, not list');
});

test('grant requests: bad finish URIs, unknown types, and what the client may not ask for', async () => {
  const c0 = await counts();
  const ask = (body, keys) => signed('POST', `http://localhost:${ports.auth}/`, { body: { client: shopWa.url, ...body }, keys });
  const op = [{ type: 'outgoing-payment', actions: ['create'], identifier: alice.url }];
  for (const uri of ['javascript:alert(1)', 'not a uri', 'ftp://x/', '']) {
    const r = await ask({ access_token: { access: op }, interact: { start: ['redirect'], finish: { method: 'redirect', uri, nonce: 'n' } } });
    refused(r, 400, 'invalid_request', `finish uri ${JSON.stringify(uri)}`);
  }
  refused(await ask({ access_token: { access: op } }), 400, 'invalid_request', 'an outgoing-payment grant without interact');
  refused(await ask({ access_token: { access: [{ type: 'wallet', actions: ['create'] }] } }), 400, 'invalid_request', 'an unknown access type');
  refused(await ask({ access_token: { access: [{ type: 'incoming-payment', actions: ['fly'] }] } }), 400, 'invalid_request', 'an unknown action');
  refused(await ask({ access_token: { access: [] } }), 400, 'invalid_request', 'no access');
  refused(await ask({}), 400, 'invalid_request', 'no access_token');
  refused(await ask({ access_token: { access: [{ type: 'incoming-payment', actions: ['create'] }] }, client: 'http://localhost:1/nobody' }), 401, 'invalid_client', 'a client whose keys cannot be fetched');
  refused(await ask({ access_token: { access: [{ type: 'incoming-payment', actions: ['create'] }] } }, mallKeys), 401, 'invalid_client', 'signed with another client\'s key');
  refused(await ask({ access_token: { access: [{ type: 'outgoing-payment', actions: ['create'], identifier: alice.url, limits: { debitAmount: { value: '-5', assetCode: 'USD', assetScale: 2 } } }] }, interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: 'n' } } }),
    400, 'invalid_request', 'a negative limit');
  refused(await ask({ access_token: { access: [{ type: 'outgoing-payment', actions: ['create'], identifier: alice.url, limits: { interval: 'every tuesday' } }] }, interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: 'n' } } }),
    400, 'invalid_request', 'a malformed interval');
  await unchanged(c0, 'refused grant requests');
});

// The client's publicName was read from a freed document (issue 18): about 0.4% of interactive
// grant requests were refused with invalid_client "no publicName" although the client has one,
// and a sanitizer build reports the use after free on the first. Every one must succeed, and
// the user is shown the name.
test('interactive grants: 300 in a row are all pending, each showing the client\'s publicName', async () => {
  const stallWa = await admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${ports.op}/stall`, public_name: 'Stall Shop' });
  const keys = generateTestKeys();
  await admin('POST', `/wallet-addresses/${stallWa.id}/keys`, { jwk: keys.publicKey });
  const stall = await createAuthenticatedClient({ walletAddressUrl: stallWa.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid });
  const access = [{ type: 'outgoing-payment', actions: ['create'], identifier: alice.url, limits: { debitAmount: amount(1) } }];
  for (let i = 0; i < 300; i++) {
    const g = await grant(stall, access, { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } });
    assert.ok(isPendingGrant(g), `grant ${i}: ${JSON.stringify(g)}`);
    if (i % 50 === 0) {
      const start = await fetch(g.interact.redirect, { redirect: 'manual' });
      assert.equal(new URL(start.headers.get('location')).searchParams.get('clientName'), 'Stall Shop', `grant ${i}`);
    }
  }
});

// Interactive grants waiting for their users, per client: PENDING_GRANTS_MAX_PER_CLIENT (3 on a
// server of its own here). Above it 429 too_many_attempts and nothing is stored; answered and
// expired interactions do not count, other clients and grants without interaction are not held.
test('grant requests: a client\'s pending interactive grants are capped; answered and expired ones do not count', async () => {
  const cap = await startServe({ dir, name: 'cap', ilp: 'test.cap', secret: SECRET, env: { IDP_SECRET, PENDING_GRANTS_MAX_PER_CLIENT: '3' } });
  try {
    const p = cap.ports;
    const asset = await cap.admin('POST', '/assets', { code: 'USD', scale: 2 });
    const payer = await cap.admin('POST', '/wallet-addresses', { asset_id: asset.id, url: `http://localhost:${p.op}/payer`, public_name: 'payer' });
    const client = async (name) => {
      const w = await cap.admin('POST', '/wallet-addresses', { asset_id: asset.id, url: `http://localhost:${p.op}/${name}`, public_name: name });
      const k = generateTestKeys();
      await cap.admin('POST', `/wallet-addresses/${w.id}/keys`, { jwk: k.publicKey });
      return createAuthenticatedClient({ walletAddressUrl: w.url, privateKey: k.privateKey, keyId: k.publicKey.kid });
    };
    const [till, other] = [await client('till'), await client('other')];
    const access = [{ type: 'outgoing-payment', actions: ['create'], identifier: payer.url, limits: { debitAmount: amount(1) } }];
    const ask = (c) => c.grant.request({ url: `http://localhost:${p.auth}/` },
      { access_token: { access }, interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } } });
    const rows = () => Number(execFileSync('sqlite3', [join(dir, 'cap.db'), 'SELECT count(*) FROM auth_grants'], { encoding: 'utf8' }).trim());
    const full = async (what) => {
      const n = rows();
      const e = await ask(till).then((g) => g, (x) => x);
      assert.equal(e.status, 429, `${what}: ${JSON.stringify(e)}`);
      assert.equal(e.code, 'too_many_attempts', what);
      assert.equal(rows(), n, `${what}: nothing stored`);
    };
    const pending = [];
    for (let i = 0; i < 3; i++) pending.push(await ask(till));
    assert.ok(pending.every(isPendingGrant));
    await full('a fourth pending grant');
    assert.ok(isPendingGrant(await ask(other)), 'another client is not held by this one\'s grants');
    const ip = await till.grant.request({ url: `http://localhost:${p.auth}/` }, { access_token: { access: [{ type: 'incoming-payment', actions: ['create'] }] } });
    assert.ok(isFinalizedGrantWithAccessToken(ip), 'a grant without interaction is not capped');

    // answered by the user: no longer pending, one more may start
    const [, id, nonce] = new URL(pending[0].interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/);
    const d = await fetch(`http://127.0.0.1:${p.inter}/grant/${id}/${nonce}/reject`, { method: 'POST', headers: { 'x-idp-secret': IDP_SECRET } });
    assert.equal(d.status, 202);
    assert.ok(isPendingGrant(await ask(till)), 'after one was answered');
    await full('full again');

    // an interaction that expired can never be answered: it does not count
    execFileSync('sqlite3', [join(dir, 'cap.db'), `UPDATE auth_grants SET interaction_expires_ms = ${Date.now() - 1000} WHERE interact_id = '${new URL(pending[1].interact.redirect).pathname.split('/')[2]}'`]);
    assert.ok(isPendingGrant(await ask(till)), 'after one expired');
    await full('full once more');
  } finally {
    cap.proc.kill('SIGKILL');
  }
});

// ---- bodies ----

test('bodies: 10 MB and deeply nested JSON are refused before anything is done', async () => {
  const { access_token: { value: token } } = await incomingToken();
  const c0 = await counts();
  const huge = JSON.stringify({ walletAddress: bob.url, metadata: { pad: 'x'.repeat(10 * 1024 * 1024) } });
  for (const url of [ipUrl(), `http://localhost:${ports.auth}/`]) {
    const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `GNAP ${token}` }, body: huge }).catch((e) => e);
    assert.ok(r.status === 413 || r.code === 'ECONNRESET' || r.cause?.code === 'ECONNRESET' || r.cause?.code === 'EPIPE', `10 MB to ${url}: ${r.status ?? r.message}`);
  }
  const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  refused(await signed('POST', ipUrl(), { token, body: deep }), 400, '400', 'deeply nested JSON on the resource server');
  const g = await signed('POST', `http://localhost:${ports.auth}/`, { body: deep });
  refused(g, 400, 'invalid_request', 'deeply nested JSON on the authorization server');
  refused(await signed('POST', ipUrl(), { token, body: '{"walletAddress": ' }), 400, '400', 'truncated JSON');
  refused(await signed('POST', ipUrl(), { token, body: { walletAddress: bob.url, incomingAmount: { value: '1e3', assetCode: 'USD', assetScale: 2 } } }), 400, '400', 'an amount that is not an integer string');
  refused(await signed('POST', ipUrl(), { token, body: { walletAddress: bob.url, incomingAmount: { value: '18446744073709551616', assetCode: 'USD', assetScale: 2 } } }), 400, '400', 'an amount over 2^64-1');
  refused(await signed('POST', ipUrl(), { token, body: { walletAddress: bob.url, incomingAmount: amount(5), expiresAt: 'soon' } }), 400, '400', 'a malformed expiresAt');
  await unchanged(c0, 'refused bodies');
  assert.equal(srv.proc.exitCode, null, 'the server is still up');
});

// ---- introspection over HTTP ----

test('token introspection on INTROSPECTION_PORT: active with its access and client, inactive, bad input', async () => {
  const t = await incomingToken(shop, ['create', 'read']);
  const intro = (body) => send('POST', `http://127.0.0.1:${ports.intro}/`, { 'Content-Type': 'application/json' }, JSON.stringify(body));
  const a = await intro({ access_token: t.access_token.value });
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.active, true);
  assert.deepEqual(a.json.client, { walletAddress: shopWa.url });
  assert.deepEqual(a.json.access.map((x) => x.type), ['incoming-payment']);
  const b = await intro({ access_token: t.access_token.value, access: [{ type: 'quote', actions: ['create'] }] });
  assert.deepEqual({ active: b.json.active, access: b.json.access }, { active: true, access: [] },
    'access the token does not have: active, nothing matches (the resource server answers 403)');
  const c = await intro({ access_token: 'C'.repeat(64) });
  assert.deepEqual(c.json, { active: false });
  const d = await intro({});
  refused(d, 400, 'invalid_request', 'no access_token');
  const e = await send('POST', `http://127.0.0.1:${ports.intro}/`, { 'Content-Type': 'application/json' }, '{');
  assert.equal(e.status, 400);
  await shop.grant.cancel({ url: t.continue.uri, accessToken: t.continue.access_token.value });
  const f = await intro({ access_token: t.access_token.value });
  assert.equal(f.json.active, false, 'the token of a cancelled grant');
});

// ---- paging ----

test('paging with the official client: first and cursor forwards, last and cursor backwards', async () => {
  const t = await incomingToken(shop, ['create', 'list'])
  const ids = []
  for (let i = 0; i < 5; i++) {
    const ip = await shop.incomingPayment.create({ url: `http://localhost:${ports.op}`, accessToken: t.access_token.value },
      { walletAddress: alice.url, incomingAmount: amount(10 + i) })
    ids.push(ip.id)
  }
  const list = (q) => shop.incomingPayment.list({ url: `http://localhost:${ports.op}`, walletAddress: alice.url, accessToken: t.access_token.value }, q)
  const all = await list({ first: 100 })
  const mine = all.result.map((p) => p.id).filter((id) => ids.includes(id))
  assert.equal(mine.length, 5)
  // forwards, two at a time, covers the same items in the same order
  const seen = []
  let page = await list({ first: 2 })
  for (;;) {
    seen.push(...page.result.map((p) => p.id))
    assert.ok(page.result.length <= 2)
    if (!page.pagination.hasNextPage) break
    page = await list({ first: 2, cursor: page.pagination.endCursor })
    assert.equal(page.pagination.hasPreviousPage, true)
  }
  assert.deepEqual(seen, all.result.map((p) => p.id))
  // backwards from the end: the two before the last one
  const lastId = all.result.at(-1).id
  const back = await list({ last: 2, cursor: lastId })
  assert.deepEqual(back.result.map((p) => p.id), all.result.slice(-3, -1).map((p) => p.id))
  assert.equal(back.pagination.hasNextPage, true)
})
