// Open Payments subject grants (auth-server.yaml `subject`) against a real `rafiki serve`, as
// Rafiki's auth server serves them: the official client asks a user to prove that they own a
// wallet address, the user signs in to the built-in consent screen (Debian's chromium driven by
// playwright-core, headless) and accepts, and the continuation answers `subject.sub_ids` and no
// access token. Also: a subject with access items (both answered), a user who does not own the
// address cannot approve it, the interaction API shows the subject to an IdP, the auth Admin
// GraphQL API shows it as Grant.subject, and malformed subjects are refused with the spec's
// 400 invalid_request (signed raw requests, which the client would not send).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import http from 'node:http'
import { chromium } from 'playwright-core'
import { freePorts } from './lib/ports.mjs'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient } from './lib/gql.mjs'

const require = createRequire(import.meta.url)
const { createAuthenticatedClient, isPendingGrant, isFinalizedGrantWithSubject, isFinalizedGrantWithAccessToken } =
  require('@interledger/open-payments')
const { generateTestKeys, createHeaders } = require('@interledger/http-signature-utils')

const SECRET = 'subject-admin-secret-0123456789'
const IDP_SECRET = 'subject-idp-secret-0123456789'
const TENANT = randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-subject-'))
const WAIT_S = 1

let srv, ports, alice, bob, shop, keys, client, browser, finish, finishUrl, gql

before(async () => {
  srv = await startServe({
    dir, name: 's', ilp: 'test.subject', secret: SECRET,
    env: { IDP_SECRET, WAIT_SECONDS: String(WAIT_S), OPERATOR_TENANT_ID: TENANT }
  })
  ports = srv.ports
  const [fin] = await freePorts(1)
  const usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  const wa = (name, publicName) =>
    srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${ports.op}/${name}`, public_name: publicName })
  alice = await wa('alice', 'Alice')
  bob = await wa('bob', 'Bob')
  shop = await wa('shop', 'Corner Shop')
  keys = generateTestKeys()
  await srv.admin('POST', `/wallet-addresses/${shop.id}/keys`, { jwk: keys.publicKey })
  await srv.admin('POST', '/users', { username: 'alice', password: 'alice-password', wallet_address_ids: [alice.id] })
  await srv.admin('POST', '/users', { username: 'bob', password: 'bob-password', wallet_address_ids: [bob.id] })
  client = await createAuthenticatedClient({ walletAddressUrl: shop.url, privateKey: keys.privateKey, keyId: keys.publicKey.kid })
  finish = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('back at the shop'))
  await new Promise((resolve) => finish.listen(fin, '127.0.0.1', resolve))
  finishUrl = `http://localhost:${fin}/finish`
  gql = gqlClient({ url: `http://127.0.0.1:${ports.authAdmin}/graphql`, secret: SECRET, tenantId: TENANT, which: 'auth' })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

after(async () => {
  await browser?.close()
  finish?.close()
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const authUrl = () => `http://localhost:${ports.auth}/`
const subjectOf = (url) => ({ sub_ids: [{ id: url, format: 'uri' }] })

// A subject grant request (with access items when given) with a finish URI: the pending grant
// and the client's nonce.
async function ask (subjectUrl, access) {
  const nonce = randomUUID()
  const grant = await client.grant.request({ url: authUrl() }, {
    subject: subjectOf(subjectUrl),
    ...(access ? { access_token: { access } } : {}),
    interact: { start: ['redirect'], finish: { method: 'redirect', uri: finishUrl, nonce } }
  })
  assert.ok(isPendingGrant(grant), JSON.stringify(grant))
  return { grant, nonce }
}

// Opens the interaction in a new browser context and signs in as user: the page on the consent
// screen.
async function signIn (grant, user) {
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  await page.goto(grant.interact.redirect)
  await page.getByLabel('User name').fill(user)
  await page.getByLabel('Password').fill(`${user}-password`)
  await page.getByRole('button', { name: 'Sign in' }).click()
  return { ctx, page }
}

// Accepts on the consent page and checks the landing on the finish URI: the interact_ref.
async function acceptAndLand (page, grant, nonce) {
  await page.getByRole('button', { name: 'Accept' }).click()
  await page.waitForURL(/\/finish\?/)
  const landed = new URL(page.url())
  const ref = landed.searchParams.get('interact_ref')
  const want = createHash('sha256').update(`${nonce}\n${grant.interact.finish}\n${ref}\n${authUrl()}`).digest('base64')
  assert.equal(landed.searchParams.get('hash'), want)
  return ref
}

const idsOf = (grant) => new URL(grant.interact.redirect).pathname.split('/').slice(2, 4)

// The interaction as the IdP API shows it.
async function idpView (grant) {
  const [id, nonce] = idsOf(grant)
  const r = await fetch(`http://127.0.0.1:${ports.inter}/grant/${id}/${nonce}`, { headers: { 'x-idp-secret': IDP_SECRET } })
  assert.equal(r.status, 200)
  return r.json()
}

test('the owner proves the subject in the browser: the continuation answers it and no token', async () => {
  const { grant, nonce } = await ask(alice.url)
  const view = await idpView(grant)
  assert.deepEqual(view.subject, subjectOf(alice.url), 'the IdP sees what the user must prove')
  assert.deepEqual(view.access, [])
  const { ctx, page } = await signIn(grant, 'alice')
  const text = await page.textContent('main')
  assert.match(text, /Confirm to Corner Shop that this wallet address is yours\?/)
  assert.match(text, new RegExp(`Know that you own\\s*${alice.url.replace(/[.]/g, '\\.')}`))
  const ref = await acceptAndLand(page, grant, nonce)
  await ctx.close()
  await sleep(WAIT_S * 1000)
  const done = await client.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: ref })
  assert.ok(isFinalizedGrantWithSubject(done), JSON.stringify(done))
  assert.deepEqual(done.subject, subjectOf(alice.url))
  assert.equal(done.access_token, undefined, 'a subject alone gets no access token')
  assert.equal(done.continue.uri, grant.continue.uri)

  // Rafiki's auth Admin GraphQL API: the grant, finalized as issued, with its subject
  const data = await gql.request(
    'query Grant($id: ID!) { grant(id: $id) { id state finalizationReason access { id } subject { sub_ids { id subId subIdFormat createdAt } } } }',
    { id: view.grantId })
  assert.equal(data.grant.state, 'FINALIZED')
  assert.equal(data.grant.finalizationReason, 'ISSUED')
  assert.deepEqual(data.grant.access, [])
  assert.equal(data.grant.subject.sub_ids.length, 1)
  const item = data.grant.subject.sub_ids[0]
  assert.equal(item.subId, alice.url)
  assert.equal(item.subIdFormat, 'uri')
  assert.match(item.id, /^[0-9a-f-]{36}$/)
  assert.ok(Math.abs(Date.parse(item.createdAt) - Date.now()) < 60000, item.createdAt)

  // the grant is done: continuing again is refused
  await sleep(WAIT_S * 1000)
  await assert.rejects(
    client.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: ref }),
    (e) => e.status === 401)
})

test('a subject with access items: the continuation answers both', async () => {
  const access = [{ type: 'incoming-payment', actions: ['create', 'read'], identifier: alice.url }]
  const { grant, nonce } = await ask(alice.url, access)
  const { ctx, page } = await signIn(grant, 'alice')
  const text = await page.textContent('main')
  assert.match(text, /Allow Corner Shop to use your wallet\?/)
  assert.match(text, /Request payments/)
  assert.match(text, /Know that you own/)
  const ref = await acceptAndLand(page, grant, nonce)
  await ctx.close()
  await sleep(WAIT_S * 1000)
  const done = await client.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: ref })
  assert.ok(isFinalizedGrantWithAccessToken(done), JSON.stringify(done))
  assert.ok(isFinalizedGrantWithSubject(done))
  assert.deepEqual(done.subject, subjectOf(alice.url))
  assert.deepEqual(done.access_token.access, access)
  // the token works at the resource server
  const ip = await client.incomingPayment.create(
    { url: `http://localhost:${ports.op}`, accessToken: done.access_token.value },
    { walletAddress: alice.url })
  assert.equal(ip.walletAddress, alice.url)
})

test('a polled subject grant (no finish) answers the subject once the owner accepted', async () => {
  const grant = await client.grant.request({ url: authUrl() }, { subject: subjectOf(bob.url), interact: { start: ['redirect'] } })
  assert.ok(isPendingGrant(grant))
  const { ctx, page } = await signIn(grant, 'bob')
  await page.getByRole('button', { name: 'Accept' }).click()
  await page.waitForLoadState()
  await ctx.close()
  await sleep(WAIT_S * 1000)
  const done = await client.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value })
  assert.ok(isFinalizedGrantWithSubject(done), JSON.stringify(done))
  assert.deepEqual(done.subject, subjectOf(bob.url))
  assert.equal(done.access_token, undefined)
})

test('a user who does not own the wallet address cannot approve it', async () => {
  const { grant } = await ask(alice.url)
  const { ctx, page } = await signIn(grant, 'bob')
  await page.getByRole('button', { name: 'Accept' }).click()
  assert.match(await page.textContent('main'), /not yours/)
  await ctx.close()
  assert.equal((await idpView(grant)).state, 'PENDING', 'nothing was decided')
  await sleep(WAIT_S * 1000)
  const polled = await client.grant.continue({ url: grant.continue.uri, accessToken: grant.continue.access_token.value }, { interact_ref: 'x' })
    .catch((e) => e)
  assert.equal(polled.status, 404, 'no interact_ref was ever issued')
})

// A grant request signed as the client would sign it, with any body: { status, json }.
async function rawGrantRequest (body) {
  const url = authUrl()
  const text = JSON.stringify(body)
  const headers = await createHeaders({
    request: { method: 'POST', url, headers: {}, body: text },
    privateKey: keys.privateKey,
    keyId: keys.publicKey.kid
  })
  const r = await fetch(url, { method: 'POST', headers, body: text })
  return { status: r.status, json: await r.json() }
}

test('malformed subjects are refused with 400 invalid_request', async () => {
  const interact = { start: ['redirect'] }
  const good = await rawGrantRequest({ client: shop.url, subject: subjectOf(alice.url), interact })
  assert.equal(good.status, 200, JSON.stringify(good.json))
  assert.ok(good.json.interact.redirect, 'the signed raw request itself is right')
  const cases = [
    ['wrong format', { sub_ids: [{ id: alice.url, format: 'email' }] }, /format/],
    ['not a URL', { sub_ids: [{ id: 'alice', format: 'uri' }] }, /URL/],
    ['a payment pointer', { sub_ids: [{ id: '$localhost/alice', format: 'uri' }] }, /URL/],
    ['too many', { sub_ids: [{ id: alice.url, format: 'uri' }, { id: bob.url, format: 'uri' }] }, /1 to 1/],
    ['none', { sub_ids: [] }, /1 to 1/],
    ['no sub_ids', {}, /sub_ids/],
    ['unknown address', { sub_ids: [{ id: `http://localhost:${ports.op}/nobody`, format: 'uri' }] }, /not a wallet address of this server/],
    ['another server', { sub_ids: [{ id: 'https://elsewhere.test/alice', format: 'uri' }] }, /not a wallet address of this server/]
  ]
  for (const [name, subject, why] of cases) {
    const r = await rawGrantRequest({ client: shop.url, subject, interact })
    assert.equal(r.status, 400, `${name}: ${JSON.stringify(r.json)}`)
    assert.equal(r.json.error.code, 'invalid_request', name)
    assert.match(r.json.error.description, why, name)
  }
  const noInteract = await rawGrantRequest({ client: shop.url, subject: subjectOf(alice.url) })
  assert.equal(noInteract.status, 400)
  assert.equal(noInteract.json.error.code, 'invalid_request')
  assert.match(noInteract.json.error.description, /interact is required/)
  const emptyAccess = await rawGrantRequest({ client: shop.url, subject: subjectOf(alice.url), access_token: { access: [] }, interact })
  assert.equal(emptyAccess.status, 200, 'the schema allows an empty access list beside a subject')
  assert.ok(emptyAccess.json.interact.redirect)
  const emptyAlone = await rawGrantRequest({ client: shop.url, access_token: { access: [] }, interact })
  assert.equal(emptyAlone.status, 400, 'without a subject an empty access list asks for nothing')
  assert.equal(emptyAlone.json.error.code, 'invalid_request')
  const nothing = await rawGrantRequest({ client: shop.url, interact })
  assert.equal(nothing.status, 400)
  assert.match(nothing.json.error.description, /access_token\.access or subject is required/)
})
