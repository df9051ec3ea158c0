// `rafiki admin …` against a real `rafiki serve`: tables for people, --json for scripts, the
// exit codes scripts rely on (0 done, 1 refused by the API with its error on stderr, 2 usage,
// 3 no server or no valid token), --help for every verb, and a payment followed with --wait.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { startServe, bin } from './lib/serve.mjs'
import { freePorts } from './lib/ports.mjs'

const require = createRequire(import.meta.url)
const { generateTestKeys } = require('@interledger/http-signature-utils')

const SECRET = 'admin-cli-secret-0123456789abcdef'
const dir = mkdtempSync(join(tmpdir(), 'rafiki-cli-'))
let srv

before(async () => {
  srv = await startServe({ dir, name: 'cli', ilp: 'test.cli', secret: SECRET })
})

after(() => {
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

function cli (args, env = {}) {
  const r = spawnSync(bin, ['admin', ...args], {
    encoding: 'utf8',
    env: { ...process.env, RAFIKI_ADMIN_URL: `http://127.0.0.1:${srv.ports.admin}`, ADMIN_API_SECRET: SECRET, ...env },
    timeout: 60000
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const json = (args) => {
  const r = cli(['--json', ...args])
  assert.equal(r.code, 0, r.err)
  return JSON.parse(r.out)
}

test('assets and wallet addresses: create, list as a table and as JSON, get, update', () => {
  const usd = json(['assets', 'create', '--code', 'USD', '--scale', '2'])
  assert.equal(usd.code, 'USD')
  json(['assets', 'create', '--code', 'EUR', '--scale', '2'])
  const table = cli(['assets', 'list'])
  assert.equal(table.code, 0, table.err)
  const lines = table.out.trimEnd().split('\n')
  assert.match(lines[0], /^ID\s+CODE\s+SCALE\s+LIQUIDITY_ACCOUNT_ID$/)
  assert.equal(lines.length, 3)
  assert.ok(lines.some((l) => l.startsWith(usd.id) && /\sUSD\s+2\s/.test(l)), table.out)
  // columns line up: every row's CODE starts where the header's does
  const at = lines[0].indexOf('CODE')
  for (const l of lines.slice(1)) assert.match(l.slice(at), /^(USD|EUR) /)
  assert.equal(json(['assets', 'list']).length, 2)

  const wa = json(['wallet-addresses', 'create', '--asset-id', usd.id, '--url', `http://localhost:${srv.ports.op}/carol`, '--public-name', 'Carol'])
  assert.equal(wa.public_name, 'Carol')
  const shown = cli(['wallet-addresses', 'get', wa.id])
  assert.equal(shown.code, 0)
  assert.match(shown.out, new RegExp(`^url\\s+http://localhost:${srv.ports.op}/carol$`, 'm'))
  assert.equal(json(['wallet-addresses', 'update', wa.id, '--status', 'inactive']).status, 'inactive')
  assert.equal(json(['wallet-addresses', 'update', wa.id, '--status', 'active']).status, 'active')

  const keys = generateTestKeys()
  const file = join(dir, 'key.json')
  writeFileSync(file, JSON.stringify(keys.publicKey))
  assert.equal(json(['keys', 'add', wa.id, '--jwk-file', file]).kid, keys.publicKey.kid)
  assert.match(cli(['keys', 'list', wa.id]).out, new RegExp(keys.publicKey.kid))
  assert.equal(cli(['keys', 'revoke', wa.id, keys.publicKey.kid]).code, 0)
})

test('money: deposit, status, a payment and a withdrawal followed with --wait, webhook events', async () => {
  const usd = json(['assets', 'list']).find((a) => a.code === 'USD')
  const mk = (n) => json(['wallet-addresses', 'create', '--asset-id', usd.id, '--url', `http://localhost:${srv.ports.op}/${n}`])
  const alice = mk('alice')
  const bob = mk('bob')
  assert.equal(json(['accounts', 'deposit', alice.account_id, '5000']).amount, '5000')
  const st = cli(['accounts', 'status', alice.account_id])
  assert.match(st.out, /^balance\s+5000$/m)
  const ip = json(['incoming-payments', 'create', '--wallet-address-id', bob.id, '--amount', '1200,USD,2'])
  const q = json(['quotes', 'create', '--wallet-address-id', alice.id, '--receiver', ip.url])
  assert.equal(q.receive_amount.value, '1200')
  const paid = cli(['outgoing-payments', 'create', '--wallet-address-id', alice.id, '--quote-id', q.id, '--wait'])
  assert.equal(paid.code, 0, paid.err)
  assert.match(paid.err, /COMPLETED, sent 1200 of 1200/, 'progress on stderr')
  assert.match(paid.out, /^state\s+COMPLETED$/m)
  assert.equal(json(['accounts', 'status', alice.account_id]).balance, '3800')
  const events = json(['webhook-events', 'list', '--type', 'outgoing_payment.completed'])
  assert.ok(events.length >= 1 && events.every((e) => e.type === 'outgoing_payment.completed'))
  assert.match(cli(['webhook-events', 'list']).out, /^ID\s+TYPE\s+STATE/)

  // a withdrawal followed with --wait until another command posts it
  const waiting = spawn(bin, ['admin', 'accounts', 'withdraw', alice.account_id, '800', '--wait'], {
    env: { ...process.env, RAFIKI_ADMIN_URL: `http://127.0.0.1:${srv.ports.admin}`, ADMIN_API_SECRET: SECRET }
  })
  let err = ''
  waiting.stderr.on('data', (c) => { err += c })
  const done = new Promise((resolve) => waiting.on('exit', resolve))
  for (let i = 0; i < 100 && !/pending/.test(err); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  const id = err.match(/^([0-9a-f-]{36}): pending/m)?.[1]
  assert.ok(id, err)
  assert.equal(cli(['withdrawals', 'post', id]).code, 0)
  assert.equal(await done, 0, err)
  assert.match(err, /: posted$/m)
  assert.equal(json(['accounts', 'status', alice.account_id]).balance, '3000')
})

test('exit codes: refused 1, usage 2, unreachable or no token 3; --help everywhere', async () => {
  const refused = cli(['wallet-addresses', 'create', '--asset-id', '00000000-0000-4000-8000-000000000000', '--url', `http://localhost:${srv.ports.op}/x`])
  assert.equal(refused.code, 1)
  assert.match(refused.err, /POST \/wallet-addresses: 4\d\d \w+/)
  assert.equal(cli(['wallet-addresses', 'get', 'not-an-id']).code, 1)
  assert.equal(cli(['assets', 'fly']).code, 2)
  assert.equal(cli(['nothing', 'list']).code, 2)
  assert.equal(cli(['assets', 'create', '--colour', 'red']).code, 2)
  assert.equal(cli(['assets', 'create', '--scale', 'two']).code, 2)
  assert.equal(cli(['wallet-addresses', 'get']).code, 2)
  assert.equal(cli(['assets', 'list'], { ADMIN_API_SECRET: 'wrong-secret-0123456789' }).code, 3)
  const [closed] = await freePorts(1)
  const down = cli(['assets', 'list'], { RAFIKI_ADMIN_URL: `http://127.0.0.1:${closed}` })
  assert.equal(down.code, 3)
  assert.equal(cli(['assets', 'list'], { ADMIN_API_SECRET: '', RAFIKI_DATA_DIR: dir }).code, 3)
  const top = cli(['--help'])
  assert.equal(top.code, 0)
  for (const g of ['assets', 'peers', 'wallet-addresses', 'keys', 'accounts', 'withdrawals', 'incoming-payments', 'quotes', 'outgoing-payments', 'webhook-events']) {
    assert.match(top.out, new RegExp(`^  ${g} `, 'm'), g)
    const h = cli([g, '--help'])
    assert.equal(h.code, 0, g)
    for (const line of h.out.split('\n').filter((l) => l.startsWith(`  ${g} `))) {
      const verb = line.trim().split(' ')[1]
      const vh = cli([g, verb, '--help'])
      assert.equal(vh.code, 0, `${g} ${verb} --help`)
      assert.match(vh.out, new RegExp(`^usage: rafiki admin ${g} ${verb}`))
    }
  }
})
