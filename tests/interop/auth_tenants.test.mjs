// The authorization server's tenants, as Rafiki 2.0 has them: a grant requested at
// {AUTH_SERVER_URL}/{tenantId} belongs to that tenant, its user is sent to the tenant's own IdP
// (idpConsentUrl) and only the tenant's idpSecret opens the interaction API for it; the auth
// Admin GraphQL API shows a tenant its own grants only. Driven with the official client
// (@interledger/open-payments) against a real `rafiki serve`, with a small fake IdP on
// 127.0.0.1 that reads and accepts the grants sent to it. Tenants are made through the Admin
// GraphQL API (lib/gql.mjs). On Postgres too when TEST_POSTGRES_URL is set.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:http'
import { createHash, randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient, ClientError } from './lib/gql.mjs'
import { pgUrl, psql } from './lib/pg.mjs'

const require = createRequire(import.meta.url)
const { createAuthenticatedClient, createUnauthenticatedClient, isPendingGrant, isFinalizedGrantWithAccessToken } =
  require('@interledger/open-payments')
const { generateTestKeys } = require('@interledger/http-signature-utils')

const SECRET = 'auth-tenants-admin-secret-' + randomUUID()
const IDP_SECRET = 'auth-tenants-operator-idp-' + randomUUID()
const OPERATOR = randomUUID()
const FINISH = 'http://localhost:39997/finish' // never fetched
const dir = mkdtempSync(join(tmpdir(), 'rafiki-auth-tenants-'))

let srv, ports, authUrl, op, client, alice, bob, idp, idpUrl, shopUrl
const tenants = {} // name -> { id, apiSecret, idpSecret, gql, auth }
const seen = [] // what the fake IdP was sent: { path, query, details, accepted }

const amount = (value) => ({ value: String(value), assetCode: 'USD', assetScale: 2 })
const idOf = (g) => g.continue.uri.split('/').pop() // a grant's id: its continue URI's last segment

// The tenant's IdP: its consent page reads the grant through the interaction API with the
// tenant's secret (Rafiki's id-provider.yaml) and accepts it, as a wallet's own IdP does once
// its user has agreed.
function startIdp () {
  return new Promise((resolve) => {
    const s = createServer(async (req, res) => {
      const u = new URL(req.url, 'http://127.0.0.1')
      const who = Object.values(tenants).find((t) => u.pathname === `/${t.name}/consent`)
      const q = Object.fromEntries(u.searchParams)
      const at = `http://127.0.0.1:${ports.inter}/grant/${q.interactId}/${q.nonce}`
      const got = await fetch(at, { headers: { 'x-idp-secret': who?.idpSecret ?? '' } })
      const details = got.status === 200 ? await got.json() : { status: got.status }
      const acc = await fetch(`${at}/accept`, { method: 'POST', headers: { 'x-idp-secret': who?.idpSecret ?? '' } })
      seen.push({ path: u.pathname, query: q, details, accepted: acc.status })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('consented')
    })
    s.listen(0, '127.0.0.1', () => resolve(s))
  })
}

const CREATE_TENANT = `mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }`

async function newTenant (name, withIdp) {
  const apiSecret = `${name}-api-${randomUUID()}`
  const idpSecret = `${name}-idp-${randomUUID()}`
  const input = { apiSecret, publicName: name, email: `${name}@example.test` }
  if (withIdp) Object.assign(input, { idpConsentUrl: `${idpUrl}/${name}/consent`, idpSecret })
  const { id } = (await op.request(CREATE_TENANT, { input })).createTenant.tenant
  tenants[name] = {
    name,
    id,
    apiSecret,
    idpSecret: withIdp ? idpSecret : null,
    auth: gqlClient({ url: `http://127.0.0.1:${ports.authAdmin}/graphql`, secret: apiSecret, tenantId: id, which: 'auth' })
  }
  return tenants[name]
}

before(async () => {
  const env = { IDP_SECRET, WAIT_SECONDS: '1', OPERATOR_TENANT_ID: OPERATOR }
  const pg = process.env.TEST_POSTGRES_URL
  if (pg) {
    const db = `authten_${randomUUID().replaceAll('-', '').slice(0, 12)}`
    psql(pg, `CREATE DATABASE ${db}`)
    env.DATABASE_URL = pgUrl(pg, db)
  }
  srv = await startServe({ dir, name: 'at', ilp: 'test.authten', secret: SECRET, env })
  ports = srv.ports
  authUrl = `http://localhost:${ports.auth}`
  idp = await startIdp()
  idpUrl = `http://127.0.0.1:${idp.address().port}`
  op = gqlClient({ url: `http://127.0.0.1:${ports.admin}/graphql`, secret: SECRET, tenantId: OPERATOR })
  tenants.operator = {
    name: 'operator',
    id: OPERATOR,
    idpSecret: IDP_SECRET,
    auth: gqlClient({ url: `http://127.0.0.1:${ports.authAdmin}/graphql`, secret: SECRET, tenantId: OPERATOR, which: 'auth' })
  }
  const usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  const wa = (name) => srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${ports.op}/${name}`, public_name: name })
  const [a, b, shop] = [await wa('alice'), await wa('bob'), await wa('shop')]
  shopUrl = shop.url
  const keys = generateTestKeys()
  await srv.admin('POST', `/wallet-addresses/${shop.id}/keys`, { jwk: keys.publicKey })
  client = await createAuthenticatedClient({ walletAddressUrl: shop.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid })
  const anon = await createUnauthenticatedClient({})
  alice = await anon.walletAddress.get({ url: a.url })
  bob = await anon.walletAddress.get({ url: b.url })
  await newTenant('tee', true)
  await newTenant('you', true)
  await newTenant('vee', false)
})

after(() => {
  srv?.proc.kill('SIGKILL')
  idp?.close()
  rmSync(dir, { recursive: true, force: true })
})

// An interactive outgoing-payment grant on alice, requested at url.
function interactive (url) {
  return client.grant.request({ url }, {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read', 'list'], identifier: alice.id, limits: { debitAmount: amount(500) } }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } }
  })
}

// The interaction's id and nonce, from the redirect URI the grant answered.
function interaction (grant) {
  const [, id, nonce] = new URL(grant.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/)
  return { id, nonce, api: `http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}` }
}

// GET and POST accept on the interaction API with secret: both statuses.
async function idpTry (it, secret) {
  const headers = secret == null ? {} : { 'x-idp-secret': secret }
  const read = await fetch(it.api, { headers })
  const accept = await fetch(`${it.api}/accept`, { method: 'POST', headers })
  return [read.status, accept.status]
}

const grants = {} // name -> grant id

test('a grant at {auth}/{tenant} goes to the tenant\'s IdP, which alone decides it; the client receives a working token', async () => {
  const T = tenants.tee
  const g = await interactive(`${authUrl}/${T.id}`)
  assert.ok(isPendingGrant(g))
  grants.tee = idOf(g)
  assert.equal(g.continue.uri, `${authUrl}/continue/${grants.tee}`, 'continue stays on the server\'s own URL, as Rafiki')
  const it = interaction(g)

  const start = await fetch(g.interact.redirect, { redirect: 'manual' })
  assert.equal(start.status, 302)
  const loc = new URL(start.headers.get('location'))
  assert.equal(`${loc.origin}${loc.pathname}`, `${idpUrl}/tee/consent`, 'the tenant\'s idpConsentUrl')
  assert.deepEqual(Object.fromEntries(loc.searchParams), { interactId: it.id, nonce: it.nonce, clientName: 'shop', clientUri: shopUrl },
    'the query our built-in consent screen and Rafiki\'s IdP are sent')
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')

  // nobody else's secret reads or decides T's grant
  assert.deepEqual(await idpTry(it, null), [401, 401], 'no secret')
  assert.deepEqual(await idpTry(it, IDP_SECRET), [401, 401], 'the operator\'s IDP_SECRET')
  assert.deepEqual(await idpTry(it, tenants.you.idpSecret), [401, 401], 'another tenant\'s idpSecret')
  assert.deepEqual(await idpTry(it, T.apiSecret), [401, 401], 'T\'s API secret is not its IdP secret')

  // the user arrives at T's IdP, which reads the grant with T's secret and accepts it
  const page = await fetch(loc)
  assert.equal(page.status, 200)
  const visit = seen.find((s) => s.query.interactId === it.id)
  assert.equal(visit.path, '/tee/consent')
  assert.equal(visit.details.grantId, grants.tee)
  assert.equal(visit.details.state, 'PENDING')
  assert.equal(visit.details.access[0].type, 'outgoing-payment')
  assert.equal(visit.accepted, 202)

  const fin = await fetch(`${authUrl}/interact/${it.id}/${it.nonce}/finish`, { redirect: 'manual', headers: { cookie } })
  assert.equal(fin.status, 302)
  const back = new URL(fin.headers.get('location'))
  const ref = back.searchParams.get('interact_ref')
  assert.ok(ref)
  await sleep(1000)
  const done = await client.grant.continue({ url: g.continue.uri, accessToken: g.continue.access_token.value }, { interact_ref: ref })
  assert.ok(isFinalizedGrantWithAccessToken(done))
  const token = done.access_token.value
  const list = await client.outgoingPayment.list({ url: alice.resourceServer, walletAddress: alice.id, accessToken: token })
  assert.ok(Array.isArray(list.result), 'the tenant grant\'s token is accepted by the resource server')

  // rotation and revocation of a tenant grant's token
  const rotated = await client.token.rotate({ url: done.access_token.manage, accessToken: token })
  const fresh = rotated.access_token.value
  assert.notEqual(fresh, token)
  await assert.rejects(client.outgoingPayment.list({ url: alice.resourceServer, walletAddress: alice.id, accessToken: token }), (e) => e.status === 403, "the rotated token is inactive")
  await client.outgoingPayment.list({ url: alice.resourceServer, walletAddress: alice.id, accessToken: fresh })
  await client.token.revoke({ url: rotated.access_token.manage, accessToken: fresh })
  await assert.rejects(client.outgoingPayment.list({ url: alice.resourceServer, walletAddress: alice.id, accessToken: fresh }), (e) => e.status === 403, "the revoked token is inactive")
})

test('the interaction hash covers {auth}/{tenant}, the endpoint the client asked', async () => {
  const T = tenants.tee
  const nonce = randomUUID()
  const g = await client.grant.request({ url: `${authUrl}/${T.id}` }, {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create'], identifier: alice.id, limits: { debitAmount: amount(100) } }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce } }
  })
  grants.teeHash = idOf(g)
  const it = interaction(g)
  const start = await fetch(g.interact.redirect, { redirect: 'manual' })
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  await fetch(start.headers.get('location'))
  const fin = await fetch(`${authUrl}/interact/${it.id}/${it.nonce}/finish`, { redirect: 'manual', headers: { cookie } })
  const back = new URL(fin.headers.get('location'))
  const ref = back.searchParams.get('interact_ref')
  const want = createHash('sha256').update(`${nonce}\n${g.interact.finish}\n${ref}\n${authUrl}/${T.id}`).digest('base64')
  assert.equal(back.searchParams.get('hash'), want)
  const plain = createHash('sha256').update(`${nonce}\n${g.interact.finish}\n${ref}\n${authUrl}/`).digest('base64')
  assert.notEqual(back.searchParams.get('hash'), plain)
})

test('the operator\'s grants (POST /) keep IDP_SECRET: no tenant\'s secret reads or decides them', async () => {
  const g = await interactive(alice.authServer)
  assert.ok(isPendingGrant(g))
  grants.operator = idOf(g)
  const it = interaction(g)
  const start = await fetch(g.interact.redirect, { redirect: 'manual' })
  assert.equal(new URL(start.headers.get('location')).pathname, '/consent', 'the built-in consent screen, as before')
  assert.deepEqual(await idpTry(it, tenants.tee.idpSecret), [401, 401])
  assert.deepEqual(await idpTry(it, tenants.you.idpSecret), [401, 401])
  const read = await fetch(it.api, { headers: { 'x-idp-secret': IDP_SECRET } })
  assert.equal(read.status, 200)
  assert.equal((await read.json()).grantId, grants.operator)
})

test('a grant at {auth}/{operator id} is the operator\'s: IDP_SECRET decides it', async () => {
  const g = await interactive(`${authUrl}/${OPERATOR}`)
  grants.operatorById = idOf(g)
  const it = interaction(g)
  assert.deepEqual(await idpTry(it, tenants.tee.idpSecret), [401, 401])
  assert.equal((await fetch(it.api, { headers: { 'x-idp-secret': IDP_SECRET } })).status, 200)
})

test('a tenant without idpConsentUrl uses the built-in consent screens; no secret opens its interactions', async () => {
  const V = tenants.vee
  const g = await interactive(`${authUrl}/${V.id}`)
  grants.vee = idOf(g)
  const it = interaction(g)
  const start = await fetch(g.interact.redirect, { redirect: 'manual' })
  const loc = new URL(start.headers.get('location'))
  assert.equal(`${loc.origin}${loc.pathname}`, `${authUrl}/consent`)
  assert.equal(loc.searchParams.get('interactId'), it.id)
  assert.deepEqual(await idpTry(it, IDP_SECRET), [401, 401])
  assert.deepEqual(await idpTry(it, tenants.tee.idpSecret), [401, 401])
})

test('a non-interactive grant of a tenant: token issued, introspected and managed', async () => {
  const T = tenants.tee
  const g = await client.grant.request({ url: `${authUrl}/${T.id}` }, {
    access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read', 'list'], identifier: bob.id }] }
  })
  assert.ok(isFinalizedGrantWithAccessToken(g))
  grants.teeIncoming = idOf(g)
  const ip = await client.incomingPayment.create({ url: bob.resourceServer, accessToken: g.access_token.value }, { walletAddress: bob.id, incomingAmount: amount(100) })
  assert.equal(ip.walletAddress, bob.id)
  const intro = await fetch(`http://127.0.0.1:${ports.intro}/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: g.access_token.value })
  })
  const body = await intro.json()
  assert.equal(body.active, true)
  assert.equal(body.grant, grants.teeIncoming)
})

test('an unknown, deleted or malformed tenant id in the path is refused as Rafiki refuses it', async () => {
  const gone = await newTenant('gone', true)
  await op.request('mutation($id: String!) { deleteTenant(id: $id) { success } }', { id: gone.id })
  for (const id of [randomUUID(), gone.id, 'not-a-tenant']) {
    await assert.rejects(
      client.grant.request({ url: `${authUrl}/${id}` }, { access_token: { access: [{ type: 'quote', actions: ['create'] }] } }),
      (e) => e.status === 404 && /Not Found/.test(e.description ?? e.message),
      id)
  }
  const raw = await fetch(`${authUrl}/${randomUUID()}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  assert.equal(raw.status, 404)
  assert.deepEqual((await raw.json()).error, { code: 'invalid_request', description: 'Not Found' })
})

const LIST = 'query($tenantId: ID) { grants(first: 100, tenantId: $tenantId) { edges { node { id tenantId } } } }'
const ONE = 'query($id: ID!) { grant(id: $id) { id tenantId } }'
const REVOKE = 'mutation($input: RevokeGrantInput!) { revokeGrant(input: $input) { id } }'

async function fails (c, doc, variables) {
  try {
    await c.request(doc, variables)
  } catch (e) {
    assert.ok(e instanceof ClientError, String(e))
    return e.response.errors[0]
  }
  assert.fail('the request should have failed')
}

const ids = (data) => data.grants.edges.map((e) => e.node.id).sort()

test('auth Admin GraphQL: a tenant sees and revokes only its own grants; the operator sees all and filters by tenant', async () => {
  const T = tenants.tee
  const tees = [grants.tee, grants.teeHash, grants.teeIncoming].sort()
  const mine = await T.auth.request(LIST)
  assert.deepEqual(ids(mine), tees)
  for (const e of mine.grants.edges) assert.equal(e.node.tenantId, T.id)
  assert.deepEqual(ids(await T.auth.request(LIST, { tenantId: OPERATOR })), tees, 'a tenant\'s tenantId argument is ignored, as Rafiki')
  assert.deepEqual(ids(await tenants.you.auth.request(LIST)), [], 'another tenant sees none of them')
  assert.deepEqual(ids(await tenants.vee.auth.request(LIST)), [grants.vee])

  assert.equal((await T.auth.request(ONE, { id: grants.tee })).grant.tenantId, T.id)
  for (const other of [grants.operator, grants.vee]) {
    const e = await fails(T.auth, ONE, { id: other })
    assert.deepEqual([e.extensions.code, e.message], ['NOT_FOUND', 'No grant'])
    const r = await fails(T.auth, REVOKE, { input: { grantId: other } })
    assert.deepEqual([r.extensions.code, r.message], ['NOT_FOUND', 'Revoke grant was not successful'])
  }
  assert.equal((await tenants.operator.auth.request(ONE, { id: grants.operator })).grant.tenantId, OPERATOR, 'another tenant could not revoke it')
  const y = await fails(tenants.you.auth, REVOKE, { input: { grantId: grants.teeHash } })
  assert.equal(y.extensions.code, 'NOT_FOUND')

  const O = tenants.operator.auth
  const all = ids(await O.request(LIST))
  for (const g of [...tees, grants.vee, grants.operator, grants.operatorById]) assert.ok(all.includes(g), g)
  assert.deepEqual(ids(await O.request(LIST, { tenantId: T.id })), tees)
  assert.deepEqual(ids(await O.request(LIST, { tenantId: OPERATOR })), [grants.operator, grants.operatorById].sort(),
    'the operator\'s own: POST / and POST /{operator id}')
  assert.equal((await O.request(ONE, { id: grants.tee })).grant.tenantId, T.id)

  // T revokes its own grant: it is finalized as REVOKED
  assert.equal((await T.auth.request(REVOKE, { input: { grantId: grants.teeHash } })).revokeGrant.id, grants.teeHash)
  const st = await O.request('query($id: ID!) { grant(id: $id) { state finalizationReason } }', { id: grants.teeHash })
  assert.deepEqual([st.grant.state, st.grant.finalizationReason], ['FINALIZED', 'REVOKED'])
})
