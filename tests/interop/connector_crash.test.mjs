// Crash consistency of the connector (connector issue): two `rafiki serve` processes, A and B,
// on SQLite files. A peers with a client (credit line) and forwards test.b.* to B over
// ILP-over-HTTP; B delivers to a STREAM-enabled wallet with its stateless receiver. 32 async
// loops post raw ILP Prepares to A: most are real STREAM money packets (B fulfils them; A holds,
// then posts), some carry data B cannot decrypt or go to an unknown account under B (B rejects;
// A voids its hold). Mid-load A is killed with SIGKILL and restarted on the same database; in a
// second round B is. Every Prepare expires 3 s after it is sent, so a hold A took before dying
// must be voided by the restarted process's sweeper. After each round, once every expiry has
// passed, both ledgers must be balanced:
//   - per asset, the sum of posted debits equals the sum of posted credits, and the sum of
//     pending debits equals the sum of pending credits (GET /accounts, /accounts/{id}/status);
//   - no account is below its min_balance or above its max_balance;
//   - no pending transfer remains (every account's debits_pending and credits_pending are 0,
//     and the transfers table has no row in state pending: sqlite3 on the file);
// and the restarted node fulfils packets again.
// Binary: RAFIKI_BUILD or ../../build.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as IlpPacket from 'ilp-packet'
import { Packet, StreamMoneyFrame } from 'ilp-protocol-stream/dist/src/packet.js'
import {
  generatePskEncryptionKey,
  generateFulfillmentKey,
  generateFulfillment,
} from 'ilp-protocol-stream/dist/src/crypto.js'
import { nodePorts } from './lib/ports.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const rafiki = path.join(build, 'rafiki')
const sqlDir = path.join(here, '..', '..', 'sql')
const SECRET = 'connector-crash-admin-' + randomUUID()
const LOOPS = 32
const EXPIRY_MS = 3000
const LOAD_BEFORE_KILL_MS = 900
const LOAD_AFTER_RESTART_MS = 900
const CLIENT_CREDIT = -1_000_000_000n

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-conn-crash-'))
const procs = new Set()

// ---- processes ----

async function makeNode (name, ilp) {
  return {
    name,
    ilp,
    db: path.join(dir, name + '.db'),
    ports: await nodePorts(),
    secret: randomBytes(32).toString('hex'),
    stderr: '',
  }
}

async function start (node) {
  const env = { ...process.env }
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'NODE_ENV', 'RAFIKI_ENV']) delete env[k]
  Object.assign(env, {
    DATABASE_URL: `sqlite:${node.db}`,
    ADMIN_API_SECRET: SECRET,
    ILP_ADDRESS: node.ilp,
    STREAM_SECRET: node.secret, // the same across restarts: credentials stay valid
    OPEN_PAYMENTS_PORT: String(node.ports.op),
    ADMIN_PORT: String(node.ports.admin),
    CONNECTOR_PORT: String(node.ports.conn),
    AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0',
    RAFIKI_SQL_DIR: sqlDir,
    LOG_LEVEL: 'error',
  })
  const child = spawn(rafiki, ['serve'], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
  procs.add(child)
  child.stderr.on('data', (d) => { node.stderr += d })
  node.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    procs.delete(child)
    resolve({ code, signal })
  }))
  node.child = child
  node.admin = `http://127.0.0.1:${node.ports.admin}`
  node.url = `http://127.0.0.1:${node.ports.conn}/`
  const end = Date.now() + 15000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${node.name} exited early: ${node.stderr}`)
    try {
      const r = await fetch(`${node.admin}/healthz`)
      const c = await fetch(`${node.url}healthz`)
      if (r.status === 200 && c.status === 200) return node
    } catch {}
    if (Date.now() > end) throw new Error(`${node.name} never became healthy: ${node.stderr}`)
    await sleep(50)
  }
}

async function kill9 (node) {
  node.child.kill('SIGKILL')
  const { signal } = await node.exited
  assert.equal(signal, 'SIGKILL')
}

async function admin (node, method, p, body) {
  let r
  try {
    r = await fetch(node.admin + p, {
      method,
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (e) {
    const state = node.child.exitCode ?? node.child.signalCode ?? 'running'
    throw new Error(`${node.name} ${method} ${p}: ${e.cause ?? e} (process: ${state}) ${node.stderr}`)
  }
  const text = await r.text()
  if (r.status >= 300) throw new Error(`${node.name} ${method} ${p}: ${r.status} ${text}`)
  return JSON.parse(text)
}

after(async () => {
  for (const c of procs) c.kill('SIGKILL')
  await sleep(100)
  if (process.env.KEEP_TEST_DIR) console.log(`# kept ${dir}`)
  else fs.rmSync(dir, { recursive: true, force: true })
})

// ---- packets ----

let seq = 1
async function moneyPrepare (T, amount) {
  const data = await new Packet(seq++, IlpPacket.Type.TYPE_ILP_PREPARE, 0, [
    new StreamMoneyFrame(1, 1),
  ]).serializeAndEncrypt(T.encKey)
  const fulfillment = await generateFulfillment(T.fulKey, data)
  return {
    amount: String(amount),
    executionCondition: createHash('sha256').update(fulfillment).digest(),
    expiresAt: new Date(Date.now() + EXPIRY_MS),
    destination: T.cred.destination_account,
    data,
  }
}

function junkPrepare (T, amount, destination) {
  return {
    amount: String(amount),
    executionCondition: randomBytes(32),
    expiresAt: new Date(Date.now() + EXPIRY_MS),
    destination,
    data: randomBytes(40),
  }
}

// Posts Prepares to A from LOOPS loops until stop(); counts outcomes per phase.
function runLoad (T, counts) {
  let stopped = false
  const loop = async () => {
    while (!stopped) {
      const r = Math.random()
      const amount = 1 + Math.floor(Math.random() * 100)
      const prep = r < 0.8
        ? await moneyPrepare(T, amount)
        : junkPrepare(T, amount, r < 0.9 ? T.cred.destination_account : 'test.b.nobody')
      const phase = T.phase
      try {
        const res = await fetch(T.a.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${T.clientToken}`,
            'content-type': 'application/octet-stream',
          },
          body: IlpPacket.serializeIlpPrepare(prep),
          signal: AbortSignal.timeout(EXPIRY_MS + 2000),
        })
        const buf = Buffer.from(await res.arrayBuffer())
        if (res.status !== 200) {
          counts[phase].http++
          continue
        }
        const pkt = IlpPacket.deserializeIlpPacket(buf)
        if (pkt.type === IlpPacket.Type.TYPE_ILP_FULFILL) counts[phase].fulfilled++
        else counts[phase].rejected[pkt.data.code] = (counts[phase].rejected[pkt.data.code] ?? 0) + 1
      } catch {
        counts[phase].errors++ // the node is down: connection refused or reset
        await sleep(10)
      }
    }
  }
  const loops = Array.from({ length: LOOPS }, loop)
  return async () => {
    stopped = true
    await Promise.all(loops)
  }
}

// ---- invariants ----

async function allAccounts (node) {
  const out = []
  let cursor = ''
  for (;;) {
    const page = await admin(node, 'GET', `/accounts?limit=100${cursor ? `&cursor=${cursor}` : ''}`)
    out.push(...page.accounts)
    if (!page.next_cursor) return out
    cursor = page.next_cursor
  }
}

// Transfers in a state (1 pending, 3 expired), read from the SQLite file.
function rowsInState (node, state) {
  const sql = `SELECT count(*) FROM transfers WHERE state = ${state};`
  const r = spawnSync('sqlite3', ['-readonly', node.db, sql], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  return Number(r.stdout.trim())
}
const pendingRows = (node) => rowsInState(node, 1)

// Balanced, within limits; with settled, no pending amount left anywhere.
async function checkLedger (node, settled) {
  const accounts = await allAccounts(node)
  const perAsset = new Map()
  let pending = 0n
  for (const a of accounts) {
    const s = await admin(node, 'GET', `/accounts/${a.id}/status`)
    const t = perAsset.get(a.asset_id) ?? { dp: 0n, dq: 0n, cp: 0n, cq: 0n }
    t.dp += BigInt(s.total_sent)
    t.cp += BigInt(s.total_received)
    t.dq += BigInt(s.debits_pending)
    t.cq += BigInt(s.credits_pending)
    perAsset.set(a.asset_id, t)
    pending += BigInt(s.debits_pending) + BigInt(s.credits_pending)
    if (a.min_balance !== null) {
      assert.ok(BigInt(s.balance) >= BigInt(a.min_balance),
        `${node.name}: ${a.kind} account ${a.id} below its min_balance: ${JSON.stringify(s)}`)
    }
    if (a.max_balance !== null) {
      const high = BigInt(s.total_received) + BigInt(s.credits_pending) - BigInt(s.total_sent)
      assert.ok(high <= BigInt(a.max_balance), `${node.name}: account ${a.id} above its max_balance`)
    }
  }
  for (const [asset, t] of perAsset) {
    assert.equal(t.dp, t.cp, `${node.name}: asset ${asset}: posted debits != posted credits`)
    assert.equal(t.dq, t.cq, `${node.name}: asset ${asset}: pending debits != pending credits`)
  }
  if (settled) {
    assert.equal(pending, 0n, `${node.name}: pending amounts left after every expiry`)
    assert.equal(pendingRows(node), 0, `${node.name}: pending transfers left after every expiry`)
  }
  return accounts.length
}

// Waits until every Prepare sent so far has expired and the sweeper (1 s period) has run.
async function waitSettled (nodes) {
  await sleep(EXPIRY_MS + 500)
  for (let i = 0; i < 50; i++) {
    if (nodes.every((n) => pendingRows(n) === 0)) return
    await sleep(200)
  }
}

// ---- the test ----

const newCounts = () => ({ fulfilled: 0, rejected: {}, errors: 0, http: 0 })

async function setup () {
  const T = { clientToken: randomBytes(24).toString('hex') }
  // one at a time: a node's ephemeral listeners (port 0) are bound before the next node is
  // handed its free ports, so the two cannot collide
  T.a = await makeNode('a', 'test.a')
  await start(T.a)
  T.b = await makeNode('b', 'test.b')
  await start(T.b)
  const tAB = randomBytes(24).toString('hex')
  const aUsd = await admin(T.a, 'POST', '/assets', { code: 'USD', scale: 2 })
  const bUsd = await admin(T.b, 'POST', '/assets', { code: 'USD', scale: 2 })
  await admin(T.a, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: 'test.a.client', incoming_tokens: [T.clientToken],
    min_balance: String(CLIENT_CREDIT), name: 'client',
  })
  T.aToB = await admin(T.a, 'POST', '/peers', {
    asset_id: aUsd.id, ilp_address: 'test.b', routes: ['test.b'],
    outgoing: { endpoint: T.b.url, token: tAB },
  })
  await admin(T.b, 'POST', '/peers', {
    asset_id: bUsd.id, ilp_address: 'test.a', incoming_tokens: [tAB], min_balance: '-1000000000',
  })
  T.wallet = await admin(T.b, 'POST', '/accounts', {
    asset_id: bUsd.id, kind: 'wallet', ilp: { stream_enabled: true },
  })
  T.cred = await admin(T.b, 'POST', `/accounts/${T.wallet.id}/stream-credentials`, {})
  const secret = Buffer.from(T.cred.shared_secret, 'base64')
  T.encKey = await generatePskEncryptionKey(secret)
  T.fulKey = await generateFulfillmentKey(secret)
  return T
}

async function round (T, victim) {
  const counts = { before: newCounts(), down: newCounts(), after: newCounts() }
  T.phase = 'before'
  const stop = runLoad(T, counts)
  await sleep(LOAD_BEFORE_KILL_MS)
  T.phase = 'down'
  await kill9(victim)
  counts.pendingAtRestart = rowsInState(victim, 1)
  await start(victim)
  T.phase = 'after'
  await sleep(LOAD_AFTER_RESTART_MS)
  await stop()
  return counts
}

test('kill -9 of A, then of B, mid-load leaves both ledgers balanced and no hold behind',
  { timeout: 120000 }, async () => {
    assert.ok(fs.existsSync(rafiki), `build ${rafiki} first`)
    const T = await setup()
    for (const victim of [T.a, T.b]) {
      const counts = await round(T, victim)
      const label = `kill ${victim.name}: ${JSON.stringify(counts)}`
      assert.ok(counts.before.fulfilled > 20, `load was fulfilled before the kill: ${label}`)
      assert.ok(Object.keys(counts.before.rejected).length > 0, `some were rejected: ${label}`)
      assert.ok(counts.after.fulfilled > 20, `the restarted node fulfils again: ${label}`)
      // balanced right away (holds may still be pending, but they balance)
      await checkLedger(T.a, false)
      await checkLedger(T.b, false)
      await waitSettled([T.a, T.b])
      assert.ok(await checkLedger(T.a, true) >= 4)
      assert.ok(await checkLedger(T.b, true) >= 4)
      // A posts a hold only on B's Fulfill, which B sends only once its credit committed: what
      // A paid B never exceeds what B's wallet received (a crash can only lose A's posts, whose
      // holds are then voided at expiry)
      const wallet = await admin(T.b, 'GET', `/accounts/${T.wallet.id}/status`)
      const paid = await admin(T.a, 'GET', `/accounts/${T.aToB.account_id}/status`)
      assert.ok(BigInt(wallet.total_received) > 0n)
      assert.ok(BigInt(paid.total_received) <= BigInt(wallet.total_received),
        `A paid ${paid.total_received}, B received ${wallet.total_received}`)
      console.log(`# ${label}; expired holds at A so far: ${rowsInState(T.a, 3)}`)
    }
  })
