// Three `rafiki serve` processes on loopback, A -- B -- C, configured through the admin API.
// An independent STREAM client (npm ilp-protocol-stream, over a minimal ILP-over-HTTP plugin)
// peers with A and pays USD into a EUR wallet on C: A routes to B, B converts USD -> EUR at
// 0.9 and forwards to C, C's stateless receiver fulfils. ilp-protocol-ildcp reads A's config.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { createConnection } from 'ilp-protocol-stream';
import * as ILDCP from 'ilp-protocol-ildcp';
import { Duplex } from 'node:stream';
import { nodePorts } from './lib/ports.mjs';

// ilp-protocol-stream 2.7.1 assigns `this.closed` in its stream constructor, which Node >= 18
// defines as a getter only on Readable; give its streams a plain property again (test shim for
// the client library, not for our server).
Object.defineProperty(Duplex.prototype, 'closed', {
  configurable: true,
  get() { return this._ilpClosed ?? false; },
  set(v) { this._ilpClosed = v; },
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'build', 'rafiki');
const SECRET = 'admin-secret-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'rafiki-connector-'));
const nodes = {};

async function startNode(name, ilp, extraEnv = {}) {
  const ports = await nodePorts();
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(dir, name + '.db')}`,
    ADMIN_API_SECRET: SECRET,
    ILP_ADDRESS: ilp,
    STREAM_SECRET: randomBytes(32).toString('hex'),
    OPEN_PAYMENTS_PORT: String(ports.op),
    ADMIN_PORT: String(ports.admin),
    CONNECTOR_PORT: String(ports.conn),
    AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0',
    RAFIKI_SQL_DIR: join(root, 'sql'),
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const proc = spawn(bin, ['serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  nodes[name] = { proc, ports, ilp, url: `http://127.0.0.1:${ports.conn}/` };
  return nodes[name];
}

async function waitUp(node) {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${node.ports.admin}/healthz`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('node did not start');
}

async function admin(node, method, path, body) {
  const r = await fetch(`http://127.0.0.1:${node.ports.admin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

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

const T = {};
const tok = () => randomBytes(24).toString('hex');

before(async () => {
  // one at a time: a node's own ephemeral listeners (port 0) must be bound before the next
  // node is handed free ports, or the two can collide (seen in CI: an admin call answered 404
  // by another node's listener)
  const A = await startNode('a', 'test.a');
  await waitUp(A);
  const B = await startNode('b', 'test.b', { EXCHANGE_RATES: '{"USD":{"EUR":"0.9"}}' });
  await waitUp(B);
  const C = await startNode('c', 'test.c');
  await waitUp(C);
  const asset = (n, code) => admin(n, 'POST', '/assets', { code, scale: 2 });
  const [aUsd, bUsd, bEur, cEur] = await Promise.all([
    asset(A, 'USD'), asset(B, 'USD'), asset(B, 'EUR'), asset(C, 'EUR'),
  ]);
  T.tokClient = tok();
  const tAB = tok(), tBC = tok();
  // A: the STREAM client is a peer with a credit line; B is the next hop for test.c
  await admin(A, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: 'test.a.client', incoming_tokens: [T.tokClient],
    min_balance: '-100000000', name: 'client',
  });
  T.aToB = await admin(A, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: 'test.b', routes: ['test.c', 'test.b'],
    outgoing: { endpoint: B.url, token: tAB },
  });
  // B: A may send on credit; C gets EUR; B's EUR liquidity is funded
  T.bFromA = await admin(B, 'POST', '/peers', {
    asset_id: bUsd.id, ilp_address: 'test.a', incoming_tokens: [tAB], min_balance: '-100000000',
  });
  T.bToC = await admin(B, 'POST', '/peers', {
    asset_id: bEur.id, ilp_address: 'test.c', routes: ['test.c'],
    outgoing: { endpoint: C.url, token: tBC },
  });
  await admin(B, 'POST', `/accounts/${bEur.liquidity_account_id}/deposits`, {
    id: randomUUID(), amount: '10000000',
  });
  T.bEur = bEur;
  // C: B may send on credit; carol receives by STREAM
  await admin(C, 'POST', '/peers', {
    asset_id: cEur.id, ilp_address: 'test.b', incoming_tokens: [tBC], min_balance: '-100000000',
  });
  T.carol = await admin(C, 'POST', '/accounts', {
    asset_id: cEur.id, kind: 'wallet', ilp: { stream_enabled: true },
  });
});

after(() => {
  for (const n of Object.values(nodes)) n.proc.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

test('ilp-protocol-ildcp reads the peer config from A', async () => {
  const plugin = httpPlugin(nodes.a.url, T.tokClient);
  const cfg = await ILDCP.fetch(plugin.sendData.bind(plugin));
  assert.equal(cfg.clientAddress, 'test.a.client');
  assert.equal(cfg.assetCode, 'USD');
  assert.equal(cfg.assetScale, 2);
});

test('ILP-over-HTTP: 401 for an unknown token, 400 for a bad content type', async () => {
  let r = await fetch(nodes.a.url, {
    method: 'POST', headers: { Authorization: 'Bearer nope', 'Content-Type': 'application/octet-stream' }, body: 'x',
  });
  assert.equal(r.status, 401);
  r = await fetch(nodes.a.url, {
    method: 'POST', headers: { Authorization: `Bearer ${T.tokClient}`, 'Content-Type': 'text/plain' }, body: 'x',
  });
  assert.equal(r.status, 400);
});

test('ilp-protocol-stream pays USD on A into a EUR wallet on C through B', async () => {
  const cred = await admin(nodes.c, 'POST', `/accounts/${T.carol.id}/stream-credentials`, {});
  assert.match(cred.destination_account, /^test\.c\./);
  const conn = await createConnection({
    plugin: httpPlugin(nodes.a.url, T.tokClient),
    destinationAccount: cred.destination_account,
    sharedSecret: Buffer.from(cred.shared_secret, 'base64'),
    slippage: 0.05,
  });
  const stream = conn.createStream();
  await stream.sendTotal(10000);
  assert.equal(stream.totalSent, '10000');
  await conn.end();
  const carol = await admin(nodes.c, 'GET', `/accounts/${T.carol.id}/status`);
  assert.equal(carol.balance, '9000', JSON.stringify(carol));
  const bc = await admin(nodes.b, 'GET', `/accounts/${T.bToC.account_id}/status`);
  assert.equal(bc.balance, '9000');
  assert.equal(bc.debits_pending ?? '0', '0');
  const ab = await admin(nodes.a, 'GET', `/accounts/${T.aToB.account_id}/status`);
  assert.equal(ab.balance, '10000');
});
