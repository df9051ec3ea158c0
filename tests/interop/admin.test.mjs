// The `rafiki` binary as an operator runs it: `rafiki serve` in a fresh directory (so the default
// DATABASE_URL creates ./data/rafiki.db), free ports, driven over HTTP with fetch: /healthz on
// all three listeners, a few admin routes, then SIGTERM must stop it cleanly (exit code 0).
// Also `rafiki migrate` and configuration errors. Binary: RAFIKI_BUILD or ../../build.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { nodePorts } from './lib/ports.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const rafiki = path.join(build, 'rafiki')
const sqlDir = path.join(here, '..', '..', 'sql')
const SECRET = 'interop-admin-secret-' + randomUUID()

function baseEnv (extra) {
  const env = { ...process.env, RAFIKI_SQL_DIR: sqlDir, LOG_LEVEL: 'warn', ...extra }
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'RAFIKI_ENV', 'STREAM_SECRET']) {
    if (!(k in (extra ?? {}))) delete env[k]
  }
  return env
}

async function waitHealthy (port, ms = 10000) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`)
      if (r.status === 200) return
    } catch {}
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error(`port ${port} never became healthy`)
}

test('rafiki serve: healthz, admin routes, clean SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-admin-interop-'))
  const { op, admin, conn } = await nodePorts()
  const child = spawn(rafiki, ['serve'], {
    cwd: dir,
    env: baseEnv({
      ADMIN_API_SECRET: SECRET,
      OPEN_PAYMENTS_PORT: String(op),
      ADMIN_PORT: String(admin),
      CONNECTOR_PORT: String(conn),
      AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0'
    }),
    stdio: ['ignore', 'inherit', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', d => { stderr += d })
  const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({ code, signal })))
  try {
    for (const p of [op, admin, conn]) await waitHealthy(p)
    assert.ok(fs.existsSync(path.join(dir, 'data', 'rafiki.db')), 'sqlite default in ./data/')
    assert.match(stderr, /STREAM_SECRET is not set/, 'development warns about the random secret')

    const url = `http://127.0.0.1:${admin}`
    const auth = { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }
    const api = async (method, p, body, headers = {}) => {
      const r = await fetch(url + p, {
        method,
        headers: { ...auth, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await r.text()
      return { status: r.status, text, json: text ? JSON.parse(text) : null, headers: r.headers }
    }

    assert.equal((await fetch(url + '/assets')).status, 401)
    const asset = await api('POST', '/assets', { code: 'EUR', scale: 2 })
    assert.equal(asset.status, 201, asset.text)
    const alice = await api('POST', '/accounts', { asset_id: asset.json.id, kind: 'wallet' })
    const bob = await api('POST', '/accounts', { asset_id: asset.json.id, kind: 'wallet' })
    assert.equal(alice.status, 201, alice.text)
    const dep = await api('POST', `/accounts/${alice.json.id}/deposits`,
      { id: randomUUID(), amount: '9007199254740993' })
    assert.equal(dep.status, 201, dep.text)
    assert.equal(dep.json.amount, '9007199254740993', 'amounts past 2^53 survive exactly')

    const key = randomUUID()
    const body = { legs: [{ debit_account_id: alice.json.id, credit_account_id: bob.json.id, amount: '25' }] }
    const t1 = await api('POST', '/transfers', body, { 'idempotency-key': key })
    const t2 = await api('POST', '/transfers', body, { 'idempotency-key': key })
    assert.equal(t1.status, 201, t1.text)
    assert.equal(t2.status, 201)
    assert.equal(t2.text, t1.text)
    assert.equal(t2.headers.get('idempotent-replayed'), 'true')
    const st = await api('GET', `/accounts/${bob.json.id}/status`)
    assert.equal(st.json.balance, '25')

    const bad = await api('POST', '/transfers',
      { legs: [{ debit_account_id: alice.json.id, credit_account_id: bob.json.id, amount: '1.5' }] })
    assert.equal(bad.status, 400)
    assert.equal(bad.json.error.code, 'invalid_amount')
  } finally {
    child.kill('SIGTERM')
  }
  const { code, signal } = await exited
  assert.equal(signal, null, stderr)
  assert.equal(code, 0, stderr)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('rafiki migrate creates the schema, twice', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-migrate-interop-'))
  const env = baseEnv({ DATABASE_URL: 'sqlite:./nested/dir/r.db', LOG_LEVEL: 'info' })
  const r1 = spawnSync(rafiki, ['migrate'], { cwd: dir, env, encoding: 'utf8' })
  assert.equal(r1.status, 0, r1.stderr)
  assert.match(r1.stderr, /applied/)
  assert.ok(fs.existsSync(path.join(dir, 'nested', 'dir', 'r.db')))
  const r2 = spawnSync(rafiki, ['migrate'], { cwd: dir, env, encoding: 'utf8' })
  assert.equal(r2.status, 0, r2.stderr)
  assert.match(r2.stderr, /0 migrations applied/)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('configuration errors name the variable', () => {
  const cases = [
    [{ ADMIN_PORT: 'abc' }, /ADMIN_PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ STREAM_SECRET: 'short' }, /STREAM_SECRET/],
    [{ ILP_ADDRESS: 'not an address' }, /ILP_ADDRESS/],
    [{ RAFIKI_ENV: 'production', ADMIN_API_SECRET: 'x'.repeat(32) }, /STREAM_SECRET/],
    [{ RAFIKI_ENV: 'production' }, /ADMIN_API_SECRET/],
    [{ RAFIKI_ENV: 'production', ADMIN_API_SECRET: 'x'.repeat(32), STREAM_SECRET: 'ab'.repeat(32) }, /IDP_SECRET/],
    [{ RAFIKI_ENV: 'production', ADMIN_API_SECRET: 'x'.repeat(32), STREAM_SECRET: 'ab'.repeat(32), IDP_SECRET: 'i'.repeat(32) }, /PRIVATE_KEY_FILE/],
    [{ KEY_ID: 'k'.repeat(129) }, /KEY_ID/],
    [{ ADMIN_PORT: '4000', CONNECTOR_PORT: '4000' }, /ADMIN_PORT and CONNECTOR_PORT/]
  ]
  for (const [extra, re] of cases) {
    const r = spawnSync(rafiki, ['serve'], { env: baseEnv(extra), encoding: 'utf8', timeout: 10000 })
    assert.equal(r.status, 2, `${JSON.stringify(extra)}: ${r.stderr}`)
    assert.match(r.stderr, re)
  }
})
