// The payment flows a Rafiki wallet's backend relies on, driven only by Rafiki's Admin GraphQL
// API and its webhooks, in Rafiki's funding model (FUNDING_MODEL=rafiki): two instances, each
// with a "wallet backend" here that seeds it through GraphQL (assets, peers, liquidity, wallet
// addresses) and answers its webhooks as a Rafiki wallet does: on outgoing_payment.created it
// deposits the payment's liquidity (depositOutgoingPaymentLiquidity); on
// incoming_payment.completed it withdraws what arrived (createIncomingPaymentWithdrawal, then
// postLiquidityWithdrawal with the event's id). Payments: local (A to A), remote (A to B, USD)
// and cross-currency (A USD to B EUR), each createReceiver -> createQuote ->
// createOutgoingPayment, followed until COMPLETED with the exact amounts Rafiki would show.
// Every document is validated against Rafiki's SDL before it is sent (lib/gql.mjs).
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient } from './lib/gql.mjs'

const dir = mkdtempSync(join(tmpdir(), 'rafiki-gql-flow-'))
const procs = []
const servers = []
after(() => {
  for (const p of procs) p.kill('SIGKILL')
  for (const s of servers) s.close()
  rmSync(dir, { recursive: true, force: true })
})

const Q = {
  createAsset: `mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id code scale } } }`,
  depositAssetLiquidity: `mutation($input: DepositAssetLiquidityInput!) { depositAssetLiquidity(input: $input) { success } }`,
  createPeer: `mutation($input: CreatePeerInput!) { createPeer(input: $input) { peer { id staticIlpAddress liquidity asset { code } } } }`,
  createWalletAddress: `mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id address status asset { code scale } } } }`,
  createReceiver: `mutation($input: CreateReceiverInput!) { createReceiver(input: $input) { receiver { id walletAddressUrl completed incomingAmount { value assetCode assetScale } receivedAmount { value assetCode assetScale } } } }`,
  createQuote: `mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id walletAddressId receiver debitAmount { value assetCode assetScale } receiveAmount { value assetCode assetScale } expiresAt } } }`,
  createOutgoingPayment: `mutation($input: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $input) { payment { id state debitAmount { value } receiveAmount { value } sentAmount { value } } } }`,
  outgoingPayment: `query($id: String!) { outgoingPayment(id: $id) { id state error debitAmount { value assetCode } receiveAmount { value assetCode } sentAmount { value assetCode } liquidity } }`,
  incomingPayment: `query($id: String!) { incomingPayment(id: $id) { id state receivedAmount { value assetCode } liquidity } }`,
  deposit: `mutation($input: DepositOutgoingPaymentLiquidityInput!) { depositOutgoingPaymentLiquidity(input: $input) { success } }`,
  withdraw: `mutation($input: CreateIncomingPaymentWithdrawalInput!) { createIncomingPaymentWithdrawal(input: $input) { success } }`,
  post: `mutation($input: PostLiquidityWithdrawalInput!) { postLiquidityWithdrawal(input: $input) { success } }`
}

// A wallet backend: the webhook receiver of one instance, acting on events through GraphQL.
async function walletBackend (name) {
  const w = { name, events: [], problems: [], deposits: 0, withdrawals: 0 }
  w.server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', async () => {
      res.writeHead(200).end()
      const ev = JSON.parse(body)
      w.events.push(ev)
      try {
        if (ev.type === 'outgoing_payment.created') {
          await w.gql.request(Q.deposit, { input: { outgoingPaymentId: ev.data.id, idempotencyKey: randomUUID() } })
          w.deposits++
        } else if (ev.type === 'incoming_payment.completed') {
          await w.gql.request(Q.withdraw, { input: { incomingPaymentId: ev.data.id, idempotencyKey: randomUUID(), timeoutSeconds: '60' } })
          await w.gql.request(Q.post, { input: { withdrawalId: ev.id, idempotencyKey: randomUUID() } })
          w.withdrawals++
        }
      } catch (e) {
        w.problems.push(`${ev.type}: ${e.message}`)
      }
    })
  })
  servers.push(w.server)
  await new Promise((resolve) => w.server.listen(0, '127.0.0.1', resolve))
  w.url = `http://127.0.0.1:${w.server.address().port}/webhooks`
  return w
}

async function instance (name, env = {}) {
  const secret = `gql-flow-${name}-` + randomUUID()
  const tenant = randomUUID()
  const w = await walletBackend(name)
  const node = await startServe({
    dir,
    name,
    ilp: `test.${name}`,
    secret,
    env: { FUNDING_MODEL: 'rafiki', OPERATOR_TENANT_ID: tenant, WEBHOOK_URL: w.url, ...env }
  })
  procs.push(node.proc)
  w.gql = gqlClient({ url: `http://127.0.0.1:${node.ports.admin}/graphql`, secret, tenantId: tenant })
  return { node, w, gql: w.gql, op: `http://localhost:${node.ports.op}`, ilp: `http://127.0.0.1:${node.ports.conn}/` }
}

let A, B, aUsd, bUsd, bEur

before(async () => {
  A = await instance('a')
  B = await instance('b', { EXCHANGE_RATES: '{"USD":{"EUR":"0.9"}}' })
  aUsd = (await A.gql.request(Q.createAsset, { input: { code: 'USD', scale: 2 } })).createAsset.asset
  bUsd = (await B.gql.request(Q.createAsset, { input: { code: 'USD', scale: 2 } })).createAsset.asset
  bEur = (await B.gql.request(Q.createAsset, { input: { code: 'EUR', scale: 2 } })).createAsset.asset
  await B.gql.request(Q.depositAssetLiquidity, { input: { assetId: bEur.id, amount: '100000000', id: randomUUID(), idempotencyKey: randomUUID() } })
  const ab = randomBytes(24).toString('hex')
  const ba = randomBytes(24).toString('hex')
  await A.gql.request(Q.createPeer, {
    input: {
      assetId: aUsd.id, staticIlpAddress: 'test.b', routes: ['test.b'], initialLiquidity: '100000000',
      http: { incoming: { authTokens: [ba] }, outgoing: { authToken: ab, endpoint: B.ilp } }
    }
  })
  await B.gql.request(Q.createPeer, {
    input: {
      assetId: bUsd.id, staticIlpAddress: 'test.a', routes: ['test.a'], initialLiquidity: '100000000',
      http: { incoming: { authTokens: [ab] }, outgoing: { authToken: ba, endpoint: A.ilp } }
    }
  })
})

const wallet = async (I, asset, name) =>
  (await I.gql.request(Q.createWalletAddress, { input: { assetId: asset.id, address: `${I.op}/${name}`, publicName: name } })).createWalletAddress.walletAddress

async function pay (S, from, R, to, incoming) {
  const receiver = (await S.gql.request(Q.createReceiver, { input: { walletAddressUrl: to.address, incomingAmount: incoming } })).createReceiver.receiver
  assert.equal(receiver.completed, false)
  assert.deepEqual(receiver.incomingAmount, incoming)
  const quote = (await S.gql.request(Q.createQuote, { input: { walletAddressId: from.id, receiver: receiver.id } })).createQuote.quote
  const created = (await S.gql.request(Q.createOutgoingPayment, { input: { walletAddressId: from.id, quoteId: quote.id } })).createOutgoingPayment.payment
  assert.equal(created.state, 'FUNDING', 'in Rafiki\'s model a payment waits for its liquidity')
  let p
  for (let i = 0; i < 400; i++) {
    p = (await S.gql.request(Q.outgoingPayment, { id: created.id })).outgoingPayment
    if (p.state === 'COMPLETED' || p.state === 'FAILED') break
    await sleep(50)
  }
  assert.equal(p.state, 'COMPLETED', `${JSON.stringify(p)}; ${S.w.problems.join('; ')}`)
  assert.equal(p.debitAmount.value, quote.debitAmount.value)
  assert.equal(p.receiveAmount.value, quote.receiveAmount.value)
  const ipId = receiver.id.split('/').pop()
  let ip
  for (let i = 0; i < 200; i++) {
    ip = (await R.gql.request(Q.incomingPayment, { id: ipId })).incomingPayment
    if (ip.state === 'COMPLETED' && ip.liquidity === '0') break
    await sleep(50)
  }
  assert.equal(ip.state, 'COMPLETED')
  assert.equal(ip.receivedAmount.value, incoming.value)
  assert.equal(ip.liquidity, '0', 'the wallet withdrew what arrived')
  return { quote, payment: p }
}

test('local: A to A, funded by the wallet on outgoing_payment.created, withdrawn on completion', { timeout: 60000 }, async () => {
  const alice = await wallet(A, aUsd, 'alice')
  const carol = await wallet(A, aUsd, 'carol')
  const { quote } = await pay(A, alice, A, carol, { value: '1234', assetCode: 'USD', assetScale: 2 })
  assert.equal(quote.debitAmount.value, '1234', 'a local payment in one asset costs what it delivers (no fees set)')
  // the withdrawal is counted once its post has answered, a moment after the liquidity is gone
  for (let i = 0; i < 100 && A.w.withdrawals < 1; i++) await sleep(50)
  assert.ok(A.w.deposits >= 1 && A.w.withdrawals >= 1, A.w.problems.join('; '))
})

test('remote: A (USD) to B (USD) through the peer', { timeout: 60000 }, async () => {
  const alice = await wallet(A, aUsd, 'alice2')
  const bob = await wallet(B, bUsd, 'bob')
  await pay(A, alice, B, bob, { value: '500', assetCode: 'USD', assetScale: 2 })
  assert.equal(B.w.problems.length, 0, B.w.problems.join('; '))
})

test('cross-currency: A (USD) to B (EUR), slippage as Rafiki', { timeout: 60000 }, async () => {
  const alice = await wallet(A, aUsd, 'alice3')
  const erin = await wallet(B, bEur, 'erin')
  const { quote } = await pay(A, alice, B, erin, { value: '900', assetCode: 'EUR', assetScale: 2 })
  assert.equal(quote.receiveAmount.value, '900')
  assert.equal(quote.debitAmount.assetCode, 'USD')
  // EUR 9.00 at 0.9 is USD 10.00; Rafiki's quote adds its 1% slippage to what it may cost
  assert.ok(BigInt(quote.debitAmount.value) >= 1000n && BigInt(quote.debitAmount.value) <= 1011n, quote.debitAmount.value)
})

test('a second deposit for the same payment is refused and funds nothing twice', { timeout: 60000 }, async () => {
  const alice = await wallet(A, aUsd, 'alice4')
  const dave = await wallet(A, aUsd, 'dave')
  const { payment } = await pay(A, alice, A, dave, { value: '77', assetCode: 'USD', assetScale: 2 })
  const r = await A.gql.raw(Q.deposit, { input: { outgoingPaymentId: payment.id, idempotencyKey: randomUUID() } })
  assert.ok(r.body.errors?.length, JSON.stringify(r.body))
  const after = (await A.gql.request(Q.outgoingPayment, { id: payment.id })).outgoingPayment
  assert.equal(after.state, 'COMPLETED')
  assert.equal(after.sentAmount.value, payment.sentAmount.value)
})
