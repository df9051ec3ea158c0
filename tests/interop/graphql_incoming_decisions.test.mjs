// The wallet's decisions on incoming payments, as Rafiki's Admin GraphQL API takes them, end to
// end through one `rafiki serve` and a wallet backend here that answers its webhooks:
//  - approval: with POLL_INCOMING_PAYMENT_CREATED_WEBHOOK a create (Open Payments with a GNAP
//    grant, and Admin GraphQL) waits for approveIncomingPayment / cancelIncomingPayment, which
//    the backend calls on incoming_payment.created; a cancel or no answer in time fails the
//    create with Rafiki's error (403 "action not performed"; TIMEOUT); Rafiki's errors for
//    unknown ids, decisions already taken and payments no longer pending.
//  - partial payments: with ENABLE_PARTIAL_PAYMENT_DECISION a STREAM money packet to an incoming
//    payment that carries data (a StreamData frame) waits for confirmPartialIncomingPayment /
//    rejectPartialIncomingPayment, answered by the backend on
//    incoming_payment.partial_payment_received (its payload validated against webhooks.yaml);
//    confirm fulfils, reject and no answer reject F99 with a ConnectionClose and the reason on
//    stream 1, and a rejected packet moves no money.
// On a temp SQLite file and the in-process cache, or on a database of its own on
// TEST_POSTGRES_URL and Redis on TEST_REDIS_URL when they are set (scripts/with-services.sh).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as IlpPacket from 'ilp-packet'
import { root, startServe, sleep } from './lib/serve.mjs'
import { gqlClient, ClientError } from './lib/gql.mjs'
import { pgUrl, psql } from './lib/pg.mjs'
import { streamKeys, dataPrepare, streamReply } from './lib/packets.mjs'

const require = createRequire(import.meta.url)
const { createAuthenticatedClient, isFinalizedGrantWithAccessToken } = require('@interledger/open-payments')
const { generateTestKeys } = require('@interledger/http-signature-utils')
const { createOpenAPI } = require('@interledger/openapi')
const yaml = require('js-yaml')

const SECRET = 'gql-decisions-secret-' + randomUUID()
const TENANT = randomUUID()
// generous: the wallet backend answers through a webhook and GraphQL, on a machine that may be
// busy with other suites
const POLL_TIMEOUT_MS = 8000
const MAX_WAIT_MS = 9000 // eight decisions in a row (one payment's events go out in order) under a loaded CI
const dir = mkdtempSync(join(tmpdir(), 'rafiki-gql-decisions-'))
let node, gql, op, usd, backend, peerToken, peer, dbName

const Q = {
  create: `mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) {
    payment { id state cancelledAt cancellationReason receivedAmount { value } metadata } } }`,
  approve: `mutation($input: ApproveIncomingPaymentInput!) { approveIncomingPayment(input: $input) {
    payment { id state cancelledAt cancellationReason } } }`,
  cancel: `mutation($input: CancelIncomingPaymentInput!) { cancelIncomingPayment(input: $input) {
    payment { id state cancelledAt cancellationReason } } }`,
  get: `query($id: String!) { incomingPayment(id: $id) { id state cancelledAt cancellationReason
    receivedAmount { value } } }`,
  confirm: `mutation($input: ConfirmPartialIncomingPaymentInput!) {
    confirmPartialIncomingPayment(input: $input) { success } }`,
  reject: `mutation($input: RejectPartialIncomingPaymentInput!) {
    rejectPartialIncomingPayment(input: $input) { success } }`
}

// webhooks.yaml's incomingPaymentEvent, as tests/interop/webhooks_spec.test.mjs validates it.
async function partialValidator () {
  const shared = process.env.SHARED ? resolve(root, process.env.SHARED) : join(root, '..', 'shared')
  const spec = yaml.load(readFileSync(join(shared, 'specs', 'open-payments', 'rafiki', 'webhooks.yaml'), 'utf8'))
  spec.paths = { '/partial': spec.webhooks.incomingPaymentPartialPaymentReceived }
  delete spec.webhooks
  const file = join(dir, 'webhooks-as-paths.json')
  writeFileSync(file, JSON.stringify(spec))
  const api = await createOpenAPI(file)
  const validate = api.createRequestValidator({ path: '/partial', method: 'post' })
  return (body) => validate({ url: '/partial', method: 'POST', headers: { 'content-type': 'application/json' }, body })
}

// The wallet backend: on incoming_payment.created it approves or cancels as the payment's
// metadata.decide says ("approve" by default, "cancel", "none": no answer); on
// incoming_payment.partial_payment_received it confirms or rejects as metadata.partial says.
async function walletBackend () {
  const w = { events: [], problems: [] }
  w.server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', async () => {
      res.writeHead(200).end()
      const ev = JSON.parse(body)
      w.events.push(ev)
      const meta = ev.data.metadata ?? {}
      try {
        if (ev.type === 'incoming_payment.created') {
          const decide = meta.decide ?? 'approve'
          if (decide === 'approve') await gql.request(Q.approve, { input: { id: ev.data.id } })
          if (decide === 'cancel') await gql.request(Q.cancel, { input: { id: ev.data.id, cancellationReason: 'not for us' } })
        } else if (ev.type === 'incoming_payment.partial_payment_received' && ev.data.partialIncomingPaymentId) {
          const ids = { incomingPaymentId: ev.data.id, partialIncomingPaymentId: ev.data.partialIncomingPaymentId }
          if (meta.partial === 'confirm') await gql.request(Q.confirm, { input: ids })
          if (meta.partial === 'reject') await gql.request(Q.reject, { input: { ...ids, reason: 'data mismatch' } })
        }
      } catch (e) {
        w.problems.push(`${ev.type}: ${e.message}`)
      }
    })
  })
  await new Promise((resolve) => w.server.listen(0, '127.0.0.1', resolve))
  w.url = `http://127.0.0.1:${w.server.address().port}/webhooks`
  return w
}

before(async () => {
  backend = await walletBackend()
  const stores = {}
  if (process.env.TEST_POSTGRES_URL) {
    dbName = `gql_decisions_${process.pid}`
    psql(process.env.TEST_POSTGRES_URL, `CREATE DATABASE ${dbName}`)
    stores.DATABASE_URL = pgUrl(process.env.TEST_POSTGRES_URL, dbName)
  }
  if (process.env.TEST_REDIS_URL) stores.REDIS_URL = process.env.TEST_REDIS_URL
  node = await startServe({
    dir,
    name: 'decisions',
    ilp: 'test.dec',
    secret: SECRET,
    env: {
      OPERATOR_TENANT_ID: TENANT,
      FUNDING_MODEL: 'ledger',
      WEBHOOK_URL: backend.url,
      POLL_INCOMING_PAYMENT_CREATED_WEBHOOK: 'true',
      INCOMING_PAYMENT_CREATED_POLL_TIMEOUT_MS: String(POLL_TIMEOUT_MS),
      INCOMING_PAYMENT_CREATED_POLL_FREQUENCY_MS: '100',
      ENABLE_PARTIAL_PAYMENT_DECISION: 'true',
      PARTIAL_PAYMENT_DECISION_MAX_WAIT_MS: String(MAX_WAIT_MS),
      ...stores
    }
  })
  gql = gqlClient({ url: `http://127.0.0.1:${node.ports.admin}/graphql`, secret: SECRET, tenantId: TENANT })
  op = `http://localhost:${node.ports.op}`
  usd = await node.admin('POST', '/assets', { code: 'USD', scale: 2 })
  peerToken = randomBytes(24).toString('hex')
  peer = await node.admin('POST', '/peers', {
    asset_id: usd.id, ilp_address: 'test.sender', incoming_tokens: [peerToken], min_balance: '-100000000', name: 'sender'
  })
})

after(() => {
  node?.proc.kill('SIGKILL')
  backend?.server.close()
  if (dbName) psql(process.env.TEST_POSTGRES_URL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  rmSync(dir, { recursive: true, force: true })
})

// The first error of a failed request: { code, message }.
async function failure (doc, variables) {
  try {
    await gql.request(doc, variables)
  } catch (e) {
    assert.ok(e instanceof ClientError, String(e))
    const err = e.response.errors[0]
    return { code: err.extensions?.code, message: err.message, data: e.response.data }
  }
  assert.fail('the request succeeded')
}

const amount = (value) => ({ value: String(value), assetCode: 'USD', assetScale: 2 })
const wallets = {}
async function wallet (name) {
  wallets[name] ??= await node.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `${op}/${name}` })
  return wallets[name]
}

// The incoming_payment.created event of the payment whose metadata.tag is tag.
async function createdEvent (tag) {
  for (let i = 0; i < 100; i++) {
    const ev = backend.events.find((e) => e.type === 'incoming_payment.created' && e.data.metadata?.tag === tag)
    if (ev) return ev
    await sleep(50)
  }
  assert.fail(`no incoming_payment.created for ${tag}`)
}

test('approval: GraphQL creates wait for approveIncomingPayment or cancelIncomingPayment', async () => {
  const bob = await wallet('bob')
  const input = (tag, decide) => ({ walletAddressId: bob.id, incomingAmount: amount(500), metadata: { tag, decide } })

  const t0 = Date.now()
  const ok = (await gql.request(Q.create, { input: input('a1', 'approve') })).createIncomingPayment.payment
  assert.equal(ok.state, 'PENDING')
  assert.equal(ok.cancelledAt, null)
  assert.ok(Date.now() - t0 < POLL_TIMEOUT_MS, 'answered once approved, before the timeout')
  const created = await createdEvent('a1')
  assert.equal(created.data.approvedAt, undefined, 'created is sent before the approval')
  // approving again answers the payment again; cancelling it now is refused
  assert.equal((await gql.request(Q.approve, { input: { id: ok.id } })).approveIncomingPayment.payment.id, ok.id)
  const refused = await failure(Q.cancel, { input: { id: ok.id } })
  assert.deepEqual([refused.code, refused.message], ['FORBIDDEN', 'action already performed'])

  // cancelled by the wallet: the create fails, the payment stays, cancelled, with the reason
  const cancelled = await failure(Q.create, { input: input('c1', 'cancel') })
  assert.deepEqual([cancelled.code, cancelled.message], ['TIMEOUT', 'action not performed'])
  const c1 = (await createdEvent('c1')).data.id
  const row = (await gql.request(Q.get, { id: c1 })).incomingPayment
  assert.equal(row.state, 'PENDING')
  assert.equal(row.cancellationReason, 'not for us')
  assert.match(row.cancelledAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  const twice = (await gql.request(Q.cancel, { input: { id: c1, cancellationReason: 'other' } })).cancelIncomingPayment.payment
  const { receivedAmount, ...asCancelled } = row
  assert.equal(receivedAmount.value, '0')
  assert.deepEqual(twice, asCancelled, 'a second cancel changes nothing')
  const late = await failure(Q.approve, { input: { id: c1 } })
  assert.deepEqual([late.code, late.message], ['FORBIDDEN', 'action already performed'])

  // no answer: the create gives up after the poll timeout; the wallet may still approve later
  const t1 = Date.now()
  const silent = await failure(Q.create, { input: input('n1', 'none') })
  assert.deepEqual([silent.code, silent.message], ['TIMEOUT', 'action not performed'])
  assert.ok(Date.now() - t1 >= POLL_TIMEOUT_MS - 200, `waited ${Date.now() - t1} ms`)
  const n1 = (await createdEvent('n1')).data.id
  assert.equal((await gql.request(Q.approve, { input: { id: n1 } })).approveIncomingPayment.payment.cancelledAt, null)
  assert.deepEqual(backend.problems, [])
})

test('approval: Rafiki\'s errors for unknown and ended payments', async () => {
  for (const doc of [Q.approve, Q.cancel]) {
    const unknown = await failure(doc, { input: { id: randomUUID() } })
    assert.deepEqual([unknown.code, unknown.message], ['NOT_FOUND', 'unknown payment'])
  }
  const bob = await wallet('bob')
  const ip = (await gql.request(Q.create, { input: { walletAddressId: bob.id, metadata: { tag: 'e1' } } })).createIncomingPayment.payment
  await node.admin('POST', `/incoming-payments/${ip.id}/complete`)
  for (const doc of [Q.approve, Q.cancel]) {
    const ended = await failure(doc, { input: { id: ip.id } })
    assert.deepEqual([ended.code, ended.message], ['CONFLICT', 'wrong state'])
  }
})

test('approval: an Open Payments create waits too (201 once approved, 403 when cancelled)', async () => {
  const bob = await wallet('bob')
  const shop = await wallet('shop')
  const keys = generateTestKeys()
  await node.admin('POST', `/wallet-addresses/${shop.id}/keys`, { jwk: keys.publicKey })
  const client = await createAuthenticatedClient({ walletAddressUrl: shop.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid })
  const grant = await client.grant.request({ url: `http://localhost:${node.ports.auth}/` }, {
    access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read'] }] }
  })
  assert.ok(isFinalizedGrantWithAccessToken(grant), JSON.stringify(grant))
  const at = { url: op, accessToken: grant.access_token.value }
  const ok = await client.incomingPayment.create(at, { walletAddress: bob.url, incomingAmount: amount(700), metadata: { tag: 'o1' } })
  assert.equal(ok.incomingAmount.value, '700')
  assert.equal(ok.methods[0].type, 'ilp')
  await assert.rejects(
    client.incomingPayment.create(at, { walletAddress: bob.url, metadata: { tag: 'o2', decide: 'cancel' } }),
    (e) => { assert.equal(e.status, 403, String(e)); return true })
  assert.equal((await createdEvent('o2')).data.metadata.decide, 'cancel')
})

// ---- partial payments ----

// An incoming payment of carol's (approved by the backend) whose partial payments the backend
// answers as `partial` says, with the STREAM keys of its ilp method.
async function payable (tag, partial) {
  const carol = await wallet('carol')
  const ip = (await gql.request(Q.create, { input: { walletAddressId: carol.id, incomingAmount: amount(10000), metadata: { tag, partial } } })).createIncomingPayment.payment
  const rest = await node.admin('GET', `/incoming-payments/${ip.id}`)
  const m = rest.methods[0]
  return { id: ip.id, keys: await streamKeys({ destination_account: m.ilpAddress, shared_secret: m.sharedSecret }) }
}

// Posts a Prepare to the connector as the sender peer; the reply's bytes.
async function sendIlp (prepare) {
  const r = await fetch(`http://127.0.0.1:${node.ports.conn}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${peerToken}` },
    body: prepare
  })
  assert.equal(r.status, 200)
  return Buffer.from(await r.arrayBuffer())
}

const received = async (id) => (await gql.request(Q.get, { id })).incomingPayment.receivedAmount.value
const peerBalance = async () => (await node.admin('GET', `/accounts/${peer.account_id}/status`)).balance
const partialEvents = (id) => backend.events.filter((e) => e.type === 'incoming_payment.partial_payment_received' && e.data.id === id && e.data.partialIncomingPaymentId)

// The F99 of stream-receiver's finalDecline: a ConnectionClose and the reason on stream 1.
function assertDeclined (reply, reason) {
  assert.equal(reply.type, 'reject')
  assert.equal(reply.code, 'F99')
  assert.ok(reply.frames.some((f) => f.name === 'ConnectionClose'), JSON.stringify(reply.frames))
  const data = reply.frames.find((f) => f.name === 'StreamData')
  assert.equal(Number(data.streamId), 1)
  assert.equal(data.data.toString('utf8'), reason)
}

test('partial payments: confirm fulfils, the event is Rafiki\'s, money without data is not held', async () => {
  const validate = await partialValidator()
  const ip = await payable('p1', 'confirm')
  const reply = await streamReply(ip.keys, await sendIlp(await dataPrepare(ip.keys, 300, 10000, 'order 42 \u00e9')))
  assert.equal(reply.type, 'fulfill', JSON.stringify(reply))
  assert.equal(await received(ip.id), '300')
  const [ev] = partialEvents(ip.id)
  assert.equal(ev.data.dataFromSender, 'order 42 \u00e9')
  assert.match(ev.data.partialIncomingPaymentId, /^[0-9a-f-]{36}$/)
  assert.equal(ev.data.receivedAmount.value, '0', 'Rafiki sends the payment as toData(0)')
  assert.equal(ev.data.metadata.tag, 'p1')
  validate(ev)
  // a packet without data is fulfilled with no decision
  const plain = await streamReply(ip.keys, await sendIlp(await dataPrepare(ip.keys, 200, 10000, '')))
  assert.equal(plain.type, 'fulfill')
  assert.equal(await received(ip.id), '500')
  assert.equal(partialEvents(ip.id).length, 1)
  // packets at once, each held for its own decision: all answered
  const t0 = Date.now()
  const replies = await Promise.all(Array.from({ length: 8 }, async (_, i) =>
    streamReply(ip.keys, await sendIlp(await dataPrepare(ip.keys, 10, 10000, `part ${i}`)))))
  assert.deepEqual(replies.map((r) => r.type), Array(8).fill('fulfill'))
  assert.ok(Date.now() - t0 < MAX_WAIT_MS, 'answered as soon as confirmed')
  assert.equal(await received(ip.id), '580')
  assert.deepEqual(partialEvents(ip.id).map((e) => e.data.dataFromSender).sort(), ['order 42 \u00e9', ...Array.from({ length: 8 }, (_, i) => `part ${i}`)].sort())
  await sleep(500) // a pass or two of the incoming payment worker
  const all = backend.events.filter((e) => e.type === 'incoming_payment.partial_payment_received' && e.data.id === ip.id)
  assert.equal(all.length, 9, 'with the decision on, partial events are the decision\'s only, as Rafiki\'s')
  assert.deepEqual(backend.problems, [])
})

test('partial payments: reject and no answer decline F99 with the reason; no money moves', async () => {
  const ip = await payable('p2', 'reject')
  const before = await peerBalance()
  assertDeclined(await streamReply(ip.keys, await sendIlp(await dataPrepare(ip.keys, 300, 10000, 'wrong order'))), 'data mismatch')
  assert.equal(await received(ip.id), '0')
  assert.equal(await peerBalance(), before, 'the sender is not debited')

  const silent = await payable('p3', 'none')
  const t0 = Date.now()
  assertDeclined(await streamReply(silent.keys, await sendIlp(await dataPrepare(silent.keys, 300, 10000, 'hello?'))), 'No response from receiving ASE')
  const waited = Date.now() - t0
  assert.ok(waited >= MAX_WAIT_MS - 100 && waited < MAX_WAIT_MS + 2000, `PARTIAL_PAYMENT_DECISION_MAX_WAIT_MS bounds the wait: ${waited} ms`)
  // a packet expiring sooner waits until its expiry less the safety margin (100 ms)
  const t1 = Date.now()
  assertDeclined(await streamReply(silent.keys, await sendIlp(await dataPrepare(silent.keys, 300, 1200, 'quick?'))), 'No response from receiving ASE')
  assert.ok(Date.now() - t1 < 2000, `bounded by the expiry: ${Date.now() - t1} ms`)
  assert.equal(await received(silent.id), '0')
  assert.equal(await peerBalance(), before)
  // the wallet may still answer late: nothing waits for it any more
  const [late] = partialEvents(silent.id)
  assert.equal((await gql.request(Q.confirm, { input: { incomingPaymentId: silent.id, partialIncomingPaymentId: late.data.partialIncomingPaymentId } })).confirmPartialIncomingPayment.success, true)
  assert.deepEqual(backend.problems, [])
})

test('partial payments: Rafiki\'s errors for unknown and ended payments', async () => {
  const ids = { incomingPaymentId: randomUUID(), partialIncomingPaymentId: randomUUID() }
  for (const doc of [Q.confirm, Q.reject]) {
    const unknown = await failure(doc, { input: ids })
    assert.deepEqual([unknown.code, unknown.message], ['NOT_FOUND', 'unknown payment'])
  }
  const ip = await payable('p4', 'none')
  await node.admin('POST', `/incoming-payments/${ip.id}/complete`)
  for (const doc of [Q.confirm, Q.reject]) {
    const ended = await failure(doc, { input: { ...ids, incomingPaymentId: ip.id } })
    assert.deepEqual([ended.code, ended.message], ['BAD_USER_INPUT', 'invalid state'])
  }
})
