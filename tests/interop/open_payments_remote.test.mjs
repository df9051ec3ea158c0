// Remote receivers over Open Payments between two real `rafiki serve` processes: A (USD) pays
// an incoming payment of B (EUR) named by its URL. A reads it the way any third party would:
// B's public view names B's authorization server, A gets a grant there signed with its own
// key (B fetches A's key set from A's /.well-known/pay/jwks.json), then reads the incoming
// payment's ILP credentials with a signed GET, probes the rate and pays over ILP-over-HTTP.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { startServe, sleep } from './lib/serve.mjs';

const SECRET = 'op-remote-admin-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'rafiki-op-remote-'));
const procs = new Set();

after(() => {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// A node: its serve handle plus what the test reads of it (op port, connector URL).
async function node(name, ilp, env = {}) {
  const srv = await startServe({ dir, name, ilp, secret: SECRET, env });
  procs.add(srv.proc);
  return { ...srv, op: srv.ports.op, url: `http://127.0.0.1:${srv.ports.conn}/` };
}

const admin = (n, ...args) => n.admin(...args);
const call = (n, ...args) => n.call(...args);

test('A pays an incoming payment of B named by its URL, reading it through Open Payments', async () => {
  const A = await node('a', 'test.a');
  const B = await node('b', 'test.b', { EXCHANGE_RATES: '{"USD":{"EUR":"0.9"}}' });
  const aUsd = await admin(A, 'POST', '/assets', { code: 'USD', scale: 2 });
  const bUsd = await admin(B, 'POST', '/assets', { code: 'USD', scale: 2 });
  const bEur = await admin(B, 'POST', '/assets', { code: 'EUR', scale: 2 });
  const tok = randomBytes(24).toString('hex');
  await admin(A, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: 'test.b', routes: ['test.b'], outgoing: { endpoint: B.url, token: tok },
  });
  await admin(B, 'POST', '/peers', {
    asset_id: bUsd.id, ilp_address: 'test.a', incoming_tokens: [tok], min_balance: '-100000000',
  });
  await admin(B, 'POST', `/accounts/${bEur.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '100000000' });
  const alice = await admin(A, 'POST', '/wallet-addresses', { asset_id: aUsd.id, url: `http://localhost:${A.op}/alice` });
  await admin(A, 'POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '100000' });
  const bob = await admin(B, 'POST', '/wallet-addresses', { asset_id: bEur.id, url: `http://localhost:${B.op}/bob` });

  // A's key set is public at its client wallet address
  const jwks = await (await fetch(`http://localhost:${A.op}/.well-known/pay/jwks.json`)).json();
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].crv, 'Ed25519');

  // bob asks for EUR 45.00; A quotes it without an amount: the rest of the incoming payment
  const ip = await admin(B, 'POST', '/incoming-payments', {
    wallet_address_id: bob.id, incoming_amount: { value: '4500', asset_code: 'EUR', asset_scale: 2 },
  });
  assert.match(ip.url, /\/incoming-payments\//);
  const q = await admin(A, 'POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url });
  assert.deepEqual(q.receive_amount, { value: '4500', asset_code: 'EUR', asset_scale: 2 });
  assert.ok(BigInt(q.debit_amount.value) >= 5000n, `USD for EUR 45.00 at 0.9: ${q.debit_amount.value}`);

  const p = await admin(A, 'POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id });
  let got;
  for (let i = 0; i < 400; i++) {
    got = await admin(A, 'GET', `/outgoing-payments/${p.id}`);
    if (got.state === 'COMPLETED' || got.state === 'FAILED') break;
    await sleep(50);
  }
  assert.equal(got.state, 'COMPLETED', JSON.stringify(got));
  let paid;
  for (let i = 0; i < 100; i++) {
    paid = await admin(B, 'GET', `/incoming-payments/${ip.id}`);
    if (paid.received_amount.value === '4500') break;
    await sleep(50);
  }
  assert.equal(paid.received_amount.value, '4500', 'exactly the incoming amount arrived');

  // a completed incoming payment takes no more quotes; an unknown one is not found
  await call(B, 'POST', `/incoming-payments/${ip.id}/complete`, {}); // paid in full: already completed
  const closed = await call(A, 'POST', '/quotes', {
    wallet_address_id: alice.id, receiver: ip.url, debit_amount: { value: '100', asset_code: 'USD', asset_scale: 2 },
  });
  assert.equal(closed.status, 422);
  assert.equal(closed.json.error.code, 'receiver_inactive');
  const unknown = await call(A, 'POST', '/quotes', {
    wallet_address_id: alice.id, receiver: `http://localhost:${B.op}/incoming-payments/${randomUUID()}`,
    debit_amount: { value: '100', asset_code: 'USD', asset_scale: 2 },
  });
  assert.equal(unknown.status, 422);
  assert.equal(unknown.json.error.code, 'receiver_not_found');
});
