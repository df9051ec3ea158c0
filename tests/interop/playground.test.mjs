// `rafiki playground` and `rafiki playground demo` as a newcomer runs them (make run): two
// wallets start on free ports in a fresh directory, seed themselves, print their URLs and
// logins; the demo pays bob (EUR, Happy Life Bank) from alice (USD, Cloud Nine Wallet) and both
// balances move; SIGTERM stops both wallets and the playground exits 0; a second start on the
// same directory reuses the data (alice's balance is what the demo left), and --reset starts
// over.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bin, root } from './lib/serve.mjs'
import { portsFree } from './lib/ports.mjs'

const dir = mkdtempSync(join(tmpdir(), 'rafiki-playground-'))
const data = join(dir, 'data')
const running = new Set()
let ports

after(() => {
  for (const p of running) p.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

// Two bases ten ports apart whose seven ports (+0 +1 +2 +3 +6 +7 +9) are all free.
async function bases () {
  for (;;) {
    const a = 10000 + 10 * Math.floor(Math.random() * 2000) // below the ephemeral range: no collision with freePorts
    const b = a + 10
    if (await portsFree([a, b].flatMap((p) => [0, 1, 2, 3, 6, 7, 9].map((o) => p + o)))) return [a, b]
  }
}

function start (...extra) {
  const proc = spawn(bin, ['playground', '--dir', data, '--ports', ports.join(','), ...extra], {
    cwd: dir, env: { ...process.env, RAFIKI_SQL_DIR: join(root, 'sql') }, stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(proc)
  let out = ''
  proc.stdout.on('data', (c) => { out += c })
  proc.stderr.on('data', (c) => { out += c })
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => { running.delete(proc); resolve({ code, signal }) }))
  const ready = new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('playground: ready')) { clearInterval(t); resolve() }
    }, 50)
    exited.then((e) => { clearInterval(t); reject(new Error(`playground exited ${JSON.stringify(e)}: ${out}`)) })
  })
  return { proc, exited, ready, output: () => out }
}

function demo () {
  const r = spawnSync(bin, ['playground', 'demo', '--dir', data], { cwd: dir, encoding: 'utf8', timeout: 90000 })
  return { code: r.status, out: r.stdout + r.stderr }
}

const money = (out, who) => Number(out.match(new RegExp(`${who}(?: at [^,]+)? has [A-Z]{3} ([0-9.]+)`))?.[1])

async function portsClosed () {
  for (const base of ports) {
    for (const o of [0, 1, 2, 3, 6, 7, 9]) {
      const r = await fetch(`http://127.0.0.1:${base + o}/healthz`).catch((e) => e)
      assert.ok(r instanceof Error, `port ${base + o} still answers`)
    }
  }
}

test('playground: start, seed, demo payment across currencies, stop, restart with the same data', { timeout: 180000 }, async () => {
  ports = await bases()
  const pg = start()
  await pg.ready
  const out = pg.output()
  for (const s of ['Cloud Nine Wallet (USD, test.cloud-nine-wallet)', 'Happy Life Bank (EUR, test.happy-life-bank)',
    `http://localhost:${ports[0]}/alice`, `http://localhost:${ports[1]}/bob`, 'login alice / alice-playground', 'login bob / bob-playground', `http://localhost:${ports[0] + 6}/wallet`,
    'first run']) assert.ok(out.includes(s), `prints ${s}:\n${out}`)
  const state = JSON.parse(readFileSync(join(data, 'playground.json'), 'utf8'))
  assert.deepEqual(state.wallets.map((w) => w.asset), ['USD', 'EUR'])

  const d = demo()
  assert.equal(d.code, 0, d.out)
  assert.match(d.out, /bob's incoming payment for EUR 10\.00/)
  assert.match(d.out, /quote for alice: she pays USD [0-9.]+, bob receives EUR 10\.00/)
  assert.match(d.out, /COMPLETED/)
  const before = d.out.split('\n').find((l) => l.startsWith('before:'))
  const afterLine = d.out.split('\n').find((l) => l.startsWith('after:'))
  assert.equal(money(before, 'alice'), 1000)
  assert.equal(money(before, 'bob'), 500)
  assert.equal(money(afterLine, 'bob'), 510, 'bob got EUR 10.00')
  const alice = money(afterLine, 'alice')
  assert.ok(alice < 1000 && alice > 980, `alice paid about USD 11 (${alice})`)

  const children = spawnSync('pgrep', ['-P', String(pg.proc.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number)
  assert.equal(children.length, 2, 'two wallet processes')
  pg.proc.kill('SIGTERM')
  assert.deepEqual(await pg.exited, { code: 0, signal: null }, pg.output())
  assert.match(pg.output(), /playground: stopped/)
  for (const pid of children) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `wallet process ${pid} is gone`)
  await portsClosed()

  // the same directory again: the data is kept
  const again = start()
  await again.ready
  assert.match(again.output(), /reusing their data/)
  assert.doesNotMatch(again.output(), /first run/)
  const d2 = demo()
  assert.equal(d2.code, 0, d2.out)
  assert.equal(money(d2.out.split('\n').find((l) => l.startsWith('before:')), 'alice'), alice, 'alice starts where the demo left her')
  again.proc.kill('SIGTERM')
  assert.equal((await again.exited).code, 0)

  // --reset starts over
  const fresh = start('--reset')
  await fresh.ready
  assert.match(fresh.output(), /first run/)
  fresh.proc.kill('SIGTERM')
  assert.equal((await fresh.exited).code, 0)
})

test('playground: a wallet that dies takes the playground down with exit 1', { timeout: 120000 }, async () => {
  ports = await bases()
  const pg = start('--reset')
  await pg.ready
  const pids = spawnSync('pgrep', ['-P', String(pg.proc.pid)], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number)
  assert.equal(pids.length, 2, 'two wallet processes')
  process.kill(pids[1], 'SIGKILL')
  const e = await pg.exited
  assert.equal(e.code, 1)
  assert.match(pg.output(), /stopped unexpectedly/)
  await portsClosed()
})

// The wallet pages in a real browser (Debian's chromium through playwright-core, headless):
// alice signs in at Cloud Nine Wallet, pays bob's payment pointer after seeing the quote,
// follows the payment to COMPLETED and sees her balance drop; bob signs in at Happy Life Bank,
// sees the money arrive, requests EUR 3.00 and alice pays that incoming payment in full.
test('wallet pages in a browser: sign in, quote, pay, progress, balances, request', { timeout: 180000 }, async () => {
  const { chromium } = await import('playwright-core')
  ports = await bases()
  const pg = start('--reset')
  await pg.ready
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  try {
    const cn = `http://localhost:${ports[0] + 6}`
    const hl = `http://localhost:${ports[1] + 6}`
    const signIn = async (base, user, password) => {
      const page = await (await browser.newContext()).newPage()
      await page.goto(`${base}/wallet`)
      await page.getByLabel('User name').fill(user)
      await page.getByLabel('Password').fill(password)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.waitForSelector('.balance')
      return page
    }
    const balance = async (page) => Number(await page.locator('.balance').first().getAttribute('data-balance'))

    const alice = await signIn(cn, 'alice', 'alice-playground')
    assert.equal(await balance(alice), 100000)
    await alice.screenshot({ path: join(root, 'docs', 'wallet-page.png'), fullPage: true })
    await alice.getByLabel(/^To/).fill(`$localhost:${ports[1]}/bob`) // bob's payment pointer
    await alice.getByLabel(/^Amount to send in USD/).fill('5.00')
    await alice.getByRole('button', { name: 'See the quote' }).click()
    await alice.waitForSelector('text=Confirm the payment')
    assert.match(await alice.textContent('main'), /They receive\s+EUR/)
    assert.equal(await alice.locator('[data-debit]').getAttribute('data-debit'), '500')
    await alice.screenshot({ path: join(root, 'docs', 'wallet-quote.png'), fullPage: true })
    await alice.getByRole('button', { name: 'Pay' }).click()
    await alice.waitForSelector('[data-state="COMPLETED"]', { timeout: 30000 }) // the page refreshes itself
    await alice.getByRole('link', { name: 'Back to your wallet' }).click()
    assert.equal(await balance(alice), 100000 - 500)
    assert.match(await alice.textContent('table'), /sent/)

    const bob = await signIn(hl, 'bob', 'bob-playground')
    const bobBefore = await balance(bob)
    assert.ok(bobBefore > 50000 && bobBefore < 50000 + 500, `bob got about EUR 4.60 (${bobBefore})`)
    await bob.getByLabel(/^Amount to request in EUR/).fill('3.00')
    await bob.getByRole('button', { name: 'Create an incoming payment' }).click()
    const ipUrl = (await bob.locator('[data-incoming-payment]').textContent()).trim()
    assert.match(ipUrl, /\/incoming-payments\//)

    await alice.getByLabel(/^To/).fill(ipUrl)
    await alice.getByRole('button', { name: 'See the quote' }).click()
    await alice.waitForSelector('text=Confirm the payment')
    assert.match(await alice.textContent('main'), /They receive\s+EUR\s+3\.00/)
    await alice.getByRole('button', { name: 'Pay' }).click()
    await alice.waitForSelector('[data-state="COMPLETED"]', { timeout: 30000 })
    for (let i = 0; i < 50; i++) {
      await bob.goto(`${hl}/wallet`)
      if (await balance(bob) === bobBefore + 300) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.equal(await balance(bob), bobBefore + 300, 'bob received his request in full')

    // a form without the session's token is refused; another user's payment page is not shown
    const forged = await fetch(`${cn}/wallet/request`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: (await alice.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
      body: 'wallet=x&amount=1'
    })
    assert.equal(forged.status, 403)
  } finally {
    await browser.close()
    pg.proc.kill('SIGTERM')
    await pg.exited
  }
})
