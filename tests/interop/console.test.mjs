// The operator console (/console on the admin port) in a real browser (Debian's chromium driven
// by playwright-core, headless, JavaScript off) against a real `rafiki serve`: the operator
// signs in with ADMIN_API_SECRET, reads the overview's real balances (a liquidity below its
// threshold highlighted), creates an asset, deposits and withdraws liquidity through the pages
// (a confirmation step; the balance checked through the REST admin API) and sets its threshold;
// the audit log shows who did what; a viewer console user
// (made with `rafiki admin console-users create`) sees but cannot change anything (403, nothing
// changed); tenants made through GraphQL sign in with their own secrets and see only their own
// assets; a forged CSRF token, a stale session and a signed-out session are refused; failed
// sign-ins are limited per name and per address.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { spawnSync, execFileSync } from 'node:child_process'
import { chromium } from 'playwright-core'
import { startServe, bin } from './lib/serve.mjs'
import { gqlClient } from './lib/gql.mjs'
import { psql, serveDatabase, serveRedis } from './lib/pg.mjs'

const SECRET = 'console-admin-secret-' + randomUUID()
const OPERATOR = randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-console-'))
let srv, base, browser, usd, op, pg
const tenants = {}

const CREATE_TENANT = 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }'

function cli (args) {
  const r = spawnSync(bin, ['admin', '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, RAFIKI_ADMIN_URL: `http://127.0.0.1:${srv.ports.admin}`, ADMIN_API_SECRET: SECRET },
    timeout: 60000
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

// SQL on the server's database: SQLite, or Postgres when TEST_POSTGRES_URL is set (and Redis)
const passwords = [] // console users' passwords, looked for in the log
const sql = (q) => pg ? psql(pg, q) : execFileSync('sqlite3', [join(dir, 'console.db'), q], { encoding: 'utf8' })

before(async () => {
  const env = { OPERATOR_TENANT_ID: OPERATOR, LOGIN_USER_FAILURES_MAX: '3', LOGIN_ADDRESS_FAILURES_MAX: '12' }
  Object.assign(env, serveDatabase('console'))
  if (process.env.TEST_REDIS_URL) env.REDIS_URL = serveRedis(1)
  pg = env.DATABASE_URL
  env.LOG_LEVEL = 'debug' // every line the server writes, read by the last test
  srv = await startServe({ dir, name: 'console', ilp: 'test.console', secret: SECRET, env, logs: true })
  base = `http://127.0.0.1:${srv.ports.admin}`
  usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  await srv.admin('POST', `/accounts/${usd.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '12345' })
  await srv.admin('POST', '/peers', {
    asset_id: usd.id, ilp_address: 'test.partner', name: 'Partner Bank', incoming_tokens: [randomUUID()],
    min_balance: '-250000', outgoing: { endpoint: 'http://127.0.0.1:9/ilp', token: randomUUID() }
  })
  op = gqlClient({ url: `${base}/graphql`, secret: SECRET, tenantId: OPERATOR })
  for (const name of ['alpha', 'beta', 'gamma']) {
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

// A fresh browser (JavaScript off) signed in through the form: { ctx, page, res } where res is
// the answer to the sign-in's POST chain (the overview on success).
async function signIn ({ tenant = '', secret, user, password }) {
  const ctx = await browser.newContext({ javaScriptEnabled: false })
  const page = await ctx.newPage()
  const first = await page.goto(`${base}/console`)
  assert.equal(first.status(), 401)
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
  return { ctx, page, res }
}

// The session's CSRF token, read from the page's sign-out form.
const csrfOf = (page) => page.getAttribute('form[action="/console/logout"] input[name=csrf]', 'value')

// A form POST from the browser context (its cookies), as a hand-made form would send it.
const post = (ctx, path, form) => ctx.request.post(`${base}${path}`, { form, maxRedirects: 0 })

const liquidity = async (asset) => (await srv.admin('GET', `/accounts/${asset.liquidity_account_id}/status`)).balance
const assetsByCode = async (code) => (await srv.admin('GET', '/assets')).assets.filter((a) => a.code === code)

test('the operator signs in with ADMIN_API_SECRET and sees the overview with real numbers', async () => {
  const { ctx, page, res } = await signIn({ secret: SECRET })
  assert.equal(res.status(), 200)
  const csp = res.headers()['content-security-policy']
  assert.match(csp, /default-src 'none'/)
  assert.doesNotMatch(csp, /script/)
  const cookies = await ctx.cookies()
  const session = cookies.find((c) => c.name === 'rafiki_console')
  assert.ok(session.httpOnly)
  assert.equal(session.sameSite, 'Strict')
  assert.equal(session.path, '/console')
  assert.equal(await page.textContent('#health'), 'Ready')
  const row = page.locator(`tr[data-asset="${usd.id}"]`)
  assert.match(await row.textContent(), /USD\/2/)
  assert.match(await row.textContent(), /123\.45/)
  assert.match(await row.textContent(), /-123\.45/) // the settlement account's side
  assert.match(await page.textContent('#webhooks'), /Webhook events waiting: \d+/)
  // the peer: its balance against its credit limit (min_balance -2500.00)
  const peer = await page.locator('#peers tbody tr').allTextContents()
  assert.deepEqual(peer, ['Partner BankUSD0.002500.00'])
  const html = await page.content()
  assert.ok(!html.includes(SECRET), 'the secret is not in the page')
  assert.ok(!page.url().includes(SECRET))
  await ctx.close()
})

test('the operator creates an asset and deposits liquidity through the pages, with a confirmation step', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/assets`)
  await page.fill('#code', 'EUR')
  await page.fill('#scale', '2')
  await page.fill('#threshold', '10')
  await Promise.all([page.waitForNavigation(), page.click('text=Create')])
  assert.equal(new URL(page.url()).pathname, '/console/assets')
  const [eur] = await assetsByCode('EUR')
  assert.ok(eur, 'the asset exists in the admin API')
  assert.equal(await liquidity(eur), '0')
  const form = page.locator(`form[action="/console/assets/${eur.id}/deposit"]`)
  await form.locator('input[name=amount]').fill('5.50')
  await Promise.all([page.waitForNavigation(), form.locator('button').click()])
  assert.match(await page.textContent('main'), /Deposit 5\.50 EUR into the liquidity/)
  assert.equal(await liquidity(eur), '0', 'nothing moves before the confirmation')
  const transfer = await page.getAttribute('input[name=transfer]', 'value')
  const csrf = await csrfOf(page)
  await Promise.all([page.waitForNavigation(), page.click('text=Confirm deposit')])
  assert.equal(new URL(page.url()).pathname, '/console/assets')
  assert.equal(await liquidity(eur), '550')
  // the same confirmation again (a second submit) is refused, and nothing more moves
  const again = await post(ctx, `/console/assets/${eur.id}/deposit`, { csrf, amount: '5.5', transfer, confirm: 'yes' })
  assert.equal(again.status(), 409)
  assert.equal(await liquidity(eur), '550')
  // below its threshold (10.00): highlighted on the overview; USD has no threshold
  await page.goto(`${base}/console`)
  assert.equal(await page.getAttribute(`tr[data-asset="${eur.id}"]`, 'class'), 'low')
  assert.equal(await page.getAttribute(`tr[data-asset="${usd.id}"]`, 'class'), null)

  // a withdrawal, with its confirmation; more than the liquidity is refused
  await page.goto(`${base}/console/assets`)
  const wform = page.locator(`form[action="/console/assets/${eur.id}/withdraw"]`)
  await wform.locator('input[name=amount]').fill('2')
  await Promise.all([page.waitForNavigation(), wform.locator('button').click()])
  assert.match(await page.textContent('main'), /Withdraw 2\.00 EUR from the liquidity/)
  assert.equal(await liquidity(eur), '550')
  await Promise.all([page.waitForNavigation(), page.click('text=Confirm withdrawal')])
  assert.equal(await liquidity(eur), '350')
  const big = await post(ctx, `/console/assets/${eur.id}/withdraw`, { csrf, amount: '100', transfer: randomUUID(), confirm: 'yes' })
  assert.equal(big.status(), 409)
  assert.equal(await liquidity(eur), '350')

  // the threshold lowered to 3.00: 3.50 is no longer low
  await page.goto(`${base}/console/assets`)
  const tform = page.locator(`form[action="/console/assets/${eur.id}/threshold"]`)
  assert.equal(await tform.locator('input[name=liquidity_threshold]').inputValue(), '10.00')
  await tform.locator('input[name=liquidity_threshold]').fill('3')
  await Promise.all([page.waitForNavigation(), tform.locator('button').click()])
  await page.goto(`${base}/console`)
  assert.equal(await page.getAttribute(`tr[data-asset="${eur.id}"]`, 'class'), null)
  assert.match(await page.locator(`tr[data-asset="${eur.id}"]`).textContent(), /3\.50.*3\.00/)
  await ctx.close()
})

test('a viewer console user sees but cannot change anything', async () => {
  const made = cli(['console-users', 'create', 'watcher', '--role', 'viewer'])
  assert.equal(made.role, 'viewer')
  assert.equal(made.name, 'watcher')
  assert.ok(made.password.length >= 8)
  passwords.push(made.password)
  assert.equal(sql("SELECT count(*) FROM console_users WHERE password_hash LIKE 'scrypt$%'").trim(), '1')
  const { ctx, page, res } = await signIn({ user: 'watcher', password: made.password })
  assert.equal(res.status(), 200)
  assert.match(await page.textContent('.who'), /watcher \(viewer\)/)
  await page.goto(`${base}/console/assets`)
  assert.equal(await page.locator('form[action="/console/assets"]').count(), 0, 'no create form')
  assert.equal(await page.locator('form[action$="/deposit"]').count(), 0, 'no deposit forms')
  const csrf = await csrfOf(page)
  const before = (await srv.admin('GET', '/assets')).assets.length
  const create = await post(ctx, '/console/assets', { csrf, code: 'GBP', scale: '2' })
  assert.equal(create.status(), 403)
  const dep = await post(ctx, `/console/assets/${usd.id}/deposit`, { csrf, amount: '1', transfer: randomUUID(), confirm: 'yes' })
  assert.equal(dep.status(), 403)
  const wd = await post(ctx, `/console/assets/${usd.id}/withdraw`, { csrf, amount: '1', transfer: randomUUID(), confirm: 'yes' })
  assert.equal(wd.status(), 403)
  const th = await post(ctx, `/console/assets/${usd.id}/threshold`, { csrf, liquidity_threshold: '1' })
  assert.equal(th.status(), 403)
  assert.equal(await page.locator('form[action$="/withdraw"], form[action$="/threshold"]').count(), 0)
  assert.equal((await srv.admin('GET', '/assets')).assets.length, before)
  assert.equal(await liquidity(usd), '12345')
  // a viewer may still sign out
  await Promise.all([page.waitForNavigation(), page.click('text=Sign out')])
  assert.equal((await page.goto(`${base}/console`)).status(), 401)
  await ctx.close()
})

test('an operator console user may change things', async () => {
  const made = cli(['console-users', 'create', 'runner', '--role', 'operator'])
  passwords.push(made.password)
  const { ctx, page } = await signIn({ user: 'runner', password: made.password })
  const csrf = await csrfOf(page)
  const r = await post(ctx, '/console/assets', { csrf, code: 'CHF', scale: '2' })
  assert.equal(r.status(), 303)
  assert.equal((await assetsByCode('CHF')).length, 1)
  await ctx.close()
})

test('a tenant signs in with its API secret and sees only its own assets', async () => {
  const a = await signIn({ tenant: tenants.alpha.id, secret: tenants.alpha.secret })
  assert.equal(a.res.status(), 200)
  assert.match(await a.page.textContent('.who'), new RegExp(tenants.alpha.id))
  assert.equal(await a.page.locator('#webhooks').count(), 0, 'the backlog is the operator\'s')
  await a.page.goto(`${base}/console/assets`)
  assert.doesNotMatch(await a.page.textContent('main'), /USD\/2|EUR\/2/, 'none of the operator\'s')
  await a.page.fill('#code', 'AAA')
  await a.page.fill('#scale', '0')
  await Promise.all([a.page.waitForNavigation(), a.page.click('text=Create')])
  assert.match(await a.page.textContent('main'), /AAA\/0/)
  const [aaa] = await assetsByCode('AAA')
  assert.ok(aaa)
  // alpha's asset in alpha's namespace: the GraphQL owner rule
  assert.equal(sql(`SELECT scope FROM assets WHERE id = '${aaa.id}'`).trim(), tenants.alpha.id)

  const b = await signIn({ tenant: tenants.beta.id, secret: tenants.beta.secret })
  await b.page.goto(`${base}/console/assets`)
  const text = await b.page.textContent('main')
  assert.doesNotMatch(text, /AAA/)
  assert.doesNotMatch(text, /USD\/2/)
  await b.page.goto(`${base}/console`)
  assert.equal(await b.page.locator(`tr[data-asset="${aaa.id}"]`).count(), 0)
  assert.equal(await b.page.locator('#peers tbody tr').count(), 0, 'not the operator\'s peer')
  assert.match(await b.page.textContent('main'), /No peers/)
  // beta cannot deposit into alpha's asset (or the operator's) by its id
  const csrf = await csrfOf(b.page)
  for (const id of [aaa.id, usd.id]) {
    for (const what of ['deposit', 'withdraw', 'threshold']) {
      const r = await post(b.ctx, `/console/assets/${id}/${what}`, { csrf, amount: '1', liquidity_threshold: '1', transfer: randomUUID(), confirm: 'yes' })
      assert.equal(r.status(), 404, `${what} ${id}`)
    }
  }
  assert.equal(await liquidity(usd), '12345')
  assert.equal(await liquidity(aaa), '0')
  // the operator sees alpha's asset
  const o = await signIn({ secret: SECRET })
  assert.equal(await o.page.locator(`tr[data-asset="${aaa.id}"]`).count(), 1)
  for (const s of [a, b, o]) await s.ctx.close()
})

test('the audit log records who changed what, with the request id; a tenant reads only its own', async () => {
  const o = await signIn({ secret: SECRET })
  await o.page.goto(`${base}/console/audit`)
  const rows = await o.page.locator('#audit tbody tr').allTextContents()
  const [eur] = await assetsByCode('EUR')
  const [aaa] = await assetsByCode('AAA')
  const [chf] = await assetsByCode('CHF')
  assert.ok(rows.some((r) => r.includes('asset_create') && r.includes(eur.id) && r.includes('EUR/2 liquidity threshold 10') && r.includes(OPERATOR)), rows.join('\n'))
  assert.ok(rows.some((r) => r.includes('liquidity_deposit') && r.includes(eur.id) && r.includes('5.50 EUR')))
  assert.ok(rows.some((r) => r.includes('liquidity_withdrawal') && r.includes(eur.id) && r.includes('2.00 EUR')))
  assert.equal(rows.filter((r) => r.includes('liquidity_withdrawal')).length, 1, 'not the refused one')
  assert.ok(rows.some((r) => r.includes('asset_threshold') && r.includes('EUR liquidity threshold 3')))
  assert.ok(rows.some((r) => r.includes('asset_create') && r.includes(chf.id) && r.includes('runner')), 'the console user by name')
  assert.ok(rows.some((r) => r.includes('asset_create') && r.includes(aaa.id) && r.includes(tenants.alpha.id)))
  assert.ok(rows.some((r) => r.includes('sign_out') && r.includes('watcher')))
  assert.ok(!rows.some((r) => r.includes('GBP')), 'the viewer\'s refused create is not there')
  assert.ok(!(await o.page.content()).includes(SECRET))
  // each row carries its request's id (X-Request-Id)
  const ids = await o.page.locator('#audit tbody tr td:last-child').allTextContents()
  assert.ok(ids.every((id) => id.length > 0), ids.join(','))
  const a = await signIn({ tenant: tenants.alpha.id, secret: tenants.alpha.secret })
  await a.page.goto(`${base}/console/audit`)
  const mine = await a.page.locator('#audit tbody tr').allTextContents()
  assert.ok(mine.some((r) => r.includes(aaa.id)))
  assert.ok(mine.every((r) => r.includes(tenants.alpha.id)), mine.join('\n'))
  assert.ok(!mine.some((r) => r.includes(eur.id)))
  for (const s of [o, a]) await s.ctx.close()
})

test('a forged CSRF token, a stale session and a signed-out session are refused', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  const forged = await post(ctx, '/console/assets', { csrf: 'f'.repeat(32), code: 'JPY', scale: '0' })
  assert.equal(forged.status(), 403)
  const none = await post(ctx, '/console/assets', { code: 'JPY', scale: '0' })
  assert.equal(none.status(), 403)
  assert.equal((await assetsByCode('JPY')).length, 0)
  // the sign-in form's token too
  const login = await ctx.request.post(`${base}/console/login`, { form: { csrf: 'x', secret: SECRET }, maxRedirects: 0 })
  assert.equal(login.status(), 403)

  // sign-out: the old cookie opens nothing afterwards
  const cookie = (await ctx.cookies()).find((c) => c.name === 'rafiki_console').value
  await Promise.all([page.waitForNavigation(), page.click('text=Sign out')])
  const after = await fetch(`${base}/console`, { headers: { Cookie: `rafiki_console=${cookie}` } })
  assert.equal(after.status, 401)

  // a session idle for longer than CONSOLE_IDLE_S (30 min) is over
  const s2 = await signIn({ secret: SECRET })
  assert.equal((await s2.page.goto(`${base}/console`)).status(), 200)
  sql('UPDATE console_sessions SET seen_ms = seen_ms - 31 * 60 * 1000')
  assert.equal((await s2.page.goto(`${base}/console`)).status(), 401)
  // and one older than CONSOLE_SESSION_S (8 h), however recently used
  const s3 = await signIn({ secret: SECRET })
  sql('UPDATE console_sessions SET created_ms = created_ms - 9 * 3600 * 1000')
  assert.equal((await s3.page.goto(`${base}/console`)).status(), 401)
  // a tenant id too long to be one is no tenant (not the operator), even with the operator's secret
  const long = await signIn({ tenant: 'x'.repeat(200), secret: SECRET })
  assert.equal(long.res.status(), 401)
  await long.ctx.close()
  // a deleted tenant's session opens nothing
  const g = await signIn({ tenant: tenants.gamma.id, secret: tenants.gamma.secret })
  assert.equal((await g.page.goto(`${base}/console`)).status(), 200)
  await op.request('mutation($id: String!) { deleteTenant(id: $id) { success } }', { id: tenants.gamma.id })
  assert.equal((await g.page.goto(`${base}/console`)).status(), 401)
  for (const s of [s2, s3, g]) await s.ctx.close()
  await ctx.close()
})

test('failed sign-ins are limited per name, then per address', async () => {
  // three wrong secrets for beta lock beta's name: the right secret is refused too
  for (let i = 0; i < 3; i++) {
    const { res, ctx } = await signIn({ tenant: tenants.beta.id, secret: 'wrong-' + i })
    assert.equal(res.status(), 401)
    assert.ok(!(await res.text()).includes('wrong-' + i), 'the secret typed is not echoed')
    await ctx.close()
  }
  const locked = await signIn({ tenant: tenants.beta.id, secret: tenants.beta.secret })
  assert.equal(locked.res.status(), 429)
  assert.ok(Number(locked.res.headers()['retry-after']) > 0)
  await locked.ctx.close()
  // alpha is another name: not locked
  const alpha = await signIn({ tenant: tenants.alpha.id, secret: tenants.alpha.secret })
  assert.equal(alpha.res.status(), 200)
  await alpha.ctx.close()
  // wrong passwords for many names lock this address (12 failures): then everyone is refused
  let status
  for (let i = 0; i < 12 && status !== 429; i++) {
    const { res, ctx } = await signIn({ user: 'nobody' + i, password: 'not-the-password' })
    status = res.status()
    await ctx.close()
  }
  assert.equal(status, 429)
  const op = await signIn({ secret: SECRET })
  assert.equal(op.res.status(), 429)
  await op.ctx.close()
})

test('no secret or password is in the server\'s log', () => {
  assert.ok(srv.logs.length > 10, `the log was read (${srv.logs.length} lines)`)
  assert.ok(srv.logs.some((l) => l.includes('/console')), 'the console\'s requests are in it')
  for (const secret of [SECRET, ...Object.values(tenants).map((t) => t.secret), ...passwords]) {
    assert.ok(!srv.logs.some((l) => l.includes(secret)), 'a secret is in the log')
  }
})
