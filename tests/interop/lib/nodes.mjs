// `rafiki serve` processes a test kills (-9) and starts again on the same database: the
// payments tests' nodes, each on a SQLite file in dir, with the admin API called by node.
// restartable({ dir, secret }) -> { procs, makeNode(name, ilp, env), start, kill9, call, admin,
// balance, sleep }.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { nodePorts } from './ports.mjs';
import { root, bin, sleep, watchStderr } from './serve.mjs';

export function restartable({ dir, secret }) {
  const procs = new Set();

  // A node's settings (it is not started): its ports, its environment, its connector URL.
  async function makeNode(name, ilp, extraEnv = {}) {
    const ports = await nodePorts();
    const env = {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, name + '.db')}`,
      ADMIN_API_SECRET: secret,
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

  // Any answer of the admin API as {status, json}.
  async function call(node, method, path, body) {
    const headers = { Authorization: `Bearer ${secret}` };
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

  return { procs, makeNode, start, kill9, call, admin, balance, sleep };
}
