// Rafiki's Admin GraphQL API, the wallet address / incoming payment / quote / outgoing payment
// operations, driven through POST /graphql of a real `rafiki serve` with graphql-request as a
// Rafiki operator's backend drives it (signed, tenant-id header; every document validated
// against Rafiki's published SDL by lib/gql.mjs): the local payment flow to COMPLETED, receivers,
// keys, Relay pages both ways, filters, and Rafiki's errors for bad input with nothing changed.
// On a temp SQLite file, or on a database of its own on TEST_POSTGRES_URL when it is set
// (scripts/with-services.sh), so the list queries run on both.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient, ClientError } from './lib/gql.mjs'
import { pgUrl, psql } from './lib/pg.mjs'

const SECRET = 'gql-payments-secret-0123456789'
const TENANT = randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-gql-payments-'))
let node, gql, opUrl, usd, dbName

before(async () => {
  // our ledger holds the payer's balance here (Rafiki's model is the default with a tenant id;
  // its flow has its own test below)
  const env = { OPERATOR_TENANT_ID: TENANT, FUNDING_MODEL: 'ledger' }
  const pg = process.env.TEST_POSTGRES_URL
  if (pg) {
    dbName = `gql_payments_${process.pid}`
    psql(pg, `CREATE DATABASE ${dbName}`)
    env.DATABASE_URL = pgUrl(pg, dbName)
  }
  node = await startServe({ dir, name: 'gp', ilp: 'test.gp', secret: SECRET, env })
  gql = gqlClient({ url: `http://127.0.0.1:${node.ports.admin}/graphql`, secret: SECRET, tenantId: TENANT })
  opUrl = `http://localhost:${node.ports.op}`
  usd = await node.admin('POST', '/assets', { code: 'USD', scale: 2 })
})

let remote // a second instance, for receivers at another instance's wallet address
let rafiki // a third, under Rafiki's funding model

after(() => {
  node?.proc.kill('SIGKILL')
  remote?.proc.kill('SIGKILL')
  rafiki?.proc.kill('SIGKILL')
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
    return { code: err.extensions?.code, message: err.message }
  }
  assert.fail('the request succeeded')
}

const CREATE_WA = `mutation CreateWalletAddress($input: CreateWalletAddressInput!) {
  createWalletAddress(input: $input) {
    walletAddress { id address publicName status createdAt liquidity
      asset { id code scale }
      additionalProperties { key value visibleInOpenPayments } }
  }
}`

async function createWallet (address, extra = {}) {
  const d = await gql.request(CREATE_WA, { input: { assetId: usd.id, address, ...extra } })
  await sleep(3) // creation order is the lists' order
  return d.createWalletAddress.walletAddress
}

// Money into a wallet address's account (the REST admin API; GraphQL has no such operation).
async function deposit (walletId, amount) {
  const w = await node.admin('GET', `/wallet-addresses/${walletId}`)
  await node.admin('POST', `/accounts/${w.account_id}/deposits`, { id: randomUUID(), amount })
}

async function countWallets () {
  const d = await gql.request('query { walletAddresses(first: 100) { edges { cursor } } }')
  return d.walletAddresses.edges.length
}

test('wallet addresses: create, read by id and URL, update, Rafiki\'s errors', async () => {
  const key = randomUUID()
  const w = await createWallet('Alice', {
    publicName: 'Alice',
    idempotencyKey: key,
    additionalProperties: [
      { key: ' iban ', value: 'NL00', visibleInOpenPayments: true },
      { key: 'blank', value: '  ', visibleInOpenPayments: false },
      { key: 'internal', value: 'vip', visibleInOpenPayments: false }
    ]
  })
  assert.equal(w.address, `${opUrl}/alice`)
  assert.equal(w.status, 'ACTIVE')
  assert.equal(w.publicName, 'Alice')
  assert.equal(w.liquidity, '0')
  assert.deepEqual(w.asset, { id: usd.id, code: 'USD', scale: 2 })
  assert.deepEqual(w.additionalProperties, [
    { key: 'iban', value: 'NL00', visibleInOpenPayments: true },
    { key: 'internal', value: 'vip', visibleInOpenPayments: false }
  ])
  assert.match(w.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  // the same idempotencyKey with the same input replays the first answer (no DUPLICATE)
  const again = await gql.request(CREATE_WA, {
    input: {
      assetId: usd.id,
      address: 'Alice',
      publicName: 'Alice',
      idempotencyKey: key,
      additionalProperties: [
        { key: ' iban ', value: 'NL00', visibleInOpenPayments: true },
        { key: 'blank', value: '  ', visibleInOpenPayments: false },
        { key: 'internal', value: 'vip', visibleInOpenPayments: false }
      ]
    }
  })
  assert.equal(again.createWalletAddress.walletAddress.id, w.id)

  // the visible property is in the Open Payments document, the other one is not
  const doc = await (await fetch(w.address, { headers: { Accept: 'application/json' } })).json()
  assert.deepEqual(doc.additionalProperties, { iban: 'NL00' })

  // the asset as Rafiki shows it, with the liquidity threshold an operator set on it
  await node.admin('PUT', `/assets/${usd.id}/liquidity-threshold`, { threshold: '1000' })
  const a = await gql.request('query($id: String!) { walletAddress(id: $id) { asset { id code scale createdAt liquidityThreshold withdrawalThreshold } } }', { id: w.id })
  assert.deepEqual({ ...a.walletAddress.asset, createdAt: undefined },
    { id: usd.id, code: 'USD', scale: 2, createdAt: undefined, liquidityThreshold: '1000', withdrawalThreshold: null })
  assert.match(a.walletAddress.asset.createdAt, /Z$/)

  const read = await gql.request(`query Read($id: String!, $url: String!) {
    walletAddress(id: $id) { id address }
    walletAddressByUrl(url: $url) { id }
  }`, { id: w.id, url: w.address })
  assert.equal(read.walletAddress.address, w.address)
  assert.equal(read.walletAddressByUrl.id, w.id)
  const none = await gql.request('query($url: String!) { walletAddressByUrl(url: $url) { id } }', { url: `${opUrl}/nobody` })
  assert.equal(none.walletAddressByUrl, null)

  const before = await countWallets()
  assert.deepEqual(await failure(CREATE_WA, { input: { assetId: usd.id, address: 'alice' } }),
    { code: 'DUPLICATE', message: 'Duplicate wallet address found with the same url' })
  assert.deepEqual(await failure(CREATE_WA, { input: { assetId: randomUUID(), address: 'carol' } }),
    { code: 'BAD_USER_INPUT', message: 'unknown asset' })
  assert.deepEqual(await failure(CREATE_WA, { input: { assetId: usd.id, address: 'https://elsewhere.example/carol' } }),
    { code: 'BAD_USER_INPUT', message: 'invalid url' })
  assert.deepEqual(await failure('query($id: String!) { walletAddress(id: $id) { id } }', { id: randomUUID() }),
    { code: 'NOT_FOUND', message: 'unknown wallet address' })
  assert.equal(await countWallets(), before, 'refused creates change nothing')

  const UPDATE = `mutation Update($input: UpdateWalletAddressInput!) {
    updateWalletAddress(input: $input) { walletAddress { id status publicName additionalProperties { key } } }
  }`
  const u = await gql.request(UPDATE, { input: { id: w.id, publicName: 'Alice B', status: 'INACTIVE', additionalProperties: [] } })
  assert.deepEqual(u.updateWalletAddress.walletAddress, { id: w.id, status: 'INACTIVE', publicName: 'Alice B', additionalProperties: [] })
  assert.deepEqual(await failure(UPDATE, { input: { id: randomUUID(), publicName: 'x' } }),
    { code: 'NOT_FOUND', message: 'Unknown wallet address' })
  assert.deepEqual(await failure(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id } } }`,
    { input: { walletAddressId: w.id } }), { code: 'INACTIVE', message: 'inactive wallet address' })
  await gql.request(UPDATE, { input: { id: w.id, status: 'ACTIVE' } })

  const t = await gql.request('mutation { triggerWalletAddressEvents(input: { limit: 10 }) { count } }')
  assert.equal(t.triggerWalletAddressEvents.count, 0)
  const who = await gql.request('query { whoami { id isOperator } }')
  assert.deepEqual(who.whoami, { id: TENANT, isOperator: true })
})

test('wallet address keys: create, list, revoke, duplicates', async () => {
  const w = await createWallet('keyholder')
  const CREATE = `mutation Key($input: CreateWalletAddressKeyInput!) {
    createWalletAddressKey(input: $input) { walletAddressKey { id walletAddressId revoked createdAt jwk { kid x alg kty crv } } }
  }`
  const jwk = { kid: 'key-1', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519' }
  const k = (await gql.request(CREATE, { input: { walletAddressId: w.id, jwk } })).createWalletAddressKey.walletAddressKey
  assert.deepEqual(k.jwk, jwk)
  assert.equal(k.walletAddressId, w.id)
  assert.equal(k.revoked, false)
  assert.deepEqual(await failure(CREATE, { input: { walletAddressId: w.id, jwk } }), { code: 'DUPLICATE', message: 'Key already exists' })

  const list = await gql.request(`query($id: String!) { walletAddress(id: $id) {
    walletAddressKeys { edges { cursor node { id revoked } } pageInfo { hasNextPage hasPreviousPage } } } }`, { id: w.id })
  assert.deepEqual(list.walletAddress.walletAddressKeys.edges, [{ cursor: k.id, node: { id: k.id, revoked: false } }])

  const REVOKE = `mutation Revoke($input: RevokeWalletAddressKeyInput!) {
    revokeWalletAddressKey(input: $input) { walletAddressKey { id revoked } } }`
  const r = await gql.request(REVOKE, { input: { id: k.id } })
  assert.deepEqual(r.revokeWalletAddressKey.walletAddressKey, { id: k.id, revoked: true })
  assert.deepEqual(await failure(REVOKE, { input: { id: randomUUID() } }), { code: 'NOT_FOUND', message: 'Wallet address key not found' })
})

test('walletAddresses: Relay pages forward and backward in both orders', async () => {
  const ids = []
  for (let i = 0; i < 5; i++) ids.push((await createWallet(`page-${i}`)).id)
  const PAGE = `query Page($first: Int, $after: String, $last: Int, $before: String, $order: SortOrder) {
    walletAddresses(first: $first, after: $after, last: $last, before: $before, sortOrder: $order) {
      edges { cursor node { id } }
      pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
    }
  }`
  // newest first (Rafiki's default): the five just made lead
  const desc = (await gql.request(PAGE, { first: 2 })).walletAddresses
  assert.deepEqual(desc.edges.map((e) => e.cursor), [ids[4], ids[3]])
  assert.equal(desc.pageInfo.hasNextPage, true)
  assert.equal(desc.pageInfo.hasPreviousPage, false)
  const next = (await gql.request(PAGE, { first: 2, after: desc.pageInfo.endCursor })).walletAddresses
  assert.deepEqual(next.edges.map((e) => e.cursor), [ids[2], ids[1]])
  assert.equal(next.pageInfo.hasPreviousPage, true)
  const back = (await gql.request(PAGE, { last: 2, before: next.pageInfo.startCursor })).walletAddresses
  assert.deepEqual(back.edges.map((e) => e.cursor), [ids[4], ids[3]])
  // oldest first, backward from the last one made
  const asc = (await gql.request(PAGE, { last: 3, before: ids[4], order: 'ASC' })).walletAddresses
  assert.deepEqual(asc.edges.map((e) => e.cursor), [ids[1], ids[2], ids[3]])
  assert.equal(asc.pageInfo.hasNextPage, true)
  assert.deepEqual(await failure(PAGE, { last: 2 }), { code: 'INTERNAL_SERVER_ERROR', message: "Can't paginate backwards from the start." })
  assert.deepEqual(await failure(PAGE, { first: 101 }), { code: 'INTERNAL_SERVER_ERROR', message: 'Pagination index error' })
})

const PAYMENT_FIELDS = `id walletAddressId state receiver error stateAttempts metadata createdAt grantId client liquidity
  debitAmount { value assetCode assetScale } receiveAmount { value assetCode assetScale } sentAmount { value assetCode assetScale }
  quote { id receiver }`

test('the local payment flow: incoming payment, quote, outgoing payment until COMPLETED', async () => {
  const alice = await createWallet('payer')
  const bob = await createWallet('payee')
  await deposit(alice.id, '10000')

  const ip = (await gql.request(`mutation Incoming($input: CreateIncomingPaymentInput!) {
    createIncomingPayment(input: $input) { payment { id url walletAddressId state expiresAt metadata client liquidity senderWalletAddress
      incomingAmount { value assetCode assetScale } receivedAmount { value assetCode assetScale } } } }`,
  { input: { walletAddressId: bob.id, incomingAmount: { value: '500', assetCode: 'USD', assetScale: 2 }, metadata: { order: '42' }, senderWalletAddress: alice.address, idempotencyKey: randomUUID() } })).createIncomingPayment.payment
  assert.equal(ip.senderWalletAddress, alice.address)
  assert.equal(ip.state, 'PENDING')
  assert.equal(ip.url, `${opUrl}/incoming-payments/${ip.id}`)
  assert.deepEqual(ip.incomingAmount, { value: '500', assetCode: 'USD', assetScale: 2 })
  assert.deepEqual(ip.receivedAmount, { value: '0', assetCode: 'USD', assetScale: 2 })
  assert.deepEqual(ip.metadata, { order: '42' })
  assert.equal(ip.client, null)

  const quote = (await gql.request(`mutation Quote($input: CreateQuoteInput!) {
    createQuote(input: $input) { quote { id tenantId walletAddressId receiver createdAt expiresAt
      debitAmount { value assetCode assetScale } receiveAmount { value assetCode assetScale } } } }`,
  { input: { walletAddressId: alice.id, receiver: ip.url } })).createQuote.quote
  assert.equal(quote.receiver, ip.url)
  assert.equal(quote.tenantId, TENANT)
  assert.deepEqual(quote.receiveAmount, { value: '500', assetCode: 'USD', assetScale: 2 })
  assert.ok(BigInt(quote.debitAmount.value) >= 500n)
  assert.ok(Date.parse(quote.expiresAt) > Date.parse(quote.createdAt))
  const q2 = await gql.request('query($id: String!) { quote(id: $id) { id receiver } }', { id: quote.id })
  assert.deepEqual(q2.quote, { id: quote.id, receiver: ip.url })

  const CREATE = `mutation Pay($input: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $input) { payment { ${PAYMENT_FIELDS} } } }`
  const pay = (await gql.request(CREATE, { input: { walletAddressId: alice.id, quoteId: quote.id, metadata: { memo: 'rent' } } })).createOutgoingPayment.payment
  assert.equal(pay.receiver, ip.url)
  assert.equal(pay.quote.id, quote.id)
  assert.deepEqual(pay.metadata, { memo: 'rent' })
  assert.deepEqual(await failure(CREATE, { input: { walletAddressId: alice.id, quoteId: quote.id } }),
    { code: 'BAD_USER_INPUT', message: 'invalid quote' }, 'a quote pays once')

  let done
  for (let i = 0; i < 100; i++) {
    done = (await gql.request(`query($id: String!) { outgoingPayment(id: $id) { ${PAYMENT_FIELDS} } }`, { id: pay.id })).outgoingPayment
    if (done.state === 'COMPLETED' || done.state === 'FAILED') break
    await sleep(100)
  }
  assert.equal(done.state, 'COMPLETED', JSON.stringify(done))
  assert.deepEqual(done.sentAmount, { value: '500', assetCode: 'USD', assetScale: 2 })
  assert.equal(done.liquidity, '0') // our ledger model: what was left went back to the wallet
  const paid = (await gql.request('query($id: String!) { incomingPayment(id: $id) { state receivedAmount { value } } }', { id: ip.id })).incomingPayment
  assert.deepEqual(paid, { state: 'COMPLETED', receivedAmount: { value: '500' } })
  const wa = (await gql.request('query($id: String!) { walletAddress(id: $id) { liquidity } }', { id: alice.id })).walletAddress
  assert.equal(BigInt(wa.liquidity), 10000n - BigInt(quote.debitAmount.value))

  assert.deepEqual(await failure(`mutation Cancel($input: CancelOutgoingPaymentInput!) { cancelOutgoingPayment(input: $input) { payment { id } } }`,
    { input: { id: pay.id } }), { code: 'CONFLICT', message: 'wrong state' })

  // the lists, filtered
  const lists = await gql.request(`query Lists($wa: [String!], $rcv: [String!]) {
    outgoingPayments(filter: { walletAddressId: { in: $wa }, state: { in: ["COMPLETED"] }, receiver: { in: $rcv } }) { edges { node { id state } } }
    incomingPayments(filter: { initiatedBy: { in: ["ADMIN"] } }, first: 100) { edges { node { id } } }
    payments(filter: { walletAddressId: { in: $wa }, type: { notIn: ["INCOMING"] } }) { edges { node { __typename id type state walletAddressId liquidity client metadata } } }
  }`, { wa: [alice.id], rcv: [ip.url] })
  assert.deepEqual(lists.outgoingPayments.edges, [{ node: { id: pay.id, state: 'COMPLETED' } }])
  assert.ok(lists.incomingPayments.edges.some((e) => e.node.id === ip.id))
  assert.deepEqual(lists.payments.edges.map((e) => [e.node.__typename, e.node.type, e.node.state]), [['Payment', 'OUTGOING', 'COMPLETED']])

  const own = await gql.request(`query($id: String!) { walletAddress(id: $id) {
    quotes { edges { node { id } } }
    outgoingPayments { edges { node { id } } }
    incomingPayments { edges { node { id } } } } }`, { id: bob.id })
  assert.deepEqual(own.walletAddress.incomingPayments.edges, [{ node: { id: ip.id } }])
  assert.deepEqual(own.walletAddress.outgoingPayments.edges, [])
})

test('outgoing payments from an incoming payment, cancel in FUNDING, errors change nothing', async () => {
  const payer = await createWallet('broke')
  const payee = await createWallet('shop')
  const ip = (await gql.request(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { url } } }`,
    { input: { walletAddressId: payee.id, incomingAmount: { value: '300', assetCode: 'USD', assetScale: 2 } } })).createIncomingPayment.payment
  const FROM = `mutation From($input: CreateOutgoingPaymentFromIncomingPaymentInput!) {
    createOutgoingPaymentFromIncomingPayment(input: $input) { payment { ${PAYMENT_FIELDS} } } }`
  const p = (await gql.request(FROM, { input: { walletAddressId: payer.id, incomingPayment: ip.url, debitAmount: { value: '300', assetCode: 'USD', assetScale: 2 } } }))
    .createOutgoingPaymentFromIncomingPayment.payment
  assert.equal(p.state, 'FUNDING') // nothing in the payer's wallet
  assert.equal(p.receiver, ip.url)
  const c = await gql.request(`mutation($input: CancelOutgoingPaymentInput!) { cancelOutgoingPayment(input: $input) { payment { id state metadata } } }`,
    { input: { id: p.id, reason: 'changed my mind' } })
  assert.deepEqual(c.cancelOutgoingPayment.payment, { id: p.id, state: 'CANCELLED', metadata: { cancellationReason: 'changed my mind' } })

  const payments = async () => (await gql.request('query { payments(first: 100) { edges { cursor } } }')).payments.edges.length
  const n = await payments()
  assert.deepEqual(await failure(FROM, { input: { walletAddressId: payer.id, incomingPayment: `${opUrl}/incoming-payments/${randomUUID()}` } }),
    { code: 'BAD_USER_INPUT', message: 'invalid receiver' })
  assert.deepEqual(await failure(FROM, { input: { walletAddressId: randomUUID(), incomingPayment: ip.url } }),
    { code: 'NOT_FOUND', message: 'unknown wallet address' })
  assert.deepEqual(await failure(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } } }`,
    { input: { walletAddressId: payer.id, receiver: ip.url, debitAmount: { value: '5', assetCode: 'USD', assetScale: 2 }, receiveAmount: { value: '5', assetCode: 'USD', assetScale: 2 } } }),
  { code: 'BAD_USER_INPUT', message: 'invalid amount' })
  assert.deepEqual(await failure(`mutation($input: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $input) { payment { id } } }`,
    { input: { walletAddressId: payer.id, quoteId: randomUUID() } }), { code: 'NOT_FOUND', message: 'unknown quote' })
  assert.deepEqual(await failure(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id } } }`,
    { input: { walletAddressId: payee.id, incomingAmount: { value: '5', assetCode: 'EUR', assetScale: 2 } } }), { code: 'BAD_USER_INPUT', message: 'invalid amount' })
  assert.deepEqual(await failure(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id } } }`,
    { input: { walletAddressId: payee.id, expiresAt: '2001-01-01T00:00:00.000Z' } }), { code: 'BAD_USER_INPUT', message: 'invalid expiresAt' })
  assert.deepEqual(await failure('query($id: String!) { outgoingPayment(id: $id) { id } }', { id: randomUUID() }), { code: 'NOT_FOUND', message: 'payment does not exist' })
  assert.deepEqual(await failure('query($id: String!) { incomingPayment(id: $id) { id } }', { id: randomUUID() }), { code: 'NOT_FOUND', message: 'payment does not exist' })
  assert.deepEqual(await failure('query($id: String!) { quote(id: $id) { id } }', { id: randomUUID() }), { code: 'NOT_FOUND', message: 'quote does not exist' })
  assert.equal(await payments(), n, 'refused operations change nothing')
  assert.deepEqual(await failure('mutation { approveIncomingPayment(input: { id: "x" }) { payment { id } } }'), { code: 'NOT_FOUND', message: 'unknown payment' })
})

test('receivers: create at a local wallet address, read, complete; metadata update', async () => {
  const shop = await createWallet('receiver-shop')
  const CREATE = `mutation Receiver($input: CreateReceiverInput!) { createReceiver(input: $input) { receiver {
    id walletAddressUrl completed expiresAt metadata createdAt incomingAmount { value assetCode assetScale } receivedAmount { value assetCode assetScale } } } }`
  const r = (await gql.request(CREATE, { input: { walletAddressUrl: shop.address, incomingAmount: { value: '77', assetCode: 'USD', assetScale: 2 }, metadata: { k: 'v' } } })).createReceiver.receiver
  assert.match(r.id, new RegExp(`^${opUrl}/incoming-payments/[0-9a-f-]{36}$`))
  assert.equal(r.walletAddressUrl, shop.address)
  assert.equal(r.completed, false)
  assert.deepEqual(r.incomingAmount, { value: '77', assetCode: 'USD', assetScale: 2 })
  assert.deepEqual(r.metadata, { k: 'v' })
  assert.deepEqual(await failure(CREATE, { input: { walletAddressUrl: `${opUrl}/nobody` } }), { code: 'NOT_FOUND', message: 'unknown wallet address' })

  const read = await gql.request('query($id: String!) { receiver(id: $id) { id completed receivedAmount { value } } }', { id: r.id })
  assert.deepEqual(read.receiver, { id: r.id, completed: false, receivedAmount: { value: '0' } })
  const COMPLETE = 'mutation($input: CompleteReceiverInput!) { completeReceiver(input: $input) { receiver { id completed } } }'
  const c = await gql.request(COMPLETE, { input: { incomingPaymentUrl: r.id } })
  assert.deepEqual(c.completeReceiver.receiver, { id: r.id, completed: true })
  assert.deepEqual(await failure(COMPLETE, { input: { incomingPaymentUrl: r.id } }), { code: 'CONFLICT', message: 'wrong state' })
  assert.deepEqual(await failure('query($id: String!) { receiver(id: $id) { id } }', { id: `${opUrl}/incoming-payments/${randomUUID()}` }),
    { code: 'NOT_FOUND', message: 'receiver does not exist' })

  const id = r.id.split('/').pop()
  const u = await gql.request(`mutation($input: UpdateIncomingPaymentInput!) { updateIncomingPayment(input: $input) { payment { id metadata state } } }`,
    { input: { id, metadata: { note: 'thanks' } } })
  assert.deepEqual(u.updateIncomingPayment.payment, { id, metadata: { note: 'thanks' }, state: 'COMPLETED' })
  assert.deepEqual(await failure(`mutation($input: UpdateIncomingPaymentInput!) { updateIncomingPayment(input: $input) { payment { id } } }`,
    { input: { id: randomUUID(), metadata: {} } }), { code: 'NOT_FOUND', message: 'unknown payment' })
})

test('receivers at another instance: created there through Open Payments, read back', async () => {
  remote = await startServe({ dir, name: 'gr', ilp: 'test.gr', secret: SECRET, env: { OPERATOR_TENANT_ID: TENANT, FUNDING_MODEL: 'ledger' } })
  const remoteGql = gqlClient({ url: `http://127.0.0.1:${remote.ports.admin}/graphql`, secret: SECRET, tenantId: TENANT })
  const eur = await remote.admin('POST', '/assets', { code: 'EUR', scale: 2 })
  const shop = (await remoteGql.request(CREATE_WA, { input: { assetId: eur.id, address: 'far-shop' } })).createWalletAddress.walletAddress
  assert.equal(shop.address, `http://localhost:${remote.ports.op}/far-shop`)

  const CREATE = `mutation Receiver($input: CreateReceiverInput!) { createReceiver(input: $input) { receiver {
    id walletAddressUrl completed expiresAt metadata createdAt incomingAmount { value assetCode assetScale } receivedAmount { value assetCode assetScale } } } }`
  const r = (await gql.request(CREATE, { input: { walletAddressUrl: shop.address, incomingAmount: { value: '250', assetCode: 'EUR', assetScale: 2 }, metadata: { invoice: 'A-1' } } })).createReceiver.receiver
  assert.match(r.id, new RegExp(`^http://localhost:${remote.ports.op}/incoming-payments/[0-9a-f-]{36}$`))
  assert.equal(r.walletAddressUrl, shop.address)
  assert.equal(r.completed, false)
  assert.deepEqual(r.incomingAmount, { value: '250', assetCode: 'EUR', assetScale: 2 })
  assert.deepEqual(r.receivedAmount, { value: '0', assetCode: 'EUR', assetScale: 2 })
  assert.deepEqual(r.metadata, { invoice: 'A-1' })

  // it exists at the other instance, and this one reads it back through Open Payments
  const there = await remoteGql.request('query($id: String!) { incomingPayment(id: $id) { id url walletAddressId state } }', { id: r.id.split('/').pop() })
  assert.deepEqual(there.incomingPayment, { id: r.id.split('/').pop(), url: r.id, walletAddressId: shop.id, state: 'PENDING' })
  const back = await gql.request('query($id: String!) { receiver(id: $id) { id walletAddressUrl completed incomingAmount { value } } }', { id: r.id })
  assert.deepEqual(back.receiver, { id: r.id, walletAddressUrl: shop.address, completed: false, incomingAmount: { value: '250' } })

  // completed there through Open Payments; a second time the other instance refuses it
  const COMPLETE = 'mutation($input: CompleteReceiverInput!) { completeReceiver(input: $input) { receiver { id completed } } }'
  const done = await gql.request(COMPLETE, { input: { incomingPaymentUrl: r.id } })
  assert.deepEqual(done.completeReceiver.receiver, { id: r.id, completed: true })
  const after = await remoteGql.request('query($id: String!) { incomingPayment(id: $id) { state } }', { id: r.id.split('/').pop() })
  assert.equal(after.incomingPayment.state, 'COMPLETED')
  assert.deepEqual(await failure(COMPLETE, { input: { incomingPaymentUrl: r.id } }),
    { code: 'BAD_USER_INPUT', message: 'invalid remote incoming payment request' })
  assert.deepEqual(await failure(COMPLETE, { input: { incomingPaymentUrl: `http://localhost:${remote.ports.op}/incoming-payments/${randomUUID()}` } }),
    { code: 'NOT_FOUND', message: 'unknown payment' })

  assert.deepEqual(await failure(CREATE, { input: { walletAddressUrl: `http://localhost:${remote.ports.op}/nobody` } }),
    { code: 'NOT_FOUND', message: 'unknown wallet address' })
  assert.deepEqual(await failure('query($id: String!) { receiver(id: $id) { id } }', { id: `http://localhost:${remote.ports.op}/incoming-payments/${randomUUID()}` }),
    { code: 'NOT_FOUND', message: 'receiver does not exist' })
})

test('under Rafiki\'s funding model: FUNDING until the wallet deposits, liquidity where Rafiki keeps it', async () => {
  rafiki = await startServe({ dir, name: 'gf', ilp: 'test.gf', secret: SECRET, env: { OPERATOR_TENANT_ID: TENANT, FUNDING_MODEL: 'rafiki' } })
  const rgql = gqlClient({ url: `http://127.0.0.1:${rafiki.ports.admin}/graphql`, secret: SECRET, tenantId: TENANT })
  const asset = await rafiki.admin('POST', '/assets', { code: 'USD', scale: 2 })
  const make = async (address) => (await rgql.request(CREATE_WA, { input: { assetId: asset.id, address } })).createWalletAddress.walletAddress
  const payer = await make('rf-payer')
  const payee = await make('rf-payee')
  const ip = (await rgql.request(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id url } } }`,
    { input: { walletAddressId: payee.id, incomingAmount: { value: '400', assetCode: 'USD', assetScale: 2 } } })).createIncomingPayment.payment
  const quote = (await rgql.request(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id debitAmount { value } } } }`,
    { input: { walletAddressId: payer.id, receiver: ip.url } })).createQuote.quote
  const pay = (await rgql.request(`mutation($input: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $input) { payment { id state liquidity } } }`,
    { input: { walletAddressId: payer.id, quoteId: quote.id } })).createOutgoingPayment.payment
  assert.equal(pay.state, 'FUNDING')
  assert.equal(pay.liquidity, '0')
  await sleep(300)
  const waiting = (await rgql.request('query($id: String!) { outgoingPayment(id: $id) { state } }', { id: pay.id })).outgoingPayment
  assert.equal(waiting.state, 'FUNDING', 'nothing is sent before the deposit')

  await rafiki.admin('POST', `/outgoing-payments/${pay.id}/deposit`, {})
  let done
  for (let i = 0; i < 100; i++) {
    done = (await rgql.request('query($id: String!) { outgoingPayment(id: $id) { state liquidity sentAmount { value } } }', { id: pay.id })).outgoingPayment
    if (done.state === 'COMPLETED' || done.state === 'FAILED') break
    await sleep(100)
  }
  assert.equal(done.state, 'COMPLETED', JSON.stringify(done))
  // what the payment kept (its fee and any rest) stays in its account until withdrawn
  assert.equal(BigInt(done.liquidity), BigInt(quote.debitAmount.value) - 400n)
  // what the incoming payment received stays in it until the wallet withdraws it
  const got = (await rgql.request(`query($id: String!) { incomingPayment(id: $id) { state liquidity } payments(filter: { type: { in: ["INCOMING"] } }) { edges { node { id liquidity } } } }`,
    { id: ip.id }))
  assert.deepEqual(got.incomingPayment, { state: 'COMPLETED', liquidity: '400' })
  assert.deepEqual(got.payments.edges.find((e) => e.node.id === ip.id).node.liquidity, '400')
  const wallet = (await rgql.request('query($id: String!) { walletAddress(id: $id) { liquidity } }', { id: payee.id })).walletAddress
  assert.equal(wallet.liquidity, '0', 'nothing was swept into the wallet address')
})
