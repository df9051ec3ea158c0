// Scale-out benchmark: one and then two `rafiki serve` replicas of one wallet on the same
// throwaway Postgres and Redis (TEST_POSTGRES_URL, TEST_REDIS_URL: run under
// scripts/with-services.sh, as `make bench` does). For each count, on a fresh database:
//   - packets/s: BENCH_PACKET_LOOPS (16) loops post real STREAM money packets (10 units) from a
//     peer to a wallet address, spread over the replicas' connectors, for BENCH_SECONDS (3);
//   - payments/s: BENCH_PAYMENT_LOOPS (8) loops run whole local payments through the admin API
//     (incoming payment, quote, outgoing payment, GET until COMPLETED), spread over the replicas.
// Prints one line per figure with p50/p99 latency and the replicas' RSS. The load generator is
// Node on the same two cores: compare the two counts in one run, as ratios.
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import { startServe, sleep } from '../tests/interop/lib/serve.mjs'
import { freePorts } from '../tests/interop/lib/ports.mjs'
import { streamKeys, moneyPrepare } from '../tests/interop/lib/packets.mjs'
import { pgUrl, psql } from '../tests/interop/lib/pg.mjs'

const require = createRequire(new URL('../tests/interop/package.json', import.meta.url))
const IlpPacket = require('ilp-packet')

const base = process.env.TEST_POSTGRES_URL
const redis = process.env.TEST_REDIS_URL
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const PACKET_LOOPS = Number(process.env.BENCH_PACKET_LOOPS ?? 16)
const PAYMENT_LOOPS = Number(process.env.BENCH_PAYMENT_LOOPS ?? 8)
const SECRET = 'scale-bench-admin-secret-0123456789'

const pct = (xs, p) => xs.length ? xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] : 0
const rssMb = (proc) => {
  try {
    return Number(readFileSync(`/proc/${proc.pid}/statm`, 'utf8').split(' ')[1]) * 4096 / 1048576
  } catch { return 0 }
}

async function post (url, path, body) {
  const r = await fetch(`${url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${SECRET}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined
  })
  return { status: r.status, json: await r.json() }
}

async function run (replicas) {
  const name = 'scale_bench_' + randomUUID().replace(/-/g, '').slice(0, 12)
  psql(base, `CREATE DATABASE ${name}`)
  const dir = mkdtempSync(join(tmpdir(), 'rafiki-scale-bench-'))
  const nodes = []
  try {
    const [op, auth] = await freePorts(2)
    const env = {
      DATABASE_URL: pgUrl(base, name),
      REDIS_URL: redis,
      STREAM_SECRET: randomBytes(32).toString('hex'),
      IDP_SECRET: 'scale-bench-idp-secret-0123456789',
      OPEN_PAYMENTS_URL: `http://localhost:${op}`,
      AUTH_SERVER_URL: `http://localhost:${auth}`,
      CONNECTOR_PEERS_RELOAD_MS: '200',
      LOG_LEVEL: 'error'
    }
    for (let i = 0; i < replicas; i++) {
      nodes.push(await startServe({ dir, name: `r${i}`, ilp: 'test.bench', secret: SECRET, env, use: i === 0 ? { op, auth } : {} }))
    }
    const admin = nodes.map((n) => `http://127.0.0.1:${n.ports.admin}`)
    const conn = nodes.map((n) => `http://127.0.0.1:${n.ports.conn}/`)
    const usd = await nodes[0].admin('POST', '/assets', { code: 'USD', scale: 2 })
    const wa = (n) => nodes[0].admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${op}/${n}`, public_name: n })
    const alice = await wa('alice')
    const bob = await wa('bob')
    const carol = await wa('carol')
    await nodes[0].admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '1000000000' })
    const token = randomBytes(24).toString('hex')
    await nodes[0].admin('POST', '/peers', { asset_id: usd.id, ilp_address: 'test.client', incoming_tokens: [token], min_balance: '-100000000000' })
    const keys = await streamKeys(await (await fetch(carol.url, { headers: { Accept: 'application/spsp4+json' } })).json())
    await sleep(500) // the other replicas load the peer

    // packets
    let stop = false
    const lat = []
    let fulfilled = 0
    let other = 0
    const packetLoop = async (n) => {
      for (let i = n; !stop; i++) {
        const body = await moneyPrepare(keys, 10, 30000)
        const t0 = performance.now()
        const r = await fetch(conn[i % replicas], { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' }, body })
        const reply = IlpPacket.deserializeIlpPacket(Buffer.from(await r.arrayBuffer()))
        lat.push(performance.now() - t0)
        if (reply.type === IlpPacket.Type.TYPE_ILP_FULFILL) fulfilled++
        else other++
      }
    }
    let loops = Array.from({ length: PACKET_LOOPS }, (_, i) => packetLoop(i))
    await sleep(SECONDS * 1000)
    stop = true
    await Promise.all(loops)
    console.log(`scale-out replicas=${replicas} packets   ${(fulfilled / SECONDS).toFixed(0)} fulfilled/s  ` +
      `p50 ${pct(lat, 0.5).toFixed(2)} ms  p99 ${pct(lat, 0.99).toFixed(2)} ms  rejected ${other}  ` +
      `RSS ${nodes.map((n) => rssMb(n.proc).toFixed(0)).join('+')} MB`)

    // payments
    stop = false
    const plat = []
    let done = 0
    let failed = 0
    const paymentLoop = async (n) => {
      for (let i = n; !stop; i++) {
        const a = admin[i % replicas]
        const t0 = performance.now()
        const ip = await post(a, '/incoming-payments', { wallet_address_id: bob.id, incoming_amount: { value: '100', asset_code: 'USD', asset_scale: 2 } })
        const q = await post(a, '/quotes', { wallet_address_id: alice.id, receiver: ip.json.url })
        const p = await post(a, '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.json.id })
        let state = p.json.state
        while (state !== 'COMPLETED' && state !== 'FAILED') {
          await sleep(2)
          state = (await post(a, `/outgoing-payments/${p.json.id}`)).json.state
        }
        plat.push(performance.now() - t0)
        if (state === 'COMPLETED') done++
        else failed++
      }
    }
    loops = Array.from({ length: PAYMENT_LOOPS }, (_, i) => paymentLoop(i))
    await sleep(SECONDS * 1000)
    stop = true
    await Promise.all(loops)
    console.log(`scale-out replicas=${replicas} payments  ${(done / SECONDS).toFixed(0)} completed/s  ` +
      `p50 ${pct(plat, 0.5).toFixed(1)} ms  p99 ${pct(plat, 0.99).toFixed(1)} ms  failed ${failed}  ` +
      `RSS ${nodes.map((n) => rssMb(n.proc).toFixed(0)).join('+')} MB`)
  } finally {
    for (const n of nodes) n.proc.kill('SIGKILL')
    await sleep(200)
    psql(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    rmSync(dir, { recursive: true, force: true })
  }
}

if (!base || !redis) {
  console.log('scale-out: TEST_POSTGRES_URL and TEST_REDIS_URL are not set (run under scripts/with-services.sh): skipped')
} else {
  console.log(`scale-out: ${PACKET_LOOPS} packet loops, ${PAYMENT_LOOPS} payment loops, ${SECONDS} s each, Postgres and Redis of with-services.sh`)
  await run(1)
  await run(2)
}
