// The console's payments and webhook events pages in a real browser (Debian's chromium driven by
// playwright-core, headless, JavaScript off) against a real `rafiki serve`: a payment made
// through the REST admin API (an incoming payment, a quote and an outgoing payment between two
// local wallet addresses) is found in the lists by state and wallet address and followed to its
// page (state history, ledger transfers, webhook events), one of its events is opened and its
// body read; an outgoing payment stuck in FUNDING and a pending incoming payment are cancelled
// through the confirmation step (audited, the REST admin API agrees); a tenant sees its own
// payments and events only (another's id answers 404 as an unknown id does, and is absent from
// its lists); a viewer is refused every POST (403, nothing changed); a list pages by 50 with an
// Older link that keeps its filters. On Postgres too when
// TEST_POSTGRES_URL is set (lib/pg.mjs).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { chromium } from 'playwright-core'
import { startServe, bin } from './lib/serve.mjs'
import { gqlClient } from './lib/gql.mjs'
import { serveDatabase, serveRedis } from './lib/pg.mjs'

const SECRET = 'console-pay-secret-' + randomUUID()
const OPERATOR = randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-console-pay-'))
let srv, base, browser, usd, alice, bob, carol, paid, stuck, open
const tenants = {}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function cli (args) {
  const r = spawnSync(bin, ['admin', '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, RAFIKI_ADMIN_URL: `http://127.0.0.1:${srv.ports.admin}`, ADMIN_API_SECRET: SECRET },
    timeout: 60000
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

async function wallet (name, deposit) {
  const w = await srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${srv.ports.op}/${name}` })
  if (deposit) await srv.admin('POST', `/accounts/${w.account_id}/deposits`, { id: randomUUID(), amount: deposit })
  return w
}

async function waitOutgoing (id, want) {
  let p
  for (let i = 0; i < 600; i++) {
    p = await srv.admin('GET', `/outgoing-payments/${id}`)
    if (want.includes(p.state)) return p
    await sleep(50)
  }
  throw new Error(`payment ${id} never reached ${want}: ${JSON.stringify(p)}`)
}

// A tenant with its own asset, wallet address and a pending incoming payment, made through GraphQL.
async function tenant (name) {
  const op = gqlClient({ url: `${base}/graphql`, secret: SECRET, tenantId: OPERATOR })
  const secret = `${name}-secret-${randomUUID()}`
  const t = (await op.request('mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }',
    { input: { apiSecret: secret, publicName: name } })).createTenant.tenant
  const g = gqlClient({ url: `${base}/graphql`, secret, tenantId: t.id })
  const asset = (await g.request('mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } } }',
    { input: { code: 'T' + name.toUpperCase().slice(0, 2), scale: 2 } })).createAsset.asset
  await g.request('mutation($input: CreateTenantSettingsInput!) { createTenantSettings(input: $input) { settings { key } } }',
    { input: { settings: [{ key: 'WALLET_ADDRESS_URL', value: `http://localhost:${srv.ports.op}/${name}/` }] } })
  const wa = (await g.request('mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id address } } }',
    { input: { assetId: asset.id, address: 'till' } })).createWalletAddress.walletAddress
  const ip = (await g.request('mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id } } }',
    { input: { walletAddressId: wa.id } })).createIncomingPayment.payment
  tenants[name] = { id: t.id, secret, wallet: wa, incoming: ip.id }
}

before(async () => {
  const env = { OPERATOR_TENANT_ID: OPERATOR, FUNDING_MODEL: 'ledger' }
  Object.assign(env, serveDatabase('console_payments'))
  if (process.env.TEST_REDIS_URL) env.REDIS_URL = serveRedis(3)
  srv = await startServe({ dir, name: 'console-pay', ilp: 'test.consolepay', secret: SECRET, env })
  base = `http://127.0.0.1:${srv.ports.admin}`
  usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  await srv.admin('POST', `/accounts/${usd.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '100000' })
  alice = await wallet('alice', '5000')
  bob = await wallet('bob')
  carol = await wallet('carol') // nothing to fund a payment with: it stays in FUNDING
  const ip = await srv.admin('POST', '/incoming-payments', {
    wallet_address_id: bob.id, incoming_amount: { value: '700', asset_code: 'USD', asset_scale: 2 }, metadata: { description: 'rent <march>' }
  })
  const q = await srv.admin('POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url })
  const p = await srv.admin('POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id, metadata: { note: 'for bob' } })
  await waitOutgoing(p.id, ['COMPLETED'])
  paid = { ip, q, p }
  const ip2 = await srv.admin('POST', '/incoming-payments', { wallet_address_id: bob.id, incoming_amount: { value: '100', asset_code: 'USD', asset_scale: 2 } })
  const q2 = await srv.admin('POST', '/quotes', { wallet_address_id: carol.id, receiver: ip2.url })
  stuck = await srv.admin('POST', '/outgoing-payments', { wallet_address_id: carol.id, quote_id: q2.id })
  open = await srv.admin('POST', '/incoming-payments', { wallet_address_id: alice.id, incoming_amount: { value: '300', asset_code: 'USD', asset_scale: 2 } })
  await tenant('alpha')
  await tenant('beta')
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

after(async () => {
  await browser?.close()
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function signIn ({ tenant = '', secret, user, password }) {
  const ctx = await browser.newContext({ javaScriptEnabled: false })
  const page = await ctx.newPage()
  assert.equal((await page.goto(`${base}/console`)).status(), 401)
  if (user) {
    await page.fill('#user', user)
    await page.fill('#password', password)
    await Promise.all([page.waitForNavigation(), page.click('section:nth-of-type(2) button')])
  } else {
    await page.fill('#tenant', tenant)
    await page.fill('#secret', secret)
    await Promise.all([page.waitForNavigation(), page.click('section:nth-of-type(1) button')])
  }
  assert.equal(new URL(page.url()).pathname, '/console')
  return { ctx, page }
}

const csrfOf = (page) => page.getAttribute('form[action="/console/logout"] input[name=csrf]', 'value')
const post = (ctx, path, form) => ctx.request.post(`${base}${path}`, { form, maxRedirects: 0 })
const listIds = async (page) => (await page.locator('#payments tbody tr td:nth-child(2)').allTextContents()).map((s) => s.trim())

test('the operator finds the payment by state and wallet address and follows it to its page', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await Promise.all([page.waitForNavigation(), page.click('nav >> text=Outgoing payments')])
  let ids = await listIds(page)
  assert.ok(ids.includes(paid.p.id) && ids.includes(stuck.id), 'both outgoing payments are listed')
  await page.selectOption('#state', 'COMPLETED')
  await page.fill('#wallet', alice.url)
  await Promise.all([page.waitForNavigation(), page.click('text=Filter')])
  ids = await listIds(page)
  assert.deepEqual(ids, [paid.p.id])
  assert.match(await page.textContent('#payments tbody'), new RegExp(alice.url))
  // a filter that matches nothing: FUNDING of alice
  const none = await page.goto(`${base}/console/payments/outgoing?state=FUNDING&wallet=${alice.id}`)
  assert.equal(none.status(), 200)
  assert.equal(await page.locator('#payments').count(), 0)
  await page.goBack()
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/console/payments/outgoing/${paid.p.id}"]`)])
  assert.equal(await page.textContent('#state'), 'COMPLETED')
  assert.equal(await page.textContent('#receiver'), paid.ip.url)
  const facts = await page.textContent('#facts')
  assert.match(facts, /Debit amount7\.00 USD/)
  assert.match(facts, /Receive amount7\.00 USD/)
  assert.match(await page.textContent('pre'), /"note": "for bob"/)
  const history = await page.locator('#history li').allTextContents()
  assert.match(history[0], / created$/)
  assert.ok(history.some((h) => /outgoing_payment\.created/.test(h)), history.join('|'))
  assert.ok(history.some((h) => /outgoing_payment\.completed/.test(h)), history.join('|'))
  assert.match(await page.textContent('.note'), /No state history is stored/)
  // the funding and the sending moved through its outgoing account
  const transfers = await page.locator('#transfers tbody tr').allTextContents()
  assert.ok(transfers.length >= 2, transfers.join('|'))
  assert.ok(transfers.every((t) => /7\.00/.test(t)), transfers.join('|'))
  // the incoming side: received in full, its events and its invoice account's transfer
  await page.goto(`${base}/console/payments/incoming/${paid.ip.id}`)
  assert.equal(await page.textContent('#state'), 'completed')
  assert.match(await page.textContent('#facts'), /Received7\.00 USD/)
  assert.match(await page.content(), /rent &lt;march&gt;/, 'metadata escaped')
  assert.ok((await page.locator('#transfers tbody tr').count()) >= 1)
  const events = await page.locator('#events tbody tr').allTextContents()
  assert.ok(events.some((e) => /incoming_payment\.completed/.test(e)), events.join('|'))
  await ctx.close()
})

test('an event opens with its JSON body and its stored delivery', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/payments/incoming/${paid.ip.id}`)
  const row = page.locator('#events tbody tr', { hasText: 'incoming_payment.completed' })
  await Promise.all([page.waitForNavigation(), row.locator('a').click()])
  assert.equal(await page.textContent('#type'), 'incoming_payment.completed')
  const body = JSON.parse(await page.textContent('pre'))
  assert.equal(body.type, 'incoming_payment.completed')
  assert.equal(body.data.id, paid.ip.id)
  assert.match(await page.textContent('#deliveries'), /attempts|pending|delivered|failed/i)
  assert.match(await page.content(), /No row is kept per attempt/)
  // the list, filtered by type, holds it
  const eventId = new URL(page.url()).pathname.split('/').pop()
  await page.goto(`${base}/console/webhook-events?type=incoming_payment.completed`)
  const types = await page.locator('#events tbody tr td:nth-child(3)').allTextContents()
  assert.ok(types.length >= 1 && types.every((t) => t === 'incoming_payment.completed'), types.join('|'))
  assert.ok((await page.locator(`a[href="/console/webhook-events/${eventId}"]`).count()) === 1)
  // a time range before everything: nothing
  await page.goto(`${base}/console/webhook-events?to=2001-01-01`)
  assert.equal(await page.locator('#events').count(), 0)
  assert.equal((await page.goto(`${base}/console/webhook-events?from=yesterday`)).status(), 400)
  assert.equal((await page.goto(`${base}/console/webhook-events/${randomUUID()}`)).status(), 404)
  await ctx.close()
})

test('the operator cancels a payment in FUNDING and a pending incoming payment, after a confirmation', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/payments/outgoing/${stuck.id}`)
  assert.equal(await page.textContent('#state'), 'FUNDING')
  await page.fill('form[action$="/cancel"] input[name=reason]', 'customer asked')
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/cancel"] button')])
  assert.match(await page.textContent('h1'), /Confirm/)
  assert.equal((await srv.admin('GET', `/outgoing-payments/${stuck.id}`)).state, 'FUNDING', 'not before the confirmation')
  await Promise.all([page.waitForNavigation(), page.click('button.accept')])
  assert.equal(new URL(page.url()).pathname, `/console/payments/outgoing/${stuck.id}`)
  assert.equal(await page.textContent('#state'), 'CANCELLED')
  const after = await srv.admin('GET', `/outgoing-payments/${stuck.id}`)
  assert.equal(after.state, 'CANCELLED')
  assert.equal(after.metadata.cancellationReason, 'customer asked')
  // a second cancel of the same: refused, nothing to do
  const csrf = await csrfOf(page)
  const again = await post(ctx, `/console/payments/outgoing/${stuck.id}/cancel`, { csrf, confirm: 'yes' })
  assert.equal(again.status(), 409)
  // the incoming one
  await page.goto(`${base}/console/payments/incoming/${open.id}`)
  await Promise.all([page.waitForNavigation(), page.click('form[action$="/cancel"] button')])
  await Promise.all([page.waitForNavigation(), page.click('button.accept')])
  assert.match(await page.textContent('#facts'), /Cancelled \(UTC\)/)
  // the audit log has both
  await page.goto(`${base}/console/audit`)
  const audit = await page.textContent('#audit')
  assert.match(audit, new RegExp(`outgoing_payment_cancel${stuck.id}`))
  assert.match(audit, new RegExp(`incoming_payment_cancel${open.id}`))
  await ctx.close()
})

test('a tenant sees its own payments and events only; another tenant\'s id is 404 as an unknown one', async () => {
  const a = tenants.alpha
  const { ctx, page } = await signIn({ tenant: a.id, secret: a.secret })
  await page.goto(`${base}/console/payments/incoming`)
  assert.deepEqual(await listIds(page), [a.incoming])
  await page.goto(`${base}/console/payments/outgoing`)
  assert.equal(await page.locator('#payments').count(), 0)
  const own = await page.goto(`${base}/console/payments/incoming/${a.incoming}`)
  assert.equal(own.status(), 200)
  assert.match(await page.textContent('#wallet-address'), /alpha\/till/)
  const unknown = await page.goto(`${base}/console/payments/incoming/${randomUUID()}`)
  const unknownText = await page.textContent('main, body')
  for (const id of [tenants.beta.incoming, paid.ip.id]) {
    const r = await page.goto(`${base}/console/payments/incoming/${id}`)
    assert.equal(r.status(), 404)
    assert.equal(await page.textContent('main, body'), unknownText)
  }
  assert.equal(unknown.status(), 404)
  assert.equal((await page.goto(`${base}/console/payments/outgoing/${paid.p.id}`)).status(), 404)
  // events: its own incoming payment's created event, none of the operator's
  await page.goto(`${base}/console/webhook-events`)
  const resources = await page.locator('#events tbody tr td:nth-child(4)').allTextContents()
  assert.ok(resources.length >= 1, 'its own events are listed')
  assert.ok(!resources.includes(paid.ip.id) && !resources.includes(tenants.beta.incoming), resources.join('|'))
  await page.goto(`${base}/console/payments/incoming/${paid.ip.id}`) // 404: no event link to follow
  const opCtx = await signIn({ secret: SECRET })
  await opCtx.page.goto(`${base}/console/payments/incoming/${paid.ip.id}`)
  const href = await opCtx.page.getAttribute('#events a', 'href')
  await opCtx.ctx.close()
  assert.equal((await page.goto(`${base}${href}`)).status(), 404, 'the operator\'s event is 404 for a tenant')
  // a tenant's cancel of another tenant's payment: 404, nothing changed
  const csrf = await csrfOf(page)
  const r = await post(ctx, `/console/payments/incoming/${tenants.beta.incoming}/cancel`, { csrf, confirm: 'yes' })
  assert.equal(r.status(), 404)
  await ctx.close()
})

test('a viewer reads the payments but every POST is 403 and changes nothing', async () => {
  const made = cli(['console-users', 'create', 'payviewer', '--role', 'viewer'])
  const { ctx, page } = await signIn({ user: 'payviewer', password: made.password })
  const ip = await srv.admin('POST', '/incoming-payments', { wallet_address_id: bob.id, incoming_amount: { value: '100', asset_code: 'USD', asset_scale: 2 } })
  const r = await page.goto(`${base}/console/payments/incoming/${ip.id}`)
  assert.equal(r.status(), 200)
  assert.equal(await page.locator('form[action$="/cancel"]').count(), 0, 'no action forms for a viewer')
  const csrf = await csrfOf(page)
  for (const path of [`/console/payments/incoming/${ip.id}/cancel`, `/console/payments/incoming/${ip.id}/complete`,
    `/console/payments/outgoing/${paid.p.id}/cancel`]) {
    const res = await post(ctx, path, { csrf, confirm: 'yes' })
    assert.equal(res.status(), 403, path)
  }
  const still = await srv.admin('GET', `/incoming-payments/${ip.id}`)
  assert.equal(still.state, 'pending')
  await ctx.close()
})

test('a list pages by 50 with an Older link that keeps the filters', async () => {
  const made = []
  for (let i = 0; i < 55; i++) {
    made.push((await srv.admin('POST', '/incoming-payments', {
      wallet_address_id: carol.id, incoming_amount: { value: '1', asset_code: 'USD', asset_scale: 2 }
    })).id)
  }
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/payments/incoming?state=pending&wallet=${encodeURIComponent(carol.url)}`)
  const first = await listIds(page)
  assert.equal(first.length, 50)
  // newest first (payments made within one millisecond are ordered by id: a little slack)
  assert.ok(made.slice(10).every((id) => first.includes(id)), 'the newest are on the first page')
  const href = await page.getAttribute('#older', 'href')
  assert.match(href, /state=pending/)
  assert.match(href, /wallet=/)
  await Promise.all([page.waitForNavigation(), page.click('#older')])
  const second = await listIds(page)
  assert.equal(second.length, 5)
  assert.deepEqual(new Set([...first, ...second]), new Set(made), 'every payment once')
  assert.equal(await page.locator('#older').count(), 0)
  assert.equal((await page.goto(`${base}/console/payments/incoming?before=nonsense`)).status(), 400)
  await ctx.close()
})
