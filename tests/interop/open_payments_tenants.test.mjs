// Open Payments with Rafiki 2.0's tenants, driven by the official client
// (@interledger/open-payments): the operator creates tenants A and B through the Admin GraphQL
// API, each builds its own wallet as itself (asset, liquidity, wallet address), and a client
// whose wallet address is A's pays from A's wallet address to B's: grants, an incoming payment
// at B's {OPEN_PAYMENTS_URL}/{tenantB}/incoming-payments, a quote and an outgoing payment under
// A's prefix, paid in full. Every resource URL carries its tenant; under one tenant's prefix the
// other tenant's resources and wallet addresses answer 404 as unknown ones do (reads, lists,
// creates), and so do unknown tenants. The operator's wallet addresses keep the unprefixed URLs
// (and are also reached under /{operatorTenantId}). SPSP keeps working for a tenant's wallet
// address.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient } from './lib/gql.mjs'

const require = createRequire(import.meta.url)
const {
  createAuthenticatedClient, createUnauthenticatedClient, isPendingGrant,
  isFinalizedGrantWithAccessToken
} = require('@interledger/open-payments')
const { generateTestKeys } = require('@interledger/http-signature-utils')

const SECRET = 'op-tenants-operator-' + randomUUID()
const IDP_SECRET = 'op-tenants-idp-secret-0123456789'
const OPERATOR = randomUUID()
const WAIT_S = 1
const FINISH = 'http://localhost:39999/finish' // never fetched: redirects stop at it
const dir = mkdtempSync(join(tmpdir(), 'rafiki-op-tenants-'))

let srv, ports, opBase, operator, anon, client, keys
const t = {} // name -> { id, gql, asset, wallets: { who: { id, url } } }

const CREATE_TENANT = 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }'
const CREATE_ASSET = 'mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } } }'
const DEPOSIT = 'mutation($input: DepositAssetLiquidityInput!) { depositAssetLiquidity(input: $input) { success } }'
const CREATE_WA = 'mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id address } } }'
const CREATE_KEY = 'mutation($input: CreateWalletAddressKeyInput!) { createWalletAddressKey(input: $input) { walletAddressKey { id } } }'

// A tenant with its own secret, asset (code, scale 2) and liquidity, and wallet addresses.
async function tenant (name, code, who) {
  const secret = `${name}-secret-${randomUUID()}`
  // Rafiki's rule: a tenant's wallet addresses lie under its WALLET_ADDRESS_URL
  const settings = [{ key: 'WALLET_ADDRESS_URL', value: `http://localhost:${ports.op}/${name}/` }]
  const idpSecret = `${name}-idp-secret-${randomUUID()}`
  const { id } = (await operator.request(CREATE_TENANT, { input: { apiSecret: secret, idpSecret, publicName: name, settings } })).createTenant.tenant
  const gql = gqlClient({ url: `http://127.0.0.1:${ports.admin}/graphql`, secret, tenantId: id })
  const asset = (await gql.request(CREATE_ASSET, { input: { code, scale: 2 } })).createAsset.asset.id
  await gql.request(DEPOSIT, { input: { assetId: asset, amount: '10000000', id: randomUUID(), idempotencyKey: randomUUID() } })
  const wallets = {}
  for (const w of who) {
    const wa = (await gql.request(CREATE_WA, { input: { assetId: asset, address: `${name}-${w}`, publicName: w } })).createWalletAddress.walletAddress
    wallets[w] = { id: wa.id, url: wa.address }
  }
  t[name] = { id, gql, asset, wallets, idpSecret }
}

before(async () => {
  srv = await startServe({
    dir,
    name: 'optenants',
    ilp: 'test.optenants',
    secret: SECRET,
    env: { OPERATOR_TENANT_ID: OPERATOR, IDP_SECRET, WAIT_SECONDS: String(WAIT_S), EXCHANGE_RATES: JSON.stringify({ USD: { EUR: '2' } }) }
  })
  ports = srv.ports
  opBase = `http://localhost:${ports.op}`
  operator = gqlClient({ url: `http://127.0.0.1:${ports.admin}/graphql`, secret: SECRET, tenantId: OPERATOR })
  await tenant('ta', 'USD', ['alice'])
  await tenant('tb', 'EUR', ['bob', 'carol'])
  // the client: A's alice, with a key A registers
  keys = generateTestKeys()
  await t.ta.gql.request(CREATE_KEY, { input: { walletAddressId: t.ta.wallets.alice.id, jwk: keys.publicKey } })
  await sleep(3)
  client = await createAuthenticatedClient({
    walletAddressUrl: t.ta.wallets.alice.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid
  })
  anon = await createUnauthenticatedClient({})
})

after(() => {
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

// The interaction through the interaction API (what a wallet with its own login does), with
// the IdP secret of the grant's tenant.
async function interact (grant, idpSecret = IDP_SECRET) {
  const start = await fetch(grant.interact.redirect, { redirect: 'manual' })
  assert.equal(start.status, 302)
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const [, id, nonce] = new URL(grant.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/)
  const decided = await fetch(`http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}/accept`, {
    method: 'POST', headers: { 'x-idp-secret': idpSecret }
  })
  assert.equal(decided.status, 202)
  const fin = await fetch(`${new URL(grant.interact.redirect).origin}/interact/${id}/${nonce}/finish`, {
    redirect: 'manual', headers: { cookie }
  })
  assert.equal(fin.status, 302)
  return new URL(fin.headers.get('location')).searchParams.get('interact_ref')
}

const usd = (value) => ({ value: String(value), assetCode: 'USD', assetScale: 2 })
const eur = (value) => ({ value: String(value), assetCode: 'EUR', assetScale: 2 })
// The status of a client call that must fail.
const status = async (p) => {
  const r = await p.then(() => null, (e) => e)
  assert.ok(r, 'the call should have failed')
  return r.status
}

test("a tenant's wallet address document names its resource server under /{tenantId}; SPSP works", async () => {
  const a = await anon.walletAddress.get({ url: t.ta.wallets.alice.url })
  assert.equal(a.resourceServer, `${opBase}/${t.ta.id}`)
  // the tenant's grant endpoint on the authorization server, as Rafiki's
  assert.equal(a.authServer, `http://localhost:${ports.auth}/${t.ta.id}`)
  assert.equal(a.assetCode, 'USD')
  const b = await anon.walletAddress.get({ url: t.tb.wallets.bob.url })
  assert.equal(b.resourceServer, `${opBase}/${t.tb.id}`)
  assert.equal(b.assetCode, 'EUR')
  const spsp = await fetch(t.tb.wallets.bob.url, { headers: { accept: 'application/spsp4+json' } })
  assert.equal(spsp.status, 200)
  const s = await spsp.json()
  assert.match(s.destination_account, /^test\.optenants\./)
  assert.ok(Buffer.from(s.shared_secret, 'base64').length === 32)
  const keysOf = await anon.walletAddress.getKeys({ url: t.ta.wallets.alice.url })
  assert.deepEqual(keysOf.keys.map((k) => k.kid), [keys.publicKey.kid])
})

test('A pays B: every URL carries its tenant; the other tenant\'s prefix finds nothing', async () => {
  const wA = await anon.walletAddress.get({ url: t.ta.wallets.alice.url })
  const wB = await anon.walletAddress.get({ url: t.tb.wallets.bob.url })
  const A = wA.resourceServer
  const B = wB.resourceServer

  const ipGrant = await client.grant.request({ url: wB.authServer }, {
    access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read', 'list', 'complete'] }] }
  })
  assert.ok(isFinalizedGrantWithAccessToken(ipGrant), JSON.stringify(ipGrant))
  const ipToken = ipGrant.access_token.value
  const incoming = await client.incomingPayment.create(
    { url: B, accessToken: ipToken },
    { walletAddress: wB.id, incomingAmount: eur(1000), expiresAt: new Date(Date.now() + 600000).toISOString() }
  )
  const ipId = incoming.id.split('/').pop()
  assert.equal(incoming.id, `${opBase}/${t.tb.id}/incoming-payments/${ipId}`)
  assert.equal(incoming.walletAddress, wB.id)
  assert.equal(incoming.methods[0].type, 'ilp')
  // the Admin API gives the same URL
  const viaGql = (await t.tb.gql.request('query($id: String!) { incomingPayment(id: $id) { url } }', { id: ipId })).incomingPayment
  assert.equal(viaGql.url, incoming.id)

  const qGrant = await client.grant.request({ url: wA.authServer }, {
    access_token: { access: [{ type: 'quote', actions: ['create', 'read'] }] }
  })
  const qToken = qGrant.access_token.value
  const quote = await client.quote.create({ url: A, accessToken: qToken }, { walletAddress: wA.id, receiver: incoming.id, method: 'ilp' })
  const qId = quote.id.split('/').pop()
  assert.equal(quote.id, `${opBase}/${t.ta.id}/quotes/${qId}`)
  assert.deepEqual(quote.receiveAmount, eur(1000))
  assert.equal(quote.debitAmount.assetCode, 'USD')

  const opGrant = await client.grant.request({ url: wA.authServer }, {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read', 'list'], identifier: wA.id, limits: { debitAmount: quote.debitAmount } }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } }
  })
  assert.ok(isPendingGrant(opGrant), JSON.stringify(opGrant))
  const ref = await interact(opGrant, t.ta.idpSecret)
  await sleep(WAIT_S * 1000)
  const cont = await client.grant.continue({ url: opGrant.continue.uri, accessToken: opGrant.continue.access_token.value }, { interact_ref: ref })
  assert.ok(isFinalizedGrantWithAccessToken(cont))
  const opToken = cont.access_token.value

  const out = await client.outgoingPayment.create({ url: A, accessToken: opToken }, { walletAddress: wA.id, quoteId: quote.id })
  const outId = out.id.split('/').pop()
  assert.equal(out.id, `${opBase}/${t.ta.id}/outgoing-payments/${outId}`)
  assert.equal(out.quoteId, quote.id)
  // OPERATOR_TENANT_ID set: Rafiki's funding model, A's wallet deposits the debit amount
  await t.ta.gql.request('mutation($input: DepositOutgoingPaymentLiquidityInput!) { depositOutgoingPaymentLiquidity(input: $input) { success } }',
    { input: { outgoingPaymentId: outId, idempotencyKey: randomUUID() } })
  let got
  for (let i = 0; i < 200; i++) {
    got = await client.outgoingPayment.get({ url: out.id, accessToken: opToken })
    if (got.sentAmount.value === got.debitAmount.value || got.failed) break
    await sleep(50)
  }
  assert.equal(got.failed, false, JSON.stringify(got))
  assert.equal(got.sentAmount.value, got.debitAmount.value)
  let paid
  for (let i = 0; i < 100; i++) {
    paid = await client.incomingPayment.get({ url: incoming.id, accessToken: ipToken })
    if (paid.receivedAmount.value === '1000') break
    await sleep(50)
  }
  assert.deepEqual(paid.receivedAmount, eur(1000))
  const spent = await client.outgoingPayment.getGrantSpentAmounts({ url: A, accessToken: opToken })
  assert.equal(spent.spentDebitAmount.value, quote.debitAmount.value)

  // lists under a tenant: its own wallet address's resources; the other tenant's wallet is unknown
  const ipList = await client.incomingPayment.list({ url: B, walletAddress: wB.id, accessToken: ipToken })
  assert.deepEqual(ipList.result.map((p) => p.id), [incoming.id])
  const outList = await client.outgoingPayment.list({ url: A, walletAddress: wA.id, accessToken: opToken })
  assert.deepEqual(outList.result.map((p) => p.id), [out.id])
  assert.equal(await status(client.incomingPayment.list({ url: A, walletAddress: wB.id, accessToken: ipToken })), 404)
  assert.equal(await status(client.outgoingPayment.list({ url: B, walletAddress: wA.id, accessToken: opToken })), 404)
  assert.equal(await status(client.incomingPayment.list({ url: opBase, walletAddress: wB.id, accessToken: ipToken })), 404,
    "the unprefixed routes are the operator's")

  // reads under the other tenant's prefix, unprefixed, and under an unknown tenant: 404
  const under = (url, tenantId) => url.replace(`${opBase}/${url.split('/')[3]}/`, tenantId ? `${opBase}/${tenantId}/` : `${opBase}/`)
  for (const [what, url, get, token] of [
    ['incoming payment', incoming.id, client.incomingPayment, ipToken],
    ['quote', quote.id, client.quote, qToken],
    ['outgoing payment', out.id, client.outgoingPayment, opToken]
  ]) {
    const own = url.split('/')[3]
    const other = own === t.ta.id ? t.tb.id : t.ta.id
    for (const [label, wrong] of [['other tenant', under(url, other)], ['unprefixed', under(url, null)], ['unknown tenant', under(url, randomUUID())], ['operator', under(url, OPERATOR)]]) {
      assert.equal(await status(get.get({ url: wrong, accessToken: token })), 404, `${what} under ${label}: ${wrong}`)
    }
  }
  const pub = await fetch(incoming.id)
  assert.equal(pub.status, 200, 'the public view at its own URL')
  assert.equal((await fetch(under(incoming.id, t.ta.id))).status, 404, 'and not under another tenant')
  const complete = await fetch(`${under(incoming.id, t.ta.id)}/complete`, { method: 'POST', headers: { authorization: `GNAP ${ipToken}` } })
  assert.equal(complete.status, 404)

  // creates under a tenant for the other tenant's wallet address: 404, nothing made
  assert.equal(await status(client.incomingPayment.create({ url: A, accessToken: ipToken }, { walletAddress: wB.id })), 404)
  const carol = await anon.walletAddress.get({ url: t.tb.wallets.carol.url })
  const ip2 = await client.incomingPayment.create({ url: B, accessToken: ipToken }, { walletAddress: carol.id, incomingAmount: eur(10) })
  assert.equal(await status(client.quote.create({ url: B, accessToken: qToken }, { walletAddress: wA.id, receiver: ip2.id, method: 'ilp' })), 404)
  assert.equal(await status(client.quote.create({ url: opBase, accessToken: qToken }, { walletAddress: wA.id, receiver: ip2.id, method: 'ilp' })), 404)
  assert.equal(await status(client.outgoingPayment.create({ url: B, accessToken: opToken }, { walletAddress: wA.id, quoteId: quote.id })), 404)
  assert.equal(await status(client.incomingPayment.create({ url: `${opBase}/${randomUUID()}`, accessToken: ipToken }, { walletAddress: wB.id })), 404)
  const still = await client.incomingPayment.list({ url: B, walletAddress: wB.id, accessToken: ipToken })
  assert.deepEqual(still.result.map((p) => p.id), [incoming.id], 'no incoming payment was created on bob')
})

test("the operator's wallet addresses keep unprefixed URLs, and answer under the operator's id too", async () => {
  const gbp = await srv.admin('POST', '/assets', { code: 'GBP', scale: 2 })
  const shop = await srv.admin('POST', '/wallet-addresses', { asset_id: gbp.id, url: `${opBase}/shop`, public_name: 'Shop' })
  const w = await anon.walletAddress.get({ url: shop.url })
  assert.equal(w.resourceServer, opBase, "the operator's documents: today's form")
  assert.equal(w.authServer, `http://localhost:${ports.auth}/`)
  const grant = await client.grant.request({ url: w.authServer }, {
    access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read', 'list'] }] }
  })
  const token = grant.access_token.value
  const ip = await client.incomingPayment.create({ url: w.resourceServer, accessToken: token }, { walletAddress: w.id, incomingAmount: { value: '100', assetCode: 'GBP', assetScale: 2 } })
  const id = ip.id.split('/').pop()
  assert.equal(ip.id, `${opBase}/incoming-payments/${id}`)
  const viaOperator = await client.incomingPayment.get({ url: `${opBase}/${OPERATOR}/incoming-payments/${id}`, accessToken: token })
  assert.equal(viaOperator.id, ip.id, "the operator's resources keep their one URL")
  const ip2 = await client.incomingPayment.create({ url: `${opBase}/${OPERATOR}`, accessToken: token }, { walletAddress: w.id })
  assert.match(ip2.id, new RegExp(`^${opBase}/incoming-payments/`))
  const list = await client.incomingPayment.list({ url: `${opBase}/${OPERATOR}`, walletAddress: w.id, accessToken: token })
  assert.deepEqual(list.result.map((p) => p.id).sort(), [ip.id, ip2.id].sort())
  assert.equal(await status(client.incomingPayment.get({ url: `${opBase}/${t.ta.id}/incoming-payments/${id}`, accessToken: token })), 404)
  assert.equal(await status(client.incomingPayment.list({ url: `${opBase}/${t.ta.id}`, walletAddress: w.id, accessToken: token })), 404)
  assert.equal(await status(client.incomingPayment.create({ url: `${opBase}/${t.ta.id}`, accessToken: token }, { walletAddress: w.id })), 404)
})

test('a deleted tenant\'s prefix answers 404', async () => {
  await tenant('tc', 'JPY', ['dave'])
  const w = await anon.walletAddress.get({ url: t.tc.wallets.dave.url })
  assert.equal(w.resourceServer, `${opBase}/${t.tc.id}`)
  assert.equal((await operator.request('mutation($id: String!) { deleteTenant(id: $id) { success } }', { id: t.tc.id })).deleteTenant.success, true)
  const r = await fetch(`${opBase}/${t.tc.id}/incoming-payments?wallet-address=${encodeURIComponent(w.id)}`, { headers: { authorization: 'GNAP x' } })
  assert.equal(r.status, 404)
})

test('wallet address paths the tenant routes would take are refused', async () => {
  const e = await t.ta.gql.raw(CREATE_WA, { input: { assetId: t.ta.asset, address: 'shop/incoming-payments' } })
  assert.ok(e.body.errors?.length, JSON.stringify(e.body))
})
