// Scale-out on one machine (TEST_POSTGRES_URL and TEST_REDIS_URL, set by
// scripts/with-services.sh): two `rafiki serve` replicas of one wallet on the same Postgres and
// Redis take load spread across both, ILP packets from a peer (real STREAM money packets to a
// wallet address, half to each replica's connector) and local payments through the admin API
// (incoming payment, quote, outgoing payment, alternating replicas), with a webhook receiver.
// Mid-load replica 2 is killed with SIGKILL and started again. Then:
//   - every outgoing payment that exists is COMPLETED and settled (the survivor or the restarted
//     replica resumed the ones the dead one had leased), every incoming payment it paid got its
//     amount exactly once, and the payer lost exactly the completed amounts;
//   - the packets' wallet received 10 per fulfilled packet, plus at most 10 per packet whose
//     answer the kill cut off, and the peer was debited exactly what the wallet was credited;
//   - per asset, posted debits equal posted credits and nothing is left pending;
//   - every webhook event recorded was delivered, and the receiver saw each one.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import http from 'node:http'
import * as IlpPacket from 'ilp-packet'
import { startServe, sleep } from './lib/serve.mjs'
import { freePorts } from './lib/ports.mjs'
import { streamKeys, moneyPrepare } from './lib/packets.mjs'
import { pgUrl, psql } from './lib/pg.mjs'

const base = process.env.TEST_POSTGRES_URL
const redis = process.env.TEST_REDIS_URL
const SECRET = 'scale-out-admin-secret-0123456789'
const EXPIRY_MS = 3000
const PACKET_LOOPS = 8
const PAYMENT_LOOPS = 4
const dir = mkdtempSync(join(tmpdir(), 'rafiki-scale-'))
const procs = []
let dbName

after(() => {
  for (const p of procs) p.kill('SIGKILL')
  if (dbName) psql(base, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  rmSync(dir, { recursive: true, force: true })
})

async function post (url, secret, path, body) {
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  })
  return { status: r.status, json: await r.json() }
}

test('two replicas on one Postgres and Redis, one killed mid-load: no money lost or doubled',
  { timeout: 180000, skip: base && redis ? false : 'TEST_POSTGRES_URL and TEST_REDIS_URL are not set' },
  async (t) => {
    dbName = 'scale_' + randomUUID().replace(/-/g, '').slice(0, 12)
    psql(base, `CREATE DATABASE ${dbName}`)
    const db = pgUrl(base, dbName)

    // the wallet's webhook endpoint
    const [hookPort, op, auth] = await freePorts(3)
    const received = new Set()
    const hooks = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => { body += c })
      req.on('end', () => { received.add(JSON.parse(body).id); res.writeHead(200).end() })
    })
    await new Promise((resolve) => hooks.listen(hookPort, '127.0.0.1', resolve))
    t.after(() => hooks.close())

    const env = {
      DATABASE_URL: db,
      REDIS_URL: redis,
      STREAM_SECRET: randomBytes(32).toString('hex'),
      IDP_SECRET: 'scale-out-idp-secret-0123456789ab',
      OPEN_PAYMENTS_URL: `http://localhost:${op}`,
      AUTH_SERVER_URL: `http://localhost:${auth}`,
      WEBHOOK_URL: `http://127.0.0.1:${hookPort}/`,
      OUTGOING_PAYMENT_LEASE_MS: '2000',
      CONNECTOR_PEERS_RELOAD_MS: '200'
    }
    const r1 = await startServe({ dir, name: 'r1', ilp: 'test.scale', secret: SECRET, env, use: { op, auth } })
    procs.push(r1.proc)
    let r2 = await startServe({ dir, name: 'r2', ilp: 'test.scale', secret: SECRET, env })
    procs.push(r2.proc)
    const r2ports = r2.ports

    const usd = await r1.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const wa = (n) => r1.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${op}/${n}`, public_name: n })
    const alice = await wa('alice')
    const bob = await wa('bob')
    const carol = await wa('carol')
    const ALICE = 10_000_000n
    await r1.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: String(ALICE) })
    const token = randomBytes(24).toString('hex')
    const peer = await r1.admin('POST', '/peers', { asset_id: usd.id, ilp_address: 'test.client', incoming_tokens: [token], min_balance: '-1000000000', name: 'client' })
    const spsp = await (await fetch(carol.url, { headers: { Accept: 'application/spsp4+json' } })).json()
    const keys = await streamKeys(spsp)

    // ---- load ----
    const urls = () => [`http://127.0.0.1:${r1.ports.conn}/`, `http://127.0.0.1:${r2ports.conn}/`]
    const admins = () => [`http://127.0.0.1:${r1.ports.admin}`, `http://127.0.0.1:${r2ports.admin}`]
    const packets = { fulfilled: [0, 0], rejected: {}, cut: 0, refused: 0 }
    const payments = { created: [0, 0], failed: 0, cut: 0 }
    let stop = false
    const packetLoop = async (n) => {
      for (let i = n; !stop; i++) {
        const to = i % 2
        const body = await moneyPrepare(keys, 10, EXPIRY_MS)
        let sent = false
        try {
          const r = await fetch(urls()[to], {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
            body,
            signal: AbortSignal.timeout(EXPIRY_MS + 2000)
          })
          sent = true
          const reply = IlpPacket.deserializeIlpPacket(Buffer.from(await r.arrayBuffer()))
          if (reply.type === IlpPacket.Type.TYPE_ILP_FULFILL) packets.fulfilled[to]++
          else packets.rejected[reply.data.code] = (packets.rejected[reply.data.code] ?? 0) + 1
        } catch (e) {
          if (e.cause?.code === 'ECONNREFUSED') packets.refused++ // never reached a server
          else packets.cut++ // sent, answer lost: may or may not have been applied
          if (!sent) await sleep(20)
        }
      }
    }
    const paymentLoop = async (n) => {
      for (let i = n; !stop; i++) {
        const a = admins()[i % 2]
        try {
          const ip = await post(a, SECRET, '/incoming-payments', { wallet_address_id: bob.id, incoming_amount: { value: '100', asset_code: 'USD', asset_scale: 2 } })
          if (ip.status !== 201) { payments.failed++; continue }
          const q = await post(a, SECRET, '/quotes', { wallet_address_id: alice.id, receiver: ip.json.url })
          if (q.status !== 201) { payments.failed++; continue }
          const p = await post(a, SECRET, '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.json.id })
          if (p.status === 201) payments.created[i % 2]++
          else payments.failed++
        } catch {
          payments.cut++
          await sleep(20)
        }
      }
    }
    const loops = [
      ...Array.from({ length: PACKET_LOOPS }, (_, i) => packetLoop(i)),
      ...Array.from({ length: PAYMENT_LOOPS }, (_, i) => paymentLoop(i))
    ]
    const t0 = Date.now()
    await sleep(1500)
    r2.proc.kill('SIGKILL')
    await new Promise((resolve) => r2.proc.once('exit', resolve))
    const killedAt = Date.now() - t0
    await sleep(700)
    r2 = await startServe({ dir, name: 'r2', ilp: 'test.scale', secret: SECRET, env, use: r2ports })
    procs.push(r2.proc)
    await sleep(1500)
    stop = true
    await Promise.all(loops)
    const seconds = (Date.now() - t0) / 1000
    t.diagnostic(`${seconds.toFixed(1)} s, replica 2 killed at ${killedAt} ms and back 0.7 s later: ` +
      `packets ${JSON.stringify(packets)}, payments ${JSON.stringify(payments)}`)
    assert.ok(packets.fulfilled[0] > 50 && packets.fulfilled[1] > 50, 'both replicas fulfilled packets')
    assert.ok(payments.created[0] > 5 && payments.created[1] > 5, 'both replicas took payments')

    // ---- every payment final ----
    let states
    for (let i = 0; i < 150; i++) {
      states = psql(db, "SELECT state || ':' || settled || ':' || count(*) FROM outgoing_payments GROUP BY state, settled ORDER BY 1")
      if (!/FUNDING|SENDING|:f:|:false:/.test(states)) break
      await sleep(200)
    }
    const rows = Object.fromEntries(states.split('\n').map((l) => { const [s, settled, n] = l.split(':'); return [`${s}/${settled}`, Number(n)] }))
    const completed = Object.entries(rows).filter(([k]) => k.startsWith('COMPLETED/')).reduce((a, [, n]) => a + n, 0)
    assert.deepEqual(Object.keys(rows).filter((k) => !k.startsWith('COMPLETED/t')), [], `every payment completed and settled: ${states}`)
    assert.ok(completed >= payments.created[0] + payments.created[1], 'every acknowledged payment exists')
    const paid = psql(db, 'SELECT count(*) FROM incoming_payments i JOIN quotes q ON q.incoming_payment_id = i.id JOIN outgoing_payments o ON o.quote_id = q.id')
    assert.equal(Number(paid), completed)
    const aliceStatus = await r1.admin('GET', `/accounts/${alice.account_id}/status`)
    assert.equal(BigInt(aliceStatus.balance), ALICE - 100n * BigInt(completed), 'alice paid each completed payment once')
    // each paid incoming payment received exactly 100 (its invoice account's credits)
    const wrong = psql(db, 'SELECT count(*) FROM incoming_payments i JOIN quotes q ON q.incoming_payment_id = i.id ' +
      'JOIN outgoing_payments o ON o.quote_id = q.id JOIN accounts a ON a.id = i.account_id WHERE a.credits_posted <> 100')
    const unpaid = psql(db, 'SELECT count(*) FROM incoming_payments i JOIN accounts a ON a.id = i.account_id ' +
      'WHERE a.credits_posted <> 0 AND NOT EXISTS (SELECT 1 FROM quotes q JOIN outgoing_payments o ON o.quote_id = q.id WHERE q.incoming_payment_id = i.id)')
    assert.equal(unpaid, '0', 'an incoming payment without an outgoing payment got money')
    assert.equal(wrong, '0', 'an incoming payment got other than its amount')

    // ---- packets: no money lost or doubled ----
    await sleep(EXPIRY_MS + 1500) // every Prepare expired; the sweepers voided any hold
    const carolIn = BigInt((await r1.admin('GET', `/accounts/${carol.account_id}/status`)).total_received)
    const fulfilled = BigInt(packets.fulfilled[0] + packets.fulfilled[1])
    assert.ok(carolIn >= 10n * fulfilled && carolIn <= 10n * (fulfilled + BigInt(packets.cut)),
      `carol received ${carolIn} for ${fulfilled} fulfilled and ${packets.cut} cut-off packets`)
    const peerOut = BigInt((await r1.admin('GET', `/accounts/${peer.account_id}/status`)).total_sent)
    assert.equal(peerOut, carolIn, 'the peer was debited what carol was credited')
    const sums = psql(db, 'SELECT asset_id || \':\' || sum(debits_posted) || \':\' || sum(credits_posted) || \':\' || sum(debits_pending) || \':\' || sum(credits_pending) FROM accounts GROUP BY asset_id')
    for (const line of sums.split('\n')) {
      const [asset, dp, cp, dq, cq] = line.split(':')
      assert.equal(dp, cp, `asset ${asset}: posted debits equal posted credits`)
      assert.deepEqual([dq, cq], ['0', '0'], `asset ${asset}: nothing pending`)
    }

    // ---- webhooks: each recorded event delivered, and seen ----
    let left
    for (let i = 0; i < 150; i++) {
      left = Number(psql(db, 'SELECT count(*) FROM webhook_events WHERE state <> 1'))
      if (left === 0) break
      await sleep(200)
    }
    assert.equal(left, 0, 'every webhook event delivered')
    const ids = psql(db, 'SELECT id FROM webhook_events').split('\n').filter(Boolean)
    assert.ok(ids.length >= 3 * completed, `events for every payment (${ids.length})`)
    const missing = ids.filter((id) => !received.has(id))
    assert.deepEqual(missing, [], 'the receiver saw every event')
    t.diagnostic(`${completed} payments completed, ${fulfilled} packets fulfilled, ${ids.length} webhook events delivered`)
  })
