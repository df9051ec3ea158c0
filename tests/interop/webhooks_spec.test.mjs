// Webhook bodies and headers against Rafiki's published webhooks.yaml: one real `rafiki serve`
// with WEBHOOK_URL pointing at a receiver here is driven over the admin API (and one Open
// Payments GET) through flows that fire every event type we send. Each received request is
// validated with @interledger/openapi (the validator the TypeScript Rafiki uses) against the
// webhook's requestBody, its Rafiki-Signature checked as Rafiki computes it
// (t=<Date.now() ms>, v1=HMAC-SHA256(secret, "<t>.<canonical JSON of the body>")), and the
// receiver answers 200, the only status Rafiki counts as delivered.
//
// The spec's outgoingPaymentEvent state enum lists FUNDING, SENDING, FAILED and COMPLETED but not
// CANCELLED, which Rafiki's own outgoing_payment.cancelled carries (OutgoingPayment.toData sends
// the payment's state, CANCELLED after cancel): the validator here adds CANCELLED to that enum.
// The spec's webMonetizationEvent requires data.walletAddress.received, a property it does not
// define; it defines receivedAmount, which is what Rafiki's WalletAddress.toData sends (and all
// it sends): the validator requires receivedAmount in its place. Nothing else is relaxed.
//
// wallet_address.web_monetization has an instance of its own in Rafiki's funding model
// (FUNDING_MODEL=rafiki, the only one in which it is recorded) with WITHDRAWAL_THROTTLE_DELAY=0,
// whose wallet address is paid over SPSP by npm ilp-protocol-stream.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs'
import http from 'node:http'
import { Duplex } from 'node:stream'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { root, startServe, sleep } from './lib/serve.mjs'

const require = createRequire(import.meta.url)
const { createOpenAPI } = require('@interledger/openapi')
const { createConnection } = require('ilp-protocol-stream')
const yaml = require('js-yaml')

const shared = process.env.SHARED ? resolve(root, process.env.SHARED) : join(root, '..', 'shared')
const SPEC = join(shared, 'specs', 'open-payments', 'rafiki', 'webhooks.yaml')
const SECRET = 'webhooks-spec-admin-' + randomUUID()
const SIGNING = randomBytes(16).toString('hex')
const dir = mkdtempSync(join(tmpdir(), 'rafiki-webhooks-spec-'))
const procs = []

after(() => {
  for (const p of procs) p.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

// Which webhook of the spec each event type is.
const WEBHOOK_OF = {
  'incoming_payment.created': 'incomingPaymentCreated',
  'incoming_payment.completed': 'incomingPaymentCompleted',
  'incoming_payment.expired': 'incomingPaymentExpired',
  'incoming_payment.partial_payment_received': 'incomingPaymentPartialPaymentReceived',
  'outgoing_payment.created': 'outgoingPaymentCreated',
  'outgoing_payment.completed': 'outgoingPaymentCompleted',
  'outgoing_payment.failed': 'outgoingPaymentFailed',
  'outgoing_payment.funded': 'outgoingPaymentFunded',
  'outgoing_payment.cancelled': 'outgoingPaymentCancelled',
  'wallet_address.not_found': 'walletAddressNotFound',
  'wallet_address.web_monetization': 'webMonetization',
  'asset.liquidity_low': 'assetLiquidity',
  'peer.liquidity_low': 'peerLiquidity'
}

// @interledger/openapi validates paths, and webhooks.yaml has only `webhooks`: each webhook
// becomes the path /<name> with its own post operation, in a copy of the spec.
async function webhookValidators () {
  const spec = yaml.load(readFileSync(SPEC, 'utf8'))
  spec.paths = {}
  for (const [name, item] of Object.entries(spec.webhooks)) spec.paths['/' + name] = item
  delete spec.webhooks
  const states = spec.components.schemas.outgoingPaymentEvent.properties.data.properties.state.enum
  states.push('CANCELLED') // see the file's opening comment
  const wm = spec.components.schemas.webMonetizationEvent.properties.data.properties.walletAddress
  wm.required = wm.required.map(r => r === 'received' ? 'receivedAmount' : r) // likewise
  const file = join(dir, 'webhooks-as-paths.json')
  writeFileSync(file, JSON.stringify(spec))
  const api = await createOpenAPI(file)
  const out = {}
  for (const [type, name] of Object.entries(WEBHOOK_OF)) {
    out[type] = api.createRequestValidator({ path: '/' + name, method: 'post' })
  }
  return out
}

// JSON with keys sorted at every level and no whitespace (json-canonicalize for what a body holds).
function canonical (v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}'
  }
  return JSON.stringify(v)
}

// The wallet's endpoint: validates every request and keeps what it got, problems included.
async function receiver (validators) {
  const rx = { events: [], problems: [] }
  rx.server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', d => { raw += d })
    req.on('end', () => {
      let body = null
      try { body = JSON.parse(raw) } catch {}
      const why = check(validators, req, raw, body)
      if (why) rx.problems.push(`${body?.type}: ${why} (${raw})`)
      if (body) rx.events.push(body)
      res.writeHead(200).end()
    })
  })
  await new Promise(resolve => rx.server.listen(0, '127.0.0.1', resolve))
  rx.url = `http://127.0.0.1:${rx.server.address().port}/webhooks`
  return rx
}

function check (validators, req, raw, body) {
  if (!body) return 'not JSON'
  if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return 'content-type'
  const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(req.headers['rafiki-signature'] ?? '')
  if (!m) return `Rafiki-Signature ${req.headers['rafiki-signature']}`
  if (Math.abs(Date.now() - Number(m[1])) > 60000) return `t=${m[1]} is not Date.now() in ms`
  const want = createHmac('sha256', SIGNING).update(`${m[1]}.${canonical(body)}`).digest()
  if (!timingSafeEqual(want, Buffer.from(m[2], 'hex'))) return 'signature'
  const validate = validators[body.type]
  if (!validate) return 'unknown type'
  try {
    validate({ body, headers: req.headers, query: {}, params: {} })
  } catch (e) {
    return e.errors ? e.errors.map(x => x.message).join('; ') : String(e)
  }
  return null
}

async function waitFor (what, fn, ms = 20000) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const v = await fn()
    if (v) return v
  }
  throw new Error(`timed out waiting for ${what}`)
}

const typesOf = (rx, id) => [...new Map(rx.events.filter(e => e.data?.id === id).map(e => [e.id, e.type])).values()]

test('every webhook we send validates against webhooks.yaml, signed as Rafiki signs', { timeout: 120000 }, async (t) => {
  const validators = await webhookValidators()
  const rx = await receiver(validators)
  const A = await startServe({
    dir,
    name: 'hooks',
    ilp: 'test.hooks',
    secret: SECRET,
    health: ['admin'],
    env: { WEBHOOK_URL: rx.url, SIGNATURE_SECRET: SIGNING, QUOTE_LIFESPAN: '4000' }
  })
  procs.push(A.proc)
  try {
    const usd = await A.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const wallet = async (name, deposit) => {
      const w = await A.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${A.ports.op}/${name}` })
      if (deposit) await A.admin('POST', `/accounts/${w.account_id}/deposits`, { id: randomUUID(), amount: deposit })
      return w
    }
    const alice = await wallet('alice', '100000')
    const bob = await wallet('bob')
    const carol = await wallet('carol') // no money: her payments wait in FUNDING

    // incoming created/completed, outgoing created/funded/completed
    const ip = await A.admin('POST', '/incoming-payments', {
      wallet_address_id: bob.id, incoming_amount: { value: '250', asset_code: 'USD', asset_scale: 2 }
    })
    const q = await A.admin('POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url })
    const op = await A.admin('POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id })

    // incoming partial_payment_received, then expired: 200 of 500 paid, then its expiry passes
    const soon = new Date(Date.now() + 4000).toISOString()
    const ip2 = await A.admin('POST', '/incoming-payments', {
      wallet_address_id: bob.id, incoming_amount: { value: '500', asset_code: 'USD', asset_scale: 2 }, expires_at: soon
    })
    const q2 = await A.admin('POST', '/quotes', {
      wallet_address_id: alice.id, receiver: ip2.url, debit_amount: { value: '200', asset_code: 'USD', asset_scale: 2 }
    })
    const op2 = await A.admin('POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q2.id })

    // outgoing cancelled, and failed (its quote expires while the wallet has no money)
    const ip3 = await A.admin('POST', '/incoming-payments', { wallet_address_id: bob.id })
    const debit = { value: '10', asset_code: 'USD', asset_scale: 2 }
    const q3 = await A.admin('POST', '/quotes', { wallet_address_id: carol.id, receiver: ip3.url, debit_amount: debit })
    const cancelled = await A.admin('POST', '/outgoing-payments', { wallet_address_id: carol.id, quote_id: q3.id })
    await A.admin('POST', `/outgoing-payments/${cancelled.id}/cancel`, {})
    const q4 = await A.admin('POST', '/quotes', { wallet_address_id: carol.id, receiver: ip3.url, debit_amount: debit })
    const failed = await A.admin('POST', '/outgoing-payments', { wallet_address_id: carol.id, quote_id: q4.id })

    // wallet_address.not_found: an Open Payments GET of an unknown wallet address
    await fetch(`http://127.0.0.1:${A.ports.op}/nobody-${randomUUID()}`, { headers: { Accept: 'application/json' } })

    // liquidity: thresholds above what the asset's and a peer's accounts hold
    await A.admin('PUT', `/assets/${usd.id}/liquidity-threshold`, { threshold: '1' })
    const peer = await A.admin('POST', '/peers', {
      asset_id: usd.id, ilp_address: 'test.peer', outgoing: { endpoint: 'http://127.0.0.1:9/', token: 'x'.repeat(32) }
    })
    await A.admin('PUT', `/peers/${peer.id}/liquidity-threshold`, { threshold: '1' })

    const want = {
      [ip.id]: ['incoming_payment.created', 'incoming_payment.completed'],
      [op.id]: ['outgoing_payment.created', 'outgoing_payment.funded', 'outgoing_payment.completed'],
      [ip2.id]: ['incoming_payment.created', 'incoming_payment.partial_payment_received', 'incoming_payment.expired'],
      [op2.id]: ['outgoing_payment.created', 'outgoing_payment.funded', 'outgoing_payment.completed'],
      [cancelled.id]: ['outgoing_payment.created', 'outgoing_payment.cancelled'],
      [failed.id]: ['outgoing_payment.created', 'outgoing_payment.failed'],
      [usd.id]: ['asset.liquidity_low'],
      [peer.id]: ['peer.liquidity_low']
    }
    await waitFor('every event', () =>
      Object.entries(want).every(([id, types]) => typesOf(rx, id).length >= types.length) &&
      rx.events.some(e => e.type === 'wallet_address.not_found'), 30000)
      .catch(e => {
        const got = JSON.stringify(Object.fromEntries(Object.keys(want).map(id => [id, typesOf(rx, id)])))
        throw new Error(`${e.message}: got ${got}; problems: ${rx.problems.join('\n')}`)
      })
    for (const [id, types] of Object.entries(want)) assert.deepEqual(typesOf(rx, id), types, id)

    const seen = [...new Set(rx.events.map(e => e.type))].sort()
    t.diagnostic(`validated ${rx.events.length} requests of ${seen.length} types: ${seen.join(', ')}`)
    assert.deepEqual(rx.problems, [], 'every body and header is what webhooks.yaml and Rafiki send')

    // a few values the schema cannot check
    const completed = rx.events.find(e => e.type === 'outgoing_payment.completed' && e.data.id === op.id)
    assert.equal(completed.data.state, 'COMPLETED')
    assert.equal(completed.data.sentAmount.value, '250')
    assert.equal(completed.data.balance, '0')
    const fail = rx.events.find(e => e.type === 'outgoing_payment.failed')
    assert.equal(fail.data.state, 'FAILED')
    assert.equal(rx.events.find(e => e.type === 'outgoing_payment.cancelled').data.state, 'CANCELLED')
    const part = rx.events.filter(e => e.type === 'incoming_payment.partial_payment_received')
    assert.equal(new Set(part.map(e => e.id)).size, 1, 'one increase, one event')
    assert.equal(part[0].data.id, ip2.id)
    assert.equal(part[0].data.receivedAmount.value, '200')
    assert.equal(part[0].data.completed, false)
    const exp = rx.events.find(e => e.type === 'incoming_payment.expired')
    assert.equal(exp.data.receivedAmount.value, '200')
    assert.equal(exp.data.completed, false)
  } finally {
    A.proc.kill('SIGTERM')
    await new Promise(resolve => rx.server.close(resolve))
  }
})

test('WEBHOOK_EVENTS_DISABLED leaves out the types a wallet written for Rafiki\'s defaults does not expect', { timeout: 60000 }, async () => {
  const validators = await webhookValidators()
  const rx = await receiver(validators)
  const A = await startServe({
    dir,
    name: 'hooks-rafiki-defaults',
    ilp: 'test.hooks2',
    secret: SECRET,
    health: ['admin'],
    env: {
      WEBHOOK_URL: rx.url,
      SIGNATURE_SECRET: SIGNING,
      WEBHOOK_EVENTS_DISABLED: 'outgoing_payment.funded, outgoing_payment.cancelled,incoming_payment.partial_payment_received'
    }
  })
  procs.push(A.proc)
  try {
    const usd = await A.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const alice = await A.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${A.ports.op}/alice` })
    await A.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '1000' })
    const bob = await A.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${A.ports.op}/bob` })
    const carol = await A.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${A.ports.op}/carol` })
    const ip = await A.admin('POST', '/incoming-payments', {
      wallet_address_id: bob.id, incoming_amount: { value: '500', asset_code: 'USD', asset_scale: 2 }
    })
    const q = await A.admin('POST', '/quotes', {
      wallet_address_id: alice.id, receiver: ip.url, debit_amount: { value: '100', asset_code: 'USD', asset_scale: 2 }
    })
    const op = await A.admin('POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id })
    const q2 = await A.admin('POST', '/quotes', {
      wallet_address_id: carol.id, receiver: ip.url, debit_amount: { value: '10', asset_code: 'USD', asset_scale: 2 }
    })
    const op2 = await A.admin('POST', '/outgoing-payments', { wallet_address_id: carol.id, quote_id: q2.id })
    await A.admin('POST', `/outgoing-payments/${op2.id}/cancel`, {})
    await waitFor('completed', () => typesOf(rx, op.id).includes('outgoing_payment.completed'))
    await sleep(2500) // two incoming payment worker passes: a partial event would be recorded by now
    assert.deepEqual(typesOf(rx, op.id), ['outgoing_payment.created', 'outgoing_payment.completed'])
    assert.deepEqual(typesOf(rx, op2.id), ['outgoing_payment.created'])
    assert.deepEqual(typesOf(rx, ip.id), ['incoming_payment.created'], '100 of 500: no partial event')
    const listed = await A.admin('GET', '/webhook-events?type=outgoing_payment.funded')
    assert.deepEqual(listed.webhook_events, [], 'not recorded either')
    assert.deepEqual(rx.problems, [])
  } finally {
    A.proc.kill('SIGTERM')
    await new Promise(resolve => rx.server.close(resolve))
  }
})

// ilp-protocol-stream 2.7.1 assigns `this.closed` in its stream constructor, which Node >= 18
// defines as a getter only; give its streams a plain property again (test shim for the client).
Object.defineProperty(Duplex.prototype, 'closed', {
  configurable: true,
  get () { return this._ilpClosed ?? false },
  set (v) { this._ilpClosed = v }
})

// An ilp-protocol-stream plugin that sends ILP-over-HTTP to url as the peer with token.
function httpPlugin (url, token) {
  return {
    connect: async () => {},
    disconnect: async () => {},
    isConnected: () => true,
    async sendData (buf) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${token}` },
        body: buf
      })
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`)
      return Buffer.from(await r.arrayBuffer())
    },
    registerDataHandler () {},
    deregisterDataHandler () {},
    sendMoney: async () => {},
    registerMoneyHandler () {},
    deregisterMoneyHandler () {}
  }
}

// Pays amount to the wallet address at url through its SPSP answer; what was delivered.
async function spspPay (url, plugin, amount) {
  const spsp = await (await fetch(url, { headers: { Accept: 'application/spsp4+json' } })).json()
  const conn = await createConnection({
    plugin,
    destinationAccount: spsp.destination_account,
    sharedSecret: Buffer.from(spsp.shared_secret, 'base64'),
    slippage: 0
  })
  try {
    await conn.createStream().sendTotal(amount, { timeout: 20000 })
  } finally {
    conn.destroy()
  }
  return conn.totalDelivered
}

test('wallet_address.web_monetization validates against webhooks.yaml, each amount once', { timeout: 60000 }, async () => {
  const validators = await webhookValidators()
  const rx = await receiver(validators)
  const A = await startServe({
    dir,
    name: 'hooks-wm',
    ilp: 'test.hookswm',
    secret: SECRET,
    health: ['admin'],
    env: { WEBHOOK_URL: rx.url, SIGNATURE_SECRET: SIGNING, FUNDING_MODEL: 'rafiki', WITHDRAWAL_THROTTLE_DELAY: '0' }
  })
  procs.push(A.proc)
  try {
    const usd = await A.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const url = `http://localhost:${A.ports.op}/dave`
    const dave = await A.admin('POST', '/wallet-addresses', { asset_id: usd.id, url })
    const token = randomBytes(24).toString('hex')
    await A.admin('POST', '/peers', {
      asset_id: usd.id, ilp_address: 'test.payer', incoming_tokens: [token], min_balance: '-100000000', name: 'payer'
    })
    const plugin = httpPlugin(`http://127.0.0.1:${A.ports.conn}/`, token)
    const wm = () => rx.events.filter(e => e.type === 'wallet_address.web_monetization')
    assert.equal(await spspPay(url, plugin, 1234), '1234')
    await waitFor('the first event', () => wm().length >= 1)
    assert.equal(await spspPay(url, plugin, 66), '66')
    await waitFor('the second event', () => wm().length >= 2)
    await sleep(1000) // five more worker passes: nothing new to announce
    const events = wm()
    assert.deepEqual(rx.problems, [], 'every body and header is what webhooks.yaml and Rafiki send')
    assert.equal(new Set(events.map(e => e.id)).size, 2, 'one event per arrival')
    for (const e of events) {
      assert.equal(e.data.walletAddress.id, dave.id)
      assert.equal(e.data.walletAddress.receivedAmount.assetCode, 'USD')
      assert.equal(e.data.walletAddress.receivedAmount.assetScale, 2)
    }
    assert.deepEqual(events.map(e => e.data.walletAddress.receivedAmount.value), ['1234', '66'])
  } finally {
    A.proc.kill('SIGTERM')
    await new Promise(resolve => rx.server.close(resolve))
  }
})
