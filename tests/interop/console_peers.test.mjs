// The operator console's peers and wallet addresses pages in a real browser (Debian's chromium
// driven by playwright-core, headless, JavaScript off) against a real `rafiki serve`: the
// operator creates a peer (its generated incoming token shown once, then never; it works on the
// connector, read back with ilp-protocol-ildcp), edits it, deposits liquidity with a
// confirmation step (the balance checked through the REST admin API), and checks its
// connectivity against a second real `rafiki serve` as the peer (up) and a closed port (down);
// creates a wallet address, toggles its status (checked through REST and Open Payments), adds
// and revokes a key (jwks.json), adds and removes an additional property (GraphQL), and
// searches by URL prefix with keyset paging; a tenant sees only its own peers and wallet
// addresses and gets 404 on the operator's ids; a viewer gets 403 on every POST and nothing
// changes; a forged CSRF token is refused; every change is in the audit log.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID, generateKeyPairSync } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { chromium } from 'playwright-core'
import * as ILDCP from 'ilp-protocol-ildcp'
import { startServe, bin } from './lib/serve.mjs'
import { gqlClient } from './lib/gql.mjs'
import { serveDatabase, serveRedis } from './lib/pg.mjs'
import { freePort } from './lib/ports.mjs'

const SECRET = 'console-peers-secret-' + randomUUID()
const SECRET2 = 'console-peers-remote-' + randomUUID()
const OPERATOR = randomUUID()
const OUT_TOKEN = 'out-token-' + randomUUID() // what the console's side sends to the peer
const dir = mkdtempSync(join(tmpdir(), 'rafiki-console-peers-'))
let srv, remote, base, opBase, browser, usd, op
const tenants = {}
const made = {} // ids made along the way

const CREATE_TENANT = 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }'

before(async () => {
  const env = { OPERATOR_TENANT_ID: OPERATOR, ...serveDatabase('console_peers') }
  if (process.env.TEST_REDIS_URL) env.REDIS_URL = serveRedis(4)
  srv = await startServe({ dir, name: 'console', ilp: 'test.console', secret: SECRET, env })
  remote = await startServe({ dir, name: 'remote', ilp: 'test.remote', secret: SECRET2, env: serveDatabase('console_remote') })
  base = `http://127.0.0.1:${srv.ports.admin}`
  opBase = `http://localhost:${srv.ports.op}`
  usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  await srv.admin('POST', `/accounts/${usd.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '100000' })
  // the remote side knows the console's side as its peer, by the token the console will send
  const rusd = await remote.admin('POST', '/assets', { code: 'USD', scale: 2 })
  await remote.admin('POST', '/peers', {
    asset_id: rusd.id, ilp_address: 'test.console', name: 'Console side', incoming_tokens: [OUT_TOKEN],
    outgoing: { endpoint: `http://127.0.0.1:${srv.ports.conn}/ilp`, token: randomUUID() }
  })
  op = gqlClient({ url: `${base}/graphql`, secret: SECRET, tenantId: OPERATOR })
  for (const name of ['alpha', 'beta']) {
    const secret = `${name}-secret-${randomUUID()}`
    const settings = [{ key: 'WALLET_ADDRESS_URL', value: `${opBase}/${name}-wallets` }]
    const t = (await op.request(CREATE_TENANT, { input: { apiSecret: secret, publicName: name, settings } })).createTenant.tenant
    tenants[name] = { id: t.id, secret }
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

after(async () => {
  await browser?.close()
  srv?.proc.kill('SIGKILL')
  remote?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

function cli (args) {
  const r = spawnSync(bin, ['admin', '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, RAFIKI_ADMIN_URL: base, ADMIN_API_SECRET: SECRET },
    timeout: 60000
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

// A fresh browser (JavaScript off) signed in through the form.
async function signIn ({ tenant = '', secret, user, password }) {
  const ctx = await browser.newContext({ javaScriptEnabled: false })
  const page = await ctx.newPage()
  assert.equal((await page.goto(`${base}/console`)).status(), 401)
  let res
  if (user) {
    await page.fill('#user', user)
    await page.fill('#password', password)
    ;[res] = await Promise.all([page.waitForNavigation(), page.click('section:nth-of-type(2) button')])
  } else {
    await page.fill('#tenant', tenant)
    await page.fill('#secret', secret)
    ;[res] = await Promise.all([page.waitForNavigation(), page.click('section:nth-of-type(1) button')])
  }
  assert.equal(res.status(), 200)
  return { ctx, page }
}

const csrfOf = (page) => page.getAttribute('form[action="/console/logout"] input[name=csrf]', 'value')
const post = (ctx, path, form) => ctx.request.post(`${base}${path}`, { form, maxRedirects: 0 })
const click = (page, sel) => Promise.all([page.waitForNavigation(), page.click(sel)]).then(([r]) => r)
const balance = async (accountId) => (await srv.admin('GET', `/accounts/${accountId}/status`)).balance
const peerByAddress = async (address) => (await srv.admin('GET', '/peers?limit=100')).peers.find((p) => p.ilp_address === address)
const wallet = async (id) => srv.admin('GET', `/wallet-addresses/${id}`)
const opGet = (path) => fetch(`${opBase}${path}`, { headers: { Accept: 'application/json' } })

// The IL-DCP config srv's connector answers to a peer sending token.
async function ildcpWith (token) {
  return ILDCP.fetch(async (data) => {
    const r = await fetch(`http://127.0.0.1:${srv.ports.conn}/ilp`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' }, body: data
    })
    assert.equal(r.status, 200)
    return Buffer.from(await r.arrayBuffer())
  })
}

test('the operator creates a peer; its generated token is shown once and works', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/peers`)
  await page.selectOption('#asset', usd.id)
  await page.fill('#name', 'Remote Bank')
  await page.fill('#ilp_address', 'test.remote')
  await page.fill('#endpoint', `http://127.0.0.1:${remote.ports.conn}/ilp`)
  await page.fill('#outgoing_token', OUT_TOKEN)
  await page.fill('#credit_limit', '100')
  await page.fill('#liquidity_threshold', '50')
  await page.fill('#routes', 'test.remote2\ntest.other')
  const res = await click(page, 'text=Create peer')
  assert.equal(res.status(), 200)
  const token = await page.textContent('#token')
  assert.match(token, /^[0-9a-f]{64}$/)
  const peer = await peerByAddress('test.remote')
  made.peer = peer
  assert.equal(peer.name, 'Remote Bank')
  assert.equal(peer.min_balance, '-10000')
  assert.deepEqual(peer.routes, ['test.remote', 'test.remote2', 'test.other'])
  assert.equal(peer.outgoing.endpoint, `http://127.0.0.1:${remote.ports.conn}/ilp`)
  // the token is the peer's on the connector: IL-DCP answers the peer's address
  assert.equal((await ildcpWith(token)).clientAddress, 'test.remote')
  // never again: not on the peer's page, not in the list
  await page.goto(`${base}/console/peers/${peer.id}`)
  assert.ok(!(await page.content()).includes(token))
  assert.ok(!(await page.content()).includes(OUT_TOKEN), 'nor the outgoing token')
  assert.equal(await page.locator('#token').count(), 0)
  assert.match(await page.textContent('#credit'), /100\.00/)
  await page.goto(`${base}/console/peers`)
  const row = page.locator(`tr[data-peer="${peer.id}"]`)
  assert.match(await row.textContent(), /Remote Bank.*test\.remote.*USD\/2.*0\.00.*100\.00.*100\.00.*50\.00/)
  assert.equal(await row.getAttribute('class'), 'low', 'below its threshold')
  assert.ok(!(await page.content()).includes(token))
  await ctx.close()
})

test('the operator edits the peer; a new generated token replaces the old one', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  const id = made.peer.id
  await page.goto(`${base}/console/peers/${id}`)
  assert.equal(await page.inputValue('#edit #liquidity_threshold'), '50.00')
  assert.equal(await page.inputValue('#edit #routes'), 'test.remote2\ntest.other\n')
  await page.fill('#edit #name', 'Remote Bank Two')
  await page.fill('#edit #max_packet_amount', '10')
  await page.fill('#edit #credit_limit', '250')
  await page.fill('#edit #routes', 'test.other')
  await click(page, '#edit button')
  assert.match(await page.textContent('main'), /Peer changed/)
  assert.equal(await page.locator('#token').count(), 0, 'no token was made')
  let peer = await peerByAddress('test.remote')
  assert.equal(peer.name, 'Remote Bank Two')
  assert.equal(peer.max_packet_amount, '1000')
  assert.equal(peer.min_balance, '-25000')
  assert.deepEqual(peer.routes, ['test.remote', 'test.other'])
  assert.equal(peer.outgoing.endpoint, `http://127.0.0.1:${remote.ports.conn}/ilp`, 'unchanged')
  // a generated token: shown once, it works, the old one no longer does
  await page.goto(`${base}/console/peers/${id}`)
  await page.check('#generate_token')
  await click(page, '#edit button')
  const token = await page.textContent('#token')
  assert.match(token, /^[0-9a-f]{64}$/)
  assert.equal((await ildcpWith(token)).clientAddress, 'test.remote')
  await page.goto(`${base}/console/peers/${id}`)
  assert.ok(!(await page.content()).includes(token))
  // a token typed by the operator
  const typed = 'typed-token-' + randomUUID()
  await page.fill('#edit #incoming_token', typed)
  await click(page, '#edit button')
  assert.equal(await page.locator('#token').count(), 0, 'a typed token is not shown back')
  assert.equal((await ildcpWith(typed)).clientAddress, 'test.remote')
  const old = await fetch(`http://127.0.0.1:${srv.ports.conn}/ilp`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' }, body: 'x'
  })
  assert.equal(old.status, 401)
  peer = await peerByAddress('test.remote')
  assert.equal(peer.name, 'Remote Bank Two')
  await ctx.close()
})

test('liquidity deposit and withdrawal with a confirmation step', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  const { id, account_id: acct } = made.peer
  await page.goto(`${base}/console/peers/${id}`)
  await page.fill('#deposit input[name=amount]', '7.25')
  await click(page, '#deposit button')
  assert.match(await page.textContent('main'), /Deposit 7\.25 USD into the liquidity of peer Remote Bank Two/)
  assert.equal(await balance(acct), '0', 'nothing moves before the confirmation')
  const transfer = await page.getAttribute('input[name=transfer]', 'value')
  const csrf = await csrfOf(page)
  await click(page, 'text=Confirm deposit')
  assert.equal(new URL(page.url()).pathname, `/console/peers/${id}`)
  assert.equal(await balance(acct), '725')
  assert.match(await page.textContent('#balance'), /7\.25/)
  const again = await post(ctx, `/console/peers/${id}/deposit`, { csrf, amount: '7.25', transfer, confirm: 'yes' })
  assert.equal(again.status(), 409)
  assert.equal(await balance(acct), '725')
  await page.fill('#withdraw input[name=amount]', '1')
  await click(page, '#withdraw button')
  assert.match(await page.textContent('main'), /Withdraw 1\.00 USD from the liquidity/)
  await click(page, 'text=Confirm withdrawal')
  assert.equal(await balance(acct), '625')
  // more than its liquidity and its credit limit (250.00) together
  const big = await post(ctx, `/console/peers/${id}/withdraw`, { csrf, amount: '1000', transfer: randomUUID(), confirm: 'yes' })
  assert.equal(big.status(), 409)
  assert.equal(await balance(acct), '625')
  await ctx.close()
})

test('the connectivity check reaches a real peer, and reports a closed port as down', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  const id = made.peer.id
  await page.goto(`${base}/console/peers/${id}`)
  await click(page, 'text=Check connectivity')
  assert.equal(await page.textContent('#reachable'), 'yes')
  assert.equal(await page.textContent('#status'), '200')
  assert.match(await page.textContent('#latency'), /^\d+ ms$/)
  assert.match(await page.textContent('#outcome'), /fulfilled: it names this side test\.console/)
  assert.ok(!(await page.content()).includes(OUT_TOKEN), 'the token is never shown')
  // pointed at a closed port (the outgoing token left as it was)
  const closed = await freePort()
  await page.goto(`${base}/console/peers/${id}`)
  await page.fill('#edit #endpoint', `http://127.0.0.1:${closed}/ilp`)
  await click(page, '#edit button')
  await page.goto(`${base}/console/peers/${id}`)
  const t0 = Date.now()
  await click(page, 'text=Check connectivity')
  assert.ok(Date.now() - t0 < 10000)
  assert.equal(await page.textContent('#reachable'), 'no')
  assert.equal(await page.textContent('#status'), '0')
  assert.match(await page.textContent('#outcome'), /connect_failed/)
  // back to the real peer: the outgoing token kept through the edit still opens it
  await page.goto(`${base}/console/peers/${id}`)
  await page.fill('#edit #endpoint', `http://127.0.0.1:${remote.ports.conn}/ilp`)
  await click(page, '#edit button')
  await page.goto(`${base}/console/peers/${id}`)
  await click(page, 'text=Check connectivity')
  assert.equal(await page.textContent('#status'), '200')
  await ctx.close()
})

test('wallet addresses: create, status, keys, properties, payments', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/wallet-addresses`)
  await page.selectOption('#create #asset', usd.id)
  await page.fill('#address', 'alice')
  await page.fill('#public_name', 'Alice')
  await click(page, 'text=Create wallet address')
  const id = new URL(page.url()).pathname.split('/').pop()
  made.alice = id
  let w = await wallet(id)
  assert.equal(w.url, `${opBase}/alice`)
  assert.equal(w.public_name, 'Alice')
  assert.equal(w.status, 'active')
  assert.equal((await (await opGet('/alice')).json()).publicName, 'Alice')
  // the same URL rules as the API: a reserved path is refused
  await page.goto(`${base}/console/wallet-addresses`)
  await page.selectOption('#create #asset', usd.id)
  await page.fill('#address', 'x/incoming-payments')
  assert.equal((await click(page, 'text=Create wallet address')).status(), 400)

  // status: inactive, then active again
  await page.goto(`${base}/console/wallet-addresses/${id}`)
  await page.selectOption('#active', 'inactive')
  await page.fill('#edit #public_name', 'Alice A.')
  await click(page, '#edit button')
  assert.equal(await page.textContent('#status'), 'inactive')
  w = await wallet(id)
  assert.equal(w.status, 'inactive')
  assert.equal(w.public_name, 'Alice A.')
  assert.equal((await opGet('/alice')).status, 404)
  await page.selectOption('#active', 'active')
  await click(page, '#edit button')
  assert.equal((await wallet(id)).status, 'active')
  assert.equal((await opGet('/alice')).status, 200)

  // keys: a JWK pasted as text, then revoked
  const jwk = { ...generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid: 'console-key-1' }
  await page.fill('#jwk', JSON.stringify(jwk))
  await click(page, '#add_key button')
  assert.match(await page.textContent('#keys'), /console-key-1\s*active/)
  let keys = (await srv.admin('GET', `/wallet-addresses/${id}/keys`)).keys
  assert.deepEqual(keys.map((k) => [k.kid, k.revoked]), [['console-key-1', false]])
  assert.deepEqual((await (await opGet('/alice/jwks.json')).json()).keys.map((k) => k.x), [jwk.x])
  await page.fill('#jwk', '{"kty":"RSA"}')
  assert.equal((await click(page, '#add_key button')).status(), 400)
  await page.goto(`${base}/console/wallet-addresses/${id}`)
  await click(page, '#revoke button')
  keys = (await srv.admin('GET', `/wallet-addresses/${id}/keys`)).keys
  assert.deepEqual(keys.map((k) => [k.kid, k.revoked]), [['console-key-1', true]])
  assert.deepEqual((await (await opGet('/alice/jwks.json')).json()).keys, [])

  // additional properties
  await page.fill('#prop_key', 'iban')
  await page.fill('#prop_value', 'DE00 1234')
  await page.check('#prop_visible')
  await click(page, '#add_prop button')
  await page.fill('#prop_key', 'note')
  await page.fill('#prop_value', '<b>internal</b>')
  await click(page, '#add_prop button')
  assert.match(await page.textContent('#props'), /iban\s*DE00 1234\s*visible/)
  assert.match(await page.textContent('#props'), /<b>internal<\/b>\s*hidden/, 'escaped, shown as text')
  const Q = 'query($id: String!) { walletAddress(id: $id) { additionalProperties { key value visibleInOpenPayments } } }'
  let props = (await op.request(Q, { id })).walletAddress.additionalProperties
  assert.deepEqual(props, [
    { key: 'iban', value: 'DE00 1234', visibleInOpenPayments: true },
    { key: 'note', value: '<b>internal</b>', visibleInOpenPayments: false }
  ])
  await click(page, '#props tr:has-text("note") button')
  props = (await op.request(Q, { id })).walletAddress.additionalProperties
  assert.deepEqual(props.map((p) => p.key), ['iban'])

  // its newest payments link to their pages
  const ip = await srv.admin('POST', '/incoming-payments', { wallet_address_id: id, incoming_amount: { value: '500', asset_code: 'USD', asset_scale: 2 } })
  await page.goto(`${base}/console/wallet-addresses/${id}`)
  assert.equal(await page.getAttribute(`#incoming a[href="/console/payments/incoming/${ip.id}"]`, 'href'), `/console/payments/incoming/${ip.id}`)
  assert.match(await page.textContent('#incoming'), /PENDING\s*5\.00/)
  assert.match(await page.textContent('#balance'), /0\.00/)
  await ctx.close()
})

test('wallet addresses are searched by URL prefix, 50 a page', async () => {
  for (let i = 0; i < 53; i++) {
    await srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `${opBase}/page-${String(i).padStart(2, '0')}` })
  }
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/wallet-addresses`)
  await page.fill('#q', `${opBase}/page-`)
  await click(page, '#search button')
  let urls = await page.locator('#wallets tbody tr td:first-child').allTextContents()
  assert.equal(urls.length, 50)
  assert.equal(urls[0], `${opBase}/page-00`)
  assert.equal(urls[49], `${opBase}/page-49`)
  await click(page, '#next')
  urls = await page.locator('#wallets tbody tr td:first-child').allTextContents()
  assert.deepEqual(urls, [`${opBase}/page-50`, `${opBase}/page-51`, `${opBase}/page-52`])
  assert.equal(await page.locator('#next').count(), 0)
  await page.goto(`${base}/console/wallet-addresses?q=${encodeURIComponent(opBase + '/ali')}`)
  urls = await page.locator('#wallets tbody tr td:first-child').allTextContents()
  assert.deepEqual(urls, [`${opBase}/alice`])
  await page.goto(`${base}/console/wallet-addresses?q=nothing-like-it`)
  assert.match(await page.textContent('main'), /No wallet addresses/)
  await ctx.close()
})

test('a tenant sees and changes only its own peers and wallet addresses', async () => {
  const a = await signIn({ tenant: tenants.alpha.id, secret: tenants.alpha.secret })
  const csrf = await csrfOf(a.page)
  // alpha's asset, peer and wallet address, made through its pages
  assert.equal((await post(a.ctx, '/console/assets', { csrf, code: 'AAA', scale: '2' })).status(), 303)
  await a.page.goto(`${base}/console/peers`)
  assert.match(await a.page.textContent('main'), /No peers/)
  assert.doesNotMatch(await a.page.textContent('#asset'), /USD/, 'not the operator\'s asset')
  await a.page.fill('#name', 'Alpha Partner')
  await a.page.fill('#ilp_address', 'test.alpha-partner')
  await a.page.fill('#endpoint', 'http://127.0.0.1:9/ilp')
  await a.page.fill('#outgoing_token', 'alpha-out-' + randomUUID())
  await click(a.page, 'text=Create peer')
  const alphaPeer = await peerByAddress('test.alpha-partner')
  assert.ok(alphaPeer)
  await a.page.goto(`${base}/console/wallet-addresses`)
  assert.equal(await a.page.locator('#wallets tbody tr').count(), 0, 'none of the operator\'s')
  await a.page.fill('#address', 'carol')
  await click(a.page, 'text=Create wallet address')
  const carol = new URL(a.page.url()).pathname.split('/').pop()
  assert.equal((await wallet(carol)).url, `${opBase}/alpha-wallets/carol`)
  await a.page.goto(`${base}/console/peers`)
  assert.deepEqual(await a.page.locator('#peers tbody tr td:first-child').allTextContents(), ['Alpha Partner'])
  await a.page.goto(`${base}/console/wallet-addresses`)
  assert.deepEqual(await a.page.locator('#wallets tbody tr td:first-child').allTextContents(), [`${opBase}/alpha-wallets/carol`])

  // the operator's ids answer 404, as unknown ones do
  const unknown = randomUUID()
  for (const path of [`/console/peers/${made.peer.id}`, `/console/peers/${unknown}`,
    `/console/wallet-addresses/${made.alice}`, `/console/wallet-addresses/${unknown}`]) {
    assert.equal((await a.page.goto(`${base}${path}`)).status(), 404, path)
  }
  for (const what of ['', '/deposit', '/withdraw', '/check', '/delete']) {
    const r = await post(a.ctx, `/console/peers/${made.peer.id}${what}`, { csrf, amount: '1', transfer: randomUUID(), confirm: 'yes', name: 'x', endpoint: 'http://x/' })
    assert.equal(r.status(), 404, what)
  }
  for (const what of ['', '/keys', '/keys/revoke', '/properties']) {
    const r = await post(a.ctx, `/console/wallet-addresses/${made.alice}${what}`, { csrf, status: 'inactive', kid: 'console-key-1', op: 'add', key: 'k', value: 'v' })
    assert.equal(r.status(), 404, what)
  }
  assert.equal((await peerByAddress('test.remote')).name, 'Remote Bank Two')
  assert.equal(await balance(made.peer.account_id), '625')
  assert.equal((await wallet(made.alice)).status, 'active')

  // beta does not see alpha's; the operator sees them
  const b = await signIn({ tenant: tenants.beta.id, secret: tenants.beta.secret })
  assert.equal((await b.page.goto(`${base}/console/peers/${alphaPeer.id}`)).status(), 404)
  assert.equal((await b.page.goto(`${base}/console/wallet-addresses/${carol}`)).status(), 404)
  await b.page.goto(`${base}/console/wallet-addresses?q=${encodeURIComponent(opBase)}`)
  assert.equal(await b.page.locator('#wallets tbody tr').count(), 0)
  const o = await signIn({ secret: SECRET })
  assert.equal((await o.page.goto(`${base}/console/peers/${alphaPeer.id}`)).status(), 200)
  assert.equal((await o.page.goto(`${base}/console/wallet-addresses/${carol}`)).status(), 200)
  for (const s of [a, b, o]) await s.ctx.close()
})

test('a viewer gets 403 on every POST and nothing changes; a forged CSRF token is refused', async () => {
  const v = cli(['console-users', 'create', 'peerwatcher', '--role', 'viewer'])
  const { ctx, page } = await signIn({ user: 'peerwatcher', password: v.password })
  await page.goto(`${base}/console/peers/${made.peer.id}`)
  assert.equal(await page.locator('form#edit, form#deposit, form#check').count(), 0, 'no forms')
  await page.goto(`${base}/console/wallet-addresses/${made.alice}`)
  assert.equal(await page.locator('form#edit, form#add_key, form#add_prop').count(), 0)
  const csrf = await csrfOf(page)
  const id = made.peer.id
  const tries = [
    ['/console/peers', { asset: usd.id, ilp_address: 'test.viewer', endpoint: 'http://x/', outgoing_token: 'x'.repeat(20) }],
    [`/console/peers/${id}`, { name: 'Viewer was here', endpoint: 'http://x/' }],
    [`/console/peers/${id}/deposit`, { amount: '1', transfer: randomUUID(), confirm: 'yes' }],
    [`/console/peers/${id}/withdraw`, { amount: '1', transfer: randomUUID(), confirm: 'yes' }],
    [`/console/peers/${id}/check`, {}],
    [`/console/peers/${id}/delete`, {}],
    ['/console/wallet-addresses', { asset: usd.id, address: 'viewer' }],
    [`/console/wallet-addresses/${made.alice}`, { status: 'inactive' }],
    [`/console/wallet-addresses/${made.alice}/keys`, { jwk: '{}' }],
    [`/console/wallet-addresses/${made.alice}/keys/revoke`, { kid: 'console-key-1' }],
    [`/console/wallet-addresses/${made.alice}/properties`, { op: 'remove', key: 'iban' }]
  ]
  for (const [path, form] of tries) {
    assert.equal((await post(ctx, path, { csrf, ...form })).status(), 403, path)
  }
  await ctx.close()
  // a forged token, from the operator's own session
  const o = await signIn({ secret: SECRET })
  for (const [path, form] of tries) {
    assert.equal((await post(o.ctx, path, { csrf: 'f'.repeat(32), ...form })).status(), 403, path)
  }
  await o.ctx.close()
  const peer = await peerByAddress('test.remote')
  assert.equal(peer.name, 'Remote Bank Two')
  assert.equal(await balance(peer.account_id), '625')
  assert.equal(await peerByAddress('test.viewer'), undefined)
  assert.equal((await wallet(made.alice)).status, 'active')
  const Q = 'query($id: String!) { walletAddress(id: $id) { additionalProperties { key } } }'
  assert.deepEqual((await op.request(Q, { id: made.alice })).walletAddress.additionalProperties, [{ key: 'iban' }])
  assert.equal((await opGet('/viewer')).status, 404)
})

test('every change is in the audit log; the operator deletes a peer', async () => {
  const { page } = await signIn({ secret: SECRET })
  const id = made.peer.id
  await page.goto(`${base}/console/peers/${id}`)
  await click(page, '#delete button')
  assert.equal(new URL(page.url()).pathname, '/console/peers')
  assert.equal(await peerByAddress('test.remote'), undefined)
  assert.equal((await page.goto(`${base}/console/peers/${id}`)).status(), 404)
  await page.goto(`${base}/console/audit`)
  const rows = await page.locator('#audit tbody tr').allTextContents()
  for (const action of ['peer_create', 'peer_update', 'peer_liquidity_deposit', 'peer_liquidity_withdrawal',
    'peer_check', 'peer_delete', 'wallet_address_create', 'wallet_address_update', 'wallet_key_add',
    'wallet_key_revoke', 'wallet_address_properties']) {
    assert.ok(rows.some((r) => r.includes(action)), action)
  }
  assert.ok(rows.some((r) => r.includes('peer_liquidity_deposit') && r.includes(id) && r.includes('7.25 USD')))
  assert.equal(rows.filter((r) => r.includes('peer_liquidity_deposit')).length, 1, 'not the refused one')
  assert.ok(!rows.some((r) => r.includes('Viewer was here')))
  assert.ok(!(await page.content()).includes(OUT_TOKEN))
})
