// Rafiki's funding model (FUNDING_MODEL=rafiki) against our ledger model, driven over the admin
// API of real `rafiki serve` processes:
//
// 1. rafiki: an outgoing payment waits in FUNDING until the wallet deposits exactly its debit
//    amount, then completes; a second deposit is refused (wrong_state); the payer's wallet
//    account is never touched; the fee stays in the payment's account until withdrawn; the
//    incoming payment keeps what it received until withdrawn (two-phase: void and post, and
//    single-phase), each withdrawal's id being its completed event's id, as in Rafiki; cancel
//    with a reason; the deprecated calls by event id.
// 2. rafiki, kill -9 while deposits run: after a restart every deposit is made again; each
//    answers ok or wrong_state, and the settlement account paid each payment exactly once.
// 3. ledger (the default): payments fund themselves; deposits and withdrawals answer
//    self_funded.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { nodePorts } from './lib/ports.mjs';
import { watchStderr } from './lib/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(process.env.RAFIKI_BUILD ?? join(root, 'build'), 'rafiki');
const SECRET = 'payments-funding-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'rafiki-payments-funding-'));
const procs = new Set();

async function makeNode(name, extraEnv = {}) {
  const ports = await nodePorts();
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(dir, name + '.db')}`,
    ADMIN_API_SECRET: SECRET,
    ILP_ADDRESS: `test.${name}`,
    STREAM_SECRET: randomBytes(32).toString('hex'),
    OPEN_PAYMENTS_PORT: String(ports.op),
    OPEN_PAYMENTS_URL: `http://127.0.0.1:${ports.op}`,
    ADMIN_PORT: String(ports.admin),
    CONNECTOR_PORT: String(ports.conn),
    AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0',
    RAFIKI_SQL_DIR: join(root, 'sql'),
    LOG_LEVEL: 'warn',
    OUTGOING_PAYMENT_LEASE_MS: '3000',
    ...extraEnv,
  };
  const node = { name, ports, env };
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

async function call(node, method, path, body) {
  const headers = { Authorization: `Bearer ${SECRET}` };
  if (body) headers['Content-Type'] = 'application/json';
  const r = await fetch(`http://127.0.0.1:${node.ports.admin}${path}`, {
    method, headers, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, json: await r.json() };
}

async function admin(node, method, path, body) {
  const { status, json } = await call(node, method, path, body);
  assert.ok(status < 300, `${method} ${path}: ${status} ${JSON.stringify(json)}`);
  return json;
}

const balance = async (node, account) =>
  BigInt((await admin(node, 'GET', `/accounts/${account}/status`)).balance);

async function waitState(node, id, want, ms = 30000) {
  const end = Date.now() + ms;
  let p;
  while (Date.now() < end) {
    p = await admin(node, 'GET', `/outgoing-payments/${id}`);
    if (want.includes(p.state)) return p;
    await sleep(50);
  }
  throw new Error(`payment ${id} stayed ${p?.state}`);
}

async function setup(node) {
  const usd = await admin(node, 'POST', '/assets', { code: 'USD', scale: 2 });
  const w = async (name) => admin(node, 'POST', '/wallet-addresses', {
    asset_id: usd.id, url: `http://127.0.0.1:${node.ports.op}/${name}`,
  });
  return { usd, alice: await w('alice'), bob: await w('bob') };
}

// An incoming payment of bob's for value, a quote of alice's for it, and the payment.
async function payment(node, { alice, bob }, value) {
  const ip = await admin(node, 'POST', '/incoming-payments', {
    wallet_address_id: bob.id, incoming_amount: { value, asset_code: 'USD', asset_scale: 2 },
  });
  const q = await admin(node, 'POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url });
  const p = await admin(node, 'POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id });
  return { ip, q, p };
}

async function eventId(node, type, resourceId) {
  const r = await admin(node, 'GET', `/webhook-events?type=${type}&resource_id=${resourceId}`);
  assert.equal(r.webhook_events.length, 1, `one ${type} of ${resourceId}`);
  return r.webhook_events[0].id;
}

after(() => {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('rafiki: FUNDING waits for the deposit, the money received waits for the withdrawal', async () => {
  const A = await makeNode('rafiki', { FUNDING_MODEL: 'rafiki', PAYMENT_FEES: 'USD:5:0' });
  const s = await setup(A);
  const { ip, q, p } = await payment(A, s, '250');
  assert.equal(q.debit_amount.value, '255', 'fixed fee 5 on a fixed receive of 250');
  await sleep(1500);
  assert.equal((await admin(A, 'GET', `/outgoing-payments/${p.id}`)).state, 'FUNDING', 'waits for the wallet');

  const wrong = await call(A, 'POST', `/outgoing-payments/${p.id}/deposit`, { amount: '250' });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error.code, 'invalid_amount');
  const early = await call(A, 'POST', `/outgoing-payments/${p.id}/withdrawal`, {});
  assert.equal(early.status, 409, 'nothing to withdraw before it ends');
  assert.equal(early.json.error.code, 'wrong_state');

  const dep = await admin(A, 'POST', `/outgoing-payments/${p.id}/deposit`, {});
  assert.equal(dep.amount, '255');
  assert.equal(dep.id, await eventId(A, 'outgoing_payment.created', p.id), "Rafiki's transfer id: the created event's");
  assert.equal((await waitState(A, p.id, ['COMPLETED', 'FAILED'])).state, 'COMPLETED');
  const again = await call(A, 'POST', `/outgoing-payments/${p.id}/deposit`, {});
  assert.equal(again.status, 409, 'a second deposit is refused');
  assert.equal(again.json.error.code, 'wrong_state');
  assert.equal(await balance(A, s.alice.account_id), 0n, "the payer's wallet account is not used");
  assert.equal(await balance(A, s.usd.settlement_account_id), -255n, 'deposited once');

  // the fee stays in the payment's account until the wallet withdraws it
  const fee = await admin(A, 'POST', `/outgoing-payments/${p.id}/withdrawal`, {});
  assert.deepEqual([fee.amount, fee.pending], ['5', false]);
  assert.equal(fee.id, await eventId(A, 'outgoing_payment.completed', p.id));
  const none = await call(A, 'POST', `/outgoing-payments/${p.id}/withdrawal`, {});
  assert.equal(none.status, 422, 'nothing left (Rafiki: InsufficientBalance)');
  assert.equal(none.json.error.code, 'insufficient_balance');

  // the incoming payment completed and holds the 250
  const got = await admin(A, 'GET', `/incoming-payments/${ip.id}`);
  assert.equal(got.received_amount.value, '250');
  assert.equal(await balance(A, s.bob.account_id), 0n, 'not swept into the wallet account');
  const w1 = await admin(A, 'POST', `/incoming-payments/${ip.id}/withdrawal`, { timeout_seconds: 60 });
  assert.deepEqual([w1.amount, w1.pending], ['250', true]);
  assert.equal(w1.id, await eventId(A, 'incoming_payment.completed', ip.id), "Rafiki's withdrawal id: the event's");
  assert.equal(await balance(A, s.usd.settlement_account_id), -255n + 5n, 'pending until posted');
  await admin(A, 'POST', `/withdrawals/${w1.id}/void`);
  const dup = await call(A, 'POST', `/incoming-payments/${ip.id}/withdrawal`, {});
  assert.equal(dup.status, 409, 'one withdrawal id per payment, as in Rafiki');
  assert.equal(dup.json.error.code, 'transfer_exists');

  // another payment: its withdrawal posted
  const two = await payment(A, s, '100');
  await admin(A, 'POST', `/outgoing-payments/${two.p.id}/deposit`, { amount: '105' });
  await waitState(A, two.p.id, ['COMPLETED']);
  const w2 = await admin(A, 'POST', `/incoming-payments/${two.ip.id}/withdrawal`, { timeout_seconds: 60 });
  await admin(A, 'POST', `/withdrawals/${w2.id}/post`);
  const posted = await call(A, 'POST', `/withdrawals/${w2.id}/post`);
  assert.equal(posted.status, 422, 'posted once');
  assert.equal(await balance(A, s.usd.settlement_account_id), -255n + 5n - 105n + 100n);

  // by event id (deprecated in Rafiki): withdraw the second payment's fee
  const ev = await eventId(A, 'outgoing_payment.completed', two.p.id);
  const byEvent = await admin(A, 'POST', `/webhook-events/${ev}/withdrawal`);
  assert.deepEqual([byEvent.id, byEvent.amount], [ev, '5']);
  const badEvent = await call(A, 'POST', `/webhook-events/${await eventId(A, 'outgoing_payment.created', two.p.id)}/withdrawal`);
  assert.equal(badEvent.status, 404);
  assert.equal(badEvent.json.error.code, 'unknown_event');

  // cancel with a reason; a cancelled payment takes no deposit; deposit by event
  const three = await payment(A, s, '10');
  const c = await admin(A, 'POST', `/outgoing-payments/${three.p.id}/cancel`, { reason: 'user changed mind' });
  assert.equal(c.state, 'CANCELLED');
  assert.equal(c.metadata.cancellationReason, 'user changed mind');
  const late = await call(A, 'POST', `/outgoing-payments/${three.p.id}/deposit`, {});
  assert.equal(late.json.error.code, 'wrong_state');
  const four = await payment(A, s, '20');
  await admin(A, 'POST', `/webhook-events/${await eventId(A, 'outgoing_payment.created', four.p.id)}/deposit`);
  assert.equal((await waitState(A, four.p.id, ['COMPLETED', 'FAILED'])).state, 'COMPLETED');
});

test('rafiki: kill -9 while deposits run; each payment is funded exactly once', async (t) => {
  const A = await makeNode('crash', { FUNDING_MODEL: 'rafiki' });
  const s = await setup(A);
  const N = 30;
  const ps = [];
  for (let i = 0; i < N; i++) ps.push(await payment(A, s, '100'));
  let answered = 0, third;
  const someDone = new Promise((r) => (third = r));
  const inflight = ps.map(({ p }) => call(A, 'POST', `/outgoing-payments/${p.id}/deposit`, {})
    .then(() => ++answered === N / 3 && third(), () => null));
  await someDone; // a third answered: the rest are in a batch, queued, or not yet read
  await kill9(A);
  await Promise.all(inflight);
  await start(A);
  const answers = {};
  for (const { p } of ps) {
    const r = await call(A, 'POST', `/outgoing-payments/${p.id}/deposit`, {});
    const k = r.status === 200 ? 'ok' : r.json.error.code;
    answers[k] = (answers[k] ?? 0) + 1;
  }
  t.diagnostic(`deposits again after the restart: ${JSON.stringify(answers)}`);
  assert.deepEqual(Object.keys(answers).filter((k) => k !== 'ok' && k !== 'wrong_state'), [], JSON.stringify(answers));
  for (const { p } of ps) assert.equal((await waitState(A, p.id, ['COMPLETED', 'FAILED'])).state, 'COMPLETED');
  for (const { ip } of ps) assert.equal((await admin(A, 'GET', `/incoming-payments/${ip.id}`)).received_amount.value, '100');
  assert.equal(await balance(A, s.usd.settlement_account_id), -100n * BigInt(N), 'each deposit once');
});

test('ledger (default): payments fund themselves; the liquidity calls answer self_funded', async () => {
  const A = await makeNode('ledger');
  const s = await setup(A);
  await admin(A, 'POST', `/accounts/${s.alice.account_id}/deposits`, { id: randomUUID(), amount: '1000' });
  const { ip, p } = await payment(A, s, '250');
  assert.equal((await waitState(A, p.id, ['COMPLETED', 'FAILED'])).state, 'COMPLETED');
  const dep = await call(A, 'POST', `/outgoing-payments/${p.id}/deposit`, {});
  assert.equal(dep.status, 409);
  assert.equal(dep.json.error.code, 'wrong_state');
  const wo = await call(A, 'POST', `/outgoing-payments/${p.id}/withdrawal`, {});
  assert.equal(wo.json.error.code, 'self_funded');
  const wi = await call(A, 'POST', `/incoming-payments/${ip.id}/withdrawal`, {});
  assert.equal(wi.json.error.code, 'self_funded');
  assert.equal(await balance(A, s.alice.account_id), 750n);
  assert.equal(await balance(A, s.bob.account_id), 250n, 'swept into the wallet account');
  // fees as Rafiki keeps them: each set is a new row, the newest is current and quotes use it
  const badFee = await call(A, 'POST', `/assets/${s.usd.id}/fees`, { type: 'SENDING', fixed: '0', basis_points: 10001 });
  assert.equal(badFee.json.error.code, 'invalid_basis_points');
  const unknownAsset = await call(A, 'POST', `/assets/${randomUUID()}/fees`, { type: 'SENDING', fixed: '0', basis_points: 1 });
  assert.equal(unknownAsset.status, 404);
  await admin(A, 'POST', `/assets/${s.usd.id}/fees`, { type: 'SENDING', fixed: '3', basis_points: 0 });
  const fee = await admin(A, 'POST', `/assets/${s.usd.id}/fees`, { type: 'SENDING', fixed: '1', basis_points: 100 });
  const fees = await admin(A, 'GET', `/assets/${s.usd.id}/fees?limit=1`);
  assert.deepEqual([fees.sending_fee.id, fees.receiving_fee, fees.fees.length, fees.fees[0].id], [fee.id, null, 1, fee.id]);
  assert.ok(fees.next_cursor);
  const older = await admin(A, 'GET', `/assets/${s.usd.id}/fees?cursor=${fees.next_cursor}`);
  assert.deepEqual(older.fees.map((f) => f.fixed), ['3']);
  const ip2 = await admin(A, 'POST', '/incoming-payments', {
    wallet_address_id: s.bob.id, incoming_amount: { value: '300', asset_code: 'USD', asset_scale: 2 },
  });
  const q2 = await admin(A, 'POST', '/quotes', { wallet_address_id: s.alice.id, receiver: ip2.url });
  assert.equal(q2.debit_amount.value, '304', '300 + 1 + ceil(1 % of 300)');

  const unknown = await call(A, 'POST', `/outgoing-payments/${randomUUID()}/deposit`, {});
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.error.code, 'not_found');
});
