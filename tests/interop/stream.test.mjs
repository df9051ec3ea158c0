// Interop: STREAM between npm ilp-protocol-stream and our C receiver/sender, over
// ILP-over-HTTP on loopback. Our side is build/tools/stream_node (RAFIKI_BUILD or ../../build).
//  - ilp-protocol-stream's client pays our stateless receiver (one packet, and several when the
//    node caps the packet amount);
//  - our sender pays ilp-protocol-stream's server (likewise, with an F08-enforcing hop).
// Totals must match to the unit on both sides.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import * as IlpPacket from 'ilp-packet'
import * as ILDCP from 'ilp-protocol-ildcp'
import { createConnection, createServer } from 'ilp-protocol-stream'
import { DataAndMoneyStream } from 'ilp-protocol-stream/dist/src/stream.js'

// ilp-protocol-stream 2.7.1 assigns `this.closed` in its Duplex subclass, which Node >= 18
// defines as a getter only; give the subclass its own plain property so it can run on Node 20.
Object.defineProperty(DataAndMoneyStream.prototype, 'closed', {
  configurable: true,
  get () { return this._ilpClosed ?? false },
  set (v) { this._ilpClosed = v }
})

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const node = path.join(build, 'tools', 'stream_node')
const TOKEN = randomBytes(32).toString('hex')

// A minimal ilp-plugin over ILP-over-HTTP (synchronous mode): sendData POSTs the packet.
// IL-DCP (peer.config) is answered locally, as a parent connector would.
class HttpPlugin {
  constructor ({ url, token, ildcp }) {
    this.url = url
    this.token = token
    this.ildcp = ildcp
    this.connected = false
    this.handler = null
  }

  async connect () { this.connected = true }
  async disconnect () { this.connected = false }
  isConnected () { return this.connected }
  registerDataHandler (h) { this.handler = h }
  deregisterDataHandler () { this.handler = null }

  async sendData (data) {
    const prepare = IlpPacket.deserializeIlpPrepare(data)
    if (prepare.destination === 'peer.config') return ILDCP.serializeIldcpResponse(this.ildcp)
    if (!this.url) {
      return IlpPacket.serializeIlpReject({ code: 'F02', triggeredBy: 'test.js', message: 'no route', data: Buffer.alloc(0) })
    }
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${this.token}` },
      body: data
    })
    assert.equal(res.status, 200)
    return Buffer.from(await res.arrayBuffer())
  }
}

async function startNode (args) {
  const child = spawn(node, ['serve', '--token', TOKEN, ...args], { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`stream_node exited ${code}`)))
  })
  const info = JSON.parse(line)
  const base = `http://127.0.0.1:${info.port}`
  return {
    info,
    url: `${base}/`,
    async totals () {
      const r = await fetch(`${base}/totals`, { headers: { authorization: `Bearer ${TOKEN}` } })
      return r.json()
    },
    stop () { child.stdin.end() }
  }
}

async function jsPays (nodeArgs, amount) {
  const srv = await startNode(nodeArgs)
  try {
    const plugin = new HttpPlugin({ url: srv.url, token: TOKEN, ildcp: { clientAddress: 'test.js.alice', assetCode: 'USD', assetScale: 2 } })
    const conn = await createConnection({
      plugin,
      destinationAccount: srv.info.destination_account,
      sharedSecret: Buffer.from(srv.info.shared_secret, 'base64'),
      slippage: 0
    })
    const stream = conn.createStream()
    await stream.sendTotal(amount, { timeout: 20000 })
    const sent = conn.totalSent
    const delivered = conn.totalDelivered
    await conn.end()
    const totals = await srv.totals()
    return { sent, delivered, totals }
  } finally {
    srv.stop()
  }
}

test('ilp-protocol-stream client pays our receiver', async () => {
  const r = await jsPays(['--asset', 'USD', '--scale', '2'], 123456)
  assert.equal(r.sent, '123456')
  assert.equal(r.delivered, '123456')
  assert.equal(r.totals.received, '123456')
})

test('ilp-protocol-stream client pays our receiver in several packets under a max packet amount', async () => {
  const r = await jsPays(['--asset', 'USD', '--scale', '2', '--max-packet', '1000'], 5555)
  assert.equal(r.sent, '5555')
  assert.equal(r.totals.received, '5555')
  assert.ok(r.totals.fulfilled >= 6, `fulfilled ${r.totals.fulfilled} packets`)
})

// A JS STREAM server behind an ILP-over-HTTP endpoint (with an optional max packet amount).
async function startJsServer ({ maxPacket }) {
  const plugin = new HttpPlugin({ ildcp: { clientAddress: 'test.jsrx', assetCode: 'EUR', assetScale: 3 } })
  const server = await createServer({ plugin, serverSecret: randomBytes(32) })
  const state = { received: 0n, streams: 0 }
  server.on('connection', (conn) => {
    conn.on('stream', (stream) => {
      state.streams++
      stream.setReceiveMax('100000000000')
      stream.on('money', (amount) => { state.received += BigInt(amount) })
    })
  })
  const httpServer = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end()
      return
    }
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      let reply
      const prepare = IlpPacket.deserializeIlpPrepare(body)
      if (maxPacket && BigInt(prepare.amount) > maxPacket) {
        const data = Buffer.alloc(16)
        data.writeBigUInt64BE(BigInt(prepare.amount), 0)
        data.writeBigUInt64BE(maxPacket, 8)
        reply = IlpPacket.serializeIlpReject({ code: 'F08', triggeredBy: 'test.hop', message: '', data })
      } else {
        reply = await plugin.handler(body)
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(reply)
    })
  })
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  return {
    state,
    url: `http://127.0.0.1:${httpServer.address().port}/`,
    destinationAccount,
    sharedSecret,
    async close () {
      await server.close()
      await new Promise((resolve) => httpServer.close(resolve))
    }
  }
}

function ourSenderPays (js, amount, extra = []) {
  // spawnSync would block the event loop that runs the JS server: run asynchronously.
  return new Promise((resolve, reject) => {
    const child = spawn(node, ['pay', '--url', js.url, '--token', TOKEN,
      '--destination', js.destinationAccount, '--secret', js.sharedSecret.toString('base64'),
      '--amount', String(amount), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => { out += d })
    child.on('error', reject)
    child.on('exit', () => {
      try { resolve(JSON.parse(out.trim())) } catch (e) { reject(new Error(`bad output: ${out}`)) }
    })
  })
}

test('our sender pays the ilp-protocol-stream server', async () => {
  const js = await startJsServer({})
  try {
    const r = await ourSenderPays(js, 98765)
    assert.equal(r.error, 'ok')
    assert.equal(r.sent, '98765')
    assert.equal(r.delivered, '98765')
    assert.equal(r.dest_asset_code, 'EUR')
    assert.equal(r.dest_asset_scale, 3)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(js.state.received, 98765n)
  } finally {
    await js.close()
  }
})

test('our sender pays the ilp-protocol-stream server in several packets behind an F08 hop', async () => {
  const js = await startJsServer({ maxPacket: 777n })
  try {
    const r = await ourSenderPays(js, 5000)
    assert.equal(r.error, 'ok')
    assert.equal(r.sent, '5000')
    assert.equal(r.delivered, '5000')
    assert.equal(r.max_packet_amount, '777')
    assert.ok(r.fulfilled >= 7, `fulfilled ${r.fulfilled}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(js.state.received, 5000n)
  } finally {
    await js.close()
  }
})

test('stream_node answers 401 without the bearer token', async () => {
  const srv = await startNode([])
  try {
    const res = await fetch(srv.url, { method: 'POST', body: Buffer.alloc(1) })
    assert.equal(res.status, 401)
  } finally {
    srv.stop()
  }
})

