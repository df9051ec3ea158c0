// Screenshots of the operator console for the docs (not a test; run by hand):
//
//   node tests/interop/screenshots.mjs OUTDIR
//
// Starts a `rafiki serve` (lib/serve.mjs; RAFIKI_BUILD names the build, default build/), makes
// an asset with liquidity, a peer, two wallet addresses and one completed payment through the
// REST admin API, signs in to the console as the operator in chromium (JavaScript off, a 1200
// px wide window) and saves PNGs into OUTDIR: overview.png, assets.png, audit.png, and
// peers.png and payment.png when those pages exist in this build (/console/peers,
// /console/payments/outgoing/{id}; otherwise it says so and skips them).
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
import { chromium } from 'playwright-core'
import { startServe, sleep } from './lib/serve.mjs'

const out = process.argv[2]
if (!out) {
  console.error('usage: node tests/interop/screenshots.mjs OUTDIR')
  process.exit(2)
}
mkdirSync(out, { recursive: true })
const SECRET = 'screens-secret-' + randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-screens-'))
let srv, browser

// Assets, a peer, two wallet addresses and a completed payment: the payment's id.
async function seed () {
  const usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  await srv.admin('POST', `/accounts/${usd.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '250000' })
  await srv.admin('PUT', `/assets/${usd.id}/liquidity-threshold`, { threshold: '100000' })
  const eur = await srv.admin('POST', '/assets', { code: 'EUR', scale: 2 })
  await srv.admin('POST', `/accounts/${eur.liquidity_account_id}/deposits`, { id: randomUUID(), amount: '5000' })
  await srv.admin('PUT', `/assets/${eur.id}/liquidity-threshold`, { threshold: '10000' })
  await srv.admin('POST', '/peers', {
    asset_id: usd.id, ilp_address: 'test.partner', name: 'Partner Bank', incoming_tokens: [randomUUID()],
    min_balance: '-500000', outgoing: { endpoint: 'http://127.0.0.1:9/ilp', token: randomUUID() }
  })
  const wa = (name) => srv.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${srv.ports.op}/${name}`, public_name: name })
  const alice = await wa('alice')
  const bob = await wa('bob')
  await srv.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '10000' })
  let last
  for (const value of ['1250', '500', '2000']) {
    const ip = await srv.admin('POST', '/incoming-payments', { wallet_address_id: bob.id, incoming_amount: { value, asset_code: 'USD', asset_scale: 2 } })
    const q = await srv.admin('POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url })
    last = await srv.admin('POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id })
  }
  for (let i = 0; i < 200; i++) {
    const p = await srv.admin('GET', `/outgoing-payments/${last.id}`)
    if (p.state === 'COMPLETED') return last.id
    assert.notEqual(p.state, 'FAILED', `the payment failed: ${JSON.stringify(p)}`)
    await sleep(50)
  }
  throw new Error(`the payment did not complete: ${JSON.stringify(await srv.admin('GET', `/outgoing-payments/${last.id}`))}`)
}

// Saves the page at path as name.png when it answers 200; says why not otherwise.
async function shot (page, path, name, height = 1400) {
  const res = await page.goto(`http://127.0.0.1:${srv.ports.admin}${path}`)
  if (res.status() !== 200) {
    console.log(`${name}: skipped, ${path} answered ${res.status()} (not in this build yet?)`)
    return
  }
  const file = join(out, `${name}.png`)
  // the top `height` px at most: a long list is shown by its first rows (files under 150 KB)
  await page.screenshot({ path: file, fullPage: true, clip: { x: 0, y: 0, width: 1200, height } })
  console.log(`${name}: ${resolve(file)} (${Math.round(statSync(file).size / 1024)} KB)`)
}

try {
  srv = await startServe({ dir, name: 'screens', ilp: 'test.screens', secret: SECRET, env: { OPERATOR_TENANT_ID: randomUUID(), FUNDING_MODEL: 'ledger' } })
  const paymentId = await seed()
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 800 } })
  const page = await ctx.newPage()
  await page.goto(`http://127.0.0.1:${srv.ports.admin}/console`)
  await page.fill('#tenant', '')
  await page.fill('#secret', SECRET)
  await Promise.all([page.waitForNavigation(), page.click('section:nth-of-type(1) button')])
  assert.equal(new URL(page.url()).pathname, '/console', 'signed in')
  await sleep(1500) // the API changes reach the audit log within a second
  await shot(page, '/console', 'overview')
  await shot(page, '/console/assets', 'assets')
  await shot(page, '/console/audit', 'audit', 640)
  await shot(page, '/console/peers', 'peers', 900)
  await shot(page, `/console/payments/outgoing/${paymentId}`, 'payment')
} finally {
  await browser?.close()
  srv?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
