// Rafiki's wallet address polling: an Open Payments GET of a wallet address that does not exist
// sends wallet_address.not_found, and with WALLET_ADDRESS_NOT_FOUND_POLLING_ENABLED the request
// waits (WALLET_ADDRESS_LOOKUP_TIMEOUT_MS) for the wallet to create it, then answers it. Here the
// wallet is a webhook receiver that creates each address it is told of through the admin API;
// one that never creates it leaves the request to answer 404 once the wait is over, and without
// polling the answer is 404 at once.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServe } from './lib/serve.mjs'

const dir = mkdtempSync(join(tmpdir(), 'rafiki-wa-poll-'))
const procs = []
const servers = []
after(() => {
  for (const p of procs) p.kill('SIGKILL')
  for (const s of servers) s.close()
  rmSync(dir, { recursive: true, force: true })
})

// A wallet's webhook receiver: on wallet_address.not_found for a URL ending in "/create-<x>",
// it creates the address (create(url)); every event is kept in seen.
async function wallet (create) {
  const seen = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', async () => {
      const ev = JSON.parse(body)
      seen.push(ev)
      res.writeHead(200).end()
      const url = ev.data?.walletAddressUrl
      if (ev.type === 'wallet_address.not_found' && /\/create-[^/]+$/.test(url)) await create(url)
    })
  })
  servers.push(server)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/webhooks`, seen }
}

async function start (name, env) {
  let node
  const rx = await wallet(async (url) => node.admin('POST', '/wallet-addresses', { asset_id: node.usd.id, url }))
  node = await startServe({ dir, name, ilp: `test.${name}`, secret: 'poll-' + randomUUID(), env: { WEBHOOK_URL: rx.url, ...env } })
  procs.push(node.proc)
  node.usd = await node.admin('POST', '/assets', { code: 'USD', scale: 2 })
  return { node, rx }
}

test('with polling, the wallet creates the address it is told of and the request answers it', { timeout: 60000 }, async () => {
  const { node, rx } = await start('poll', {
    WALLET_ADDRESS_NOT_FOUND_POLLING_ENABLED: 'true',
    WALLET_ADDRESS_LOOKUP_TIMEOUT_MS: '8000',
    WALLET_ADDRESS_POLLING_FREQUENCY_MS: '50'
  })
  const url = `http://localhost:${node.ports.op}/create-${randomUUID()}`
  const r = await fetch(url.replace('localhost', '127.0.0.1'), { headers: { Accept: 'application/json' } })
  assert.equal(r.status, 200, await r.clone().text())
  const doc = await r.json()
  assert.equal(doc.id, url)
  assert.equal(doc.assetCode, 'USD')
  assert.ok(rx.seen.some((e) => e.type === 'wallet_address.not_found' && e.data.walletAddressUrl === url))

  // one the wallet does not create: 404 once the wait is over, not before
  const t0 = Date.now()
  const miss = await fetch(`http://127.0.0.1:${node.ports.op}/never-${randomUUID()}`)
  assert.equal(miss.status, 404)
  assert.ok(Date.now() - t0 >= 7500, `answered after ${Date.now() - t0} ms, before the lookup timeout`)
})

test('without polling, an unknown address is 404 at once and the wallet is still told', { timeout: 60000 }, async () => {
  const { node, rx } = await start('nopoll', {})
  const url = `http://localhost:${node.ports.op}/create-${randomUUID()}`
  const t0 = Date.now()
  const r = await fetch(url.replace('localhost', '127.0.0.1'))
  assert.equal(r.status, 404)
  assert.ok(Date.now() - t0 < 1000)
  for (let i = 0; i < 200 && !rx.seen.some((e) => e.data?.walletAddressUrl === url); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  assert.ok(rx.seen.some((e) => e.type === 'wallet_address.not_found' && e.data.walletAddressUrl === url))
})
