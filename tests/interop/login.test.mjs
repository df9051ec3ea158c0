// The password sign-ins of the auth port's pages (POST /wallet/login, POST /login of the
// consent screen) against a real `rafiki serve`: failed attempts lock the user name and the
// client address for the window (429 with Retry-After, even with the right password, and no
// password check), password checks run at most LOGIN_PASSWORD_CHECKS_MAX at once (503 with
// Retry-After beyond, and the server's peak memory stays low), the sign-in form needs its
// signed double-submit token, and signing out needs the session's token: a page of another
// site (plain HTTP and a real browser, Debian's chromium through playwright-core) cannot sign
// the user out. Clients of different addresses connect from 127.0.0.x / 127.0.1.x. With
// TEST_POSTGRES_URL and TEST_REDIS_URL (scripts/with-services.sh), two replicas share the
// counts, the locks and the form tokens.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { mkdtempSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { freePorts } from './lib/ports.mjs'
import { startServe, sleep } from './lib/serve.mjs'
import { pgUrl, psql } from './lib/pg.mjs'

const SECRET = 'login-admin-secret-0123456789ab'
const WINDOW_S = 5
const CHECKS_MAX = 2
const dir = mkdtempSync(join(tmpdir(), 'rafiki-login-'))
let srv, auth, dbName
const replicas = []

before(async () => {
  srv = await startServe({
    dir,
    name: 'l',
    ilp: 'test.login',
    secret: SECRET,
    env: {
      LOGIN_USER_FAILURES_MAX: '3',
      LOGIN_ADDRESS_FAILURES_MAX: '6',
      LOGIN_WINDOW_S: String(WINDOW_S),
      LOGIN_PASSWORD_CHECKS_MAX: String(CHECKS_MAX)
    }
  })
  auth = srv.ports.auth
  for (const name of ['alice', 'bob', 'carol', 'dave']) await srv.admin('POST', '/users', { username: name, password: `${name}-password` })
})

after(() => {
  srv?.proc.kill('SIGKILL')
  for (const r of replicas) r.proc.kill('SIGKILL')
  if (dbName) psql(process.env.TEST_POSTGRES_URL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  rmSync(dir, { recursive: true, force: true })
})

// One HTTP request to the auth port from the address `from`, with the cookies of `jar` (kept up
// to date from Set-Cookie): { status, headers, text }.
function request ({ method = 'GET', path, jar, form, from = '127.0.0.1', port = auth }) {
  return new Promise((resolve, reject) => {
    const body = form ? new URLSearchParams(form).toString() : undefined
    const headers = {}
    if (jar && Object.keys(jar).length) headers.Cookie = Object.entries(jar).map(([k, v]) => `${k}=${v}`).join('; ')
    if (body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded'
      headers['Content-Length'] = Buffer.byteLength(body)
    }
    const r = http.request({ host: '127.0.0.1', port, method, path, headers, localAddress: from, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { text += c })
      res.on('end', () => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const [pair, ...attrs] = c.split(';')
          const i = pair.indexOf('=')
          const name = pair.slice(0, i).trim()
          const value = pair.slice(i + 1).trim()
          if (!jar) continue
          if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) delete jar[name]
          else jar[name] = value
        }
        resolve({ status: res.statusCode, headers: res.headers, text })
      })
    })
    r.on('error', reject)
    r.end(body)
  })
}

const csrfOf = (html) => html.match(/name="csrf" value="([0-9a-f]+)"/)?.[1]

// A browser-like client at `from`: opens the sign-in page (its token and cookie), then posts it.
async function signIn (username, password, { from = '127.0.0.1', jar = {} } = {}) {
  const page = await request({ path: '/wallet', jar, from })
  const csrf = csrfOf(page.text) ?? '' // none: the server answers 403, which the callers see
  const r = await request({ method: 'POST', path: '/wallet/login', jar, from, form: { csrf, username, password } })
  return { ...r, jar }
}

async function metric (name) {
  const r = await fetch(`http://127.0.0.1:${srv.ports.admin}/metrics`, { headers: { Authorization: `Bearer ${SECRET}` } })
  const line = (await r.text()).split('\n').find((l) => l.startsWith(name + ' '))
  return line ? Number(line.split(' ')[1]) : undefined
}

test('failed sign-ins lock the user name: 429 with Retry-After, no password check, the right password only after the window', async () => {
  const from = '127.0.0.2'
  for (let i = 0; i < 3; i++) assert.equal((await signIn('alice', `wrong-${i}`, { from })).status, 401)
  const denied = await metric('rafiki_login_attempts_total{result="denied"}')
  const locked = await signIn('alice', 'alice-password', { from })
  assert.equal(locked.status, 429, 'the right password is refused while the name is locked')
  const retry = Number(locked.headers['retry-after'])
  assert.ok(retry >= 1 && retry <= WINDOW_S, `Retry-After ${locked.headers['retry-after']}`)
  assert.match(locked.text, /Too many sign-in attempts/)
  assert.equal((await signIn('alice', 'alice-password', { from: '127.0.0.3' })).status, 429, 'locked from any address')
  assert.equal(await metric('rafiki_login_attempts_total{result="denied"}'), denied, 'no password was checked')
  assert.ok(await metric('rafiki_login_attempts_total{result="locked"}') >= 2)
  const bob = await signIn('bob', 'bob-password', { from })
  assert.equal(bob.status, 303, 'another user from the same address signs in')
  await sleep(retry * 1000 + 200)
  const ok = await signIn('alice', 'alice-password', { from })
  assert.equal(ok.status, 303, 'after the window the right password works')
  assert.equal(ok.headers.location, '/wallet')
  assert.match((await request({ path: '/wallet', jar: ok.jar, from })).text, /Signed in as alice/)
})

test('failed sign-ins lock the client address, whatever the user name; other addresses are not locked', async () => {
  const from = '127.0.0.4'
  for (let i = 0; i < 6; i++) assert.equal((await signIn(`nobody-${i}`, 'wrong-password', { from })).status, 401)
  const r = await signIn('carol', 'carol-password', { from })
  assert.equal(r.status, 429)
  assert.ok(Number(r.headers['retry-after']) >= 1)
  assert.equal((await signIn('carol', 'carol-password', { from: '127.0.0.5' })).status, 303)
})

test('the consent screen\'s sign-in shares the limits', async () => {
  const from = '127.0.0.6'
  const jar = {}
  const page = await request({ path: '/consent?interactId=x&nonce=y', jar, from })
  assert.equal(page.status, 404) // an unknown interaction: POST /login still takes the form
  // the sign-in form of the consent screen comes with the grant; take a token from the wallet page
  const csrf = csrfOf((await request({ path: '/wallet', jar, from })).text)
  const post = (password) => request({ method: 'POST', path: '/login', jar, from, form: { csrf, interactId: 'x', nonce: 'y', username: 'dave', password } })
  for (let i = 0; i < 3; i++) assert.equal((await post('wrong-password')).status, 401)
  const locked = await post('dave-password')
  assert.equal(locked.status, 429)
  assert.ok(Number(locked.headers['retry-after']) >= 1)
  assert.equal((await signIn('dave', 'dave-password', { from: '127.0.0.7' })).status, 429, 'and the wallet sign-in sees the lock')
})

test('the sign-in forms need their token: none, a forged one or another cookie\'s is refused 403', async () => {
  const jar = {}
  const csrf = csrfOf((await request({ path: '/wallet', jar, from: '127.0.0.8' })).text)
  assert.ok(jar.rafiki_login_csrf)
  const post = (path, form, j = jar) => request({ method: 'POST', path, jar: j, from: '127.0.0.8', form })
  const creds = { username: 'bob', password: 'bob-password' }
  assert.equal((await post('/wallet/login', creds)).status, 403)
  assert.equal((await post('/wallet/login', { ...creds, csrf: 'f'.repeat(64) })).status, 403)
  assert.equal((await post('/wallet/login', { ...creds, csrf }, {})).status, 403, 'no cookie')
  assert.equal((await post('/wallet/login', { ...creds, csrf }, { rafiki_login_csrf: '0'.repeat(32) })).status, 403, 'another cookie')
  assert.equal((await post('/login', { ...creds, interactId: 'x', nonce: 'y' })).status, 403)
  const ok = await post('/wallet/login', { ...creds, csrf })
  assert.equal(ok.status, 303)
})

test('signing out needs the session\'s token: a cross-site sign-out leaves the user signed in', async () => {
  const { jar } = await signIn('bob', 'bob-password', { from: '127.0.0.9' })
  assert.ok(jar.rafiki_session)
  const wallet = await request({ path: '/wallet', jar, from: '127.0.0.9' })
  assert.match(wallet.text, /Signed in as bob/)
  const forged = await request({ method: 'POST', path: '/wallet/logout', jar: { ...jar }, from: '127.0.0.9', form: {} })
  assert.equal(forged.status, 403)
  assert.equal(forged.headers['set-cookie'], undefined, 'the cookie is not cleared')
  assert.match((await request({ path: '/wallet', jar, from: '127.0.0.9' })).text, /Signed in as bob/)
  const old = { ...jar }
  const out = await request({ method: 'POST', path: '/wallet/logout', jar, from: '127.0.0.9', form: { csrf: csrfOf(wallet.text) } })
  assert.equal(out.status, 303)
  assert.equal(jar.rafiki_session, undefined, 'the cookie is cleared')
  assert.doesNotMatch((await request({ path: '/wallet', jar: old, from: '127.0.0.9' })).text, /Signed in as/, 'the session ended on the server too')
})

test('in a browser: a page of another site posting to /wallet/logout does not sign the user out', async () => {
  const [evilPort] = await freePorts(1)
  const evil = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(
    `<form id="f" method="post" action="http://localhost:${auth}/wallet/logout"></form><script>document.getElementById('f').submit()</script>`))
  await new Promise((resolve) => evil.listen(evilPort, '127.0.0.1', resolve))
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  try {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`http://localhost:${auth}/wallet`)
    await page.getByLabel('User name').fill('carol')
    await page.getByLabel('Password').fill('carol-password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForSelector('text=Signed in as carol')
    await page.goto(`http://127.0.0.1:${evilPort}/`) // another site: its form posts at once
    await page.waitForURL(new RegExp(`localhost:${auth}/wallet`))
    await page.goto(`http://localhost:${auth}/wallet`)
    assert.match(await page.textContent('main'), /Signed in as carol/)
    await page.getByRole('button', { name: 'Sign out' }).click() // our own form has the token
    await page.waitForSelector('text=Sign in to your wallet')
  } finally {
    await browser.close()
    evil.close()
  }
})

test('password checks are bounded: a burst of sign-ins gets 503 with Retry-After beyond LOGIN_PASSWORD_CHECKS_MAX, and peak memory stays low', async () => {
  const N = 24
  const clients = await Promise.all(Array.from({ length: N }, async (_, i) => {
    const jar = {}
    const from = `127.0.1.${i + 1}`
    const csrf = csrfOf((await request({ path: '/wallet', jar, from })).text)
    return { jar, from, csrf }
  }))
  const hwm = () => Number(readFileSync(`/proc/${srv.proc.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/)[1]) * 1024
  const before = hwm()
  const answers = await Promise.all(clients.map(({ jar, from, csrf }, i) =>
    request({ method: 'POST', path: '/wallet/login', jar, from, form: { csrf, username: `burst-${i}`, password: 'wrong-password' } })))
  const grown = hwm() - before
  // each scrypt holds 32 MiB: CHECKS_MAX of them, not one per auth thread (16 = 512 MiB)
  assert.ok(grown < (CHECKS_MAX + 2) * 32 * 1024 * 1024, `peak resident memory grew ${(grown / 1048576).toFixed(0)} MiB`)
  const statuses = answers.map((a) => a.status)
  assert.ok(statuses.every((s) => s === 401 || s === 503), statuses.join(','))
  // How many arrive at once depends on the machine's load, so a burst need not overflow the
  // cap here; the cap itself is tested with threads in tests/unit/web/login_test.c.
  const busy = answers.filter((a) => a.status === 503)
  for (const a of busy) assert.equal(a.headers['retry-after'], '1')
  assert.ok(await metric('rafiki_login_attempts_total{result="busy"}') >= busy.length)
  assert.equal(await metric('rafiki_login_password_checks_running'), 0)
})

test('replicas on one Postgres and Redis share the form tokens, the counts and the locks',
  { skip: process.env.TEST_POSTGRES_URL && process.env.TEST_REDIS_URL ? false : 'TEST_POSTGRES_URL and TEST_REDIS_URL are not set' },
  async () => {
    dbName = 'login_replicas_' + randomBytes(6).toString('hex')
    psql(process.env.TEST_POSTGRES_URL, `CREATE DATABASE ${dbName}`)
    const env = {
      DATABASE_URL: pgUrl(process.env.TEST_POSTGRES_URL, dbName),
      REDIS_URL: process.env.TEST_REDIS_URL,
      IDP_SECRET: 'login-replicas-idp-secret-012345',
      LOGIN_USER_FAILURES_MAX: '3'
    }
    const a = await startServe({ dir, name: 'ra', ilp: 'test.login', secret: SECRET, env })
    replicas.push(a)
    const b = await startServe({ dir, name: 'rb', ilp: 'test.login', secret: SECRET, env })
    replicas.push(b)
    await a.admin('POST', '/users', { username: 'erin', password: 'erin-password' })
    await a.admin('POST', '/users', { username: 'frank', password: 'frank-password' })
    // a form of replica A posted to replica B
    const jar = {}
    const csrf = csrfOf((await request({ path: '/wallet', jar, port: a.ports.auth })).text)
    const ok = await request({ method: 'POST', path: '/wallet/login', jar, port: b.ports.auth, form: { csrf, username: 'frank', password: 'frank-password' } })
    assert.equal(ok.status, 303)
    // failures on A lock the name on B
    const post = (r, password) => request({ method: 'POST', path: '/wallet/login', jar, port: r.ports.auth, form: { csrf, username: 'erin', password } })
    for (let i = 0; i < 3; i++) assert.equal((await post(i % 2 ? b : a, 'wrong-password')).status, 401)
    const locked = await post(b, 'erin-password')
    assert.equal(locked.status, 429)
    assert.ok(Number(locked.headers['retry-after']) > 1)
  })
