// Web Monetization through Rafiki's Admin GraphQL API: one `rafiki serve` in Rafiki's funding
// model whose wallet address is paid over SPSP by npm ilp-protocol-stream, driven through
// POST /graphql with Rafiki's request signature (lib/gql.mjs). The asset's withdrawalThreshold
// decides when the wallet address is due (Rafiki's WalletAddress.onCredit): below it
// triggerWalletAddressEvents finds nothing and no wallet_address.web_monetization event is
// recorded; past it one event announces everything received, whether the worker or the trigger
// took it. Then createWalletAddressWithdrawal takes the balance as a two-phase withdrawal that
// postLiquidityWithdrawal posts, with Rafiki's errors around it, and the deprecated
// withdrawEventLiquidity takes a later event's amount. A second instance is killed
// (SIGKILL) again and again while it is paid and announces: in the end its events announce
// exactly what its wallet account received, no amount twice and none lost. Binary: RAFIKI_BUILD
// or ../../build. On Postgres too when TEST_POSTGRES_URL is set (a database of its own for each
// server).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Duplex } from 'node:stream'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient, ClientError } from './lib/gql.mjs'
import { serveDatabase } from './lib/pg.mjs'

const require = createRequire(import.meta.url)
const { createConnection } = require('ilp-protocol-stream')

// ilp-protocol-stream 2.7.1 assigns `this.closed` in its stream constructor, which Node >= 18
// defines as a getter only; give its streams a plain property again (test shim for the client).
Object.defineProperty(Duplex.prototype, 'closed', {
  configurable: true,
  get () { return this._ilpClosed ?? false },
  set (v) { this._ilpClosed = v }
})

const SECRET = 'gql-wm-secret-' + randomUUID()
const TENANT = randomUUID()
let srv, gql, dir

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-gql-wm-'))
  srv = await startServe({
    dir,
    name: 'gqlwm',
    ilp: 'test.gqlwm',
    secret: SECRET,
    health: ['admin'],
    env: { OPERATOR_TENANT_ID: TENANT, FUNDING_MODEL: 'rafiki', ...serveDatabase('gql_wm') }
  })
  gql = gqlClient({ url: `http://127.0.0.1:${srv.ports.admin}/graphql`, secret: SECRET, tenantId: TENANT })
})

after(async () => {
  srv?.proc.kill('SIGTERM')
  await new Promise((resolve) => srv?.proc.once('exit', resolve))
  fs.rmSync(dir, { recursive: true, force: true })
})

async function fails (doc, variables) {
  try {
    await gql.request(doc, variables)
  } catch (e) {
    assert.ok(e instanceof ClientError, String(e))
    const err = e.response.errors[0]
    return { code: err.extensions?.code, message: err.message }
  }
  assert.fail('the request should have failed')
}

// Pays amount to the wallet address at url through its SPSP answer, as the peer with token;
// what was delivered.
async function spspPay (url, token, amount, conn0 = srv.ports.conn) {
  const plugin = {
    connect: async () => {},
    disconnect: async () => {},
    isConnected: () => true,
    async sendData (buf) {
      const r = await fetch(`http://127.0.0.1:${conn0}/`, {
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

const trigger = `mutation($input: TriggerWalletAddressEventsInput!) {
  triggerWalletAddressEvents(input: $input) { count } }`
const eventsQ = `query($filter: WebhookEventFilter) {
  webhookEvents(filter: $filter) { edges { node { id type data } } } }`
const withdraw = `mutation($input: CreateWalletAddressWithdrawalInput!) {
  createWalletAddressWithdrawal(input: $input) { withdrawal { id amount walletAddress { id address } } } }`
const postW = `mutation($input: PostLiquidityWithdrawalInput!) { postLiquidityWithdrawal(input: $input) { success } }`
const liquidityQ = `query($id: String!) { walletAddress(id: $id) { liquidity } }`

const wmEvents = async () => (await gql.request(eventsQ, {
  filter: { type: { in: ['wallet_address.web_monetization'] } }
})).webhookEvents.edges.map(e => e.node)

test('web monetization: threshold, triggerWalletAddressEvents, createWalletAddressWithdrawal, postLiquidityWithdrawal', { timeout: 60000 }, async () => {
  const asset = (await gql.request(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } } }`,
    { input: { code: 'USD', scale: 2, withdrawalThreshold: '1000' } })).createAsset.asset
  const url = `http://localhost:${srv.ports.op}/erin`
  const erin = (await gql.request(`mutation($input: CreateWalletAddressInput!) {
    createWalletAddress(input: $input) { walletAddress { id } } }`,
  { input: { assetId: asset.id, address: url } })).createWalletAddress.walletAddress
  const token = randomBytes(24).toString('hex')
  await srv.admin('POST', '/peers', {
    asset_id: asset.id, ilp_address: 'test.payer', incoming_tokens: [token], min_balance: '-100000000', name: 'payer'
  })

  // below the threshold: not due, nothing to trigger, no event
  assert.equal(await spspPay(url, token, 500), '500')
  await sleep(600) // three worker passes
  const none = await gql.request(trigger, { input: { limit: 10, idempotencyKey: randomUUID() } })
  assert.equal(none.triggerWalletAddressEvents.count, 0)
  assert.deepEqual(await wmEvents(), [])

  // past it: due at once; one event for all 1100, by the worker or by the trigger
  assert.equal(await spspPay(url, token, 600), '600')
  let taken = 0
  let events = []
  for (const end = Date.now() + 10000; Date.now() < end && events.length === 0; await sleep(50)) {
    taken += (await gql.request(trigger, { input: { limit: 10 } })).triggerWalletAddressEvents.count
    events = await wmEvents()
  }
  assert.ok(taken <= 1, `taken ${taken} times`)
  await sleep(600)
  assert.equal((await gql.request(trigger, { input: { limit: 10 } })).triggerWalletAddressEvents.count, 0)
  events = await wmEvents()
  assert.equal(events.length, 1, 'announced once')
  assert.equal(events[0].data.walletAddress.id, erin.id)
  assert.deepEqual(events[0].data.walletAddress.receivedAmount, { value: '1100', assetCode: 'USD', assetScale: 2 })

  // the withdrawal: the whole balance, two-phase, posted
  const id = randomUUID()
  let e = await fails(withdraw, { input: { walletAddressId: randomUUID(), id, idempotencyKey: randomUUID(), timeoutSeconds: '60' } })
  assert.deepEqual(e, { code: 'NOT_FOUND', message: 'Unknown wallet address' })
  e = await fails(withdraw, { input: { walletAddressId: erin.id, id: 'not-a-uuid', idempotencyKey: randomUUID(), timeoutSeconds: '60' } })
  assert.deepEqual(e, { code: 'BAD_USER_INPUT', message: 'Invalid transfer id' })
  const w = (await gql.request(withdraw, { input: { walletAddressId: erin.id, id, idempotencyKey: randomUUID(), timeoutSeconds: '60' } }))
    .createWalletAddressWithdrawal.withdrawal
  assert.deepEqual(w, { id, amount: '1100', walletAddress: { id: erin.id, address: url } })
  assert.equal((await gql.request(liquidityQ, { id: erin.id })).walletAddress.liquidity, '0', 'held')
  e = await fails(withdraw, { input: { walletAddressId: erin.id, id: randomUUID(), idempotencyKey: randomUUID(), timeoutSeconds: '0' } })
  assert.deepEqual(e, { code: 'FORBIDDEN', message: 'Transfer amount is zero' })
  assert.equal((await gql.request(postW, { input: { withdrawalId: id, idempotencyKey: randomUUID() } })).postLiquidityWithdrawal.success, true)
  e = await fails(postW, { input: { withdrawalId: id, idempotencyKey: randomUUID() } })
  assert.deepEqual(e, { code: 'CONFLICT', message: 'Transfer already posted' })

  // more money after the withdrawal: received grows, so the next event announces only it
  assert.equal(await spspPay(url, token, 1000), '1000')
  for (const end = Date.now() + 10000; Date.now() < end && (await wmEvents()).length < 2; await sleep(50));
  events = await wmEvents()
  assert.equal(events.length, 2)
  assert.deepEqual(events.map(x => x.data.walletAddress.receivedAmount.value).sort(), ['1000', '1100'])

  // Rafiki's deprecated withdrawEventLiquidity: the event's amount under the event's id
  const ev = events.find(x => x.data.walletAddress.receivedAmount.value === '1000')
  const byEvent = `mutation($input: WithdrawEventLiquidityInput!) { withdrawEventLiquidity(input: $input) { success } }`
  assert.equal((await gql.request(byEvent, { input: { eventId: ev.id, idempotencyKey: randomUUID() } })).withdrawEventLiquidity.success, true)
  assert.equal((await gql.request(liquidityQ, { id: erin.id })).walletAddress.liquidity, '0')
  e = await fails(byEvent, { input: { eventId: ev.id, idempotencyKey: randomUUID() } })
  assert.deepEqual(e, { code: 'DUPLICATE', message: 'Transfer already exists' })
})

test('web monetization under kill -9: every amount announced once', { timeout: 120000 }, async () => {
  const env = { FUNDING_MODEL: 'rafiki', WITHDRAWAL_THROTTLE_DELAY: '0', ...serveDatabase('gql_wm') }
  let node = await startServe({ dir, name: 'wmcrash', ilp: 'test.wmcrash', secret: SECRET, env, health: ['admin'] })
  const ports = node.ports
  try {
    const usd = await node.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const url = `http://localhost:${ports.op}/fay`
    const fay = await node.admin('POST', '/wallet-addresses', { asset_id: usd.id, url })
    const token = randomBytes(24).toString('hex')
    await node.admin('POST', '/peers', {
      asset_id: usd.id, ilp_address: 'test.payer', incoming_tokens: [token], min_balance: '-100000000', name: 'payer'
    })
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 3; i++) await spspPay(url, token, 10 + round * 7 + i, ports.conn)
      // one more payment in flight, and the kill somewhere in the worker's 200 ms pass
      spspPay(url, token, 5, ports.conn).catch(() => {})
      await sleep(Math.floor(Math.random() * 250))
      node.proc.kill('SIGKILL')
      await new Promise((resolve) => node.proc.exitCode !== null ? resolve() : node.proc.once('exit', resolve))
      node = await startServe({ dir, name: 'wmcrash', ilp: 'test.wmcrash', secret: SECRET, env, use: ports, health: ['admin'] })
    }
    const received = async () => BigInt((await node.admin('GET', `/accounts/${fay.account_id}/status`)).total_received)
    const announced = async () => {
      const list = (await node.admin('GET', '/webhook-events?type=wallet_address.web_monetization&limit=100')).webhook_events
      return list.reduce((sum, e) => sum + BigInt(e.data.walletAddress.receivedAmount.value), 0n)
    }
    let want = await received()
    for (const end = Date.now() + 10000; Date.now() < end && (await announced()) < want; await sleep(100)) want = await received()
    await sleep(600) // a few more passes: nothing more may be announced
    assert.ok(want > 0n)
    assert.equal(await announced(), await received(), 'announced exactly what arrived')
  } finally {
    node.proc.kill('SIGTERM')
    await new Promise((resolve) => node.proc.exitCode !== null ? resolve() : node.proc.once('exit', resolve))
  }
})
