// The console's audit log of the admin APIs and the overview's charts, in a real browser
// (Debian's chromium driven by playwright-core, JavaScript off) against a real `rafiki serve`:
// a change through the REST admin API, one through the Admin GraphQL API (signed as Rafiki's
// clients sign) and one through the console all appear at /console/audit with who, what, the
// channel and the request's id (X-Request-Id sent by the client); a tenant's GraphQL change
// appears for that tenant and for the operator, not for another tenant; changes that failed
// (bad input) are not recorded. The overview draws payments per minute (a tenant counts its
// own) and, for the operator only, packets per minute.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from 'playwright-core'
import { startServe } from './lib/serve.mjs'
import { gqlClient, sign, assertValid } from './lib/gql.mjs'
import { serveDatabase, serveRedis } from './lib/pg.mjs'

const SECRET = 'audit-admin-secret-' + randomUUID()
const OPERATOR = randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-console-audit-'))
let srv, base, browser
const tenants = {}

const CREATE_TENANT = 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }'
const CREATE_ASSET = 'mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id code } } }'

before(async () => {
  const env = { OPERATOR_TENANT_ID: OPERATOR, ...serveDatabase('console_audit') }
  if (process.env.TEST_REDIS_URL) env.REDIS_URL = serveRedis(2)
  srv = await startServe({ dir, name: 'console_audit', ilp: 'test.audit', secret: SECRET, env })
  base = `http://127.0.0.1:${srv.ports.admin}`
  const op = gqlClient({ url: `${base}/graphql`, secret: SECRET, tenantId: OPERATOR })
  for (const name of ['alpha', 'beta']) {
    const secret = `${name}-secret-${randomUUID()}`
    const t = (await op.request(CREATE_TENANT, { input: { apiSecret: secret, publicName: name } })).createTenant.tenant
    tenants[name] = { id: t.id, secret }
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

after(async () => {
  await browser?.close()
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

// A fresh browser (JavaScript off) signed in with a tenant's secret (the operator's: '').
async function signIn (tenant, secret) {
  const ctx = await browser.newContext({ javaScriptEnabled: false })
  const page = await ctx.newPage()
  assert.equal((await page.goto(`${base}/console`)).status(), 401)
  await page.fill('#tenant', tenant)
  await page.fill('#secret', secret)
  const [res] = await Promise.all([page.waitForNavigation(), page.click('section:nth-of-type(1) button')])
  assert.equal(res.status(), 200)
  return { ctx, page }
}

const rid = (what) => `${what}-${randomUUID()}`

// A REST admin call with our own request id: { status, json }.
async function rest (method, path, body, requestId) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json', 'X-Request-Id': requestId },
    body: body ? JSON.stringify(body) : undefined
  })
  assert.equal(r.headers.get('x-request-id'), requestId)
  return { status: r.status, json: await r.json() }
}

// A signed GraphQL call as tenantId with our own request id: its JSON answer.
async function gql (tenantId, secret, query, variables, requestId) {
  assertValid(query)
  const body = { query, variables }
  const r = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', signature: sign(body, secret), 'tenant-id': tenantId, 'X-Request-Id': requestId },
    body: JSON.stringify(body)
  })
  assert.equal(r.headers.get('x-request-id'), requestId)
  return r.json()
}

// The audit page's rows as cells: { when, who, channel, what, on, request }.
async function auditRows (page) {
  await page.goto(`${base}/console/audit`)
  const rows = []
  for (const tr of await page.locator('#audit tbody tr').all()) {
    const [when, who, channel, what, on, request] = await tr.locator('td').allTextContents()
    rows.push({ when, who, channel, what, on, request })
  }
  return rows
}

// The rows once the one with request id `want` is there (API rows are written within a second).
async function auditWith (page, want) {
  for (let i = 0; i < 50; i++) {
    const rows = await auditRows(page)
    if (rows.some((r) => r.request === want)) return rows
    await sleep(200)
  }
  assert.fail(`no audit row with request id ${want}`)
}

test('changes through REST, GraphQL and the console are in the audit log with who, what and the request id', async () => {
  const o = await signIn('', SECRET)
  const restId = rid('rest')
  const created = await rest('POST', '/assets', { code: 'AUD', scale: 2 }, restId)
  assert.equal(created.status, 201, JSON.stringify(created.json))
  const gqlId = rid('gql')
  const g = await gql(OPERATOR, SECRET, CREATE_ASSET, { input: { code: 'CAD', scale: 2 } }, gqlId)
  assert.equal(g.errors, undefined, JSON.stringify(g))
  const cad = g.data.createAsset.asset
  // a console change: the assets page's create form, sent with our request id
  await o.page.goto(`${base}/console/assets`)
  const csrf = await o.page.getAttribute('form[action="/console/logout"] input[name=csrf]', 'value')
  const consoleId = rid('console')
  const res = await o.ctx.request.post(`${base}/console/assets`, { form: { csrf, code: 'NZD', scale: '2' }, headers: { 'X-Request-Id': consoleId }, maxRedirects: 0 })
  assert.equal(res.status(), 303)
  const nzd = (await srv.admin('GET', '/assets')).assets.find((a) => a.code === 'NZD')

  const rows = await auditWith(o.page, gqlId)
  const byId = (id) => rows.find((r) => r.request === id)
  const r = byId(restId)
  assert.ok(r, rows.map((x) => JSON.stringify(x)).join('\n'))
  assert.equal(r.channel, 'rest')
  assert.equal(r.what, 'POST /assets')
  assert.match(r.on, new RegExp(created.json.id))
  assert.match(r.who, new RegExp(OPERATOR))
  const q = byId(gqlId)
  assert.ok(q)
  assert.equal(q.channel, 'graphql')
  assert.equal(q.what, 'createAsset')
  assert.match(q.on, new RegExp(cad.id), 'the created asset, from the answer')
  assert.match(q.who, new RegExp(OPERATOR))
  const c = byId(consoleId)
  assert.ok(c, 'the console change carries the request id too')
  assert.equal(c.channel, 'console')
  assert.equal(c.what, 'asset_create')
  assert.match(c.on, new RegExp(nzd.id))
  assert.match(await o.page.textContent('main'), /changes made through the console, the REST admin API and the Admin GraphQL API/)
  await o.ctx.close()
})

test("a tenant's GraphQL change is seen by that tenant and the operator, not by another tenant", async () => {
  const { alpha, beta } = tenants
  const id = rid('alpha')
  const g = await gql(alpha.id, alpha.secret, CREATE_ASSET, { input: { code: 'ALF', scale: 0 } }, id)
  assert.equal(g.errors, undefined, JSON.stringify(g))
  const asset = g.data.createAsset.asset
  // an id argument: the asset's liquidity threshold set through GraphQL names its asset
  const thrId = rid('alpha-thr')
  const t = await gql(alpha.id, alpha.secret,
    'mutation($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { id } } }',
    { input: { id: asset.id, liquidityThreshold: '7' } }, thrId)
  assert.equal(t.errors, undefined, JSON.stringify(t))
  const a = await signIn(alpha.id, alpha.secret)
  const mine = await auditWith(a.page, thrId)
  const row = mine.find((r) => r.request === id)
  assert.ok(row)
  assert.equal(row.channel, 'graphql')
  assert.match(row.who, new RegExp(alpha.id))
  assert.match(row.on, new RegExp(asset.id))
  const upd = mine.find((r) => r.request === thrId)
  assert.equal(upd.what, 'updateAsset')
  assert.match(upd.on, new RegExp(`${asset.id}.*id=${asset.id}`))
  assert.ok(mine.every((r) => r.who.includes(alpha.id)), 'only its own rows')
  const o = await signIn('', SECRET)
  assert.ok((await auditRows(o.page)).some((r) => r.request === id), 'the operator sees every tenant\'s')
  const b = await signIn(beta.id, beta.secret)
  const theirs = await auditRows(b.page)
  assert.ok(!theirs.some((r) => r.request === id || r.request === thrId), 'another tenant does not')
  for (const s of [a, o, b]) await s.ctx.close()
})

test('changes that failed are not recorded', async () => {
  const badRest = rid('bad-rest')
  const r = await rest('POST', '/assets', { code: 'AUD', scale: 'two' }, badRest)
  assert.equal(r.status, 400)
  const dupRest = rid('dup-rest')
  const dup = await rest('POST', '/assets', { code: 'AUD', scale: 2 }, dupRest)
  assert.ok(dup.status >= 400 && dup.status < 500, `a duplicate is refused: ${dup.status}`)
  const badGql = rid('bad-gql')
  const g = await gql(OPERATOR, SECRET, CREATE_ASSET, { input: { code: 'CAD', scale: 2 } }, badGql)
  assert.equal(g.errors?.[0]?.extensions?.code, 'DUPLICATE', JSON.stringify(g))
  const getId = rid('get')
  assert.equal((await rest('GET', '/assets', undefined, getId)).status, 200)
  // then one that succeeds: once it is there, the failed ones would have been too
  const okId = rid('ok')
  assert.equal((await rest('POST', '/assets', { code: 'SEK', scale: 2 }, okId)).status, 201)
  const o = await signIn('', SECRET)
  const rows = await auditWith(o.page, okId)
  for (const id of [badRest, dupRest, badGql, getId]) assert.ok(!rows.some((x) => x.request === id), id)
  await o.ctx.close()
})

test('the overview charts payments per minute (a tenant its own) and packets for the operator only', async () => {
  const usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  const wa = await srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${srv.ports.op}/payee` })
  const ip = await srv.admin('POST', '/incoming-payments', { wallet_address_id: wa.id, incoming_amount: { value: '100', asset_code: 'USD', asset_scale: 2 } })
  await srv.admin('POST', `/incoming-payments/${ip.id}/complete`)
  const o = await signIn('', SECRET)
  const chart = o.page.locator('#payments-chart > svg')
  assert.equal(await chart.getAttribute('role'), 'img')
  assert.equal(await o.page.textContent('#payments-chart-title'), 'Payments per minute')
  assert.equal(await o.page.locator('#payments-chart polyline').count(), 3)
  // the table fallback: this minute's row counts the completed incoming payment
  const cells = await o.page.locator('#payments-chart-table tbody tr:first-child td').allTextContents()
  assert.deepEqual(cells.slice(1), ['0', '0', '1'])
  assert.equal(await o.page.locator('#packets-chart polyline').count(), 2)
  assert.equal(await o.page.textContent('#packets-chart-title'), 'ILP packets per minute')
  // a tenant: its own payments (none), and no packets
  const a = await signIn(tenants.alpha.id, tenants.alpha.secret)
  assert.equal(await a.page.locator('#payments-chart-table tbody tr').count(), 0)
  assert.equal(await a.page.locator('#packets-chart').count(), 0)
  assert.match(await a.page.textContent('#packets-operator-only'), /operator only/)
  for (const s of [o, a]) await s.ctx.close()
})
