// Quotes and outgoing payments between real `rafiki serve` processes, driven over the admin API:
//
// 1. local: many payments on one instance, kill -9 while the workers run them, restart on the
//    same database: every payment completes once, every incoming payment got exactly its
//    amount and the payer was debited exactly the quoted amounts.
// 2. remote: A (USD, test.a) pays a wallet address on B (EUR, test.b) through B's SPSP answer;
//    B converts USD -> EUR at 0.9. Packets are capped at 10 units, so a payment is many
//    packets; A is killed (-9) in the middle of one and restarted: the payment resumes from
//    what A's ledger says was posted and completes, and A's payer is debited exactly once. A's
//    webhooks go to a receiver here that checks every Rafiki-Signature over the raw body.
// 3. remote, receiver gone: the payment retries until its quote expires, then FAILS and the
//    funded amount returns to the payer's wallet.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { nodePorts } from './lib/ports.mjs';
import { watchStderr } from './lib/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(process.env.RAFIKI_BUILD ?? join(root, 'build'), 'rafiki');
const SECRET = 'payments-out-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'rafiki-payments-out-'));
const procs = new Set();

async function makeNode(name, ilp, extraEnv = {}) {
  const ports = await nodePorts();
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(dir, name + '.db')}`,
    ADMIN_API_SECRET: SECRET,
    ILP_ADDRESS: ilp,
    STREAM_SECRET: randomBytes(32).toString('hex'),
    OPEN_PAYMENTS_PORT: String(ports.op),
    OPEN_PAYMENTS_URL: `http://127.0.0.1:${ports.op}`,
    ADMIN_PORT: String(ports.admin),
    CONNECTOR_PORT: String(ports.conn),
    AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0',
    RAFIKI_SQL_DIR: join(root, 'sql'),
    LOG_LEVEL: 'warn',
    OUTGOING_PAYMENT_LEASE_MS: '3000', // how soon a restarted worker takes over a killed one's rows
    ...extraEnv,
  };
  const node = { name, ports, env, url: `http://127.0.0.1:${ports.conn}/` };
  await start(node);
  return node;
}

async function start(node) {
  node.proc = spawn(bin, ['serve'], { env: node.env, stdio: ['ignore', 'inherit', 'pipe'] });
  watchStderr(node.proc, node.name);
  procs.add(node.proc);
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${node.ports.admin}/healthz`);
      if (r.ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${node.name} did not start`);
}

async function kill9(node) {
  const exited = new Promise((resolve) => node.proc.once('exit', resolve));
  node.proc.kill('SIGKILL');
  await exited;
  procs.delete(node.proc);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Any answer of the admin API as {status, json}.
async function call(node, method, path, body) {
  const headers = { Authorization: `Bearer ${SECRET}` };
  if (body) headers['Content-Type'] = 'application/json';
  const r = await fetch(`http://127.0.0.1:${node.ports.admin}${path}`, {
    method, headers, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: await r.json() };
}

// A call that must succeed: its JSON.
async function admin(node, method, path, body) {
  const { status, json } = await call(node, method, path, body);
  assert.ok(status < 300, `${method} ${path}: ${status} ${JSON.stringify(json)}`);
  return json;
}

const balance = async (node, account) =>
  BigInt((await admin(node, 'GET', `/accounts/${account}/status`)).balance);

async function wallet(node, assetId, name, deposit) {
  const w = await admin(node, 'POST', '/wallet-addresses', {
    asset_id: assetId, url: `http://127.0.0.1:${node.ports.op}/${name}`,
  });
  if (deposit)
    await admin(node, 'POST', `/accounts/${w.account_id}/deposits`, { id: randomUUID(), amount: deposit });
  return w;
}

async function waitState(node, id, want, ms = 60000) {
  const end = Date.now() + ms;
  let p;
  while (Date.now() < end) {
    p = await admin(node, 'GET', `/outgoing-payments/${id}`);
    if (want.includes(p.state)) return p;
    await sleep(50);
  }
  throw new Error(`payment ${id} stayed ${p?.state}`);
}

// The wallet's webhook endpoint: records events whose Rafiki-Signature
// (t=<s>, v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>) checks out, counts the others.
async function webhookReceiver(secret) {
  const rx = { events: [], badSignatures: 0 };
  rx.server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(req.headers['rafiki-signature'] ?? '');
      const want = createHmac('sha256', secret).update(`${m?.[1]}.`).update(raw).digest();
      if (m && timingSafeEqual(want, Buffer.from(m[2], 'hex'))) rx.events.push(JSON.parse(raw));
      else rx.badSignatures++;
      res.writeHead(200).end(); // only 200 delivers, as in Rafiki
    });
  });
  await new Promise((r) => rx.server.listen(0, '127.0.0.1', r));
  rx.url = `http://127.0.0.1:${rx.server.address().port}/webhooks`;
  return rx;
}

// The event types received for one resource, in order, each event id once (delivery is at
// least once).
function eventsOf(rx, id) {
  const seen = new Set();
  return rx.events.filter((e) => e.data?.id === id && !seen.has(e.id) && seen.add(e.id)).map((e) => e.type);
}

after(() => {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('local payments survive kill -9 of their instance: each completes once', async () => {
  const A = await makeNode('local', 'test.local');
  const usd = await admin(A, 'POST', '/assets', { code: 'USD', scale: 2 });
  const alice = await wallet(A, usd.id, 'alice', '1000000');
  const bob = await wallet(A, usd.id, 'bob');
  const N = 40;
  const payments = [];
  for (let i = 0; i < N; i++) {
    const ip = await admin(A, 'POST', '/incoming-payments', {
      wallet_address_id: bob.id, incoming_amount: { value: '250', asset_code: 'USD', asset_scale: 2 },
    });
    const q = await admin(A, 'POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url });
    assert.equal(q.debit_amount.value, '250', 'no fees configured');
    const p = await admin(A, 'POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id });
    payments.push({ ip, p });
  }
  await kill9(A); // some are done, some in flight, some not started
  await start(A);
  for (const { p } of payments) assert.equal((await waitState(A, p.id, ['COMPLETED', 'FAILED'])).state, 'COMPLETED');
  for (const { ip } of payments) {
    const got = await admin(A, 'GET', `/incoming-payments/${ip.id}`);
    assert.equal(got.received_amount.value, '250', 'each incoming payment got its amount once');
  }
  assert.equal(await balance(A, alice.account_id), 1000000n - 250n * BigInt(N), 'debited once each');
  const again = await call(A, 'POST', `/outgoing-payments/${payments[0].p.id}/cancel`, {});
  assert.equal(again.status, 409, 'a completed payment cannot be cancelled');
  assert.equal(again.json.error.code, 'outgoing_payment_not_cancellable');
});

test('remote: USD on A pays a EUR wallet address on B through SPSP, resuming after kill -9', async () => {
  const signing = randomBytes(16).toString('hex');
  const rx = await webhookReceiver(signing);
  const A = await makeNode('a', 'test.a', { WEBHOOK_URL: rx.url, SIGNATURE_SECRET: signing });
  const B = await makeNode('b', 'test.b', { EXCHANGE_RATES: '{"USD":{"EUR":"0.9"}}' });
  const aUsd = await admin(A, 'POST', '/assets', { code: 'USD', scale: 2 });
  const bUsd = await admin(B, 'POST', '/assets', { code: 'USD', scale: 2 });
  const bEur = await admin(B, 'POST', '/assets', { code: 'EUR', scale: 2 });
  const tok = randomBytes(24).toString('hex');
  await admin(A, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: 'test.b', routes: ['test.b'],
    outgoing: { endpoint: B.url, token: tok },
  });
  await admin(B, 'POST', '/peers', {
    asset_id: bUsd.id, ilp_address: 'test.a', incoming_tokens: [tok], min_balance: '-100000000',
    max_packet_amount: '10', // B takes at most 10 per packet from A: F08, and A's sender adapts
  });
  await admin(B, 'POST', `/accounts/${bEur.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '100000000' });
  const alice = await wallet(A, aUsd.id, 'alice', '1000000');
  const bob = await wallet(B, bEur.id, 'bob');

  // a small payment first: quote, pay, complete
  const q1 = await admin(A, 'POST', '/quotes', {
    wallet_address_id: alice.id, receiver: `http://127.0.0.1:${B.ports.op}/bob`,
    debit_amount: { value: '1000', asset_code: 'USD', asset_scale: 2 },
  });
  // as Rafiki's ILP quote: the receive amount is the least that must arrive, ceil((1000 - 1) x
  // 0.9 x (1 - SLIPPAGE 0.01)); the payment still delivers at the rate B gives (900)
  assert.deepEqual(q1.receive_amount, { value: '891', asset_code: 'EUR', asset_scale: 2 });
  assert.equal(q1.min_delivered.value, '891', 'SLIPPAGE 0.01 by default');
  const p1 = await admin(A, 'POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q1.id });
  assert.equal((await waitState(A, p1.id, ['COMPLETED', 'FAILED'])).state, 'COMPLETED');
  assert.equal(await balance(B, bob.account_id), 900n);
  assert.equal(await balance(A, alice.account_id), 1000000n - 1000n);

  // a wrong-asset amount is refused with a stable code
  const bad = await call(A, 'POST', '/quotes', {
    wallet_address_id: alice.id, receiver: `http://127.0.0.1:${B.ports.op}/bob`,
    receive_amount: { value: '100', asset_code: 'USD', asset_scale: 2 },
  });
  assert.equal(bad.status, 422);
  assert.equal(bad.json.error.code, 'asset_mismatch');
  const nobody = await call(A, 'POST', '/quotes', {
    wallet_address_id: alice.id, receiver: `http://127.0.0.1:${B.ports.op}/nobody`,
    debit_amount: { value: '100', asset_code: 'USD', asset_scale: 2 },
  });
  assert.equal(nobody.status, 422);
  assert.equal(nobody.json.error.code, 'receiver_not_found');

  // 3000 packets of 10; kill A once B has seen some of them
  const q2 = await admin(A, 'POST', '/quotes', {
    wallet_address_id: alice.id, receiver: `http://127.0.0.1:${B.ports.op}/bob`,
    debit_amount: { value: '30000', asset_code: 'USD', asset_scale: 2 },
  });
  assert.equal(q2.receive_amount.value, '26730', 'ceil(29999 x 0.891)');
  const p2 = await admin(A, 'POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q2.id });
  for (let i = 0; i < 4000 && (await balance(B, bob.account_id)) < 900n + 270n; i++) await sleep(1);
  await kill9(A);
  const atKill = await balance(B, bob.account_id);
  assert.ok(atKill > 900n && atKill < 900n + 27000n, `killed mid-payment (bob has ${atKill})`);
  await start(A);
  const done = await waitState(A, p2.id, ['COMPLETED', 'FAILED'], 90000);
  assert.equal(done.state, 'COMPLETED', JSON.stringify(done));
  assert.equal(await balance(A, alice.account_id), 1000000n - 1000n - 30000n, 'A debited exactly once');
  const got = (await balance(B, bob.account_id)) - 900n;
  // A packet fulfilled by B whose post A never committed (killed in between) is voided on A
  // and sent again, so B may have one packet (9) more than quoted; never less.
  assert.ok(got >= 27000n && got <= 27000n + 9n, `bob got ${got} of 27000`);

  // the wallet heard of both payments, signed, in order, across the kill
  for (let i = 0; i < 100 && eventsOf(rx, p2.id).length < 3; i++) await sleep(100);
  assert.deepEqual(eventsOf(rx, p1.id), ['outgoing_payment.created', 'outgoing_payment.funded', 'outgoing_payment.completed']);
  assert.deepEqual(eventsOf(rx, p2.id), ['outgoing_payment.created', 'outgoing_payment.funded', 'outgoing_payment.completed']);
  assert.equal(rx.badSignatures, 0);
  rx.server.close();
});

test('remote: a receiver that goes away fails the payment at quote expiry and refunds it', async () => {
  const A = await makeNode('fa', 'test.fa', { QUOTE_LIFESPAN: '3000' });
  const B = await makeNode('fb', 'test.fb');
  const aUsd = await admin(A, 'POST', '/assets', { code: 'USD', scale: 2 });
  const bUsd = await admin(B, 'POST', '/assets', { code: 'USD', scale: 2 });
  const tok = randomBytes(24).toString('hex');
  await admin(A, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: 'test.fb', routes: ['test.fb'], outgoing: { endpoint: B.url, token: tok },
  });
  await admin(B, 'POST', '/peers', {
    asset_id: bUsd.id, ilp_address: 'test.fa', incoming_tokens: [tok], min_balance: '-100000000',
  });
  const alice = await wallet(A, aUsd.id, 'alice', '5000');
  await wallet(B, bUsd.id, 'bob');
  const q = await admin(A, 'POST', '/quotes', {
    wallet_address_id: alice.id, receiver: `http://127.0.0.1:${B.ports.op}/bob`,
    debit_amount: { value: '2000', asset_code: 'USD', asset_scale: 2 },
  });
  await kill9(B);
  const p = await admin(A, 'POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id });
  const done = await waitState(A, p.id, ['COMPLETED', 'FAILED'], 30000);
  assert.equal(done.state, 'FAILED');
  assert.match(done.error, /^stream_/);
  for (let i = 0; i < 100 && (await balance(A, alice.account_id)) !== 5000n; i++) await sleep(50);
  assert.equal(await balance(A, alice.account_id), 5000n, 'the funded amount came back');
  const cancel = await call(A, 'POST', `/outgoing-payments/${p.id}/cancel`, {});
  assert.equal(cancel.status, 409, 'a failed payment is not cancellable');
});
