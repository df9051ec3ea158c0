// outgoing_payment.attempt_failed (ours, not Rafiki's: interledger/rafiki#3689) between real
// `rafiki serve` processes: A (test.a) pays a wallet address on B (test.b) through a peer link
// that runs through a proxy here. The proxy passes the quote's rate probes to B, then answers
// every packet itself with an ILP Reject (code, message and triggeredBy of its choosing), as a
// failing connector on the path would. The wallet's webhook receiver (signatures checked) sees
// one attempt_failed event per failed attempt, each with the payment, the attempt number and
// the reject, then the final outgoing_payment.failed:
//   1. T04 (temporary): the payment is retried until its quote expires, several attempts;
//   2. F02 (final): one attempt, then failed;
//   3. WEBHOOK_EVENTS_DISABLED=outgoing_payment.attempt_failed turns the event off.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import * as IlpPacket from 'ilp-packet'
import { nodePorts } from './lib/ports.mjs'
import { watchStderr } from './lib/serve.mjs'

const require = createRequire(import.meta.url)
const { createOpenAPI } = require('@interledger/openapi')
const yaml = require('js-yaml')
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const shared = process.env.SHARED ? resolve(root, process.env.SHARED) : join(root, '..', 'shared')
const bin = join(process.env.RAFIKI_BUILD ?? join(root, 'build'), 'rafiki')
const SECRET = 'payments-attempts-secret-012345'
const SIGNING = randomBytes(16).toString('hex')
const dir = mkdtempSync(join(tmpdir(), 'rafiki-attempts-'))
const procs = new Set()
const servers = []
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

after(() => {
  for (const p of procs) p.kill('SIGKILL')
  for (const s of servers) s.close()
  rmSync(dir, { recursive: true, force: true })
})

async function makeNode (name, ilp, extraEnv = {}) {
  const ports = await nodePorts()
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
    AUTH_PORT: '0',
    INTROSPECTION_PORT: '0',
    INTERACTION_PORT: '0',
    AUTH_ADMIN_PORT: '0',
    RAFIKI_SQL_DIR: join(root, 'sql'),
    LOG_LEVEL: process.env.ATTEMPTS_LOG_LEVEL ?? 'error',
    ...extraEnv
  }
  const node = { name, ports, url: `http://127.0.0.1:${ports.conn}/` }
  node.proc = spawn(bin, ['serve'], { env, stdio: ['ignore', 'inherit', 'pipe'] })
  watchStderr(node.proc, name)
  procs.add(node.proc)
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${ports.admin}/healthz`)).ok) return node
    } catch {}
    if (i > 100) throw new Error(`${name} did not start`)
    await sleep(100)
  }
}

async function admin (node, method, path, body) {
  const r = await fetch(`http://127.0.0.1:${node.ports.admin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SECRET}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined
  })
  const json = await r.json()
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`)
  return json
}

async function waitState (node, id, want, ms) {
  const end = Date.now() + ms
  let p
  while (Date.now() < end) {
    p = await admin(node, 'GET', `/outgoing-payments/${id}`)
    if (want.includes(p.state)) return p
    await sleep(100)
  }
  throw new Error(`payment ${id} stayed ${p?.state}`)
}

// The wallet's webhook endpoint: keeps the events whose Rafiki-Signature checks out.
async function webhookReceiver () {
  const rx = { events: [], badSignatures: 0 }
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(req.headers['rafiki-signature'] ?? '')
      const want = createHmac('sha256', SIGNING).update(`${m?.[1]}.`).update(raw).digest()
      if (m && timingSafeEqual(want, Buffer.from(m[2], 'hex'))) rx.events.push(JSON.parse(raw))
      else rx.badSignatures++
      res.writeHead(200).end()
    })
  })
  servers.push(server)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  rx.url = `http://127.0.0.1:${server.address().port}/webhooks`
  return rx
}

// A's link to B: passes packets on while proxy.reject is null, else answers each with that
// reject ({code, message, triggeredBy}).
async function linkProxy (target) {
  const proxy = { reject: null, rejected: 0 }
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      if (proxy.reject) {
        proxy.rejected++
        const pkt = IlpPacket.serializeIlpReject({ ...proxy.reject, data: Buffer.alloc(0) })
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(pkt)
        return
      }
      try {
        const r = await fetch(target, {
          method: 'POST',
          headers: { authorization: req.headers.authorization, 'content-type': req.headers['content-type'] },
          body
        })
        res.writeHead(r.status, { 'Content-Type': r.headers.get('content-type') ?? 'application/octet-stream' })
          .end(Buffer.from(await r.arrayBuffer()))
      } catch {
        res.writeHead(502).end()
      }
    })
  })
  servers.push(server)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${server.address().port}/`
  return proxy
}

// B with a wallet address, and an A (with env) peered to it through a proxy: the pieces of a
// payment from alice on A to bob on B.
async function setup (name, env) {
  const rx = await webhookReceiver()
  const B = await makeNode(`${name}-b`, `test.${name}b`)
  const A = await makeNode(`${name}-a`, `test.${name}a`, { WEBHOOK_URL: rx.url, SIGNATURE_SECRET: SIGNING, ...env })
  const proxy = await linkProxy(B.url)
  const aUsd = await admin(A, 'POST', '/assets', { code: 'USD', scale: 2 })
  const bUsd = await admin(B, 'POST', '/assets', { code: 'USD', scale: 2 })
  const tok = randomBytes(24).toString('hex')
  await admin(A, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: `test.${name}b`, routes: [`test.${name}b`], outgoing: { endpoint: proxy.url, token: tok }
  })
  await admin(B, 'POST', '/peers', { asset_id: bUsd.id, ilp_address: `test.${name}a`, incoming_tokens: [tok], min_balance: '-100000000' })
  const alice = await admin(A, 'POST', '/wallet-addresses', { asset_id: aUsd.id, url: `http://127.0.0.1:${A.ports.op}/alice` })
  await admin(A, 'POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '100000' })
  await admin(B, 'POST', '/wallet-addresses', { asset_id: bUsd.id, url: `http://127.0.0.1:${B.ports.op}/bob` })
  // a payment quoted while the path works, paid once the proxy rejects everything
  const pay = async (reject) => {
    proxy.reject = null
    const q = await admin(A, 'POST', '/quotes', {
      wallet_address_id: alice.id, receiver: `http://127.0.0.1:${B.ports.op}/bob`,
      debit_amount: { value: '1000', asset_code: 'USD', asset_scale: 2 }
    })
    proxy.reject = reject
    return admin(A, 'POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id })
  }
  return { A, B, rx, proxy, alice, pay }
}

// The events about payment id, in order, each event id once (delivery is at least once).
function eventsOf (rx, id) {
  const seen = new Set()
  return rx.events.filter((e) => e.data?.id === id && !seen.has(e.id) && seen.add(e.id))
}

async function waitEvent (rx, id, type, ms = 15000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (eventsOf(rx, id).some((e) => e.type === type)) return
    await sleep(100)
  }
  throw new Error(`no ${type} for ${id}: ${eventsOf(rx, id).map((e) => e.type)}`)
}

// Rafiki's webhooks.yaml has no attempt_failed: its data must still be an outgoing payment as
// the spec's outgoingPaymentEvent has it (whose data allows more properties), so it is validated
// as the outgoing_payment.failed webhook it is beside.
let validateFailed
async function assertSpecShape (e) {
  if (!validateFailed) {
    const spec = yaml.load(readFileSync(join(shared, 'specs', 'open-payments', 'rafiki', 'webhooks.yaml'), 'utf8'))
    spec.paths = { '/outgoingPaymentFailed': spec.webhooks.outgoingPaymentFailed }
    delete spec.webhooks
    const file = join(dir, 'webhooks-failed.json')
    writeFileSync(file, JSON.stringify(spec))
    validateFailed = (await createOpenAPI(file)).createRequestValidator({ path: '/outgoingPaymentFailed', method: 'post' })
  }
  const body = { ...e, type: 'outgoing_payment.failed' }
  validateFailed({ body, headers: { 'content-type': 'application/json' }, query: {}, params: {} })
}

// An attempt_failed event carries the payment as the other outgoing payment events do.
async function assertPaymentData (e, p, alice) {
  await assertSpecShape(e)
  assert.equal(e.data.id, p.id)
  assert.equal(e.data.walletAddressId, alice.id)
  assert.equal(e.data.state, 'SENDING')
  assert.deepEqual(e.data.debitAmount, { value: '1000', assetCode: 'USD', assetScale: 2 })
  assert.equal(e.data.sentAmount.value, '0')
  assert.equal(e.data.balance, '1000', 'funded and not sent')
}

test('temporary rejects: one attempt_failed per retried attempt with the reject, then failed', async () => {
  const { A, rx, proxy, alice, pay } = await setup('t', { QUOTE_LIFESPAN: '6000', OUTGOING_PAYMENT_LEASE_MS: '3000' })
  const reject = { code: 'T04', triggeredBy: 'test.proxy', message: 'proxy: no liquidity → later' }
  const p = await pay(reject)
  const done = await waitState(A, p.id, ['COMPLETED', 'FAILED'], 30000)
  assert.equal(done.state, 'FAILED')
  assert.match(done.error, /^stream_/)
  await waitEvent(rx, p.id, 'outgoing_payment.failed')
  const events = eventsOf(rx, p.id)
  const types = events.map((e) => e.type)
  const attempts = events.filter((e) => e.type === 'outgoing_payment.attempt_failed')
  assert.ok(attempts.length >= 2, `retried until the quote expired: ${types}`)
  assert.deepEqual(types, ['outgoing_payment.created', 'outgoing_payment.funded',
    ...attempts.map(() => 'outgoing_payment.attempt_failed'), 'outgoing_payment.failed'])
  for (const [i, e] of attempts.entries()) {
    await assertPaymentData(e, p, alice)
    assert.equal(e.data.attempt.number, i + 1)
    assert.match(e.data.attempt.error, /^stream_(timeout|too_many_retries)$/)
    assert.deepEqual(e.data.attempt.ilpReject, reject)
  }
  assert.equal(events.at(-1).data.state, 'FAILED')
  assert.equal(events.at(-1).data.attempt, undefined, 'outgoing_payment.failed is Rafiki\'s, unchanged')
  assert.ok(proxy.rejected > attempts.length)
  assert.equal(rx.badSignatures, 0)
  const listed = await admin(A, 'GET', '/webhook-events?type=outgoing_payment.attempt_failed')
  assert.equal(listed.webhook_events.length, attempts.length, 'listed as recorded')
})

test('a final reject: one attempt_failed with its code, message and triggeredBy, then failed', async () => {
  const { A, rx, alice, pay } = await setup('f', { QUOTE_LIFESPAN: '30000' })
  const reject = { code: 'F02', triggeredBy: 'test.proxy.edge', message: 'no route to test.fb' }
  const p = await pay(reject)
  const done = await waitState(A, p.id, ['COMPLETED', 'FAILED'], 20000)
  assert.equal(done.state, 'FAILED')
  assert.equal(done.error, 'stream_rejected', 'a final reject is not retried')
  await waitEvent(rx, p.id, 'outgoing_payment.failed')
  const events = eventsOf(rx, p.id)
  assert.deepEqual(events.map((e) => e.type), ['outgoing_payment.created', 'outgoing_payment.funded',
    'outgoing_payment.attempt_failed', 'outgoing_payment.failed'])
  await assertPaymentData(events[2], p, alice)
  assert.deepEqual(events[2].data.attempt, { number: 1, error: 'stream_rejected', ilpReject: reject })
  assert.equal(events[3].data.error, 'stream_rejected')
})

test('WEBHOOK_EVENTS_DISABLED=outgoing_payment.attempt_failed: the same failure without it', async () => {
  const { A, rx, pay } = await setup('d', { QUOTE_LIFESPAN: '30000', WEBHOOK_EVENTS_DISABLED: 'outgoing_payment.attempt_failed' })
  const p = await pay({ code: 'F02', triggeredBy: 'test.proxy', message: 'no route' })
  assert.equal((await waitState(A, p.id, ['COMPLETED', 'FAILED'], 20000)).state, 'FAILED')
  await waitEvent(rx, p.id, 'outgoing_payment.failed')
  assert.deepEqual(eventsOf(rx, p.id).map((e) => e.type),
    ['outgoing_payment.created', 'outgoing_payment.funded', 'outgoing_payment.failed'])
  const listed = await admin(A, 'GET', '/webhook-events?type=outgoing_payment.attempt_failed')
  assert.deepEqual(listed.webhook_events, [], 'not recorded either')
})
