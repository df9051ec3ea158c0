// The operator console's tenants, console users and asset detail pages (/console/tenants,
// /console/users, /console/assets/{id} on the admin port) in a real browser (Debian's chromium
// driven by playwright-core, headless, JavaScript off) against a real `rafiki serve`: the
// operator creates a tenant (its API secret shown once, which then signs in to the console and
// to GraphQL), sets and deletes a setting (read back through GraphQL's tenant.settings), sets
// its funding model (read back through REST) and deletes it (its console session stops
// working); console users are created, promoted from viewer to operator (the next POST of the
// open session is allowed) and deleted (the session is refused); a fee set on the asset page is
// in the page's history and in GraphQL's asset.fees; the withdrawal threshold is set; the
// assets list pages beyond 50; a tenant cannot open another tenant's page nor the users page; a
// viewer is refused every POST (403) and a forged CSRF token is refused.
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

const SECRET = 'console-tenants-secret-' + randomUUID()
const OPERATOR = randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-console-tenants-'))
let srv, base, browser, usd, op
const made = {} // tenants made in the console: { id, secret }

const CREATE_TENANT = 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }'
const TENANT = 'query($id: String!) { tenant(id: $id) { id publicName email settings { key value } } }'

function cli (args) {
  const r = spawnSync(bin, ['admin', '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, RAFIKI_ADMIN_URL: `http://127.0.0.1:${srv.ports.admin}`, ADMIN_API_SECRET: SECRET },
    timeout: 60000
  })
  assert.equal(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

before(async () => {
  const env = { OPERATOR_TENANT_ID: OPERATOR }
  Object.assign(env, serveDatabase('console_tenants'))
  if (process.env.TEST_REDIS_URL) env.REDIS_URL = serveRedis(5)
  srv = await startServe({ dir, name: 'console_tenants', ilp: 'test.ctenants', secret: SECRET, env })
  base = `http://127.0.0.1:${srv.ports.admin}`
  usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  op = gqlClient({ url: `${base}/graphql`, secret: SECRET, tenantId: OPERATOR })
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
})

after(async () => {
  await browser?.close()
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

// A fresh browser (JavaScript off) signed in through the form: { ctx, page, res }.
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

const csrfOf = (page) => page.getAttribute('form[action="/console/logout"] input[name=csrf]', 'value')
const post = (ctx, path, form) => ctx.request.post(`${base}${path}`, { form, maxRedirects: 0 })
const get = (ctx, path) => ctx.request.get(`${base}${path}`, { maxRedirects: 0 })
const submit = (page, selector) => Promise.all([page.waitForNavigation(), page.click(selector)])

// Makes a tenant through the console's form: { id, secret } (the secret read from the answer).
async function createInConsole (page, name) {
  await page.goto(`${base}/console/tenants`)
  await page.fill('#public_name', name)
  await page.fill('#email', `${name}@example.com`)
  const [res] = await submit(page, 'text=Create tenant')
  assert.equal(res.status(), 201)
  const id = (await page.textContent('#tenant-id')).trim()
  const secret = (await page.textContent('#api-secret')).trim()
  assert.match(id, /^[0-9a-f-]{36}$/)
  assert.ok(secret.length >= 32)
  return { id, secret }
}

test('the operator creates a tenant; its secret is shown once and signs in to the console and GraphQL', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  made.acme = await createInConsole(page, 'Acme <Bank>')
  await page.goto(`${base}/console/tenants`)
  const row = page.locator(`tr[data-tenant="${made.acme.id}"]`)
  assert.match(await row.textContent(), /Acme <Bank>/, 'the name, escaped and shown as text')
  assert.match(await row.textContent(), /acme <bank>@example\.com/i)
  assert.ok(!(await page.content()).includes(made.acme.secret), 'the list does not show the secret')
  await page.goto(`${base}/console/tenants/${made.acme.id}`)
  assert.ok(!(await page.content()).includes(made.acme.secret), 'nor the tenant page')
  // the audit log has the creation, without the secret
  await page.goto(`${base}/console/audit`)
  assert.match(await page.textContent('#audit'), /tenant_create/)
  assert.ok(!(await page.content()).includes(made.acme.secret))
  await ctx.close()
  const t = await signIn({ tenant: made.acme.id, secret: made.acme.secret })
  assert.equal(t.res.status(), 200)
  assert.match(await t.page.textContent('.who'), new RegExp(made.acme.id))
  await t.ctx.close()
  const gql = gqlClient({ url: `${base}/graphql`, secret: made.acme.secret, tenantId: made.acme.id })
  const got = (await gql.request(TENANT, { id: made.acme.id })).tenant
  assert.equal(got.publicName, 'Acme <Bank>')
  assert.ok(got.settings.some((s) => s.key === 'ILP_ADDRESS' && s.value === `test.ctenants.${made.acme.id}`))
})

test('the operator sets and deletes a setting, validated as createTenantSettings', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/tenants/${made.acme.id}`)
  await page.selectOption('#key', 'WEBHOOK_URL')
  await page.fill('#value', 'https://hooks.example.com/acme')
  const [res] = await submit(page, 'text=Set setting')
  assert.equal(res.status(), 200)
  assert.equal(new URL(page.url()).pathname, `/console/tenants/${made.acme.id}`)
  let settings = (await op.request(TENANT, { id: made.acme.id })).tenant.settings
  assert.ok(settings.some((s) => s.key === 'WEBHOOK_URL' && s.value === 'https://hooks.example.com/acme'))
  // an invalid value is refused as GraphQL refuses it, nothing changed
  await page.selectOption('#key', 'WEBHOOK_TIMEOUT')
  await page.fill('#value', '-5')
  const [bad] = await submit(page, 'text=Set setting')
  assert.equal(bad.status(), 400)
  assert.match(await page.textContent('main'), /Invalid value for one or more tenant settings/)
  settings = (await op.request(TENANT, { id: made.acme.id })).tenant.settings
  assert.ok(!settings.some((s) => s.key === 'WEBHOOK_TIMEOUT' && s.value === '-5'))
  // delete it
  await page.goto(`${base}/console/tenants/${made.acme.id}`)
  await submit(page, 'tr[data-key="WEBHOOK_URL"] button')
  settings = (await op.request(TENANT, { id: made.acme.id })).tenant.settings
  assert.ok(!settings.some((s) => s.key === 'WEBHOOK_URL'), 'the setting is gone')
  assert.equal(await page.locator('tr[data-key="WEBHOOK_URL"]').count(), 0)
  await ctx.close()
})

test('the operator sets a tenant\'s funding model and edits its name', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/tenants/${made.acme.id}`)
  await page.selectOption('#model', 'rafiki')
  await submit(page, 'text=Set funding model')
  assert.equal((await srv.admin('GET', `/tenants/${made.acme.id}`)).funding_model, 'rafiki')
  assert.equal((await page.textContent('#funding')).trim(), 'rafiki')
  await page.selectOption('#model', '')
  await submit(page, 'text=Set funding model')
  assert.equal((await srv.admin('GET', `/tenants/${made.acme.id}`)).funding_model, null)
  await page.fill('#public_name', 'Acme Bank')
  await submit(page, 'text=Save')
  assert.equal((await op.request(TENANT, { id: made.acme.id })).tenant.publicName, 'Acme Bank')
  await ctx.close()
})

test('a tenant sees and edits its own page only; not another tenant\'s, not the users page', async () => {
  const other = (await op.request(CREATE_TENANT, { input: { apiSecret: 'other-' + randomUUID(), publicName: 'other' } })).createTenant.tenant
  const { ctx, page } = await signIn({ tenant: made.acme.id, secret: made.acme.secret })
  const list = await get(ctx, '/console/tenants')
  assert.equal(list.status(), 303)
  assert.equal(list.headers().location, `/console/tenants/${made.acme.id}`)
  assert.equal((await get(ctx, `/console/tenants/${other.id}`)).status(), 404)
  assert.equal((await get(ctx, `/console/tenants/${randomUUID()}`)).status(), 404)
  assert.equal((await get(ctx, '/console/users')).status(), 404)
  await page.goto(`${base}/console/tenants/${made.acme.id}`)
  assert.equal(await page.locator('#model').count(), 0, 'the funding model is the operator\'s')
  const csrf = await csrfOf(page)
  // its own setting: allowed
  const own = await post(ctx, `/console/tenants/${made.acme.id}/settings`, { csrf, key: 'WEBHOOK_MAX_RETRY', value: '3' })
  assert.equal(own.status(), 303)
  const settings = (await op.request(TENANT, { id: made.acme.id })).tenant.settings
  assert.ok(settings.some((s) => s.key === 'WEBHOOK_MAX_RETRY' && s.value === '3'))
  // another's: 404, as an unknown id, and nothing changed
  const theirs = await post(ctx, `/console/tenants/${other.id}/settings`, { csrf, key: 'WEBHOOK_MAX_RETRY', value: '4' })
  assert.equal(theirs.status(), 404)
  const otherSettings = (await op.request(TENANT, { id: other.id })).tenant.settings
  assert.ok(!otherSettings.some((s) => s.key === 'WEBHOOK_MAX_RETRY' && s.value === '4'))
  assert.equal((await post(ctx, `/console/tenants/${other.id}`, { csrf, public_name: 'x', email: '', idp_consent_url: '', idp_secret: '' })).status(), 404)
  // creation and deletion are the operator's
  assert.equal((await post(ctx, '/console/tenants', { csrf, public_name: 'x', email: '', idp_consent_url: '', idp_secret: '' })).status(), 403)
  assert.equal((await post(ctx, `/console/tenants/${other.id}/delete`, { csrf, confirm: 'yes' })).status(), 403)
  assert.equal((await post(ctx, `/console/tenants/${made.acme.id}/funding`, { csrf, funding_model: 'ledger' })).status(), 403)
  assert.equal((await post(ctx, '/console/users', { csrf, name: 'sneaky', role: 'operator', password: '', password2: '' })).status(), 404)
  // the operator's asset: 404 on its page and its forms, as an unknown id
  assert.equal((await get(ctx, `/console/assets/${usd.id}`)).status(), 404)
  assert.equal((await post(ctx, `/console/assets/${usd.id}/fee`, { csrf, type: 'SENDING', fixed: '1', basis_points: '1' })).status(), 404)
  assert.equal((await post(ctx, `/console/assets/${usd.id}/withdrawal_threshold`, { csrf, withdrawal_threshold: '1' })).status(), 404)
  assert.equal((await op.request('query($id: String!) { asset(id: $id) { sendingFee { fixed } withdrawalThreshold } }', { id: usd.id })).asset.sendingFee, null)
  await ctx.close()
})

test('the operator deletes a tenant after a confirmation; its console session stops working', async () => {
  const doomed = await (async () => {
    const { ctx, page } = await signIn({ secret: SECRET })
    const t = await createInConsole(page, 'doomed')
    await ctx.close()
    return t
  })()
  const victim = await signIn({ tenant: doomed.id, secret: doomed.secret })
  assert.equal(victim.res.status(), 200)
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/tenants/${doomed.id}`)
  const [confirm] = await submit(page, 'text=Delete tenant')
  assert.equal(confirm.status(), 200)
  assert.match(await page.textContent('main'), /Confirm the deletion/)
  assert.equal((await srv.admin('GET', `/tenants/${doomed.id}`)).deleted_at, null, 'not yet')
  await submit(page, 'text=Confirm deletion')
  assert.equal(new URL(page.url()).pathname, '/console/tenants')
  assert.ok((await srv.admin('GET', `/tenants/${doomed.id}`)).deleted_at, 'deleted')
  assert.ok((await page.locator(`tr[data-tenant="${doomed.id}"] td:last-child`).textContent()).trim(), 'the list shows when')
  assert.equal((await get(victim.ctx, '/console')).status(), 401, 'the deleted tenant\'s session opens nothing')
  assert.equal((await get(victim.ctx, `/console/tenants/${doomed.id}`)).status(), 401)
  await victim.ctx.close()
  await ctx.close()
})

test('console users: created, promoted viewer -> operator at once, deleted with their sessions', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/users`)
  await page.fill('#name', 'vera')
  await page.selectOption('#role', 'viewer')
  await page.fill('#password', 'vera-password-1')
  await page.fill('#password2', 'vera-password-1')
  await submit(page, 'text=Create user')
  assert.equal(new URL(page.url()).pathname, '/console/users')
  assert.equal((await page.textContent('tr[data-user="vera"] .role')).trim(), 'viewer')
  // mismatched passwords are refused
  await page.fill('#name', 'wim')
  await page.fill('#password', 'wim-password-1')
  await page.fill('#password2', 'wim-password-2')
  const [mismatch] = await submit(page, 'text=Create user')
  assert.equal(mismatch.status(), 400)
  // a generated password, shown once
  await page.goto(`${base}/console/users`)
  await page.fill('#name', 'gen')
  const [shown] = await submit(page, 'text=Create user')
  assert.equal(shown.status(), 201)
  const genPassword = (await page.textContent('#password-shown')).trim()
  await page.goto(`${base}/console/users`)
  assert.ok(!(await page.content()).includes(genPassword))
  const gen = await signIn({ user: 'gen', password: genPassword })
  assert.equal(gen.res.status(), 200)

  const vera = await signIn({ user: 'vera', password: 'vera-password-1' })
  assert.equal(vera.res.status(), 200)
  const csrf = await csrfOf(vera.page)
  const tryThreshold = () => post(vera.ctx, `/console/assets/${usd.id}/threshold`, { csrf, liquidity_threshold: '1' })
  assert.equal((await tryThreshold()).status(), 403, 'a viewer cannot change')
  // the viewer sees the users but no forms
  await vera.page.goto(`${base}/console/users`)
  assert.match(await vera.page.textContent('#users'), /vera/)
  assert.equal(await vera.page.locator('form[action^="/console/users"]').count(), 0)
  // promoted: the open session's next POST is allowed
  await page.goto(`${base}/console/users`)
  await page.selectOption('tr[data-user="vera"] select', 'operator')
  await submit(page, 'tr[data-user="vera"] >> text=Set role')
  assert.equal((await page.textContent('tr[data-user="vera"] .role')).trim(), 'operator')
  assert.equal((await tryThreshold()).status(), 303, 'the promoted session may change at once')

  // deleted after a confirmation: its session is refused
  await page.goto(`${base}/console/users`)
  const [confirm] = await submit(page, 'tr[data-user="gen"] >> text=Delete')
  assert.equal(confirm.status(), 200)
  await submit(page, 'text=Confirm deletion')
  assert.equal(await page.locator('tr[data-user="gen"]').count(), 0)
  assert.equal((await get(gen.ctx, '/console')).status(), 401, 'the deleted user\'s session is refused')
  // a password reset ends the user's sessions, the new password signs in
  await page.goto(`${base}/console/users`)
  const [reset] = await submit(page, 'tr[data-user="vera"] >> text=Reset password')
  assert.equal(reset.status(), 200)
  const veraNew = (await page.textContent('#password-shown')).trim()
  assert.equal((await get(vera.ctx, '/console')).status(), 401)
  const again = await signIn({ user: 'vera', password: veraNew })
  assert.equal(again.res.status(), 200)
  await page.goto(`${base}/console/audit`)
  const audit = await page.textContent('#audit')
  for (const a of ['console_user_create', 'console_user_role', 'console_user_delete', 'console_user_password']) assert.match(audit, new RegExp(a))
  for (const c of [gen.ctx, vera.ctx, again.ctx, ctx]) await c.close()
})

test('the asset page sets a fee (in its history and GraphQL\'s asset.fees) and the withdrawal threshold', async () => {
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/assets`)
  await submit(page, `a[href="/console/assets/${usd.id}"]`)
  assert.equal((await page.textContent('#withdrawal-threshold')).trim(), 'none')
  await page.selectOption('#fee-type', 'SENDING')
  await page.fill('#fee-fixed', '0.50')
  await page.fill('#fee-bps', '25')
  await submit(page, 'text=Set fee')
  assert.equal(new URL(page.url()).pathname, `/console/assets/${usd.id}`)
  const one = await page.locator('#fees tbody tr').allTextContents()
  assert.equal(one.length, 1)
  assert.match(one[0], /^SENDING0\.5025/)
  await page.fill('#fee-fixed', '1.00')
  await page.fill('#fee-bps', '10')
  await submit(page, 'text=Set fee')
  const history = await page.locator('#fees tbody tr').allTextContents()
  assert.equal(history.length, 2)
  assert.match(history[0], /^SENDING1\.0010/, 'newest first')
  assert.match(history[1], /^SENDING0\.5025/)
  assert.match(await page.textContent('#current-fees'), /SENDING1\.0010/)
  const q = `query($id: String!) { asset(id: $id) { withdrawalThreshold sendingFee { fixed basisPoints }
    fees(first: 10) { edges { node { type fixed basisPoints } } } } }`
  let asset = (await op.request(q, { id: usd.id })).asset
  assert.deepEqual(asset.sendingFee, { fixed: '100', basisPoints: 10 })
  assert.deepEqual(asset.fees.edges.map((e) => e.node), [
    { type: 'SENDING', fixed: '100', basisPoints: 10 },
    { type: 'SENDING', fixed: '50', basisPoints: 25 }
  ])
  // out of range basis points: refused as setFee refuses them
  await page.fill('#fee-fixed', '1')
  await page.fill('#fee-bps', '10001')
  const [bad] = await submit(page, 'text=Set fee')
  assert.equal(bad.status(), 400)
  assert.match(await page.textContent('main'), /Basis point fee must be between 0 and 10000/)
  // the withdrawal threshold: set, then removed
  await page.goto(`${base}/console/assets/${usd.id}`)
  await page.fill('#wd-threshold', '5.00')
  await submit(page, 'text=Set withdrawal threshold')
  assert.equal((await page.textContent('#withdrawal-threshold')).trim(), '5.00')
  asset = (await op.request(q, { id: usd.id })).asset
  assert.equal(asset.withdrawalThreshold, '500')
  await page.fill('#wd-threshold', '')
  await submit(page, 'text=Set withdrawal threshold')
  assert.equal((await op.request(q, { id: usd.id })).asset.withdrawalThreshold, null)
  await page.goto(`${base}/console/audit`)
  assert.match(await page.textContent('#audit'), /asset_fee[\s\S]*asset_withdrawal_threshold|asset_withdrawal_threshold[\s\S]*asset_fee/)
  await ctx.close()
})

test('the assets list pages beyond 50 assets', async () => {
  for (let i = 0; i < 55; i++) await srv.admin('POST', '/assets', { code: `P${String(i).padStart(2, '0')}`, scale: 2 })
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/assets`)
  const first = await page.locator('#assets tbody tr').count()
  assert.equal(first, 50)
  await submit(page, 'a[rel=next]')
  const second = await page.locator('#assets tbody tr').allTextContents()
  assert.equal(second.length, 56 - 50, 'USD and 55 more: 6 on the second page')
  assert.match(second[second.length - 1], /P54\/2/)
  assert.equal(await page.locator('a[rel=next]').count(), 0)
  await ctx.close()
})

test('a viewer is refused every POST (403) and a forged CSRF token is refused', async () => {
  const viewer = cli(['console-users', 'create', 'peek', '--role', 'viewer'])
  const v = await signIn({ user: 'peek', password: viewer.password })
  await v.page.goto(`${base}/console/tenants/${made.acme.id}`)
  assert.equal(await v.page.locator(`form[action^="/console/tenants/${made.acme.id}/"]`).count(), 0, 'no forms')
  await v.page.goto(`${base}/console/assets/${usd.id}`)
  assert.equal(await v.page.locator('#fee-fixed').count(), 0)
  const csrf = await csrfOf(v.page)
  const t = `/console/tenants/${made.acme.id}`
  const posts = [
    ['/console/tenants', { public_name: 'x', email: '', idp_consent_url: '', idp_secret: '' }],
    [t, { public_name: 'x', email: '', idp_consent_url: '', idp_secret: '' }],
    [`${t}/settings`, { key: 'WEBHOOK_MAX_RETRY', value: '9' }],
    [`${t}/settings/delete`, { key: 'WEBHOOK_MAX_RETRY' }],
    [`${t}/funding`, { funding_model: 'ledger' }],
    [`${t}/delete`, { confirm: 'yes' }],
    ['/console/users', { name: 'nope', role: 'operator', password: '', password2: '' }],
    ['/console/users/vera/role', { role: 'viewer' }],
    ['/console/users/vera/password', { password: '', password2: '' }],
    ['/console/users/vera/delete', { confirm: 'yes' }],
    [`/console/assets/${usd.id}/fee`, { type: 'SENDING', fixed: '9', basis_points: '9' }],
    [`/console/assets/${usd.id}/withdrawal_threshold`, { withdrawal_threshold: '9' }]
  ]
  for (const [path, form] of posts) {
    assert.equal((await post(v.ctx, path, { csrf, ...form })).status(), 403, `viewer POST ${path}`)
  }
  const after = (await op.request(TENANT, { id: made.acme.id })).tenant
  assert.equal(after.publicName, 'Acme Bank')
  assert.ok(after.settings.some((s) => s.key === 'WEBHOOK_MAX_RETRY' && s.value === '3'))
  assert.equal((await srv.admin('GET', `/tenants/${made.acme.id}`)).deleted_at, null)
  // the operator with a forged token: refused, nothing changed
  const o = await signIn({ secret: SECRET })
  const forged = 'f'.repeat((await csrfOf(o.page)).length)
  for (const [path, form] of posts) {
    assert.equal((await post(o.ctx, path, { csrf: forged, ...form })).status(), 403, `forged POST ${path}`)
    assert.equal((await post(o.ctx, path, form)).status(), 403, `tokenless POST ${path}`)
  }
  assert.equal((await op.request(TENANT, { id: made.acme.id })).tenant.publicName, 'Acme Bank')
  await v.ctx.close()
  await o.ctx.close()
})

test('the CLI lists console users, changes a role and deletes one, reaching open sessions at once', async () => {
  const made2 = cli(['console-users', 'create', 'cli-user', '--role', 'viewer'])
  const s = await signIn({ user: 'cli-user', password: made2.password })
  const csrf = await csrfOf(s.page)
  const tryThreshold = () => post(s.ctx, `/console/assets/${usd.id}/threshold`, { csrf, liquidity_threshold: '2' })
  assert.equal((await tryThreshold()).status(), 403)
  const list = cli(['console-users', 'list'])
  const row = list.find((u) => u.name === 'cli-user')
  assert.equal(row.role, 'viewer')
  assert.ok(row.created_at)
  assert.ok(!('password' in row) && !JSON.stringify(list).includes('scrypt'))
  const names = list.map((u) => u.name)
  assert.deepEqual(names, [...names].sort(), 'in name order')
  const changed = cli(['console-users', 'role', 'cli-user', 'operator'])
  assert.equal(changed.role, 'operator')
  assert.ok(!('password' in changed))
  assert.equal((await tryThreshold()).status(), 303, 'the open session is an operator at once')
  const gone = cli(['console-users', 'delete', 'cli-user'])
  assert.equal(gone.deleted, true)
  assert.equal((await get(s.ctx, '/console')).status(), 401, 'its session ends at once')
  assert.ok(!cli(['console-users', 'list']).some((u) => u.name === 'cli-user'))
  // unknown names and roles are refused
  const r = spawnSync(bin, ['admin', '--json', 'console-users', 'role', 'nobody', 'operator'], {
    encoding: 'utf8',
    env: { ...process.env, RAFIKI_ADMIN_URL: base, ADMIN_API_SECRET: SECRET }
  })
  assert.equal(r.status, 1)
  const bad = await srv.call('PATCH', '/console-users/peek', { role: 'admin' })
  assert.equal(bad.status, 400)
  assert.equal(bad.json.error.code, 'invalid_field')
  assert.equal((await srv.call('DELETE', '/console-users/nobody')).status, 404)
  await s.ctx.close()
})

test('the tenants list pages beyond 50 tenants, newest first', async () => {
  for (let i = 0; i < 50; i++) await op.request(CREATE_TENANT, { input: { apiSecret: `bulk-${i}-${randomUUID()}`, publicName: `bulk-${i}` } })
  const all = (await srv.admin('GET', '/tenants?limit=100')).tenants
  assert.ok(all.length > 50)
  const { ctx, page } = await signIn({ secret: SECRET })
  await page.goto(`${base}/console/tenants`)
  const first = await page.locator('#tenants tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tenant')))
  assert.equal(first.length, 50)
  assert.match(await page.locator('#tenants tbody tr').first().textContent(), /bulk-49/, 'the newest first')
  await submit(page, 'a[rel=next]')
  const second = await page.locator('#tenants tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tenant')))
  assert.equal(first.length + second.length, all.length)
  assert.equal(new Set([...first, ...second]).size, all.length, 'no tenant twice')
  assert.equal(second[second.length - 1], OPERATOR, 'the operator, made first, last')
  await ctx.close()
})
