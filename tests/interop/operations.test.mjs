// What an operator watches, against a real `rafiki serve`: GET /metrics in the Prometheus text
// format (bearer token; every line well-formed, each family announced once before its samples,
// histogram buckets cumulative) with figures that move when work is done (an admin call, a
// ledger batch, an incoming payment, ILP Prepares rejected by code, a peer's limits),
// GET /readyz and /healthz, a bounded stop, and X-Request-Id following a payment from the admin
// call through the worker's log lines to its webhooks.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import net from 'node:net'
import http from 'node:http'
import { execFileSync } from 'node:child_process'
import * as IlpPacket from 'ilp-packet'
import { startServe } from './lib/serve.mjs'
import { freePorts } from './lib/ports.mjs'

const SECRET = 'operations-admin-secret-01234567'
const dir = mkdtempSync(join(tmpdir(), 'rafiki-ops-'))
let srv

before(async () => {
  srv = await startServe({ dir, name: 'ops', ilp: 'test.ops', secret: SECRET })
})

after(() => {
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.]+(?:e[+-]?[0-9]+)?|\+Inf|-Inf|NaN)$/

// The exposition parsed and checked: { families: {name: type}, samples: [{name, labels, value}] }.
function parse (text) {
  const families = {}
  const samples = []
  const seen = new Set()
  let current = null
  for (const line of text.split('\n')) {
    if (line === '') continue
    const t = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/)
    if (t) {
      assert.ok(!families[t[1]], `family ${t[1]} announced twice`)
      families[t[1]] = t[2]
      current = t[1]
      continue
    }
    if (line.startsWith('# HELP ')) continue
    const m = line.match(SAMPLE)
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`)
    const base = m[1].replace(/_(bucket|sum|count)$/, '')
    const family = families[m[1]] ? m[1] : base
    assert.equal(family, current, `${m[1]} outside its family's block`)
    assert.ok(!seen.has(line.replace(/ [^ ]+$/, '')), `duplicate series ${line}`)
    seen.add(line.replace(/ [^ ]+$/, ''))
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]))
    samples.push({ name: m[1], labels, value: Number(m[3].replace('+Inf', 'Infinity')) })
  }
  // histograms: buckets cumulative, the +Inf bucket equals _count
  for (const [name, type] of Object.entries(families)) {
    if (type !== 'histogram') continue
    const series = new Map()
    for (const s of samples.filter((x) => x.name === `${name}_bucket`)) {
      const { le, ...rest } = s.labels
      const key = JSON.stringify(rest)
      if (!series.has(key)) series.set(key, [])
      series.get(key).push(s.value)
    }
    for (const [key, values] of series) {
      for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1], `${name}${key}: buckets not cumulative`)
      const count = samples.find((x) => x.name === `${name}_count` && JSON.stringify(x.labels) === key)
      assert.equal(count?.value, values[values.length - 1], `${name}${key}: +Inf bucket is not the count`)
    }
  }
  return { families, samples }
}

async function scrape () {
  const r = await fetch(`http://127.0.0.1:${srv.ports.admin}/metrics`, { headers: { Authorization: `Bearer ${SECRET}` } })
  assert.equal(r.status, 200)
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  return parse(await r.text())
}

const value = (m, name, labels = {}) =>
  m.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0)

test('GET /metrics: well-formed, and its figures follow the work done', async () => {
  const refused = await fetch(`http://127.0.0.1:${srv.ports.admin}/metrics`)
  assert.equal(refused.status, 401, 'metrics need the admin token')
  const m0 = await scrape()
  for (const f of ['rafiki_http_responses_total', 'rafiki_http_request_duration_seconds', 'rafiki_ilp_packets_total',
    'rafiki_ilp_packets_in_flight', 'rafiki_peer_balance', 'rafiki_ledger_batch_ops', 'rafiki_ledger_batch_seconds',
    'rafiki_incoming_payments', 'rafiki_outgoing_payments_unsettled', 'rafiki_webhook_events_pending',
    'rafiki_process_resident_bytes']) assert.ok(m0.families[f], `family ${f}`)
  assert.ok(value(m0, 'rafiki_process_resident_bytes') > 1e6)

  // work: an asset, a wallet address with a deposit, an incoming payment, a peer and Prepares
  const usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  const wa = await srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${srv.ports.op}/alice`, public_name: 'Alice' })
  await srv.admin('POST', `/accounts/${wa.account_id}/deposits`, { id: randomUUID(), amount: '5000' })
  await srv.admin('POST', '/incoming-payments', { wallet_address_id: wa.id, incoming_amount: { value: '100', asset_code: 'USD', asset_scale: 2 } })
  const token = randomBytes(24).toString('hex')
  await srv.admin('POST', '/peers', { asset_id: usd.id, ilp_address: 'test.peer', incoming_tokens: [token], min_balance: '-1000', name: 'the "peer"' })
  const prepare = IlpPacket.serializeIlpPrepare({
    amount: '10', executionCondition: randomBytes(32), expiresAt: new Date(Date.now() + 30000),
    destination: 'test.nowhere.x', data: Buffer.alloc(0)
  })
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`http://127.0.0.1:${srv.ports.conn}/`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' }, body: prepare })
    const reply = IlpPacket.deserializeIlpReject(Buffer.from(await r.arrayBuffer()))
    assert.equal(reply.code, 'F02')
  }

  const m1 = await scrape()
  const route = { listener: 'admin', method: 'POST', route: '/assets' }
  assert.equal(value(m1, 'rafiki_http_request_duration_seconds_count', route) - value(m0, 'rafiki_http_request_duration_seconds_count', route), 1)
  assert.ok(value(m1, 'rafiki_http_responses_total', { listener: 'admin', code: '2xx' }) >= value(m0, 'rafiki_http_responses_total', { listener: 'admin', code: '2xx' }) + 5)
  assert.equal(value(m1, 'rafiki_ilp_packets_total', { result: 'rejected', code: 'F02' }) - value(m0, 'rafiki_ilp_packets_total', { result: 'rejected', code: 'F02' }), 3)
  assert.ok(value(m1, 'rafiki_ledger_batch_ops_count') > value(m0, 'rafiki_ledger_batch_ops_count'), 'the deposit ran a ledger batch')
  assert.equal(value(m1, 'rafiki_incoming_payments', { state: 'pending' }), 1)
  assert.equal(value(m1, 'rafiki_peer_balance_min', { peer: 'the \\"peer\\"', asset: 'USD' }), -1000, 'a peer name is an escaped label')
  assert.equal(value(m1, 'rafiki_peer_balance', { asset: 'USD' }), 0)
  assert.ok(value(m1, 'rafiki_webhook_events_pending') >= 1, 'events are recorded without WEBHOOK_URL')
})

test('GET /readyz and /healthz', async () => {
  for (const port of [srv.ports.admin, srv.ports.auth]) {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`)
    assert.equal(r.status, 200)
    assert.deepEqual(await r.json(), { status: 'ready' })
  }
  // a database behind this binary's migrations (an old backup restored) is not ready
  const db = join(dir, 'ops.db')
  const sql = (q) => execFileSync('sqlite3', [db, q], { encoding: 'utf8' }).trim()
  const last = sql('SELECT version || \'|\' || name FROM schema_migrations ORDER BY version DESC LIMIT 1').split('|')
  sql(`DELETE FROM schema_migrations WHERE version = ${last[0]}`)
  const behind = await fetch(`http://127.0.0.1:${srv.ports.admin}/readyz`)
  assert.equal(behind.status, 503)
  assert.match((await behind.json()).reason, /migrations not applied/)
  sql(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${last[0]}, '${last[1]}', 0)`)
  assert.equal((await fetch(`http://127.0.0.1:${srv.ports.admin}/readyz`)).status, 200)
  const h = await fetch(`http://127.0.0.1:${srv.ports.conn}/healthz`)
  assert.equal(h.status, 200)
})

test('SIGTERM with a packet held by a peer that never answers: exit 0 within SHUTDOWN_TIMEOUT_MS', async () => {
  const [holePort] = await freePorts(1)
  const held = []
  const hole = net.createServer((sock) => held.push(sock)) // accepts, reads nothing, answers nothing
  await new Promise((resolve) => hole.listen(holePort, '127.0.0.1', resolve))
  const d = mkdtempSync(join(tmpdir(), 'rafiki-ops-stop-'))
  const s = await startServe({ dir: d, name: 'stop', ilp: 'test.stop', secret: SECRET, env: { SHUTDOWN_TIMEOUT_MS: '1000' } })
  try {
    const usd = await s.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const token = randomBytes(24).toString('hex')
    await s.admin('POST', '/peers', { asset_id: usd.id, ilp_address: 'test.client', incoming_tokens: [token], min_balance: '-1000' })
    await s.admin('POST', '/peers', { asset_id: usd.id, ilp_address: 'test.hole', routes: ['test.hole'], outgoing: { endpoint: `http://127.0.0.1:${holePort}/`, token: randomBytes(24).toString('hex') } })
    const prepare = IlpPacket.serializeIlpPrepare({
      amount: '10', executionCondition: randomBytes(32), expiresAt: new Date(Date.now() + 25000),
      destination: 'test.hole.x', data: Buffer.alloc(0)
    })
    const pending = fetch(`http://127.0.0.1:${s.ports.conn}/`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' }, body: prepare })
      .then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()) }), (e) => e)
    for (let i = 0; i < 100 && held.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(held.length, 1, 'the packet reached the peer that holds it')
    const exited = new Promise((resolve) => s.proc.once('exit', (code, signal) => resolve({ code, signal })))
    const t0 = Date.now()
    s.proc.kill('SIGTERM')
    assert.deepEqual(await exited, { code: 0, signal: null })
    const took = Date.now() - t0
    assert.ok(took >= 900 && took < 3000, `stopped after SHUTDOWN_TIMEOUT_MS, not the packet's 25 s (${took} ms)`)
    await pending // answered or cut off; either way not waited for
  } finally {
    s.proc.kill('SIGKILL')
    for (const sock of held) sock.destroy()
    hole.close()
    rmSync(d, { recursive: true, force: true })
  }
})

test('X-Request-Id follows a payment: the admin call, the worker\'s log lines, the webhooks', async () => {
  const [hookPort] = await freePorts(1)
  const hooks = []
  const receiver = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      hooks.push({ rid: req.headers['x-request-id'], event: JSON.parse(body) })
      res.writeHead(200).end()
    })
  })
  await new Promise((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve))
  const d = mkdtempSync(join(tmpdir(), 'rafiki-ops-rid-'))
  const s = await startServe({
    dir: d, name: 'rid', ilp: 'test.rid', secret: SECRET, logs: true,
    env: { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hooks` }
  })
  try {
    const usd = await s.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const wa = (n) => s.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${s.ports.op}/${n}`, public_name: n })
    const alice = await wa('alice')
    const bob = await wa('bob')
    await s.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '1000' })
    const ip = await s.admin('POST', '/incoming-payments', { wallet_address_id: bob.id, incoming_amount: { value: '300', asset_code: 'USD', asset_scale: 2 } })
    const q = await s.admin('POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url })
    const rid = 'pay-' + randomUUID()
    const r = await fetch(`http://127.0.0.1:${s.ports.admin}/outgoing-payments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json', 'X-Request-Id': rid },
      body: JSON.stringify({ wallet_address_id: alice.id, quote_id: q.id })
    })
    assert.equal(r.status, 201)
    assert.equal(r.headers.get('x-request-id'), rid, 'the answer echoes the id')
    const p = await r.json()
    const generated = await fetch(`http://127.0.0.1:${s.ports.admin}/assets`, { headers: { Authorization: `Bearer ${SECRET}` } })
    assert.match(generated.headers.get('x-request-id'), /^[0-9a-f-]{36}$/, 'a request without one gets a new id')
    const bad = await fetch(`http://127.0.0.1:${s.ports.admin}/assets`, { headers: { Authorization: `Bearer ${SECRET}`, 'X-Request-Id': 'no spaces "or quotes"' } })
    assert.notEqual(bad.headers.get('x-request-id'), 'no spaces "or quotes"', 'an id with other characters is replaced')

    let got
    for (let i = 0; i < 100; i++) {
      got = await s.admin('GET', `/outgoing-payments/${p.id}`)
      if (got.state === 'COMPLETED' && hooks.some((h) => h.event.type === 'outgoing_payment.completed')) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    assert.equal(got.state, 'COMPLETED')
    for (let i = 0; i < 100 && hooks.filter((h) => h.event.data?.id === p.id).length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    const mine = hooks.filter((h) => h.event.data?.id === p.id)
    assert.deepEqual(mine.map((h) => h.event.type).sort(), ['outgoing_payment.completed', 'outgoing_payment.created', 'outgoing_payment.funded'])
    for (const h of mine) assert.equal(h.rid, rid, `${h.event.type} carries the request id`)
    const other = hooks.find((h) => h.event.type === 'incoming_payment.created')
    assert.ok(other && other.rid && other.rid !== rid, 'another call\'s event carries its own id')

    const lines = s.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    const worker = lines.filter((l) => l.request_id === rid && /outgoing payment: FUNDING|-> COMPLETED|SENDING/.test(l.msg))
    assert.ok(worker.length >= 1, `the worker's lines carry the id: ${JSON.stringify(lines.filter((l) => l.request_id === rid))}`)
  } finally {
    s.proc.kill('SIGKILL')
    receiver.close()
    rmSync(d, { recursive: true, force: true })
  }
})
