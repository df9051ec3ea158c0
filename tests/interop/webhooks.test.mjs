// Webhooks end to end with real processes: `rafiki serve` records liquidity_low events (a
// threshold on each of several assets, raised three times, so each asset has three events in a
// known order) while the receiver is down; the server is killed with SIGKILL and started again;
// then the receiver (a Node HTTP server that checks Rafiki-Signature the way Rafiki's wallets
// do, over the canonical JSON of the parsed body) comes up. Every event must arrive, in order
// per asset, with a valid signature, and GET /webhook-events must show each one delivered.
// On Postgres (TEST_POSTGRES_URL) two replicas share the database and the deliveries.
// Binary: RAFIKI_BUILD or ../../build.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, nodePorts } from './lib/ports.mjs'
import { pgUrl, psql } from './lib/pg.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const sqlDir = path.join(here, '..', '..', 'sql')
const ADMIN = 'webhook-admin-secret-' + randomUUID()
const SIGNING = 'webhook-signing-secret-' + randomUUID()
const ASSETS = 12
const ROUNDS = 3 // thresholds 1, 2, 3 per asset: one event each, in this order

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

// JSON with keys sorted at every level and no whitespace (RFC 8785 for strings, integers and
// objects, which is all a webhook body holds).
function canonical (v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}'
  }
  return JSON.stringify(v)
}

// The wallet's side: verifies the signature like a Rafiki wallet and records the events.
function receiver (port) {
  const rx = { events: [], bad: [], server: null }
  rx.start = () => new Promise(resolve => {
    rx.server = http.createServer((req, res) => {
      let raw = ''
      req.on('data', d => { raw += d })
      req.on('end', () => {
        const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(req.headers['rafiki-signature'] ?? '')
        let body = null
        try { body = JSON.parse(raw) } catch {}
        const fresh = m && Math.abs(Date.now() - Number(m[1])) < 60000 // Rafiki: t is Date.now(), ms
        const want = body && m && createHmac('sha256', SIGNING).update(`${m[1]}.${canonical(body)}`).digest()
        if (fresh && want && timingSafeEqual(want, Buffer.from(m[2], 'hex'))) {
          rx.events.push(body)
          res.writeHead(200).end() // only 200 delivers, as in Rafiki
        } else {
          rx.bad.push(raw)
          res.writeHead(401).end()
        }
      })
    })
    rx.server.listen(port, '127.0.0.1', resolve)
  })
  rx.stop = () => new Promise(resolve => rx.server.close(resolve))
  return rx
}

async function startServer (dir, env) {
  const { op, admin, conn } = await nodePorts()
  const full = { ...process.env, RAFIKI_SQL_DIR: sqlDir, LOG_LEVEL: 'warn', ...env }
  for (const k of ['REDIS_URL', 'NODE_ENV', 'RAFIKI_ENV', 'STREAM_SECRET']) if (!(k in env)) delete full[k]
  Object.assign(full, {
    ADMIN_API_SECRET: ADMIN,
    SIGNATURE_SECRET: SIGNING,
    WEBHOOK_TIMEOUT: '1000',
    WEBHOOK_MAX_RETRY: '50',
    OPEN_PAYMENTS_PORT: String(op),
    ADMIN_PORT: String(admin),
    CONNECTOR_PORT: String(conn),
    AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0'
  })
  const child = spawn(path.join(build, 'rafiki'), ['serve'], { cwd: dir, env: full, stdio: ['ignore', 'ignore', 'pipe'] })
  const srv = { child, url: `http://127.0.0.1:${admin}`, stderr: '' }
  child.stderr.on('data', d => { srv.stderr += d })
  srv.exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
  for (const end = Date.now() + 15000; ;) {
    if (child.exitCode !== null) throw new Error(`rafiki serve exited early: ${srv.stderr}`)
    try {
      if ((await fetch(`${srv.url}/healthz`)).status === 200) return srv
    } catch {}
    if (Date.now() > end) throw new Error(`rafiki serve never became healthy: ${srv.stderr}`)
    await sleep(50)
  }
}

async function call (srv, method, p, body) {
  const r = await fetch(srv.url + p, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: r.status, json: await r.json() }
}

async function allEvents (srv) {
  const out = []
  for (let cursor = ''; ;) {
    const r = await call(srv, 'GET', `/webhook-events?type=asset.liquidity_low&limit=100${cursor}`)
    assert.equal(r.status, 200)
    out.push(...r.json.webhook_events)
    if (!r.json.next_cursor) return out
    cursor = `&cursor=${r.json.next_cursor}`
  }
}

async function run (t, env, replicas) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-webhooks-'))
  const port = await freePort()
  const rx = receiver(port)
  env = { ...env, WEBHOOK_URL: `http://127.0.0.1:${port}/hook` }
  let servers = []
  try {
    for (let i = 0; i < replicas; i++) servers.push(await startServer(dir, env))
    const assets = []
    for (let i = 0; i < ASSETS; i++) {
      const code = 'W' + randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase()
      const r = await call(servers[i % replicas], 'POST', '/assets', { code, scale: 2 })
      assert.equal(r.status, 201, JSON.stringify(r.json))
      assets.push(r.json.id)
    }
    // Each raise re-arms the threshold; the monitor (every second) records one event for it.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, id] of assets.entries()) {
        const r = await call(servers[i % replicas], 'PUT', `/assets/${id}/liquidity-threshold`, { threshold: String(round) })
        assert.equal(r.status, 200, JSON.stringify(r.json))
      }
      const end = Date.now() + 10000
      while ((await allEvents(servers[0])).length < ASSETS * round) {
        assert.ok(Date.now() < end, `round ${round}: events not recorded`)
        await sleep(100)
      }
    }
    const recorded = await allEvents(servers[0])
    assert.equal(recorded.length, ASSETS * ROUNDS)
    assert.ok(recorded.every(e => e.state === 'pending'), 'the receiver is down: nothing delivered')
    for (const e of recorded) {
      // the first event of each asset is being retried; the later ones wait behind it
      if (e.data.liquidityThreshold === '1') assert.ok(e.attempts >= 1, JSON.stringify(e))
      else assert.equal(e.attempts, 0, JSON.stringify(e))
    }

    // kill -9 while every event is waiting for a retry, then start again on the same database
    servers[0].child.kill('SIGKILL')
    await servers[0].exited
    servers[0] = await startServer(dir, env)
    await rx.start()
    const end = Date.now() + 60000
    while (new Set(rx.events.map(e => e.id)).size < ASSETS * ROUNDS) {
      assert.ok(Date.now() < end, `received ${rx.events.length} of ${ASSETS * ROUNDS}`)
      await sleep(100)
    }
    assert.deepEqual(rx.bad, [], 'every request carried a valid signature')
    const ids = new Set(recorded.map(e => e.id))
    for (const asset of assets) {
      const seen = rx.events.filter(e => e.data.id === asset).map(e => Number(e.data.liquidityThreshold))
      const firsts = seen.filter((v, i) => i === 0 || v !== seen[i - 1]) // at least once: repeats allowed
      assert.deepEqual(firsts, [1, 2, 3], `asset ${asset}: in order of creation`)
    }
    assert.ok(rx.events.every(e => ids.has(e.id) && e.type === 'asset.liquidity_low'))
    for (let i = 0; ; i++) {
      const now = await allEvents(servers[0])
      if (now.every(e => e.state === 'delivered')) break
      assert.ok(i < 50, 'GET /webhook-events shows every event delivered')
      await sleep(100)
    }
    t.diagnostic(`${rx.events.length} deliveries of ${ASSETS * ROUNDS} events over ${replicas} replica(s)`)
  } finally {
    for (const s of servers) {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM')
      await s.exited
    }
    if (rx.server) await rx.stop()
    fs.rmSync(dir, { recursive: true, force: true })
  }
  servers = []
}

test('webhooks survive a down receiver and kill -9: all arrive, signed, in order (SQLite)', { timeout: 120000 }, async t => {
  await run(t, {}, 1)
})

test('webhooks on Postgres with two replicas sharing the deliveries',
  { timeout: 120000, skip: process.env.TEST_POSTGRES_URL ? false : 'TEST_POSTGRES_URL is not set' },
  async t => {
    const base = process.env.TEST_POSTGRES_URL
    const name = 'webhooks_' + randomUUID().replace(/-/g, '').slice(0, 12)
    psql(base, `CREATE DATABASE ${name}`)
    try {
      await run(t, { DATABASE_URL: pgUrl(base, name) }, 2)
    } finally {
      psql(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

test('webhook configuration errors name the variable', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-webhooks-cfg-'))
  try {
    const base = {
      PATH: process.env.PATH,
      RAFIKI_SQL_DIR: sqlDir,
      RAFIKI_DATA_DIR: dir,
      DATABASE_URL: `sqlite:${dir}/r.db`,
      ADMIN_API_SECRET: ADMIN,
      STREAM_SECRET: 'ab'.repeat(32),
      SIGNATURE_SECRET: SIGNING
    }
    const cases = [
      [{ WEBHOOK_URL: 'ftp://127.0.0.1/hook' }, /WEBHOOK_URL/],
      [{ WEBHOOK_TIMEOUT: '0' }, /WEBHOOK_TIMEOUT/],
      [{ WEBHOOK_MAX_RETRY: 'many' }, /WEBHOOK_MAX_RETRY/],
      [{ SEND_TENANT_WEBHOOKS_TO_OPERATOR: 'maybe' }, /SEND_TENANT_WEBHOOKS_TO_OPERATOR/],
      [{ WEBHOOK_EVENTS_DISABLED: 'outgoing_payment.funded,outgoing_payment.exploded' }, /WEBHOOK_EVENTS_DISABLED.*outgoing_payment\.exploded/],
      [{ SIGNATURE_SECRET: 'x'.repeat(257) }, /SIGNATURE_SECRET/],
      [{ RAFIKI_ENV: 'production', WEBHOOK_URL: 'http://127.0.0.1:9/hook', SIGNATURE_SECRET: '' }, /SIGNATURE_SECRET/]
    ]
    for (const [extra, re] of cases) {
      const r = spawnSync(path.join(build, 'rafiki'), ['serve'], { env: { ...base, ...extra }, encoding: 'utf8', timeout: 10000 })
      assert.equal(r.status, 2, `${JSON.stringify(extra)}: ${r.stderr}`)
      assert.match(r.stderr, re)
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
