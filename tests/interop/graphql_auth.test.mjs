// The auth server's Admin GraphQL API (Rafiki's auth schema: grants, grant, revokeGrant) on
// AUTH_ADMIN_PORT of a real `rafiki serve`. Grants are made through the real Open Payments flow
// with the official client (@interledger/open-payments): non-interactive incoming-payment and
// quote grants, an interactive outgoing-payment grant accepted and continued, one rejected and
// one left pending. Then the operator lists them (filters, Relay pages both ways, sortOrder),
// reads one, revokes one and sees its access token stop working at the resource server.
// Requests are signed as Rafiki's clients sign them (lib/gql.mjs), and every document is
// validated against Rafiki's published auth SDL before it is sent; unsigned, mis-signed and
// replayed requests are refused. On Postgres too when TEST_POSTGRES_URL is set
// (scripts/with-services.sh): the server then uses a database of its own there.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient, sign, assertValid } from './lib/gql.mjs'
import { pgUrl, psql } from './lib/pg.mjs'

const require = createRequire(import.meta.url)
const { createAuthenticatedClient, createUnauthenticatedClient, isPendingGrant, isFinalizedGrantWithAccessToken } =
  require('@interledger/open-payments')
const { generateTestKeys } = require('@interledger/http-signature-utils')

const SECRET = 'graphql-auth-admin-secret-0123456'
const IDP_SECRET = 'graphql-auth-idp-secret-01234567'
const TENANT = randomUUID()
const FINISH = 'http://localhost:39998/finish' // never fetched
const dir = mkdtempSync(join(tmpdir(), 'rafiki-gqlauth-'))

let srv, ports, gql, client, anon, wAlice, wBob, shopUrl
const made = {} // name -> { id, token? }

const GRANT_FIELDS = `id client state finalizationReason createdAt tenantId
  access { id type actions identifier createdAt limits { receiver interval debitAmount { value assetCode assetScale } receiveAmount { value } } }`
const LIST = `query Grants($first: Int, $after: String, $last: Int, $before: String, $filter: GrantFilter, $sortOrder: SortOrder) {
  grants(first: $first, after: $after, last: $last, before: $before, filter: $filter, sortOrder: $sortOrder) {
    edges { cursor node { ${GRANT_FIELDS} } }
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage }
  }
}`
const ONE = `query Grant($id: ID!) { grant(id: $id) { ${GRANT_FIELDS} subject { sub_ids { id } } } }`
const REVOKE = 'mutation Revoke($input: RevokeGrantInput!) { revokeGrant(input: $input) { id } }'

const amount = (value) => ({ value: String(value), assetCode: 'USD', assetScale: 2 })

// start (cookie), decide through the interaction API, finish: the interact_ref, or null.
async function interact (grant, accept) {
  const start = await fetch(grant.interact.redirect, { redirect: 'manual' })
  assert.equal(start.status, 302)
  const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
  const [, id, nonce] = new URL(grant.interact.redirect).pathname.match(/\/interact\/([^/]+)\/([^/]+)$/)
  const decided = await fetch(`http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}/${accept ? 'accept' : 'reject'}`, {
    method: 'POST', headers: { 'x-idp-secret': IDP_SECRET }
  })
  assert.equal(decided.status, 202)
  const fin = await fetch(`${new URL(grant.interact.redirect).origin}/interact/${id}/${nonce}/finish`, {
    redirect: 'manual', headers: { cookie }
  })
  assert.equal(fin.status, 302)
  return new URL(fin.headers.get('location')).searchParams.get('interact_ref')
}

async function interactiveGrant (identifier) {
  return client.grant.request({ url: wAlice.authServer }, {
    access_token: { access: [{ type: 'outgoing-payment', actions: ['create', 'read'], identifier, limits: { debitAmount: amount(700), interval: 'R/2026-01-01T00:00:00Z/P1M' } }] },
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: FINISH, nonce: randomUUID() } }
  })
}

before(async () => {
  const env = { IDP_SECRET, WAIT_SECONDS: '1', OPERATOR_TENANT_ID: TENANT }
  const pg = process.env.TEST_POSTGRES_URL
  if (pg) {
    const db = `gqlauth_${randomUUID().replaceAll('-', '').slice(0, 12)}`
    psql(pg, `CREATE DATABASE ${db}`)
    env.DATABASE_URL = pgUrl(pg, db)
  }
  srv = await startServe({ dir, name: 'ga', ilp: 'test.gqlauth', secret: SECRET, env })
  ports = srv.ports
  const { op } = ports
  const usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  const wa = (name) => srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${op}/${name}`, public_name: name })
  const [alice, bob, shop] = [await wa('alice'), await wa('bob'), await wa('shop')]
  shopUrl = shop.url
  const keys = generateTestKeys()
  await srv.admin('POST', `/wallet-addresses/${shop.id}/keys`, { jwk: keys.publicKey })
  client = await createAuthenticatedClient({ walletAddressUrl: shop.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid })
  anon = await createUnauthenticatedClient({})
  wAlice = await anon.walletAddress.get({ url: alice.url })
  wBob = await anon.walletAddress.get({ url: bob.url })
  gql = gqlClient({ url: `http://127.0.0.1:${ports.authAdmin}/graphql`, secret: SECRET, tenantId: TENANT, which: 'auth' })

  // in creation order: incoming (bob), quote (alice), outgoing issued (alice), rejected (alice), pending (alice)
  const ip = await client.grant.request({ url: wBob.authServer }, {
    access_token: { access: [{ type: 'incoming-payment', actions: ['create', 'read'], identifier: wBob.id }] }
  })
  assert.ok(isFinalizedGrantWithAccessToken(ip))
  await sleep(5) // creation times apart: same-millisecond grants order by their random ids
  const q = await client.grant.request({ url: wAlice.authServer }, {
    access_token: { access: [{ type: 'quote', actions: ['create', 'read'] }] }
  })
  assert.ok(isFinalizedGrantWithAccessToken(q))
  const opg = await interactiveGrant(wAlice.id)
  assert.ok(isPendingGrant(opg))
  const ref = await interact(opg, true)
  await sleep(1000)
  const issued = await client.grant.continue({ url: opg.continue.uri, accessToken: opg.continue.access_token.value }, { interact_ref: ref })
  assert.ok(isFinalizedGrantWithAccessToken(issued))
  const rej = await interactiveGrant(wAlice.id)
  await interact(rej, false)
  await sleep(5)
  const pend = await interactiveGrant(wAlice.id)
  assert.ok(isPendingGrant(pend))
  // the grant ids are the continue URIs' last segments
  const idOf = (g) => g.continue.uri.split('/').pop()
  Object.assign(made, {
    ip: { id: idOf(ip), token: ip.access_token.value },
    quote: { id: idOf(q) },
    issued: { id: idOf(opg) },
    rejected: { id: idOf(rej) },
    pending: { id: idOf(pend) }
  })
})

after(() => {
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const nameOf = (id) => Object.keys(made).find((k) => made[k].id === id) ?? id
const names = (data) => data.grants.edges.map((e) => nameOf(e.node.id))

test('grants: every grant, newest first, spelled as Rafiki spells them', async () => {
  const data = await gql.request(LIST)
  assert.deepEqual(names(data), ['pending', 'rejected', 'issued', 'quote', 'ip'])
  const byName = Object.fromEntries(data.grants.edges.map((e) => [nameOf(e.node.id), e.node]))
  for (const e of data.grants.edges) assert.equal(e.cursor, e.node.id)
  assert.deepEqual([byName.ip.state, byName.ip.finalizationReason], ['APPROVED', null], 'a grant without interaction stays APPROVED, as Rafiki')
  assert.deepEqual([byName.issued.state, byName.issued.finalizationReason], ['FINALIZED', 'ISSUED'])
  assert.deepEqual([byName.rejected.state, byName.rejected.finalizationReason], ['FINALIZED', 'REJECTED'])
  assert.deepEqual([byName.pending.state, byName.pending.finalizationReason], ['PENDING', null])
  const g = byName.issued
  assert.equal(g.client, shopUrl)
  assert.equal(g.tenantId, TENANT)
  assert.match(g.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  assert.equal(g.access.length, 1)
  const a = g.access[0]
  assert.match(a.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.deepEqual({ type: a.type, actions: a.actions, identifier: a.identifier }, { type: 'outgoing-payment', actions: ['create', 'read'], identifier: wAlice.id })
  assert.deepEqual(a.limits, { receiver: null, interval: 'R/2026-01-01T00:00:00Z/P1M', debitAmount: amount(700), receiveAmount: null })
  assert.equal(byName.quote.access[0].identifier, null)
  assert.equal(byName.quote.access[0].limits, null)
  assert.deepEqual(data.grants.pageInfo, {
    startCursor: made.pending.id, endCursor: made.ip.id, hasNextPage: false, hasPreviousPage: false
  })
})

test('grants: filters by identifier, state and finalizationReason', async () => {
  const run = async (filter) => names(await gql.request(LIST, { filter }))
  assert.deepEqual(await run({ identifier: { in: [wAlice.id] } }), ['pending', 'rejected', 'issued'])
  assert.deepEqual(await run({ identifier: { in: [wBob.id, 'https://nowhere.test/x'] } }), ['ip'])
  assert.deepEqual(await run({ state: { in: ['APPROVED', 'PENDING'] } }), ['pending', 'quote', 'ip'])
  assert.deepEqual(await run({ state: { notIn: ['PENDING', 'APPROVED'] } }), ['rejected', 'issued'])
  assert.deepEqual(await run({ finalizationReason: { in: ['REJECTED'] } }), ['rejected'])
  assert.deepEqual(await run({ finalizationReason: { notIn: ['ISSUED'] } }), ['pending', 'rejected', 'quote', 'ip'])
  assert.deepEqual(await run({ identifier: { in: [wAlice.id] }, state: { in: ['FINALIZED'] }, finalizationReason: { notIn: ['REJECTED'] } }), ['issued'])
  assert.deepEqual(await run({ identifier: { in: [] } }), ['pending', 'rejected', 'issued', 'quote', 'ip'], 'an empty list filters nothing')
})

test('grants: Relay pages forward and backward, both sort orders', async () => {
  const p1 = await gql.request(LIST, { first: 2 })
  assert.deepEqual(names(p1), ['pending', 'rejected'])
  assert.equal(p1.grants.pageInfo.hasNextPage, true)
  assert.equal(p1.grants.pageInfo.hasPreviousPage, false)
  const p2 = await gql.request(LIST, { first: 2, after: p1.grants.pageInfo.endCursor })
  assert.deepEqual(names(p2), ['issued', 'quote'])
  assert.deepEqual([p2.grants.pageInfo.hasPreviousPage, p2.grants.pageInfo.hasNextPage], [true, true])
  const p3 = await gql.request(LIST, { first: 2, after: p2.grants.pageInfo.endCursor })
  assert.deepEqual(names(p3), ['ip'])
  assert.equal(p3.grants.pageInfo.hasNextPage, false)
  const back = await gql.request(LIST, { last: 2, before: p3.grants.pageInfo.startCursor })
  assert.deepEqual(names(back), ['issued', 'quote'])
  const asc = await gql.request(LIST, { sortOrder: 'ASC', first: 3 })
  assert.deepEqual(names(asc), ['ip', 'quote', 'issued'])
  const ascNext = await gql.request(LIST, { sortOrder: 'ASC', after: asc.grants.pageInfo.endCursor })
  assert.deepEqual(names(ascNext), ['rejected', 'pending'])
  const ascBack = await gql.request(LIST, { sortOrder: 'ASC', last: 1, before: made.issued.id })
  assert.deepEqual(names(ascBack), ['quote'])
  // Rafiki's getPage errors, as plain errors (INTERNAL_SERVER_ERROR)
  const tooMany = await gql.raw(LIST, { first: 101 })
  assert.equal(tooMany.body.errors[0].message, 'Pagination index error')
  const fromStart = await gql.raw(LIST, { last: 2 })
  assert.equal(fromStart.body.errors[0].message, "Can't paginate backwards from the start.")
})

test('grant(id): one grant; an unknown one is NOT_FOUND "No grant"', async () => {
  const data = await gql.request(ONE, { id: made.rejected.id })
  assert.equal(data.grant.id, made.rejected.id)
  assert.equal(data.grant.finalizationReason, 'REJECTED')
  assert.deepEqual(data.grant.subject, { sub_ids: [] })
  const r = await gql.raw(ONE, { id: randomUUID() })
  assert.equal(r.status, 200)
  assert.equal(r.body.data, null)
  assert.equal(r.body.errors[0].message, 'No grant')
  assert.equal(r.body.errors[0].extensions.code, 'NOT_FOUND')
  assert.deepEqual(r.body.errors[0].path, ['grant'])
})

test('revokeGrant: the grant is finalized as REVOKED and its token stops working', async () => {
  const before = await client.incomingPayment.create(
    { url: wBob.resourceServer, accessToken: made.ip.token },
    { walletAddress: wBob.id, incomingAmount: amount(100) }
  )
  assert.ok(before.id, 'the token works before')
  const data = await gql.request(REVOKE, { input: { grantId: made.ip.id } })
  assert.deepEqual(data, { revokeGrant: { id: made.ip.id } })
  const after = await client.incomingPayment.get({ url: before.id, accessToken: made.ip.token }).catch((e) => e)
  assert.equal(after.status, 403, 'the revoked grant\'s token is inactive')
  const again = await client.incomingPayment.create(
    { url: wBob.resourceServer, accessToken: made.ip.token },
    { walletAddress: wBob.id, incomingAmount: amount(100) }
  ).catch((e) => e)
  assert.equal(again.status, 403)
  const one = await gql.request(ONE, { id: made.ip.id })
  assert.deepEqual([one.grant.state, one.grant.finalizationReason], ['FINALIZED', 'REVOKED'])
  const revoked = await gql.request(LIST, { filter: { finalizationReason: { in: ['REVOKED'] } } })
  assert.deepEqual(names(revoked), ['ip'])
  // a pending grant can be revoked too
  await gql.request(REVOKE, { input: { grantId: made.pending.id } })
  const pending = await gql.request(ONE, { id: made.pending.id })
  assert.deepEqual([pending.grant.state, pending.grant.finalizationReason], ['FINALIZED', 'REVOKED'])
  // Rafiki's errors
  const unknown = await gql.raw(REVOKE, { input: { grantId: randomUUID() } })
  assert.equal(unknown.body.errors[0].message, 'Revoke grant was not successful')
  assert.equal(unknown.body.errors[0].extensions.code, 'NOT_FOUND')
  const empty = await gql.raw(REVOKE, { input: { grantId: '' } })
  assert.equal(empty.body.errors[0].message, 'Grant id is not provided')
  assert.equal(empty.body.errors[0].extensions.code, 'FORBIDDEN')
})

test('unsigned, mis-signed, stale and replayed requests are refused with 401', async () => {
  const body = { query: '{ grants { edges { cursor } } }', variables: {} }
  assertValid(body.query, 'auth')
  const text = JSON.stringify(body)
  const h = { 'content-type': 'application/json', 'tenant-id': TENANT }
  const none = await gql.post(text, h)
  assert.equal(none.status, 401)
  assert.equal(none.text, 'Unauthorized')
  const wrong = await gql.post(text, { ...h, signature: sign(body, 'not-the-secret') })
  assert.equal(wrong.status, 401)
  const stale = await gql.post(text, { ...h, signature: sign(body, SECRET, 1, Date.now() - 120000) })
  assert.equal(stale.status, 401)
  const otherTenant = await gql.post(text, { ...h, 'tenant-id': randomUUID(), signature: sign(body, SECRET) })
  assert.equal(otherTenant.status, 401)
  const sig = sign(body, SECRET)
  const ok = await gql.post(text, { ...h, signature: sig })
  assert.equal(ok.status, 200, ok.text)
  assert.ok(Array.isArray(ok.body.data.grants.edges))
  const replay = await gql.post(text, { ...h, signature: sig })
  assert.equal(replay.status, 401, 'a signature is accepted once')
  // the backend's schema is not served here (a document Rafiki's auth SDL refuses, on purpose)
  const backendDoc = { query: '{ assets { edges { cursor } } }' }
  assert.throws(() => assertValid(backendDoc.query, 'auth'))
  const r = await gql.post(JSON.stringify(backendDoc), { ...h, signature: sign(backendDoc, SECRET) })
  assert.equal(r.status, 400, r.text)
  assert.equal(r.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED')
  assert.equal(r.body.errors[0].message, 'Cannot query field "assets" on type "Query".')
})
