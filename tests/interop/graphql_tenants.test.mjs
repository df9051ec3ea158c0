// Tenants through Rafiki's Admin GraphQL API, end to end: the operator creates tenants A and B,
// each signs its own requests with its own API secret (Rafiki's `signature` and `tenant-id`
// headers, lib/gql.mjs), and each builds its own wallet: asset, liquidity, peer, wallet address,
// key, incoming payment, quote, outgoing payment, withdrawal. Then the matrix: B runs every
// operation that names a resource on each of A's ids and finds nothing (Rafiki answers another
// tenant's id as an unknown one), B's lists hold none of A's rows, and the database is byte for
// byte what it was. Tenant operations with Rafiki's rules and errors; the operator sees all.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient, ClientError } from './lib/gql.mjs'
import { psql, serveDatabase } from './lib/pg.mjs'
import { streamKeys, moneyPrepare, streamReply } from './lib/packets.mjs'

const SECRET = 'gql-tenants-operator-' + randomUUID()
const OPERATOR = randomUUID()
let srv, dir, url, op, pg
const tenants = {} // name -> { id, secret, gql, own: { ...ids } }

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-gql-tenants-'))
  // on Postgres too when TEST_POSTGRES_URL is set (a database of its own)
  const env = { OPERATOR_TENANT_ID: OPERATOR, EXCHANGE_RATES: '{"AAA":{"AXX":"1"}}' }
  Object.assign(env, serveDatabase('gql_tenants'))
  pg = env.DATABASE_URL
  srv = await startServe({ dir, name: 'tenants', ilp: 'test.tenants', secret: SECRET, env })
  url = `http://127.0.0.1:${srv.ports.admin}/graphql`
  op = gqlClient({ url, secret: SECRET, tenantId: OPERATOR })
})

after(async () => {
  srv?.proc.kill('SIGTERM')
  await new Promise((resolve) => srv?.proc.once('exit', resolve))
  fs.rmSync(dir, { recursive: true, force: true })
})

async function fails (client, doc, variables) {
  try {
    await client.request(doc, variables)
  } catch (e) {
    assert.ok(e instanceof ClientError, String(e))
    const err = e.response.errors[0]
    return { code: err.extensions?.code, message: err.message, data: e.response.data }
  }
  assert.fail(`the request should have failed: ${doc}`)
}

const TENANT = 'id email apiSecret idpConsentUrl idpSecret publicName createdAt deletedAt settings { key value }'
const CREATE_TENANT = `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { ${TENANT} } } }`

async function newTenant (name, extra = {}) {
  const secret = `${name}-secret-${randomUUID()}`
  const t = (await op.request(CREATE_TENANT, { input: { apiSecret: secret, publicName: name, email: `${name}@example.test`, ...extra } })).createTenant.tenant
  tenants[name] = { id: t.id, secret, gql: gqlClient({ url, secret, tenantId: t.id }), own: {} }
  return t
}

// What the database holds, table by table (workers that could move rows have nothing to do
// here: no WEBHOOK_URL, outgoing payments wait for funding).
const TABLES = ['tenants', 'tenant_settings', 'tenant_resources', 'assets', 'asset_settings', 'accounts',
  'peers', 'peer_tokens', 'wallet_addresses', 'wallet_address_keys', 'wallet_address_properties',
  'incoming_payments', 'quotes', 'outgoing_payments', 'fees']
function query (sql) {
  if (pg) return psql(pg, sql)
  return execFileSync('sqlite3', [path.join(dir, 'tenants.db'), sql], { encoding: 'utf8' })
}
function snapshot () {
  const out = {}
  for (const t of TABLES) out[t] = query(`SELECT * FROM ${t} ORDER BY 1`)
  out.transfers = query('SELECT count(*) FROM transfers')
  out.webhook_events = query('SELECT count(*) FROM webhook_events')
  return out
}

test('tenants: create with settings, read, list, update, whoami; secrets shown once; Rafiki errors', async () => {
  const a = await newTenant('alpha', { settings: [{ key: 'WEBHOOK_URL', value: 'http://127.0.0.1:9/alpha' }] })
  assert.equal(a.apiSecret, tenants.alpha.secret, 'the mutation that sets it answers it')
  const keys = Object.fromEntries(a.settings.map((s) => [s.key, s.value]))
  assert.deepEqual(keys, { WEBHOOK_URL: 'http://127.0.0.1:9/alpha', WEBHOOK_TIMEOUT: '2000', WEBHOOK_MAX_RETRY: '10', ILP_ADDRESS: `test.tenants.${a.id}` })
  await newTenant('beta')
  const A = tenants.alpha.gql
  const B = tenants.beta.gql

  const read = (await op.request(`query($id: String!) { tenant(id: $id) { ${TENANT} } }`, { id: a.id })).tenant
  assert.equal(read.apiSecret, '', 'never shown again')
  assert.equal(read.publicName, 'alpha')
  assert.deepEqual((await A.request('{ whoami { id isOperator } }')).whoami, { id: a.id, isOperator: false })
  assert.deepEqual((await op.request('{ whoami { id isOperator } }')).whoami, { id: OPERATOR, isOperator: true })
  assert.equal((await A.request(`query($id: String!) { tenant(id: $id) { id } }`, { id: a.id })).tenant.id, a.id)
  assert.deepEqual(await fails(A, `query($id: String!) { tenant(id: $id) { id } }`, { id: tenants.beta.id }),
    { code: 'NOT_FOUND', message: 'tenant does not exist', data: null })
  assert.deepEqual((await fails(A, '{ tenants { edges { node { id } } } }')).message, 'cannot get tenants page')
  const list = (await op.request('{ tenants(first: 100) { edges { node { id } } } }')).tenants.edges.map((e) => e.node.id)
  for (const id of [OPERATOR, a.id, tenants.beta.id]) assert.ok(list.includes(id), id)

  let e = await fails(A, CREATE_TENANT, { input: { apiSecret: 'x' } })
  assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'permission denied'])
  e = await fails(op, CREATE_TENANT, { input: { apiSecret: 'x', id: 'not-a-uuid' } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid Tenant ID'])
  e = await fails(op, CREATE_TENANT, { input: { apiSecret: 'x', settings: [{ key: 'WEBHOOK_TIMEOUT', value: '-5' }] } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid value for one or more tenant settings'])
  const UPDATE = `mutation($input: UpdateTenantInput!) { updateTenant(input: $input) { tenant { id email apiSecret } } }`
  e = await fails(op, UPDATE, { input: { id: a.id, apiSecret: 'new' } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Operator cannot update apiSecret over admin api'])
  e = await fails(A, UPDATE, { input: { id: tenants.beta.id, email: 'x@y.z' } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'tenant does not exist'])
  assert.equal((await A.request(UPDATE, { input: { id: a.id, email: 'new@alpha.test' } })).updateTenant.tenant.email, 'new@alpha.test')
  e = await fails(A, 'mutation($id: String!) { deleteTenant(id: $id) { success } }', { id: tenants.beta.id })
  assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'permission denied'])

  const SETTINGS = `mutation($input: CreateTenantSettingsInput!) { createTenantSettings(input: $input) { settings { key value } } }`
  const alphaUrl = `http://localhost:${srv.ports.op}/alpha/`
  const s = (await A.request(SETTINGS, { input: { settings: [{ key: 'WALLET_ADDRESS_URL', value: alphaUrl }] } })).createTenantSettings.settings
  assert.ok(s.some((x) => x.key === 'WALLET_ADDRESS_URL' && x.value === alphaUrl))
  e = await fails(B, SETTINGS, { input: { settings: [{ key: 'WALLET_ADDRESS_URL', value: alphaUrl }] } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Wallet Address Url already exists'])
  e = await fails(B, SETTINGS, { input: { settings: [{ key: 'ILP_ADDRESS', value: 'not an address' }] } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid value for one or more tenant settings'])
})

test('wallet addresses: a tenant without WALLET_ADDRESS_URL cannot create one', async () => {
  const t = await newTenant('nourl')
  const g = tenants.nourl.gql
  const asset = (await g.request(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } } }`,
    { input: { code: 'NOU', scale: 2 } })).createAsset.asset
  const e = await fails(g, `mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id } } }`,
    { input: { assetId: asset.id, address: 'someone' } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Setting for wallet address has not been found.'])
  assert.ok(t.id)
})

test('authentication: each tenant signs with its own secret; a wrong or deleted tenant is refused', async () => {
  const { id, secret } = tenants.alpha
  const wrong = gqlClient({ url, secret: SECRET, tenantId: id })
  assert.equal((await wrong.raw('{ whoami { id } }')).status, 401, "the operator's secret is not alpha's")
  const unknown = gqlClient({ url, secret, tenantId: randomUUID() })
  assert.equal((await unknown.raw('{ whoami { id } }')).status, 401)
  const gone = await newTenant('gone')
  assert.equal((await tenants.gone.gql.request('{ whoami { id } }')).whoami.id, gone.id)
  assert.equal((await op.request('mutation($id: String!) { deleteTenant(id: $id) { success } }', { id: gone.id })).deleteTenant.success, true)
  assert.equal((await tenants.gone.gql.raw('{ whoami { id } }')).status, 401, 'a deleted tenant is refused')
  // a tenant's secret opens nothing else: the REST admin API takes the operator's alone
  for (const route of ['/assets', '/peers', '/wallet-addresses']) {
    const r = await fetch(`http://127.0.0.1:${srv.ports.admin}${route}`, { headers: { Authorization: `Bearer ${secret}` } })
    assert.equal(r.status, 401, `REST ${route} with a tenant's secret`)
  }
  const deleted = (await op.request(`query($id: String!) { tenant(id: $id) { id deletedAt } }`, { id: gone.id })).tenant
  assert.ok(deleted.deletedAt, 'the operator still reads it')
  const e = await fails(op, 'mutation($id: String!) { deleteTenant(id: $id) { success } }', { id: OPERATOR })
  assert.equal(e.code, 'NOT_FOUND', 'the operator tenant cannot be deleted')
})

// Each tenant's own wallet, made with its own secret.
async function build (name, code) {
  const g = tenants[name].gql
  const own = tenants[name].own
  const asset = (await g.request(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id tenant { id } } } }`,
    { input: { code, scale: 2 } })).createAsset.asset
  assert.equal(asset.tenant.id, tenants[name].id)
  own.asset = asset.id
  own.code = code
  await g.request(`mutation($input: DepositAssetLiquidityInput!) { depositAssetLiquidity(input: $input) { success } }`,
    { input: { assetId: asset.id, amount: '100000', id: randomUUID(), idempotencyKey: randomUUID() } })
  own.withdrawal = randomUUID()
  await g.request(`mutation($input: CreateAssetLiquidityWithdrawalInput!) { createAssetLiquidityWithdrawal(input: $input) { success } }`,
    { input: { assetId: asset.id, amount: '10', id: own.withdrawal, idempotencyKey: randomUUID(), timeoutSeconds: '600' } })
  own.peer = (await g.request(`mutation($input: CreatePeerInput!) { createPeer(input: $input) { peer { id } } }`,
    { input: { assetId: asset.id, staticIlpAddress: `test.peer-${name}`, http: { outgoing: { authToken: 'o-' + name, endpoint: 'http://127.0.0.1:9/ilp' }, incoming: { authTokens: ['i-' + name + randomUUID()] } } } })).createPeer.peer.id
  // Rafiki's wallet address URL rules: a tenant needs its WALLET_ADDRESS_URL setting
  const CREATE_WA = `mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id address } } }`
  const base = `http://localhost:${srv.ports.op}/${name}/`
  await g.request(`mutation($input: CreateTenantSettingsInput!) { createTenantSettings(input: $input) { settings { key } } }`,
    { input: { settings: [{ key: 'WALLET_ADDRESS_URL', value: base }] } })
  let e = await fails(g, CREATE_WA, { input: { assetId: asset.id, address: `http://localhost:${srv.ports.op}/elsewhere/x` } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'invalid url'], 'outside its WALLET_ADDRESS_URL')
  e = await fails(g, CREATE_WA, { input: { assetId: asset.id, address: 'quotes' } })
  assert.equal(e.message, 'invalid url')
  const wa = async (who) => (await g.request(`mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id address } } }`,
    { input: { assetId: asset.id, address: who } })).createWalletAddress.walletAddress
  const payer = await wa('payer')
  const payee = await wa('payee')
  own.payee = payee.id
  assert.equal(payer.address, `${base}payer`, 'a bare name is completed from WALLET_ADDRESS_URL')
  own.wallet = payer.id
  own.walletUrl = payer.address
  await sleep(3)
  own.key = (await g.request(`mutation($input: CreateWalletAddressKeyInput!) { createWalletAddressKey(input: $input) { walletAddressKey { id } } }`,
    { input: { walletAddressId: payer.id, jwk: { kid: 'k-' + name, x: 'ubqoInifJ5sssIPPnQR1gVPfmoZnJtPhTkyMXNoJF_8', alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519' } } })).createWalletAddressKey.walletAddressKey.id
  const ip = (await g.request(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id url } } }`,
    { input: { walletAddressId: payee.id, incomingAmount: { value: '500', assetCode: code, assetScale: 2 } } })).createIncomingPayment.payment
  own.incoming = ip.id
  own.incomingUrl = ip.url
  const quote = (await g.request(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id tenantId } } }`,
    { input: { walletAddressId: payer.id, receiver: ip.url } })).createQuote.quote
  assert.equal(quote.tenantId, tenants[name].id)
  own.quote = quote.id
  own.outgoing = (await g.request(`mutation($input: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $input) { payment { id } } }`,
    { input: { walletAddressId: payer.id, quoteId: quote.id } })).createOutgoingPayment.payment.id
}

// Every operation that names a resource, with another tenant's ids (o). Each must find nothing.
function matrix (o) {
  const k = () => randomUUID()
  return [
    ['asset', `query($id: String!) { asset(id: $id) { id } }`, { id: o.asset }],
    ['peer', `query($id: String!) { peer(id: $id) { id } }`, { id: o.peer }],
    ['peerByAddressAndAsset', `query($a: String!) { peerByAddressAndAsset(staticIlpAddress: "test.peer-alpha", assetId: $a) { id } }`, { a: o.asset }],
    ['walletAddress', `query($id: String!) { walletAddress(id: $id) { id } }`, { id: o.wallet }],
    ['walletAddressByUrl', `query($u: String!) { walletAddressByUrl(url: $u) { id } }`, { u: o.walletUrl }],
    ['assetByCodeAndScale', `query($c: String!) { assetByCodeAndScale(code: $c, scale: 2) { id } }`, { c: o.code }],
    ['quote', `query($id: String!) { quote(id: $id) { id } }`, { id: o.quote }],
    ['outgoingPayment', `query($id: String!) { outgoingPayment(id: $id) { id } }`, { id: o.outgoing }],
    ['incomingPayment', `query($id: String!) { incomingPayment(id: $id) { id } }`, { id: o.incoming }],
    ['receiver', `query($id: String!) { receiver(id: $id) { id } }`, { id: o.incomingUrl }],
    ['accountingTransfers', `query($id: String!) { accountingTransfers(id: $id) { debits { id } credits { id } } }`, { id: o.asset }, 'empty'],
    ['updateAsset', `mutation($i: UpdateAssetInput!) { updateAsset(input: $i) { asset { id } } }`, { i: { id: o.asset, withdrawalThreshold: '1' } }],
    ['deleteAsset', `mutation($i: DeleteAssetInput!) { deleteAsset(input: $i) { asset { id } } }`, { i: { id: o.asset } }],
    ['depositAssetLiquidity', `mutation($i: DepositAssetLiquidityInput!) { depositAssetLiquidity(input: $i) { success } }`, { i: { assetId: o.asset, amount: '1', id: k(), idempotencyKey: k() } }],
    ['createAssetLiquidityWithdrawal', `mutation($i: CreateAssetLiquidityWithdrawalInput!) { createAssetLiquidityWithdrawal(input: $i) { success } }`, { i: { assetId: o.asset, amount: '1', id: k(), idempotencyKey: k(), timeoutSeconds: '0' } }],
    ['setFee', `mutation($i: SetFeeInput!) { setFee(input: $i) { fee { id } } }`, { i: { assetId: o.asset, type: 'SENDING', fee: { fixed: '1', basisPoints: 1 }, idempotencyKey: k() } }],
    ['createPeer', `mutation($i: CreatePeerInput!) { createPeer(input: $i) { peer { id } } }`, { i: { assetId: o.asset, staticIlpAddress: 'test.intruder', http: { outgoing: { authToken: 'x', endpoint: 'http://127.0.0.1:9/' }, incoming: { authTokens: [k()] } } } }],
    ['updatePeer', `mutation($i: UpdatePeerInput!) { updatePeer(input: $i) { peer { id } } }`, { i: { id: o.peer, name: 'taken' } }],
    ['deletePeer', `mutation($i: DeletePeerInput!) { deletePeer(input: $i) { success } }`, { i: { id: o.peer } }],
    ['depositPeerLiquidity', `mutation($i: DepositPeerLiquidityInput!) { depositPeerLiquidity(input: $i) { success } }`, { i: { peerId: o.peer, amount: '1', id: k(), idempotencyKey: k() } }],
    ['createPeerLiquidityWithdrawal', `mutation($i: CreatePeerLiquidityWithdrawalInput!) { createPeerLiquidityWithdrawal(input: $i) { success } }`, { i: { peerId: o.peer, amount: '1', id: k(), idempotencyKey: k(), timeoutSeconds: '0' } }],
    ['postLiquidityWithdrawal', `mutation($i: PostLiquidityWithdrawalInput!) { postLiquidityWithdrawal(input: $i) { success } }`, { i: { withdrawalId: o.withdrawal, idempotencyKey: k() } }],
    ['voidLiquidityWithdrawal', `mutation($i: VoidLiquidityWithdrawalInput!) { voidLiquidityWithdrawal(input: $i) { success } }`, { i: { withdrawalId: o.withdrawal, idempotencyKey: k() } }],
    ['createWalletAddress', `mutation($i: CreateWalletAddressInput!) { createWalletAddress(input: $i) { walletAddress { id } } }`, { i: { assetId: o.asset, address: `intruder-${k()}` } }],
    ['updateWalletAddress', `mutation($i: UpdateWalletAddressInput!) { updateWalletAddress(input: $i) { walletAddress { id } } }`, { i: { id: o.wallet, publicName: 'taken' } }],
    ['createWalletAddressKey', `mutation($i: CreateWalletAddressKeyInput!) { createWalletAddressKey(input: $i) { walletAddressKey { id } } }`, { i: { walletAddressId: o.wallet, jwk: { kid: 'intruder', x: 'ubqoInifJ5sssIPPnQR1gVPfmoZnJtPhTkyMXNoJF_8', alg: 'EdDSA', kty: 'OKP', crv: 'Ed25519' } } }],
    ['revokeWalletAddressKey', `mutation($i: RevokeWalletAddressKeyInput!) { revokeWalletAddressKey(input: $i) { walletAddressKey { id } } }`, { i: { id: o.key } }],
    ['createIncomingPayment', `mutation($i: CreateIncomingPaymentInput!) { createIncomingPayment(input: $i) { payment { id } } }`, { i: { walletAddressId: o.wallet } }],
    ['updateIncomingPayment', `mutation($i: UpdateIncomingPaymentInput!) { updateIncomingPayment(input: $i) { payment { id } } }`, { i: { id: o.incoming, metadata: { taken: true } } }],
    ['createReceiver', `mutation($i: CreateReceiverInput!) { createReceiver(input: $i) { receiver { id } } }`, { i: { walletAddressUrl: o.walletUrl } }],
    ['completeReceiver', `mutation($i: CompleteReceiverInput!) { completeReceiver(input: $i) { receiver { id } } }`, { i: { incomingPaymentUrl: o.incomingUrl } }],
    ['createQuote', `mutation($i: CreateQuoteInput!) { createQuote(input: $i) { quote { id } } }`, { i: { walletAddressId: o.wallet, receiver: o.incomingUrl } }],
    ['createOutgoingPayment', `mutation($i: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $i) { payment { id } } }`, { i: { walletAddressId: o.wallet, quoteId: o.quote } }],
    ['cancelOutgoingPayment', `mutation($i: CancelOutgoingPaymentInput!) { cancelOutgoingPayment(input: $i) { payment { id } } }`, { i: { id: o.outgoing } }],
    ['createOutgoingPaymentFromIncomingPayment', `mutation($i: CreateOutgoingPaymentFromIncomingPaymentInput!) { createOutgoingPaymentFromIncomingPayment(input: $i) { payment { id } } }`, { i: { walletAddressId: o.wallet, incomingPayment: o.incomingUrl, debitAmount: { value: '1', assetCode: o.code, assetScale: 2 } } }],
    ['depositOutgoingPaymentLiquidity', `mutation($i: DepositOutgoingPaymentLiquidityInput!) { depositOutgoingPaymentLiquidity(input: $i) { success } }`, { i: { outgoingPaymentId: o.outgoing, idempotencyKey: k() } }],
    ['createOutgoingPaymentWithdrawal', `mutation($i: CreateOutgoingPaymentWithdrawalInput!) { createOutgoingPaymentWithdrawal(input: $i) { success } }`, { i: { outgoingPaymentId: o.outgoing, idempotencyKey: k(), timeoutSeconds: '0' } }],
    ['createIncomingPaymentWithdrawal', `mutation($i: CreateIncomingPaymentWithdrawalInput!) { createIncomingPaymentWithdrawal(input: $i) { success } }`, { i: { incomingPaymentId: o.incoming, idempotencyKey: k(), timeoutSeconds: '0' } }],
    ['approveIncomingPayment', `mutation($i: ApproveIncomingPaymentInput!) { approveIncomingPayment(input: $i) { payment { id } } }`, { i: { id: o.incoming } }],
    ['cancelIncomingPayment', `mutation($i: CancelIncomingPaymentInput!) { cancelIncomingPayment(input: $i) { payment { id } } }`, { i: { id: o.incoming, cancellationReason: 'taken' } }],
    ['confirmPartialIncomingPayment', `mutation($i: ConfirmPartialIncomingPaymentInput!) { confirmPartialIncomingPayment(input: $i) { success } }`, { i: { incomingPaymentId: o.incoming, partialIncomingPaymentId: k() } }],
    ['rejectPartialIncomingPayment', `mutation($i: RejectPartialIncomingPaymentInput!) { rejectPartialIncomingPayment(input: $i) { success } }`, { i: { incomingPaymentId: o.incoming, partialIncomingPaymentId: k(), reason: 'no' } }],
    ['createOrUpdatePeerByUrl', `mutation($i: CreateOrUpdatePeerByUrlInput!) { createOrUpdatePeerByUrl(input: $i) { peer { id } } }`, { i: { assetId: o.asset, peerUrl: 'http://127.0.0.1:1/', idempotencyKey: k() } }],
    ['createWalletAddressWithdrawal', `mutation($i: CreateWalletAddressWithdrawalInput!) { createWalletAddressWithdrawal(input: $i) { withdrawal { id } } }`, { i: { walletAddressId: o.wallet, id: k(), idempotencyKey: k(), timeoutSeconds: '0' } }]
  ]
}

// A result that shows nothing: an error, a null answer, or an empty transfer list.
function nothing (name, r, mode) {
  if (r.body?.errors?.length) return
  const v = Object.values(r.body?.data ?? {})[0]
  if (mode === 'empty') {
    assert.equal(v.debits.length + v.credits.length, 0, `${name}: no transfers of another tenant`)
    return
  }
  assert.equal(v, null, `${name} answered another tenant's resource: ${JSON.stringify(r.body)}`)
}

test('isolation: every operation on another tenant\'s ids finds nothing and changes nothing', async () => {
  await build('alpha', 'AAA')
  await build('beta', 'BBB')
  const before = snapshot()
  for (const [attacker, victim] of [['beta', 'alpha'], ['alpha', 'beta']]) {
    const g = tenants[attacker].gql
    for (const [name, doc, vars, mode] of matrix(tenants[victim].own)) {
      const r = await g.raw(doc, vars)
      assert.ok(r.status === 200 || r.status === 400, `${name}: ${r.status} ${r.text}`)
      nothing(name, r, mode)
    }
  }
  assert.deepEqual(snapshot(), before, 'nothing changed in the database')
  // the owners still work on their own
  const A = tenants.alpha.gql
  assert.equal((await A.request(`query($id: String!) { asset(id: $id) { id } }`, { id: tenants.alpha.own.asset })).asset.id, tenants.alpha.own.asset)
  assert.equal((await A.request(`mutation($i: PostLiquidityWithdrawalInput!) { postLiquidityWithdrawal(input: $i) { success } }`,
    { i: { withdrawalId: tenants.alpha.own.withdrawal, idempotencyKey: randomUUID() } })).postLiquidityWithdrawal.success, true)
})

test('lists: a tenant lists only its own rows; the operator lists all, or one tenant\'s with tenantId', async () => {
  const lists = {
    assets: 'assets(first: 100) { edges { node { id } } }',
    peers: 'peers(first: 100) { edges { node { id } } }',
    walletAddresses: 'walletAddresses(first: 100) { edges { node { id } } }',
    incomingPayments: 'incomingPayments(first: 100) { edges { node { id } } }',
    outgoingPayments: 'outgoingPayments(first: 100) { edges { node { id } } }',
    payments: 'payments(first: 100) { edges { node { id } } }',
    webhookEvents: 'webhookEvents(first: 100) { edges { node { id data } } }'
  }
  const ids = async (g, field, tenantId) => {
    const q = lists[field].replace('(first: 100)', tenantId ? `(first: 100, tenantId: "${tenantId}")` : '(first: 100)')
    return (await g.request(`{ ${q} }`))[field].edges.map((e) => e.node)
  }
  const mine = (name) => Object.values(tenants[name].own).filter((v) => v.length === 36)
  for (const field of Object.keys(lists)) {
    const a = await ids(tenants.alpha.gql, field)
    const b = await ids(tenants.beta.gql, field)
    assert.ok(a.length > 0, `${field}: alpha has rows`)
    for (const node of b) assert.ok(!mine('alpha').includes(node.id) && !JSON.stringify(node).includes(tenants.alpha.own.wallet), `${field}: beta sees alpha's ${node.id}`)
    for (const node of a) assert.ok(!mine('beta').includes(node.id) && !JSON.stringify(node).includes(tenants.beta.own.wallet), `${field}: alpha sees beta's ${node.id}`)
    const all = (await ids(op, field)).map((n) => n.id)
    for (const n of [...a, ...b]) assert.ok(all.includes(n.id), `${field}: the operator sees ${n.id}`)
    const onlyA = (await ids(op, field, tenants.alpha.id)).map((n) => n.id)
    assert.deepEqual(onlyA.sort(), a.map((n) => n.id).sort(), `${field}: the operator's tenantId filter`)
    // a tenant's tenantId argument cannot widen its view
    assert.deepEqual((await ids(tenants.beta.gql, field, tenants.alpha.id)).map((n) => n.id).sort(), b.map((n) => n.id).sort())
  }
})

// A rates service on 127.0.0.1 answering Rafiki's format with AAA -> AXX at `rate`.
async function ratesService (rate) {
  const server = http.createServer((req, res) => {
    const base = new URL(req.url, 'http://x').searchParams.get('base')
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ base, rates: base === 'AAA' ? { AXX: rate } : {} }))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${server.address().port}/rates` }
}

test('settings: a tenant\'s EXCHANGE_RATES_URL prices its quotes; the instance\'s rates price the others', async () => {
  const A = tenants.alpha.gql
  const own = tenants.alpha.own
  const axx = (await A.request(`mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } } }`,
    { input: { code: 'AXX', scale: 2 } })).createAsset.asset
  const w = (await A.request(`mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id } } }`,
    { input: { assetId: axx.id, address: 'axx-payee' } })).createWalletAddress.walletAddress
  await A.request(`mutation($input: DepositAssetLiquidityInput!) { depositAssetLiquidity(input: $input) { success } }`,
    { input: { assetId: axx.id, amount: '100000', id: randomUUID(), idempotencyKey: randomUUID() } })
  const received = async () => {
    const ip = (await A.request(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { url } } }`,
      { input: { walletAddressId: w.id } })).createIncomingPayment.payment
    const q = (await A.request(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { receiveAmount { value assetCode } } } }`,
      { input: { walletAddressId: own.wallet, receiver: ip.url, debitAmount: { value: '1000', assetCode: 'AAA', assetScale: 2 } } })).createQuote.quote
    assert.equal(q.receiveAmount.assetCode, 'AXX')
    return Number(q.receiveAmount.value)
  }
  const base = await received()
  assert.ok(base > 0 && base <= 1000, `at the instance's rate 1: ${base}`)
  const three = await ratesService('3')
  const SETTINGS = `mutation($input: CreateTenantSettingsInput!) { createTenantSettings(input: $input) { settings { key value } } }`
  try {
    await A.request(SETTINGS, { input: { settings: [{ key: 'EXCHANGE_RATES_URL', value: three.url }] } })
    assert.equal(await received(), base * 3, 'at the tenant\'s rate 3')
  } finally {
    three.server.close()
  }
})

test('funding model: a tenant set to "ledger" pays from our ledger while the others wait for deposits (REST PATCH /tenants/{id})', async () => {
  const A = tenants.alpha.gql
  const own = tenants.alpha.own
  const rest = srv.admin
  const call = srv.call
  // the REST view never shows a secret
  const view = await rest('GET', `/tenants/${tenants.alpha.id}`)
  assert.equal(view.funding_model, null)
  assert.ok(!JSON.stringify(view).includes(tenants.alpha.secret))
  assert.ok((await rest('GET', '/tenants')).tenants.some((t) => t.id === OPERATOR && t.is_operator))
  assert.equal((await call('PATCH', `/tenants/${tenants.alpha.id}`, { funding_model: 'cash' })).status, 400)
  assert.equal((await call('PATCH', `/tenants/${randomUUID()}`, { funding_model: 'ledger' })).status, 404)
  assert.equal((await rest('PATCH', `/tenants/${tenants.alpha.id}`, { funding_model: 'ledger' })).funding_model, 'ledger')

  const w = await rest('GET', `/wallet-addresses/${own.wallet}`)
  await rest('POST', `/accounts/${w.account_id}/deposits`, { id: randomUUID(), amount: '5000' })
  const ip = (await A.request(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { url } } }`,
    { input: { walletAddressId: own.payee, incomingAmount: { value: '200', assetCode: 'AAA', assetScale: 2 } } })).createIncomingPayment.payment
  const quote = (await A.request(`mutation($input: CreateQuoteInput!) { createQuote(input: $input) { quote { id } } }`,
    { input: { walletAddressId: own.wallet, receiver: ip.url } })).createQuote.quote
  const pay = (await A.request(`mutation($input: CreateOutgoingPaymentInput!) { createOutgoingPayment(input: $input) { payment { id } } }`,
    { input: { walletAddressId: own.wallet, quoteId: quote.id } })).createOutgoingPayment.payment
  let state
  for (let i = 0; i < 200; i++) {
    state = (await A.request(`query($id: String!) { outgoingPayment(id: $id) { state } }`, { id: pay.id })).outgoingPayment.state
    if (state === 'COMPLETED' || state === 'FAILED') break
    await sleep(25)
  }
  assert.equal(state, 'COMPLETED', 'no deposit needed in the ledger model')
  const earlier = (await tenants.beta.gql.request(`query($id: String!) { outgoingPayment(id: $id) { state } }`, { id: tenants.beta.own.outgoing })).outgoingPayment.state
  assert.equal(earlier, 'FUNDING', "beta (the instance's rafiki model) still waits for its deposit")
  assert.equal((await rest('PATCH', `/tenants/${tenants.alpha.id}`, { funding_model: null })).funding_model, null)
})

test('settings: a tenant\'s payments receive under its ILP_ADDRESS (Rafiki\'s default {ILP_ADDRESS}.{tenantId})', async () => {
  const A = tenants.alpha.gql
  const own = tenants.alpha.own
  const prefix = `test.tenants.${tenants.alpha.id}.`
  const ip = (await A.request(`mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id } } }`,
    { input: { walletAddressId: own.payee, incomingAmount: { value: '700', assetCode: 'AAA', assetScale: 2 } } })).createIncomingPayment.payment
  const m = (await srv.admin('GET', `/incoming-payments/${ip.id}`)).methods[0]
  assert.ok(m.ilpAddress.startsWith(prefix), m.ilpAddress)
  const spsp = await (await fetch(own.walletUrl.replace('/payer', '/payee'), { headers: { accept: 'application/spsp4+json' } })).json()
  assert.ok(spsp.destination_account.startsWith(prefix), spsp.destination_account)
  // the operator's wallet addresses keep the instance's address
  const opUsd = await srv.admin('POST', '/assets', { code: 'OPA', scale: 2 })
  const opWallet = await srv.admin('POST', '/wallet-addresses', { asset_id: opUsd.id, url: `http://localhost:${srv.ports.op}/operator-own` })
  const opSpsp = await (await fetch(opWallet.url, { headers: { accept: 'application/spsp4+json' } })).json()
  assert.ok(opSpsp.destination_account.startsWith('test.tenants.') && !opSpsp.destination_account.startsWith(prefix))
  // money sent to the tenant's address arrives
  const token = `peer-${randomUUID()}`
  await srv.admin('POST', '/peers', { asset_id: own.asset, ilp_address: 'test.sender', incoming_tokens: [token], min_balance: '-100000000', name: 'sender' })
  const keys = await streamKeys({ destination_account: m.ilpAddress, shared_secret: m.sharedSecret })
  const r = await fetch(`http://127.0.0.1:${srv.ports.conn}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${token}` },
    body: await moneyPrepare(keys, 300, 10000)
  })
  assert.equal(r.status, 200)
  assert.equal((await streamReply(keys, Buffer.from(await r.arrayBuffer()))).type, 'fulfill')
  const got = (await A.request(`query($id: String!) { incomingPayment(id: $id) { receivedAmount { value } } }`, { id: ip.id })).incomingPayment
  assert.equal(got.receivedAmount.value, '300')
})

test('assets: each tenant has its own namespace of codes, as in Rafiki 2.0 (both may have USD/2)', async () => {
  const CREATE = `mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id code scale } } }`
  const BY_CODE = `{ assetByCodeAndScale(code: "USD", scale: 2) { id } }`
  const mine = (await op.request(CREATE, { input: { code: 'USD', scale: 2 } })).createAsset.asset
  const a = (await tenants.alpha.gql.request(CREATE, { input: { code: 'USD', scale: 2 } })).createAsset.asset
  const b = (await tenants.beta.gql.request(CREATE, { input: { code: 'USD', scale: 2 } })).createAsset.asset
  assert.equal(new Set([mine.id, a.id, b.id]).size, 3, 'three assets USD/2')
  const e = await fails(tenants.alpha.gql, CREATE, { input: { code: 'USD', scale: 2 } })
  assert.equal(e.code, 'DUPLICATE', 'but only one in a namespace')
  assert.equal((await tenants.alpha.gql.request(BY_CODE)).assetByCodeAndScale.id, a.id)
  assert.equal((await tenants.beta.gql.request(BY_CODE)).assetByCodeAndScale.id, b.id)
  assert.equal((await op.request(BY_CODE)).assetByCodeAndScale.id, mine.id)
  // the operator made one for alpha with tenantId: in alpha's namespace, a duplicate there
  const again = await fails(op, CREATE, { input: { code: 'USD', scale: 2, tenantId: tenants.alpha.id } })
  assert.equal(again.code, 'DUPLICATE')
})

// Every root field that names a resource (an argument or input field called id, ...Id or
// ...Url) is in the matrix, or named here with the reason it needs no tenant check.
const NAMES_NO_RESOURCE = {
  tenant: 'a tenant reads only itself (tested above)',
  updateTenant: 'a tenant updates only itself (tested above)',
  deleteTenant: 'operator only (tested above)',
  createTenant: 'operator only; its id is the new tenant\'s',
  assets: 'a list: tenantId is the scope (tested below)',
  peers: 'a list',
  walletAddresses: 'a list',
  incomingPayments: 'a list',
  outgoingPayments: 'a list',
  payments: 'a list',
  webhookEvents: 'a list',
  createAsset: 'tenantId: only its own (Assignment to the specified tenant is not permitted)',
  createOrUpdatePeerByUrl: 'in the matrix by assetId',
  createWalletAddress: 'in the matrix by assetId; tenantId: only its own'
}
test('coverage: every root field that names a resource is in the isolation matrix', async () => {
  const { __schema: schema } = await op.request(`{ __schema { types { name kind
    fields { name args { name type { name kind ofType { name kind ofType { name kind } } } } }
    inputFields { name } } } }`)
  const byName = Object.fromEntries(schema.types.map((t) => [t.name, t]))
  const named = (n) => n === 'id' || /Id$|Url$/.test(n)
  const typeName = (t) => t.name ?? typeName(t.ofType)
  const inMatrix = new Set(matrix(tenants.alpha.own).map(([name]) => name))
  const missing = []
  for (const root of ['Query', 'Mutation']) {
    for (const f of byName[root].fields) {
      const args = f.args.flatMap((a) => {
        const t = byName[typeName(a.type)]
        return t?.kind === 'INPUT_OBJECT' ? t.inputFields.map((i) => i.name) : [a.name]
      })
      if (!args.some(named) || inMatrix.has(f.name) || NAMES_NO_RESOURCE[f.name]) continue
      missing.push(f.name)
    }
  }
  assert.deepEqual(missing, [], 'root fields with ids the matrix does not try')
})
