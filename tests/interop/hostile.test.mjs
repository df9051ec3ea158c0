// Hostile clients against a real `rafiki serve`, on loopback only, each part bounded in count
// and time and stopping by itself:
//   - slowloris: 2,000 connections trickle a request head that never ends, from 127.0.0.2..17
//     (16 addresses x 125, under the per-address cap; Linux routes all of 127/8 to loopback).
//     Meanwhile a peer with a valid token must be answered in milliseconds, the slow
//     connections must be closed by the request deadline (which trickling cannot extend), and
//     libmicrohttpd's warn lines about them must be rate-limited.
//   - meanwhile 500 connections dropped by their clients leave no socket in CLOSE-WAIT.
//   - one address opening more than HTTP_PER_IP_CONNECTIONS_MAX connections gets the excess
//     closed at once.
//   - 1,000 unauthenticated 1 MiB uploads to the admin port are refused on their headers
//     (401) without the server's memory growing; authenticated 1 MiB bodies are given back.
//   - many addresses, each under its cap, filling a listener (a second server whose
//     HTTP_CONNECTIONS_MAX is 1024) with idle keep-alive connections, then with slow heads,
//     each reopened as soon as the server closes it:
//     a new client is still served within a second.
//   - a path with a control byte (/alice%00garbage) is refused with a JSON 400.
// Binary: RAFIKI_BUILD or ../../build.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as IlpPacket from 'ilp-packet'
import { nodePorts } from './lib/ports.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const SECRET = 'hostile-admin-secret-' + randomBytes(8).toString('hex')
const PEER_TOKEN = randomBytes(24).toString('hex')
const REQUEST_TIMEOUT_MS = 3000
const PER_IP = 128
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

let srv // { child, pid, admin, conn, op, stderr(), dir }

async function waitHealthy (port, s = srv) {
  for (const end = Date.now() + 10000; Date.now() < end; await sleep(50)) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return
    } catch {}
  }
  throw new Error(`port ${port} never became healthy: ${s.stderr()}`)
}

async function admin (method, p, body) {
  const r = await fetch(`http://127.0.0.1:${srv.admin}${p}`, {
    method,
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await r.text()
  if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${text}`)
  return JSON.parse(text)
}

function rssKiB () {
  const status = fs.readFileSync(`/proc/${srv.pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1])
}

// Sockets of the server's port in state CLOSE-WAIT (0x08), from /proc/net/tcp.
function closeWaitCount (port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  return fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length > 3 && f[1].endsWith(':' + hexPort) && f[3] === '08').length
}

// A `rafiki serve` with the hostile-client limits of this file and extra settings, started and
// healthy.
async function startRafiki (extra = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-hostile-'))
  const { op, admin: adminPort, conn } = await nodePorts()
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:${path.join(dir, 'rafiki.db')}?synchronous=normal`,
    ADMIN_API_SECRET: SECRET,
    STREAM_SECRET: randomBytes(32).toString('hex'),
    ILP_ADDRESS: 'test.hostile',
    OPEN_PAYMENTS_PORT: String(op),
    OPEN_PAYMENTS_URL: `http://localhost:${op}`,
    ADMIN_PORT: String(adminPort),
    CONNECTOR_PORT: String(conn),
    AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0',
    RAFIKI_SQL_DIR: path.join(here, '..', '..', 'sql'),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_PER_IP_CONNECTIONS_MAX: String(PER_IP),
    LOG_LEVEL: 'warn',
    ...extra,
  }
  delete env.REDIS_URL
  const child = spawn(path.join(build, 'rafiki'), ['serve'], { cwd: dir, env, stdio: ['ignore', 'inherit', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const s = { child, pid: child.pid, admin: adminPort, conn, op, dir, stderr: () => stderr }
  await waitHealthy(adminPort, s)
  await waitHealthy(conn, s)
  return s
}

before(async () => {
  srv = await startRafiki()
  const asset = await admin('POST', '/assets', { code: 'USD', scale: 2 })
  await admin('POST', '/peers', {
    asset_id: asset.id, ilp_address: 'test.hostile.peer', incoming_tokens: [PEER_TOKEN],
    min_balance: '-100000', name: 'peer',
  })
  await admin('POST', '/wallet-addresses', { asset_id: asset.id, url: `http://localhost:${srv.op}/alice` })
})

after(async () => {
  srv?.child.kill('SIGKILL')
  await sleep(100)
  if (srv) fs.rmSync(srv.dir, { recursive: true, force: true })
})

// One ILP packet from the peer: a Prepare to an unknown destination, answered with a Reject
// by the connector's pipeline. Returns the milliseconds it took.
async function peerPacket () {
  const prep = IlpPacket.serializeIlpPrepare({
    amount: '1',
    executionCondition: randomBytes(32),
    expiresAt: new Date(Date.now() + 30000),
    destination: 'test.nowhere.x',
    data: Buffer.alloc(0),
  })
  const t0 = performance.now()
  const r = await fetch(`http://127.0.0.1:${srv.conn}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PEER_TOKEN}`, 'content-type': 'application/octet-stream' },
    body: prep,
    signal: AbortSignal.timeout(5000),
  })
  const buf = Buffer.from(await r.arrayBuffer())
  const ms = performance.now() - t0
  assert.equal(r.status, 200)
  assert.equal(IlpPacket.deserializeIlpPacket(buf).type, IlpPacket.Type.TYPE_ILP_REJECT)
  return ms
}

// Opens n connections from localAddress that each trickle one header byte every 500 ms.
// Each entry records when it was started (before the server can have accepted it: the
// deadline runs from the accept), whether it connected, and when the server closed it.
function slowConnections (n, localAddress) {
  return Array.from({ length: n }, () => new Promise((resolve) => {
    const c = { started: Date.now(), connected: false, closed: 0 }
    const s = net.createConnection({ host: '127.0.0.1', port: srv.conn, localAddress })
    let timer
    s.on('connect', () => {
      c.connected = true
      s.write('POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ')
      timer = setInterval(() => s.write('a'), 500)
    })
    s.on('error', () => {})
    s.on('close', () => {
      clearInterval(timer)
      c.closed = Date.now()
      resolve(c)
    })
    // Bounded: whatever the server does, the client gives up after 20 s.
    setTimeout(() => s.destroy(), 20000).unref()
  }))
}

// Opens n connections from 127.0.0.<first>.. (125 an address), each sending part of a head,
// then drops them all at once.
async function dropBurst (n, first) {
  const socks = Array.from({ length: n }, (_, i) => new Promise((resolve) => {
    const localAddress = `127.0.0.${first + Math.floor(i / 125)}`
    const s = net.createConnection({ host: '127.0.0.1', port: srv.conn, localAddress })
    s.on('error', () => resolve(null))
    s.on('connect', () => { s.write('POST / HTTP/1.1\r\nHost: x\r\n'); resolve(s) })
    setTimeout(() => resolve(s), 1000).unref()
  }))
  for (const s of await Promise.all(socks)) s?.destroy()
}

test('slowloris: 2,000 trickling connections; a peer is served meanwhile; deadline closes them', async () => {
  const linesBefore = srv.stderr().split('\n').filter((l) => l.includes('microhttpd')).length
  const pending = []
  for (let a = 2; a < 18; a++) pending.push(...slowConnections(125, `127.0.0.${a}`))
  await sleep(1000) // all of them are connected and trickling
  const latencies = []
  for (let i = 0; i < 40; i++) latencies.push(await peerPacket())
  latencies.sort((x, y) => x - y)
  const p50 = latencies[20]; const max = latencies[latencies.length - 1]
  console.log(`# peer packets during slowloris: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`)
  assert.ok(p50 < 50, `p50 ${p50} ms`)
  assert.ok(max < 500, `max ${max} ms`)
  // Still within the slow connections' deadline: 500 more connections dropped by their clients
  // must be closed by the server too, not wait in the accept queue in CLOSE-WAIT.
  // Looked at every 100 ms until 2.8 s after the first of them connected, before their own
  // 3 s request deadline would close them anyway (a loaded machine takes longer than an idle
  // one to close 500).
  const dropStarted = Date.now()
  await dropBurst(500, 20)
  const left = Date.now()
  let waiting
  do {
    await sleep(100)
    waiting = closeWaitCount(srv.conn)
  } while (waiting > 5 && Date.now() - dropStarted < REQUEST_TIMEOUT_MS - 200)
  console.log(`# CLOSE-WAIT sockets ${Date.now() - left} ms after 500 clients left: ${waiting}`)
  // Nearly all at once; a few (up to ~2 % in some runs, near 10 % on a machine loaded by other
  // builds, whose end of stream the server's event loop did not see) wait for their deadline,
  // which then closes them.
  assert.ok(waiting <= 50, `${waiting} sockets in CLOSE-WAIT`)
  if (waiting > 5) {
    await sleep(dropStarted + REQUEST_TIMEOUT_MS + 1000 - Date.now())
    waiting = closeWaitCount(srv.conn)
    assert.ok(waiting <= 5, `${waiting} sockets in CLOSE-WAIT after their deadline`)
  }

  const conns = await Promise.all(pending)
  const held = conns.map((c) => c.closed - c.started)
  const opened = conns.filter((c) => c.connected).length
  assert.equal(opened, 2000, 'every slow connection was accepted')
  const early = held.filter((ms) => ms < REQUEST_TIMEOUT_MS).length
  // Generous for a shared machine (the clients' own event loop adds to the figure); without
  // the deadline they stay until their 20 s give-up, as trickling restarts the idle timeout.
  const late = held.filter((ms) => ms > REQUEST_TIMEOUT_MS * 3).length
  console.log(`# slow connections held ${Math.min(...held)}..${Math.max(...held)} ms (deadline ${REQUEST_TIMEOUT_MS} ms)`)
  assert.equal(early, 0, 'closed before the deadline')
  assert.equal(late, 0, 'trickling kept connections past the deadline')
  const lines = srv.stderr().split('\n').filter((l) => l.includes('microhttpd')).length - linesBefore
  assert.ok(lines <= 3, `${lines} microhttpd warn lines for 2,000 dropped connections`)
})

test('one address gets at most HTTP_PER_IP_CONNECTIONS_MAX connections', async () => {
  const closedSoon = []
  const socks = Array.from({ length: PER_IP + 40 }, () => new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port: srv.conn, localAddress: '127.0.0.50' })
    const t0 = Date.now()
    s.on('error', () => {})
    s.on('close', () => closedSoon.push(Date.now() - t0))
    s.on('connect', () => resolve(s))
    setTimeout(() => resolve(s), 2000).unref()
  }))
  const all = await Promise.all(socks)
  await sleep(500)
  const refused = closedSoon.filter((ms) => ms < 1000).length
  for (const s of all) s.destroy()
  assert.ok(refused >= 40 && refused <= 45, `${refused} of ${PER_IP + 40} closed at once`)
  assert.ok((await peerPacket()) < 500, 'the peer (another address) is not affected')
})

// A 1 MiB upload to POST /assets. polite: with Expect: 100-continue, the body goes only after
// "100 Continue" (as curl does for large bodies), so an early refusal is always read; rude: the
// body follows the head at once, and a refusal may be lost to the reset of the unread body.
// Resolves with the final status line ('' when the connection was reset first).
function upload (auth, polite, localAddress) {
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port: srv.admin, localAddress })
    let got = ''
    const status = () => got.split('\r\n').find((l) => /^HTTP\/1\.1 [2-5]/.test(l)) ?? ''
    s.on('error', () => resolve(status()))
    s.on('close', () => resolve(status()))
    s.on('data', (d) => {
      got += d
      if (polite && got.startsWith('HTTP/1.1 100')) s.write(BLANK_MIB)
    })
    s.on('connect', () => {
      s.write(`POST /assets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${auth}` +
        `Content-Length: 1048576\r\nConnection: close\r\n${polite ? 'Expect: 100-continue\r\n' : ''}\r\n`)
      // write, not end: libmicrohttpd drops a request whose client half-closes mid-body
      if (!polite) s.write(BLANK_MIB)
    })
    setTimeout(() => s.destroy(), 20000).unref()
  })
}

// One buffer for every upload: Node sends it without copying, so the client stays small.
const BLANK_MIB = Buffer.alloc(1048576, 0x20)

// n uploads, concurrency at a time, worker w from 127.0.1.<w % 100 + 1> (under the per-address
// cap, which a single address at this concurrency would hit).
async function burst (n, concurrency, auth, polite) {
  const statuses = {}
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    while (next < n) {
      next++
      const st = await upload(auth, polite, `127.0.1.${(w % 100) + 1}`)
      statuses[st] = (statuses[st] ?? 0) + 1
    }
  }))
  return statuses
}

test('admin: 1,000 unauthenticated 1 MiB uploads cost no memory; bodies are given back', async () => {
  const base = rssKiB()
  let peak = base
  const sampler = setInterval(() => { peak = Math.max(peak, rssKiB()) }, 20)
  const polite = await burst(500, 250, '', true)
  const rude = await burst(500, 250, '', false)
  clearInterval(sampler)
  await sleep(1200) // the server trims its heap (at most once a second) once a burst has drained
  const afterUnauth = rssKiB()
  // With a token the 1 MiB body is read and parsed (blank JSON: 400). 10 at a time: at 50 some
  // uploads from this one Node thread take longer than the test's 3 s request deadline.
  const authed = await burst(300, 10, `Authorization: Bearer ${SECRET}\r\n`, false)
  await sleep(1200)
  const afterAuth = rssKiB()
  console.log(`# admin RSS: start ${base} KiB, peak during 1,000 unauthenticated 1 MiB uploads ` +
    `${peak} KiB, after them ${afterUnauth} KiB, after 300 authenticated ${afterAuth} KiB`)
  assert.deepEqual(polite, { 'HTTP/1.1 401 Unauthorized': 500 })
  for (const k of Object.keys(rude)) assert.ok(k === '' || k === 'HTTP/1.1 401 Unauthorized', k)
  assert.ok(Object.keys(authed).every((k) => k.startsWith('HTTP/1.1 400')), JSON.stringify(authed))
  assert.ok(peak - base < 64 * 1024, `unauthenticated uploads took RSS up by ${peak - base} KiB`)
  assert.ok(afterUnauth - base < 10 * 1024, `unauthenticated uploads left ${afterUnauth - base} KiB behind`)
  assert.ok(afterAuth - base < 32 * 1024, `authenticated bodies left ${afterAuth - base} KiB behind`)
})

test('a malformed limit stops start-up with a message naming it', async () => {
  for (const [name, value] of [['HTTP_PER_IP_CONNECTIONS_MAX', 'abc'], ['HTTP_REQUEST_TIMEOUT_MS', '5'],
    ['CACHE_MEMORY_MAX_MB', '1']]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-hostile-cfg-'))
    const ports = await nodePorts()
    const r = spawnSync(path.join(build, 'rafiki'), ['serve'], {
      cwd: dir,
      env: {
        ...process.env, [name]: value, ADMIN_API_SECRET: SECRET, RAFIKI_SQL_DIR: path.join(here, '..', '..', 'sql'),
        OPEN_PAYMENTS_PORT: String(ports.op), ADMIN_PORT: String(ports.admin),
        CONNECTOR_PORT: String(ports.conn),
        AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0', DATABASE_URL: `sqlite:${path.join(dir, 'r.db')}`,
      },
      encoding: 'utf8',
      timeout: 10000,
    })
    fs.rmSync(dir, { recursive: true, force: true })
    assert.equal(r.status, 1, `${name}=${value}: exit ${r.status} ${r.stderr}`)
    assert.match(r.stderr, new RegExp(`${name}=${value}`))
  }
})

// Milliseconds until a new client (from an address of its own) has the answer to GET /healthz
// on port, or wait_ms when none came.
function newcomerMs (port, waitMs) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const s = net.createConnection({ host: '127.0.0.1', port, localAddress: '127.0.0.250' })
    const done = (ok) => { s.destroy(); resolve(ok ? performance.now() - t0 : waitMs) }
    s.on('connect', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'))
    s.on('data', (d) => done(d.toString().startsWith('HTTP/1.1 200')))
    s.on('error', () => done(false))
    setTimeout(() => done(false), waitMs)
  })
}

// n connections to port over 127.0.0.<first>.. (50 an address, under the cap of 128): idle
// ones send one request (answered, then kept alive), slow ones half a head. Connections past
// the listener's cap wait in the backlog with their bytes sent; a connection the server
// closes is opened again at once, until stop() (which closes them all).
function fillListener (port, n, first, idle) {
  let on = true
  const socks = new Set()
  const open = (i) => {
    const s = net.createConnection({ host: '127.0.0.1', port, localAddress: `127.0.0.${first + Math.floor(i / 50)}` })
    socks.add(s)
    s.on('error', () => {})
    s.on('connect', () => s.write(idle ? 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' : 'GET /healthz HTTP/1.1\r\nHost: x\r\n'))
    s.on('close', () => { socks.delete(s); if (on) open(i) })
  }
  for (let i = 0; i < n; i++) open(i)
  return { stop () { on = false; for (const s of socks) s.destroy() } }
}

test('many addresses filling a listener: a new client is served within a second', async () => {
  // The 5,000 idle connections from 50 addresses against 4,096 slots, scaled down.
  const small = await startRafiki({ HTTP_CONNECTIONS_MAX: '1024', HTTP_REQUEST_TIMEOUT_MS: '15000' })
  try {
    for (const idle of [true, false]) {
      const flood = fillListener(small.op, 1300, 100, idle)
      let ms
      try {
        // the flood holds the listener (its connections opened and, idle ones, answered); idle
        // ones are closed to make room at once, slow heads once 500 ms old
        await sleep(1200)
        // five new clients, 150 ms apart, each at a different point of the flood's cycle
        ms = 0
        for (let i = 0; i < 5; i++, await sleep(150)) ms = Math.max(ms, await newcomerMs(small.op, 3000))
      } finally {
        flood.stop()
      }
      console.log(`# slowest of 5 new clients during a flood of ${idle ? 'idle' : 'slow'} connections: ${ms.toFixed(0)} ms`)
      assert.ok(ms < 1000, `${idle ? 'idle' : 'slow-head'} flood: a new client waited ${ms.toFixed(0)} ms`)
      await sleep(300)
    }
    assert.match(small.stderr(), /connections open \(pressure from 896\): closed \d+ idle or slow/)
  } finally {
    small.child.kill('SIGKILL')
    await sleep(100)
    fs.rmSync(small.dir, { recursive: true, force: true })
  }
})

test('a path with a control byte, raw or percent-encoded, is refused with a JSON 400', async () => {
  assert.equal((await fetch(`http://127.0.0.1:${srv.op}/alice`)).status, 200)
  for (const p of ['/alice%00garbage', '/alice%00', '/alice%0d%0aX-Y:%20z', '/alice%7F']) {
    const r = await fetch(`http://127.0.0.1:${srv.op}${p}`)
    assert.equal(r.status, 400, p)
    assert.match(r.headers.get('content-type'), /^application\/json/)
    assert.equal((await r.json()).error.code, 'invalid_request', p)
  }
})
