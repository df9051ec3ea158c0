// Outgoing https with a private CA (TLS_CA_FILE, TLS_CA_DIR). A test CA and a server
// certificate it signs (localhost, 127.0.0.1) are made here with the openssl CLI; a small Node
// https server with that certificate is both an ILP-over-HTTP peer of `rafiki serve` and a
// wallet address answering SPSP (what a quote for a wallet-address receiver fetches). With the
// CA configured rafiki reaches it for both; without, both calls fail the TLS handshake.
// Also: a bad CA path stops start-up with a message naming the variable.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import * as IlpPacket from 'ilp-packet'
import { startServe, bin, root, sleep } from './lib/serve.mjs'
import { nodePorts } from './lib/ports.mjs'

const SECRET = 'tls-admin-secret-' + randomBytes(8).toString('hex')
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-tls-'))
const procs = new Set()
let peer // startPeer: { port, seen: { spsp, prepares, tlsErrors }, close() }

function openssl (...args) {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' })
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`)
}

// ca.pem (also in ca-dir/, hashed by `openssl rehash`), server.pem + server.key signed by it.
function makeCerts () {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=rafiki test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost')
  fs.writeFileSync(path.join(dir, 'server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext')
  fs.mkdirSync(path.join(dir, 'ca-dir'))
  fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(dir, 'ca-dir', 'ca.pem'))
  openssl('rehash', path.join(dir, 'ca-dir'))
}

// The https peer: GET /bob answers SPSP; POST / (ILP over HTTP, Bearer token) answers every
// Prepare with a Reject F99 "from the https peer". Every answer closes its connection, so each
// request is a new TLS handshake (the CAs are added to each one).
async function startPeer (token) {
  const seen = { spsp: 0, prepares: [], tlsErrors: 0, handshakes: 0 }
  const server = https.createServer({
    key: fs.readFileSync(path.join(dir, 'server.key')),
    cert: fs.readFileSync(path.join(dir, 'server.pem')),
  }, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/bob') {
        seen.spsp++
        res.writeHead(200, { 'content-type': 'application/spsp4+json', connection: 'close' })
        res.end(JSON.stringify({
          destination_account: 'test.tls.bob', shared_secret: randomBytes(32).toString('base64'),
        }))
        return
      }
      if (req.method !== 'POST' || req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401).end()
        return
      }
      const prep = IlpPacket.deserializeIlpPrepare(Buffer.concat(chunks))
      seen.prepares.push(prep.destination)
      res.writeHead(200, { 'content-type': 'application/octet-stream', connection: 'close' })
      res.end(IlpPacket.serializeIlpReject({
        code: 'F99', triggeredBy: 'test.tls', message: 'from the https peer', data: Buffer.alloc(0),
      }))
    })
  })
  server.on('tlsClientError', () => { seen.tlsErrors++ })
  server.on('secureConnection', () => { seen.handshakes++ })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: server.address().port, seen, close: () => server.close() }
}

before(makeCerts)

after(() => {
  for (const p of procs) p.kill('SIGKILL')
  peer?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

// A rafiki with env, an incoming peer (token `inTok`), a peer test.tls at the https server,
// and a wallet address alice with USD.
async function node (name, env, outTok) {
  const srv = await startServe({ dir, name, ilp: 'test.' + name, secret: SECRET, env, logs: true })
  procs.add(srv.proc)
  const usd = await srv.admin('POST', '/assets', { code: 'USD', scale: 2 })
  const inTok = randomBytes(16).toString('hex')
  await srv.admin('POST', '/peers', {
    asset_id: usd.id, ilp_address: `test.${name}.in`, incoming_tokens: [inTok], min_balance: '-100000',
  })
  await srv.admin('POST', '/peers', {
    asset_id: usd.id, ilp_address: 'test.tls', routes: ['test.tls'],
    outgoing: { endpoint: `https://127.0.0.1:${peer.port}/`, token: outTok },
  })
  const alice = await srv.admin('POST', '/wallet-addresses', {
    asset_id: usd.id, url: `http://localhost:${srv.ports.op}/alice`,
  })
  await srv.admin('POST', `/accounts/${alice.account_id}/deposits`, { id: randomUUID(), amount: '100000' })
  return { ...srv, inTok, alice }
}

// A Prepare from the incoming peer to test.tls.x: the Reject rafiki answers.
async function sendToTlsPeer (n) {
  const prep = IlpPacket.serializeIlpPrepare({
    amount: '1', executionCondition: randomBytes(32), expiresAt: new Date(Date.now() + 10000),
    destination: 'test.tls.x', data: Buffer.alloc(0),
  })
  const r = await fetch(`http://127.0.0.1:${n.ports.conn}/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${n.inTok}`, 'content-type': 'application/octet-stream' },
    body: prep,
  })
  assert.equal(r.status, 200)
  return IlpPacket.deserializeIlpReject(Buffer.from(await r.arrayBuffer()))
}

const quoteBob = (n) => n.call('POST', '/quotes', {
  wallet_address_id: n.alice.id, receiver: `https://127.0.0.1:${peer.port}/bob`,
  debit_amount: { value: '100', asset_code: 'USD', asset_scale: 2 },
})

// A fresh https peer expecting the token this node sends.
async function peerFor (tok) {
  peer?.close()
  peer = await startPeer(tok)
}

for (const [label, caEnv] of [['TLS_CA_FILE', () => ({ TLS_CA_FILE: path.join(dir, 'ca.pem') })],
  ['TLS_CA_DIR', () => ({ TLS_CA_DIR: path.join(dir, 'ca-dir') })]]) {
  test(`with ${label} the https peer and the https wallet address are reached`, async () => {
    const tok = randomBytes(16).toString('hex')
    await peerFor(tok)
    const n = await node(label === 'TLS_CA_FILE' ? 'withfile' : 'withdir', caEnv(), tok)
    for (let i = 0; i < 3; i++) {
      const rej = await sendToTlsPeer(n)
      assert.equal(rej.code, 'F99', JSON.stringify(rej))
      assert.equal(rej.message, 'from the https peer')
    }
    assert.deepEqual(peer.seen.prepares, ['test.tls.x', 'test.tls.x', 'test.tls.x'])
    assert.ok(peer.seen.handshakes >= 3, `${peer.seen.handshakes} TLS handshakes`)
    await quoteBob(n) // the probe is rejected by the peer: the quote fails, after both calls
    assert.equal(peer.seen.spsp, 1, 'the SPSP GET of the wallet address arrived over https')
    assert.ok(peer.seen.prepares.length > 3 && peer.seen.prepares.slice(3).every((d) => d.startsWith('test.tls.bob')),
      JSON.stringify(peer.seen.prepares))
    assert.equal(peer.seen.tlsErrors, 0)
    n.proc.kill('SIGKILL')
  })
}

test('without a CA setting both calls fail the TLS handshake', async () => {
  const tok = randomBytes(16).toString('hex')
  await peerFor(tok)
  const n = await node('without', {}, tok)
  const rej = await sendToTlsPeer(n)
  assert.notEqual(rej.code, 'F99', JSON.stringify(rej))
  const q = await quoteBob(n)
  assert.ok(q.status >= 400, JSON.stringify(q))
  for (let i = 0; i < 50 && !n.logs.some((l) => l.includes('tls_error')); i++) await sleep(20)
  assert.equal(peer.seen.spsp, 0)
  assert.deepEqual(peer.seen.prepares, [])
  assert.ok(peer.seen.tlsErrors >= 2, `handshakes refused: ${peer.seen.tlsErrors}`)
  assert.ok(n.logs.some((l) => /SPSP .*tls_error/.test(l)), n.logs.join('\n'))
  n.proc.kill('SIGKILL')
})

test('a bad TLS_CA_FILE or TLS_CA_DIR stops start-up with a message naming it', async () => {
  fs.writeFileSync(path.join(dir, 'not-pem.txt'), 'hello\n')
  for (const [name, value, why] of [
    ['TLS_CA_FILE', path.join(dir, 'missing.pem'), /No such file or directory/],
    ['TLS_CA_FILE', path.join(dir, 'not-pem.txt'), /no PEM certificate/],
    ['TLS_CA_FILE', path.join(dir, 'ca-dir'), /not a regular file/],
    ['TLS_CA_DIR', path.join(dir, 'ca.pem'), /Not a directory/],
    ['TLS_CA_DIR', path.join(dir, 'missing-dir'), /No such file or directory/],
  ]) {
    const ports = await nodePorts()
    const r = spawnSync(bin, ['serve'], {
      cwd: dir,
      env: {
        ...process.env, [name]: value, ADMIN_API_SECRET: SECRET, RAFIKI_SQL_DIR: path.join(root, 'sql'),
        RAFIKI_DATA_DIR: path.join(dir, 'bad'), STREAM_SECRET: randomBytes(32).toString('hex'),
        OPEN_PAYMENTS_PORT: String(ports.op), ADMIN_PORT: String(ports.admin), CONNECTOR_PORT: String(ports.conn),
        AUTH_PORT: '0', INTROSPECTION_PORT: '0', INTERACTION_PORT: '0', AUTH_ADMIN_PORT: '0',
        DATABASE_URL: `sqlite:${path.join(dir, 'bad.db')}`,
      },
      encoding: 'utf8',
      timeout: 10000,
    })
    assert.equal(r.status, 2, `${name}=${value}: exit ${r.status} ${r.stderr}`) // a configuration error
    assert.match(r.stderr, new RegExp(`${name}: ${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    assert.match(r.stderr, why)
  }
})
