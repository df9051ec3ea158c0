// Interop: independent Interledger clients from npm pay our wallet addresses and incoming
// payments through one `rafiki serve` (SQLite), over ILP-over-HTTP on loopback.
//  - npm ilp-protocol-stream resolves a wallet address by SPSP (Accept: application/spsp4+json,
//    with receipt headers) on the Open Payments port and pays it: the wallet account is credited.
//  - npm @interledger/pay pays an incoming payment's `methods` credentials: the payment
//    completes, its balance is swept into the wallet account, and more is refused.
// The client is a peer of ours with a credit line (its IL-DCP answer comes from our connector).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { createConnection } from 'ilp-protocol-stream';
import { quote } from '@interledger/pay';
import { nodePorts } from './lib/ports.mjs';

// ilp-protocol-stream 2.7.1 assigns `this.closed` in its stream constructor, which Node >= 18
// defines as a getter only; give its streams a plain property again (test shim for the client).
Object.defineProperty(Duplex.prototype, 'closed', {
  configurable: true,
  get() { return this._ilpClosed ?? false; },
  set(v) { this._ilpClosed = v; },
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'build', 'rafiki');
const SECRET = 'admin-secret-0123456789abcdef';
const ports = await nodePorts();
const OP = `http://127.0.0.1:${ports.op}`;
const dir = mkdtempSync(join(tmpdir(), 'rafiki-payments-'));
const T = {};
let proc;

async function admin(method, path, body) {
  const r = await fetch(`http://127.0.0.1:${ports.admin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

const balance = async (account) => (await admin('GET', `/accounts/${account}/status`)).balance;

function httpPlugin(url, token) {
  return {
    connect: async () => {},
    disconnect: async () => {},
    isConnected: () => true,
    async sendData(buf) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${token}` },
        body: buf,
      });
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      return Buffer.from(await r.arrayBuffer());
    },
    registerDataHandler() {},
    deregisterDataHandler() {},
    sendMoney: async () => {},
    registerMoneyHandler() {},
    deregisterMoneyHandler() {},
  };
}

// Opens an ilp-protocol-stream connection to (address, base64 secret) and sends amount on one
// stream; returns the connection (ended by the caller) once sendTotal settles.
async function streamSend(address, secret, amount, timeout) {
  const conn = await createConnection({
    plugin: T.plugin(),
    destinationAccount: address,
    sharedSecret: Buffer.from(secret, 'base64'),
    slippage: 0,
  });
  try {
    await conn.createStream().sendTotal(amount, { timeout });
  } finally {
    conn.destroy();
  }
  return conn;
}

before(async () => {
  proc = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, 'rafiki.db')}`,
      ADMIN_API_SECRET: SECRET,
      ILP_ADDRESS: 'test.rafiki',
      STREAM_SECRET: randomBytes(32).toString('hex'),
      OPEN_PAYMENTS_PORT: String(ports.op),
      ADMIN_PORT: String(ports.admin),
      CONNECTOR_PORT: String(ports.conn),
      AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0',
      OPEN_PAYMENTS_URL: OP,
      RAFIKI_SQL_DIR: join(root, 'sql'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${ports.admin}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  T.usd = await admin('POST', '/assets', { code: 'USD', scale: 2 });
  T.token = randomBytes(24).toString('hex');
  await admin('POST', '/peers', {
    asset_id: T.usd.id, ilp_address: 'test.client', incoming_tokens: [T.token],
    min_balance: '-100000000', name: 'client',
  });
  T.plugin = () => httpPlugin(`http://127.0.0.1:${ports.conn}/`, T.token);
});

after(() => {
  proc?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('ilp-protocol-stream pays a wallet address through its SPSP answer', async () => {
  const wa = await admin('POST', '/wallet-addresses', {
    asset_id: T.usd.id, url: `${OP}/alice`, public_name: 'Alice',
  });
  const doc = await (await fetch(`${OP}/alice`)).json();
  assert.equal(doc.id, `${OP}/alice`);
  assert.equal(doc.assetCode, 'USD');
  assert.equal(doc.assetScale, 2);
  assert.equal(doc.resourceServer, OP);

  const r = await fetch(`${OP}/alice`, {
    headers: {
      Accept: 'application/spsp4+json',
      'Receipt-Nonce': randomBytes(16).toString('base64'),
      'Receipt-Secret': randomBytes(32).toString('base64'),
    },
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/spsp4\+json/);
  const spsp = await r.json();
  assert.equal(spsp.receipts_enabled, true);
  assert.ok(spsp.destination_account.startsWith('test.rafiki.'));

  const conn = await streamSend(spsp.destination_account, spsp.shared_secret, 1234, 20000);
  assert.equal(conn.totalDelivered, '1234');
  assert.equal(await balance(wa.account_id), '1234');

  const missing = await fetch(`${OP}/nobody`, { headers: { Accept: 'application/spsp4+json' } });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'wallet_address_not_found');
  const ev = await admin('GET', '/webhook-events?type=wallet_address.not_found');
  assert.deepEqual(ev.webhook_events.map((e) => e.data), [{ walletAddressUrl: `${OP}/nobody` }]);
});

test('@interledger/pay pays an incoming payment and it completes', async () => {
  const wa = await admin('POST', '/wallet-addresses', { asset_id: T.usd.id, url: `${OP}/bob` });
  const ip = await admin('POST', '/incoming-payments', {
    wallet_address_id: wa.id,
    incoming_amount: { value: '500', asset_code: 'USD', asset_scale: 2 },
    metadata: { description: 'invoice 7' },
  });
  assert.equal(ip.state, 'pending');
  assert.equal(ip.methods.length, 1);
  const m = ip.methods[0];
  assert.equal(m.type, 'ilp');

  const q = await quote({
    plugin: T.plugin(),
    destinationAddress: m.ilpAddress,
    sharedSecret: Buffer.from(m.sharedSecret, 'base64'),
    amountToSend: '5', // in units of the source asset: 5.00 USD = 500
  });
  const receipt = await q.pay();
  assert.equal(receipt.error, undefined, `pay failed: ${receipt.error}`);
  // the receipt counts in asset units (scale 2): 5 = 500 of the ledger's units
  assert.equal(receipt.amountDelivered.shiftedBy(2).toString(), '500');

  const done = await admin('GET', `/incoming-payments/${ip.id}`);
  assert.equal(done.state, 'completed');
  assert.equal(done.completed, true);
  assert.equal(done.received_amount.value, '500');
  assert.deepEqual(done.methods, []);
  assert.deepEqual(done.metadata, { description: 'invoice 7' });
  assert.equal(await balance(wa.account_id), '500', 'swept into the wallet account');
  assert.equal(await balance(ip.account_id), '0');
  // a worker pass in the middle of the STREAM payment may also have reported a partial receipt
  const ev = await admin('GET', `/webhook-events?resource_id=${ip.id}`);
  const ends = ev.webhook_events.filter((e) => e.type !== 'incoming_payment.partial_payment_received');
  assert.deepEqual(ends.map((e) => e.type), ['incoming_payment.created', 'incoming_payment.completed']);
  assert.equal(ends[1].data.receivedAmount.value, '500');

  // the same credentials again: the closed invoice account refuses, nothing more arrives
  await assert.rejects(streamSend(m.ilpAddress, m.sharedSecret, 100, 2000));
  const after2 = await admin('GET', `/incoming-payments/${ip.id}`);
  assert.equal(after2.received_amount.value, '500');
  assert.equal(await balance(wa.account_id), '500');
});

// Every bad request answers a stable code and changes nothing.
async function refused(method, path, body, status, code) {
  const r = await fetch(`http://127.0.0.1:${ports.admin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const doc = await r.json();
  assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(doc)}`);
  assert.equal(doc.error.code, code, `${method} ${path} ${JSON.stringify(body)}`);
}

test('admin API: bad input answers stable codes and changes nothing', async () => {
  const wa = await admin('POST', '/wallet-addresses', { asset_id: T.usd.id, url: `${OP}/carol` });
  const off = await admin('POST', '/wallet-addresses', { asset_id: T.usd.id, url: `${OP}/off` });
  await admin('PATCH', `/wallet-addresses/${off.id}`, { status: 'inactive' });
  const before = (await admin('GET', '/wallet-addresses?limit=100')).wallet_addresses.length;

  await refused('POST', '/wallet-addresses', { asset_id: T.usd.id, url: `${OP}/carol/` }, 409, 'url_taken');
  await refused('POST', '/wallet-addresses', { asset_id: T.usd.id, url: 'http://elsewhere/x' }, 400, 'url_invalid');
  await refused('POST', '/wallet-addresses', { asset_id: T.usd.id, url: `${OP}/quotes` }, 400, 'url_invalid');
  await refused('POST', '/wallet-addresses', { asset_id: '00000000-0000-4000-8000-000000000000', url: `${OP}/z` }, 422, 'asset_not_found');
  await refused('PATCH', `/wallet-addresses/${wa.id}`, { status: 'gone' }, 400, 'invalid_field');
  // The payments routes sit behind the admin gates: a body that is not JSON is refused unread.
  for (const path of ['/wallet-addresses', `/wallet-addresses/${wa.id}/keys`, '/incoming-payments', '/quotes', '/outgoing-payments']) {
    const r = await fetch(`http://127.0.0.1:${ports.admin}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'text/plain' },
      body: JSON.stringify({ asset_id: T.usd.id, url: `${OP}/plain` }),
    });
    assert.equal(r.status, 415, path);
    assert.equal((await r.json()).error.code, 'unsupported_media_type', path);
  }
  assert.equal((await admin('GET', '/wallet-addresses?limit=100')).wallet_addresses.length, before);
  assert.equal((await fetch(`${OP}/off`)).status, 404, 'an inactive wallet address is not served');

  const usd = (value) => ({ value, asset_code: 'USD', asset_scale: 2 });
  const ip = (extra) => ({ wallet_address_id: wa.id, ...extra });
  await refused('POST', '/incoming-payments', ip({ wallet_address_id: '00000000-0000-4000-8000-000000000000' }), 422, 'wallet_address_not_found');
  await refused('POST', '/incoming-payments', ip({ wallet_address_id: off.id }), 422, 'wallet_address_inactive');
  await refused('POST', '/incoming-payments', ip({ incoming_amount: { value: '5', asset_code: 'EUR', asset_scale: 2 } }), 422, 'asset_mismatch');
  await refused('POST', '/incoming-payments', ip({ incoming_amount: { value: '5', asset_code: 'USD', asset_scale: 3 } }), 422, 'asset_mismatch');
  for (const v of ['-5', '0', '18446744073709551616', '1.5', '007']) {
    await refused('POST', '/incoming-payments', ip({ incoming_amount: usd(v) }), 400, 'invalid_amount');
  }
  await refused('POST', '/incoming-payments', ip({ incoming_amount: usd('9223372036854775808') }), 400, 'invalid_amount');
  await refused('POST', '/incoming-payments', ip({ expires_at: '2001-01-01T00:00:00.000Z' }), 400, 'expires_at_invalid');
  await refused('POST', '/incoming-payments', ip({ expires_at: 'tomorrow' }), 400, 'invalid_field');
  const invoices = await admin('GET', `/accounts?parent_id=${wa.account_id}`);
  assert.equal(invoices.accounts.length, 0, 'no invoice account was created');

  const good = await admin('POST', '/incoming-payments', ip({ incoming_amount: usd('100') }));
  await admin('POST', `/incoming-payments/${good.id}/complete`);
  await refused('POST', `/incoming-payments/${good.id}/complete`, null, 409, 'already_completed');
  await refused('GET', '/incoming-payments/00000000-0000-4000-8000-000000000000', null, 404, 'not_found');

  const x = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
  await admin('POST', `/wallet-addresses/${wa.id}/keys`, { jwk: { kid: 'k1', kty: 'OKP', crv: 'Ed25519', x } });
  await refused('POST', `/wallet-addresses/${wa.id}/keys`, { jwk: { kid: 'k1', kty: 'OKP', crv: 'Ed25519', x } }, 409, 'key_exists');
  await refused('POST', `/wallet-addresses/${wa.id}/keys`, { jwk: { kid: 'k2', kty: 'RSA', x } }, 400, 'key_invalid');
  await refused('DELETE', `/wallet-addresses/${wa.id}/keys/nope`, null, 404, 'key_not_found');
  const jwks = await (await fetch(`${OP}/carol/jwks.json`)).json();
  assert.deepEqual(jwks.keys.map((k) => k.kid), ['k1']);
  await admin('DELETE', `/wallet-addresses/${wa.id}/keys/k1`);
  assert.deepEqual((await (await fetch(`${OP}/carol/jwks.json`)).json()).keys, []);
  const keys = await admin('GET', `/wallet-addresses/${wa.id}/keys`);
  assert.equal(keys.keys[0].revoked, true, 'a revoked key stays listed');
});
