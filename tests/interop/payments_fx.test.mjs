// Cross-currency payments of a remote incoming payment to a receiver that takes whatever
// arrives (issue 18 §3.1): our `rafiki serve` (A, wallet in EUR) pays an incoming payment of
// USD 5.00 whose STREAM receiver is npm ilp-protocol-stream's server, which, like Rafiki's
// TypeScript receiver, caps nothing. A converts EUR -> USD at 1/0.9 = 10/9 (1.111..., which
// does not terminate in decimal). The incoming payment is served by a minimal Open Payments
// stand-in here (public view, grant, signed GET with the ILP credentials; signatures are not
// checked), the STREAM server sits behind an ILP-over-HTTP endpoint that A peers with.
//
// The payment's own account holds only the quoted amount, so its rate probe is cut by T04s to
// 100 EUR cents, which see 111 USD cents arrive (of 111.1): a packet sized
// ceil(500 x 100 / 111) = 451 delivered 501. The receiver must get exactly 500.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import http from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import * as IlpPacket from 'ilp-packet'
import * as ILDCP from 'ilp-protocol-ildcp'
import { createServer } from 'ilp-protocol-stream'
import { DataAndMoneyStream } from 'ilp-protocol-stream/dist/src/stream.js'
import { startServe, sleep } from './lib/serve.mjs'

// ilp-protocol-stream 2.7.1 assigns `this.closed` in its Duplex subclass, which Node >= 18
// defines as a getter only; give the subclass its own plain property so it can run on Node 20.
Object.defineProperty(DataAndMoneyStream.prototype, 'closed', {
  configurable: true,
  get () { return this._ilpClosed ?? false },
  set (v) { this._ilpClosed = v }
})

const SECRET = 'payments-fx-admin-secret-0123456789'
const TOKEN = randomBytes(24).toString('hex')
const GRANT = randomBytes(16).toString('hex')
const dir = mkdtempSync(join(tmpdir(), 'rafiki-payments-fx-'))
const cleanup = []

after(async () => {
  for (const f of cleanup.reverse()) await f()
  rmSync(dir, { recursive: true, force: true })
})

// A plugin whose only link is inbound: the ILP-over-HTTP endpoint hands packets to its handler;
// IL-DCP is answered locally, as a parent connector would.
class InboundPlugin {
  constructor (ildcp) { this.ildcp = ildcp; this.connected = false; this.handler = null }
  async connect () { this.connected = true }
  async disconnect () { this.connected = false }
  isConnected () { return this.connected }
  registerDataHandler (h) { this.handler = h }
  deregisterDataHandler () { this.handler = null }
  async sendData (data) {
    if (IlpPacket.deserializeIlpPrepare(data).destination === 'peer.config') {
      return ILDCP.serializeIldcpResponse(this.ildcp)
    }
    return IlpPacket.serializeIlpReject({ code: 'F02', triggeredBy: 'test.usd', message: '', data: Buffer.alloc(0) })
  }
}

function body (req) {
  return new Promise((resolve) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
  })
}

function json (res, status, obj) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(obj))
}

// The receiving side: a STREAM server in USD (scale 2) that accepts any amount, behind POST
// /ilp, and one incoming payment of `incoming` USD cents at /incoming-payments/{id}. With
// holdMs, the endpoint answers T00 to every packet for that long after the first fulfilled one.
async function startReceiver (incoming, holdMs = 0) {
  const plugin = new InboundPlugin({ clientAddress: 'test.usd', assetCode: 'USD', assetScale: 2 })
  const server = await createServer({ plugin, serverSecret: randomBytes(32) })
  const state = { received: 0n, packets: 0, heldUntil: 0, held: 0 }
  server.on('connection', (conn) => {
    conn.on('stream', (stream) => {
      stream.setReceiveMax('100000000000') // no cap: take whatever arrives
      stream.on('money', (amount) => { state.received += BigInt(amount); state.packets++ })
    })
  })
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  const id = randomUUID()
  const httpServer = http.createServer(async (req, res) => {
    const base = `http://127.0.0.1:${httpServer.address().port}`
    const raw = await body(req)
    if (req.method === 'POST' && req.url === '/ilp') {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.writeHead(401).end()
      let reply
      if (Date.now() < state.heldUntil) {
        state.held++
        reply = IlpPacket.serializeIlpReject({ code: 'T00', triggeredBy: 'test.usd', message: 'held', data: Buffer.alloc(0) })
      } else {
        reply = await plugin.handler(raw)
        if (holdMs && !state.heldUntil && reply[0] === IlpPacket.Type.TYPE_ILP_FULFILL) state.heldUntil = Date.now() + holdMs
      }
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(reply)
    }
    if (req.method === 'POST' && req.url === '/as') {
      return json(res, 200, { access_token: { value: GRANT, manage: `${base}/as/token`, expires_in: 600 } })
    }
    if (req.method === 'GET' && req.url === `/incoming-payments/${id}`) {
      const amount = (value) => ({ value: String(value), assetCode: 'USD', assetScale: 2 })
      if (req.headers.authorization !== `GNAP ${GRANT}`) {
        return json(res, 200, { receivedAmount: amount(state.received), authServer: `${base}/as` })
      }
      return json(res, 200, {
        id: `${base}/incoming-payments/${id}`,
        walletAddress: `${base}/bob`,
        completed: false,
        incomingAmount: amount(incoming),
        receivedAmount: amount(state.received),
        methods: [{ type: 'ilp', ilpAddress: destinationAccount, sharedSecret: sharedSecret.toString('base64') }]
      })
    }
    res.writeHead(404).end()
  })
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${httpServer.address().port}`
  cleanup.push(async () => {
    await server.close()
    await new Promise((resolve) => httpServer.close(resolve))
  })
  return { state, ilpUrl: `${base}/ilp`, incomingUrl: `${base}/incoming-payments/${id}` }
}

// A (EUR wallet, USD peer to the receiver, EUR -> USD at 1 / eurPerUsd) quotes the
// receiver's incoming payment without an amount (the rest of it) and pays it; answers the
// quote, the payment at its end and what the receiver got.
async function payAcrossCurrencies (name, eurPerUsd, incoming, { holdMs = 0, env = {} } = {}) {
  const rx = await startReceiver(incoming, holdMs)
  const A = await startServe({
    dir, name, ilp: 'test.a', secret: SECRET, env: { EXCHANGE_RATES: JSON.stringify({ USD: { EUR: eurPerUsd } }), ...env }
  })
  cleanup.push(async () => { A.proc.kill('SIGKILL') })
  const eur = await A.admin('POST', '/assets', { code: 'EUR', scale: 2 })
  const usd = await A.admin('POST', '/assets', { code: 'USD', scale: 2 })
  await A.admin('POST', '/peers', {
    asset_id: usd.id, ilp_address: 'test.usd', routes: ['test.usd'], outgoing: { endpoint: rx.ilpUrl, token: TOKEN }
  })
  await A.admin('POST', `/accounts/${usd.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '100000000' })
  const alice = await A.admin('POST', '/wallet-addresses', { asset_id: eur.id, url: `http://localhost:${A.ports.op}/alice` })
  await A.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '100000' })

  // a debit that buys more than the incoming payment takes is refused: it would be overpaid
  const over = await A.call('POST', '/quotes', {
    wallet_address_id: alice.id, receiver: rx.incomingUrl, debit_amount: { value: '1000', asset_code: 'EUR', asset_scale: 2 }
  })
  assert.equal(over.status, 422, JSON.stringify(over.json))
  assert.equal(over.json.error.code, 'receive_amount_exceeds_incoming')
  const q = await A.admin('POST', '/quotes', { wallet_address_id: alice.id, receiver: rx.incomingUrl })
  assert.deepEqual(q.receive_amount, { value: String(incoming), asset_code: 'USD', asset_scale: 2 })
  assert.equal(q.debit_amount.asset_code, 'EUR')

  const p = await A.admin('POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id })
  let got
  for (let i = 0; i < 600; i++) {
    got = await A.admin('GET', `/outgoing-payments/${p.id}`)
    if (got.state === 'COMPLETED' || got.state === 'FAILED') break
    await sleep(50)
  }
  await sleep(100)
  return { q, got, received: rx.state.received, held: rx.state.held }
}

test('EUR pays a USD 5.00 incoming payment at 10/9 to a receiver without caps: exactly 500 arrive', async () => {
  const { q, got, received } = await payAcrossCurrencies('a', '0.9', 500)
  assert.equal(got.state, 'COMPLETED', JSON.stringify(got))
  assert.ok(received <= 500n, `overpaid: the receiver got ${received} of 500`)
  assert.equal(received, 500n, `the receiver got ${received} of 500`)
  // what was sent stays within the quote (EUR 4.50 at 10/9 is USD 5.00)
  assert.ok(BigInt(got.sent_amount.value) >= 450n, JSON.stringify(got))
  assert.ok(BigInt(got.sent_amount.value) <= BigInt(q.debit_amount.value), JSON.stringify(got))
})

// At 10/3 (EUR 0.01 buys USD 0.0333...), 150 cents deliver 500, 151 deliver 503 and one cent
// delivers 3: USD 5.01 cannot be met exactly. The payment completes 1 cent short (less than
// one source unit's worth) instead of overpaying 2 (a probe of 100 seeing 333 arrive sized
// ceil(501 x 100 / 333) = 151).
test('EUR pays a USD 5.01 incoming payment at 10/3: 500 arrive, never more than 501', async () => {
  const { got, received } = await payAcrossCurrencies('b', '0.3', 501)
  assert.equal(got.state, 'COMPLETED', JSON.stringify(got))
  assert.ok(received <= 501n, `overpaid: the receiver got ${received} of 501`)
  assert.equal(received, 500n, `the receiver got ${received} of 501`)
  assert.equal(got.sent_amount.value, '150', JSON.stringify(got))
})

// A payment resumed after its first run timed out: the first packet (447 EUR cents) delivers
// 496, then the endpoint answers T00 until the run's deadline (half the 2 s lease). The next
// claim counts what arrived at the quote's minimum rate (a lower bound, 491) and would deliver
// 9 more, 505 in all; the incoming payment's own count (4 left) caps it: exactly 500 arrive.
test('a resumed cross-currency payment delivers no more than the incoming payment still takes', async () => {
  const { q, got, received, held } = await payAcrossCurrencies('c', '0.9', 500, {
    holdMs: 1500, env: { OUTGOING_PAYMENT_LEASE_MS: '2000' }
  })
  assert.ok(held > 0, 'the first run was cut short')
  assert.equal(got.state, 'COMPLETED', JSON.stringify(got))
  assert.ok(received <= 500n, `overpaid: the receiver got ${received} of 500`)
  assert.equal(received, 500n, `the receiver got ${received} of 500`)
  assert.ok(BigInt(got.sent_amount.value) <= BigInt(q.debit_amount.value), JSON.stringify(got))
})
