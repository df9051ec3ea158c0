// Per-tenant webhook delivery, as Rafiki 2.0's webhook service does it (webhook/service.ts): the
// operator and tenants each have their own receiver (a Node HTTP server on 127.0.0.1 that checks
// Rafiki-Signature over the canonical JSON of the body, as Rafiki's wallets do). Each builds a
// wallet address and an incoming payment through the Admin GraphQL API with its own secret; the
// incoming_payment.created event must reach its own tenant's WEBHOOK_URL and no other receiver,
// and the operator's too only with SEND_TENANT_WEBHOOKS_TO_OPERATOR=true, where the copy is
// retried on its own. A tenant without WEBHOOK_URL falls back to the instance's (Rafiki's
// `settings.webhookUrl ?? config.webhookUrl`); retries follow each tenant's WEBHOOK_MAX_RETRY;
// createTenantSettings moves a tenant's later events to its new URL (settings are read per
// claimed batch). The copies case runs on Postgres too when TEST_POSTGRES_URL is set.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient } from './lib/gql.mjs'
import { freePort } from './lib/ports.mjs'
import { pgUrl, psql } from './lib/pg.mjs'

const SIGNING = 'tenant-webhooks-signing-' + randomUUID()

function canonical (v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}'
  }
  return JSON.stringify(v)
}

// A receiver: every signed request in `hits` ({ path, body }), answered `status` (200 delivers).
async function receiver (name) {
  const rx = { name, hits: [], bad: [], status: 200 }
  rx.port = await freePort()
  rx.server = http.createServer((req, res) => {
    let raw = ''
    req.on('data', (d) => { raw += d })
    req.on('end', () => {
      const m = /^t=(\d+), v1=([0-9a-f]{64})$/.exec(req.headers['rafiki-signature'] ?? '')
      let body = null
      try { body = JSON.parse(raw) } catch {}
      const want = body && m && createHmac('sha256', SIGNING).update(`${m[1]}.${canonical(body)}`).digest()
      if (!want || !timingSafeEqual(want, Buffer.from(m[2], 'hex'))) {
        rx.bad.push(raw)
        res.writeHead(401).end()
        return
      }
      rx.hits.push({ path: req.url, body })
      res.writeHead(rx.status).end()
    })
  })
  await new Promise((resolve) => rx.server.listen(rx.port, '127.0.0.1', resolve))
  rx.url = (p = '/hook') => `http://127.0.0.1:${rx.port}${p}`
  rx.of = (paymentId) => rx.hits.filter((h) => h.body.type === 'incoming_payment.created' && h.body.data.id === paymentId)
  rx.stop = () => new Promise((resolve) => rx.server.close(resolve))
  return rx
}

async function waitFor (what, cond, ms = 15000) {
  for (const end = Date.now() + ms; !cond();) {
    assert.ok(Date.now() < end, `timed out waiting for ${what}`)
    await sleep(50)
  }
}

const CREATE_TENANT = 'mutation($input: CreateTenantInput!) { createTenant(input: $input) { tenant { id } } }'
const SETTINGS = 'mutation($input: CreateTenantSettingsInput!) { createTenantSettings(input: $input) { settings { key value } } }'

// One installation: an operator with its receiver as the instance's WEBHOOK_URL (none when
// instanceUrl is false); on a Postgres database of its own when pg (TEST_POSTGRES_URL).
async function install (t, env, { instanceUrl = true, pg = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-wh-tenants-'))
  let dropDb = () => {}
  if (pg) {
    const base = process.env.TEST_POSTGRES_URL
    const name = 'wh_tenants_' + randomUUID().replace(/-/g, '').slice(0, 12)
    psql(base, `CREATE DATABASE ${name}`)
    env = { ...env, DATABASE_URL: pgUrl(base, name) }
    dropDb = () => psql(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
  const secret = 'wh-tenants-operator-' + randomUUID()
  const operatorId = randomUUID()
  const op = await receiver('operator')
  const srv = await startServe({
    dir,
    name: 'whten',
    ilp: 'test.whten',
    secret,
    env: {
      OPERATOR_TENANT_ID: operatorId,
      ...(instanceUrl ? { WEBHOOK_URL: op.url() } : {}),
      SIGNATURE_SECRET: SIGNING,
      WEBHOOK_TIMEOUT: '1000',
      WEBHOOK_MAX_RETRY: '5',
      ...env
    }
  })
  const url = `http://127.0.0.1:${srv.ports.admin}/graphql`
  const inst = { srv, op, url, receivers: [op], gql: gqlClient({ url, secret, tenantId: operatorId }) }
  inst.tenant = async (name, settings) => {
    const tsecret = `${name}-secret-${randomUUID()}`
    // Rafiki's rule: a tenant's wallet addresses lie under its WALLET_ADDRESS_URL
    const all = [...(settings ?? []), { key: 'WALLET_ADDRESS_URL', value: `http://localhost:${srv.ports.op}/${name}-${randomUUID()}/` }]
    const id = (await inst.gql.request(CREATE_TENANT, { input: { apiSecret: tsecret, publicName: name, settings: all } })).createTenant.tenant.id
    return { name, id, gql: gqlClient({ url, secret: tsecret, tenantId: id }) }
  }
  inst.receiver = async (name) => {
    const rx = await receiver(name)
    inst.receivers.push(rx)
    return rx
  }
  t.after(async () => {
    srv.proc.kill('SIGTERM')
    await new Promise((resolve) => srv.proc.once('exit', resolve))
    for (const rx of inst.receivers) await rx.stop()
    fs.rmSync(dir, { recursive: true, force: true })
    dropDb()
  })
  return inst
}

// An asset and a wallet address made by who (a tenant, or the operator), then incoming payments
// on it: pay() makes one and answers its id.
async function wallet (who, name) {
  const code = 'T' + randomUUID().replace(/-/g, '').slice(0, 6).toUpperCase()
  const asset = (await who.gql.request('mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id } } }',
    { input: { code, scale: 2 } })).createAsset.asset.id
  const wa = (await who.gql.request('mutation($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id } } }',
    { input: { assetId: asset, address: `${name}-${randomUUID().slice(0, 8)}` } })).createWalletAddress.walletAddress.id
  return {
    pay: async () => (await who.gql.request('mutation($input: CreateIncomingPaymentInput!) { createIncomingPayment(input: $input) { payment { id } } }',
      { input: { walletAddressId: wa, incomingAmount: { value: '500', assetCode: code, assetScale: 2 } } })).createIncomingPayment.payment.id
  }
}

// Exactly the receivers in `to` got payment id (at least once: repeats allowed), the others not.
function onlyAt (inst, id, to) {
  for (const rx of inst.receivers) {
    const got = rx.of(id).length
    if (to.includes(rx)) assert.ok(got >= 1, `${rx.name} should have ${id}`)
    else assert.equal(got, 0, `${rx.name} should not have ${id}`)
  }
}

async function eventState (inst, paymentId) {
  const r = await inst.srv.call('GET', `/webhook-events?resource_id=${paymentId}&limit=10`)
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return r.json.webhook_events.find((e) => e.type === 'incoming_payment.created')
}

test('each tenant receives its own events at its WEBHOOK_URL; a tenant without one falls back to the instance\'s; the operator gets no copies', { timeout: 120000 }, async (t) => {
  const inst = await install(t, {})
  const rxA = await inst.receiver('alpha')
  const rxB = await inst.receiver('beta')
  const alpha = await inst.tenant('alpha', [{ key: 'WEBHOOK_URL', value: rxA.url('/alpha') }])
  const beta = await inst.tenant('beta', [{ key: 'WEBHOOK_URL', value: rxB.url('/beta') }])
  const gamma = await inst.tenant('gamma') // no WEBHOOK_URL: the instance's, as Rafiki
  const operator = { gql: inst.gql }

  const ids = {}
  for (const [name, who] of Object.entries({ alpha, beta, gamma, operator })) ids[name] = await (await wallet(who, name)).pay()
  await waitFor('every event delivered', () =>
    rxA.of(ids.alpha).length && rxB.of(ids.beta).length && inst.op.of(ids.gamma).length && inst.op.of(ids.operator).length)
  await sleep(500) // room for a wrong extra delivery to show
  onlyAt(inst, ids.alpha, [rxA])
  onlyAt(inst, ids.beta, [rxB])
  onlyAt(inst, ids.gamma, [inst.op])
  onlyAt(inst, ids.operator, [inst.op])
  assert.deepEqual([...new Set(rxA.hits.map((h) => h.path))], ['/alpha'])
  for (const rx of inst.receivers) assert.deepEqual(rx.bad, [], `${rx.name}: every request signed`)
  assert.equal((await eventState(inst, ids.alpha)).state, 'delivered')

  // A new WEBHOOK_URL takes effect within the settings' time to live (5 s).
  await alpha.gql.request(SETTINGS, { input: { settings: [{ key: 'WEBHOOK_URL', value: rxA.url('/alpha-2') }] } })
  const alphaWallet = await wallet(alpha, 'alpha2')
  const started = Date.now()
  let moved = null
  while (!moved) {
    assert.ok(Date.now() - started < 15000, 'the new URL never took effect')
    const id = await alphaWallet.pay()
    await waitFor('the event at alpha', () => rxA.of(id).length > 0)
    if (rxA.of(id)[0].path === '/alpha-2') moved = id
    else await sleep(500)
  }
  onlyAt(inst, moved, [rxA])
  t.diagnostic(`alpha's new URL took effect after ${Date.now() - started} ms`)
})

test('retries follow each tenant\'s WEBHOOK_MAX_RETRY', { timeout: 120000 }, async (t) => {
  const inst = await install(t, {})
  const rxA = await inst.receiver('alpha')
  const rxB = await inst.receiver('beta')
  rxA.status = 500
  rxB.status = 500
  const alpha = await inst.tenant('alpha', [{ key: 'WEBHOOK_URL', value: rxA.url() }, { key: 'WEBHOOK_MAX_RETRY', value: '1' }])
  const beta = await inst.tenant('beta', [{ key: 'WEBHOOK_URL', value: rxB.url() }, { key: 'WEBHOOK_MAX_RETRY', value: '2' }])
  const a = await (await wallet(alpha, 'alpha')).pay()
  const b = await (await wallet(beta, 'beta')).pay()
  // alpha: one attempt in all; beta: a second one 10 s after the first (Rafiki's back-off)
  await waitFor('beta\'s second attempt', () => rxB.of(b).length >= 2, 30000)
  for (let i = 0; ; i++) {
    const [ea, eb] = [await eventState(inst, a), await eventState(inst, b)]
    if (ea.state === 'failed' && eb.state === 'failed') {
      assert.equal(ea.attempts, 1)
      assert.equal(eb.attempts, 2)
      break
    }
    assert.ok(i < 100, `not failed: ${JSON.stringify([ea, eb])}`)
    await sleep(100)
  }
  assert.equal(rxA.of(a).length, 1, 'alpha: WEBHOOK_MAX_RETRY 1')
  assert.equal(rxB.of(b).length, 2, 'beta: WEBHOOK_MAX_RETRY 2')
  assert.equal(inst.op.hits.length, 0, 'the operator received nothing')
})

// The operator's copies: on SQLite, and on Postgres when TEST_POSTGRES_URL is set.
async function copies (t, pg) {
  const inst = await install(t, { SEND_TENANT_WEBHOOKS_TO_OPERATOR: 'true' }, { pg })
  const rxA = await inst.receiver('alpha')
  const rxB = await inst.receiver('beta')
  rxB.status = 500 // beta's receiver fails: the operator's copy of its event is not held back
  const alpha = await inst.tenant('alpha', [{ key: 'WEBHOOK_URL', value: rxA.url() }])
  const beta = await inst.tenant('beta', [{ key: 'WEBHOOK_URL', value: rxB.url() }, { key: 'WEBHOOK_MAX_RETRY', value: '1' }])
  const gamma = await inst.tenant('gamma')
  const ids = {}
  for (const [name, who] of Object.entries({ alpha, beta, gamma, operator: { gql: inst.gql } })) ids[name] = await (await wallet(who, name)).pay()
  await waitFor('every delivery', () =>
    rxA.of(ids.alpha).length && inst.op.of(ids.alpha).length && rxB.of(ids.beta).length &&
    inst.op.of(ids.beta).length && inst.op.of(ids.gamma).length >= 2 && inst.op.of(ids.operator).length)
  await sleep(500)
  onlyAt(inst, ids.alpha, [rxA, inst.op])
  onlyAt(inst, ids.beta, [rxB, inst.op])
  // gamma has no URL: its own delivery goes to the instance's, and so does the operator's copy
  onlyAt(inst, ids.gamma, [inst.op])
  assert.equal(inst.op.of(ids.gamma).length, 2, 'two deliveries: the tenant\'s and the operator\'s')
  assert.equal(inst.op.of(ids.operator).length, 1, 'the operator\'s own event once (one recipient)')
  assert.equal(rxB.of(ids.beta).length, 1, 'beta gave up after its one attempt')
  assert.equal((await eventState(inst, ids.beta)).state, 'failed')
  const copy = inst.op.of(ids.alpha)[0].body
  assert.deepEqual(copy, rxA.of(ids.alpha)[0].body, 'the same event: same id, type and data')
  assert.deepEqual(Object.keys(copy).sort(), ['data', 'id', 'type'])
}

test('SEND_TENANT_WEBHOOKS_TO_OPERATOR=true: the operator also receives each tenant\'s events, each copy retried on its own', { timeout: 120000 }, async (t) => {
  await copies(t, false)
})

test('the same on Postgres', { timeout: 120000, skip: process.env.TEST_POSTGRES_URL ? false : 'TEST_POSTGRES_URL is not set' }, async (t) => {
  await copies(t, true)
})

test('without the instance\'s WEBHOOK_URL the worker still sends tenants\' events to their own URLs', { timeout: 120000 }, async (t) => {
  const inst = await install(t, {}, { instanceUrl: false })
  const rxA = await inst.receiver('alpha')
  const alpha = await inst.tenant('alpha', [{ key: 'WEBHOOK_URL', value: rxA.url() }])
  const gamma = await inst.tenant('gamma')
  const a = await (await wallet(alpha, 'alpha')).pay()
  const g = await (await wallet(gamma, 'gamma')).pay()
  const o = await (await wallet({ gql: inst.gql }, 'operator')).pay()
  // the first URL on an installation without one is seen within the settings' time to live
  await waitFor('alpha\'s event', () => rxA.of(a).length > 0, 15000)
  await sleep(500)
  onlyAt(inst, a, [rxA])
  for (const id of [g, o]) {
    const e = await eventState(inst, id)
    assert.deepEqual([e.state, e.attempts], ['pending', 0], 'nowhere to send: recorded, not attempted')
  }
  assert.equal(inst.op.hits.length, 0)
})
