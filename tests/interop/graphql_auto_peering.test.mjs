// Rafiki's auto-peering between two `rafiki serve` processes: A's operator calls
// createOrUpdatePeerByUrl (Admin GraphQL API, signed as Rafiki's clients sign) with the URL of
// B's auto-peering server (ENABLE_AUTO_PEERING, AUTO_PEERING_SERVER_PORT); both sides end with
// a peer for the other, each holding the other's token, and STREAM payments then flow both
// ways over that peering (A -> B and B -> A, through SPSP, driven over the REST admin API).
// Calling again updates both peers (same ids, new tokens, new name and packet size) and money
// still flows. Errors as Rafiki answers them: unknown asset here or on B, B not reachable,
// B's server not enabled, a malformed URL, a URL that is not an auto-peering server, B's error
// types mapped, and bad answers from a stand-in B; direct POSTs with bad bodies to B's server
// answer Rafiki's status, message and type. Binary: RAFIKI_BUILD or ../../build.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient, ClientError } from './lib/gql.mjs'
import { freePorts } from './lib/ports.mjs'

const dir = mkdtempSync(join(tmpdir(), 'rafiki-auto-peering-'))
const procs = []
const servers = []
after(() => {
  for (const p of procs) p.kill('SIGKILL')
  for (const s of servers) s.close()
  rmSync(dir, { recursive: true, force: true })
})

const Q = {
  createAsset: 'mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { id code scale } } }',
  byUrl: `mutation($input: CreateOrUpdatePeerByUrlInput!) { createOrUpdatePeerByUrl(input: $input) {
    peer { id name staticIlpAddress maxPacketAmount liquidity liquidityThreshold routes
           asset { code scale } http { outgoing { authToken endpoint } } } } }`,
  peers: `query { peers(first: 100) { edges { node { id name staticIlpAddress maxPacketAmount liquidity
           routes asset { code scale } http { outgoing { authToken endpoint } } } } } }`
}

// An instance with its auto-peering server on port ap (enabled unless told otherwise).
async function instance (name, { conn, ap, enable = true, env = {} }) {
  const secret = `auto-peering-${name}-` + randomUUID()
  const node = await startServe({
    dir,
    name,
    ilp: `test.${name}`,
    secret,
    use: { conn },
    env: {
      ENABLE_AUTO_PEERING: enable ? 'true' : 'false',
      AUTO_PEERING_SERVER_PORT: String(ap),
      ILP_CONNECTOR_URL: `http://127.0.0.1:${conn}`,
      INSTANCE_NAME: `Instance ${name.toUpperCase()}`,
      ...env
    }
  })
  procs.push(node.proc)
  const gql = gqlClient({ url: `http://127.0.0.1:${node.ports.admin}/graphql`, secret, tenantId: env.OPERATOR_TENANT_ID })
  return { node, gql, ap, connUrl: `http://127.0.0.1:${conn}`, apUrl: `http://127.0.0.1:${ap}` }
}

// The GraphQL error of a call that must fail: { code, message }.
async function gqlError (I, doc, variables) {
  try {
    await I.gql.request(doc, variables)
  } catch (e) {
    assert.ok(e instanceof ClientError, String(e))
    const err = e.response.errors[0]
    return { code: err.extensions.code, message: err.message }
  }
  assert.fail('the call succeeded')
}

const peerNodes = async (I) => (await I.gql.request(Q.peers)).peers.edges.map((e) => e.node)
const balance = async (I, account) => BigInt((await I.node.admin('GET', `/accounts/${account}/status`)).balance)

// A wallet address of I in asset, with deposit units in it.
async function wallet (I, asset, name, deposit) {
  const w = await I.node.admin('POST', '/wallet-addresses', { asset_id: asset, url: `http://localhost:${I.node.ports.op}/${name}` })
  if (deposit) await I.node.admin('POST', `/accounts/${w.account_id}/deposits`, { id: randomUUID(), amount: deposit })
  return w
}

// from (a wallet of S) pays amount to a wallet address URL of another instance; waits for it.
async function pay (S, from, to, amount) {
  const q = await S.node.admin('POST', '/quotes', {
    wallet_address_id: from.id, receiver: to, debit_amount: { value: amount, asset_code: 'USD', asset_scale: 2 }
  })
  const p = await S.node.admin('POST', '/outgoing-payments', { wallet_address_id: from.id, quote_id: q.id })
  let got
  for (let i = 0; i < 400; i++) {
    got = await S.node.admin('GET', `/outgoing-payments/${p.id}`)
    if (got.state === 'COMPLETED' || got.state === 'FAILED') break
    await sleep(50)
  }
  assert.equal(got.state, 'COMPLETED', JSON.stringify(got))
}

// A stand-in for B's auto-peering server: records each request body, answers with reply(body).
async function standIn (reply) {
  const s = { bodies: [] }
  s.server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += c })
    req.on('end', () => {
      s.bodies.push({ headers: req.headers, path: req.url, body })
      const { status, text } = reply(body)
      res.writeHead(status, { 'content-type': 'application/json' }).end(text)
    })
  })
  servers.push(s.server)
  await new Promise((resolve) => s.server.listen(0, '127.0.0.1', resolve))
  s.url = `http://127.0.0.1:${s.server.address().port}`
  return s
}

const TENANT_B = randomUUID()
let A, B, C, aUsd, bUsd, aEur, free

before(async () => {
  const [connA, connB, connC, apA, apB, apC, unused] = await freePorts(7)
  free = unused
  A = await instance('a', { conn: connA, ap: apA })
  B = await instance('b', { conn: connB, ap: apB, env: { OPERATOR_TENANT_ID: TENANT_B, FUNDING_MODEL: 'ledger' } })
  C = await instance('c', { conn: connC, ap: apC, enable: false })
  aUsd = (await A.gql.request(Q.createAsset, { input: { code: 'USD', scale: 2 } })).createAsset.asset
  aEur = (await A.gql.request(Q.createAsset, { input: { code: 'EUR', scale: 2 } })).createAsset.asset
  bUsd = (await B.gql.request(Q.createAsset, { input: { code: 'USD', scale: 2 } })).createAsset.asset
})

let firstA, firstB

test('createOrUpdatePeerByUrl peers A and B both ways, and money flows over it', async () => {
  const res = await A.gql.request(Q.byUrl, {
    input: {
      peerUrl: B.apUrl, assetId: aUsd.id, maxPacketAmount: '1000000', liquidityToDeposit: '100000000',
      liquidityThreshold: '100', idempotencyKey: randomUUID()
    }
  })
  const peer = res.createOrUpdatePeerByUrl.peer
  assert.equal(peer.staticIlpAddress, 'test.b')
  assert.equal(peer.name, 'Instance B', 'B\'s name when the operator gives none')
  assert.equal(peer.maxPacketAmount, '1000000')
  assert.equal(peer.liquidity, '100000000', 'liquidityToDeposit deposited')
  assert.equal(peer.liquidityThreshold, '100')
  assert.deepEqual(peer.routes, ['test.b'])
  assert.deepEqual(peer.asset, { code: 'USD', scale: 2 })
  assert.equal(peer.http.outgoing.endpoint, B.connUrl)
  assert.match(peer.http.outgoing.authToken, /^[0-9a-f-]{36}$/)

  const onB = await peerNodes(B)
  assert.equal(onB.length, 1)
  assert.equal(onB[0].staticIlpAddress, 'test.a')
  assert.equal(onB[0].name, 'Instance A')
  assert.equal(onB[0].maxPacketAmount, '1000000', 'A\'s maxPacketAmount')
  assert.equal(onB[0].liquidity, '9007199254740991', 'Rafiki\'s initial liquidity (MAX_SAFE_INTEGER)')
  assert.equal(onB[0].http.outgoing.endpoint, A.connUrl)
  assert.notEqual(onB[0].http.outgoing.authToken, peer.http.outgoing.authToken)
  firstA = peer
  firstB = onB[0]

  // A -> B uses A's token (B's incoming), B -> A uses B's (A's incoming)
  const alice = await wallet(A, aUsd.id, 'alice', '100000')
  const bob = await wallet(B, bUsd.id, 'bob', '100000')
  await pay(A, alice, `http://localhost:${B.node.ports.op}/bob`, '1000')
  assert.equal(await balance(B, bob.account_id), 100000n + 1000n)
  assert.equal(await balance(A, alice.account_id), 100000n - 1000n)
  await pay(B, bob, `http://localhost:${A.node.ports.op}/alice`, '300')
  assert.equal(await balance(A, alice.account_id), 100000n - 1000n + 300n)
  assert.equal(await balance(B, bob.account_id), 100000n + 1000n - 300n)
})

test('calling again updates both peers (no duplicate), with new tokens that work', async () => {
  assert.ok(firstA, 'runs after the first test')
  const liquidityBefore = (await peerNodes(A))[0].liquidity
  const onBBefore = await peerNodes(B)
  const res = await A.gql.request(Q.byUrl, {
    input: { peerUrl: B.apUrl, assetId: aUsd.id, name: 'Bee', maxPacketAmount: '5000', idempotencyKey: randomUUID() }
  })
  const peer = res.createOrUpdatePeerByUrl.peer
  assert.equal(peer.id, firstA.id)
  assert.equal(peer.name, 'Bee', 'the operator\'s name wins')
  assert.equal(peer.maxPacketAmount, '5000')
  assert.equal(peer.liquidity, liquidityBefore, 'no deposit this time')
  assert.notEqual(peer.http.outgoing.authToken, firstA.http.outgoing.authToken)
  const onA = await peerNodes(A)
  assert.equal(onA.length, 1)
  const firstBLiquidity = onBBefore[0].liquidity
  const onB = await peerNodes(B)
  assert.equal(onB.length, 1)
  assert.equal(onB[0].id, firstB.id)
  assert.equal(onB[0].maxPacketAmount, '5000')
  assert.equal(onB[0].liquidity, firstBLiquidity, 'an update deposits nothing')
  assert.notEqual(onB[0].http.outgoing.authToken, firstB.http.outgoing.authToken)

  const alice2 = await wallet(A, aUsd.id, 'alice2', '100000')
  const bob2 = await wallet(B, bUsd.id, 'bob2', '100000')
  await pay(A, alice2, `http://localhost:${B.node.ports.op}/bob2`, '2000')
  assert.equal(await balance(B, bob2.account_id), 100000n + 2000n)
  await pay(B, bob2, `http://localhost:${A.node.ports.op}/alice2`, '700')
  assert.equal(await balance(A, alice2.account_id), 100000n - 2000n + 700n)
})

test('errors: unknown asset here and on B, B unreachable or disabled, bad URLs', async () => {
  const call = (input) => gqlError(A, Q.byUrl, { input: { idempotencyKey: randomUUID(), ...input } })
  assert.deepEqual(await call({ peerUrl: B.apUrl, assetId: randomUUID() }), { code: 'NOT_FOUND', message: 'Unknown asset' })
  assert.deepEqual(await call({ peerUrl: B.apUrl, assetId: aEur.id }),
    { code: 'BAD_USER_INPUT', message: 'Peer does not support asset' })
  const unreachable = { code: 'NOT_FOUND', message: 'Peer URL is invalid or peer does not support auto-peering' }
  assert.deepEqual(await call({ peerUrl: `http://127.0.0.1:${free}`, assetId: aUsd.id }), unreachable)
  assert.deepEqual(await call({ peerUrl: C.apUrl, assetId: aUsd.id }), unreachable, 'C runs without ENABLE_AUTO_PEERING')
  await C.node.admin('GET', '/assets') // C itself is up
  const invalid = { code: 'BAD_USER_INPUT', message: 'Invalid peering request' }
  assert.deepEqual(await call({ peerUrl: 'not a url', assetId: aUsd.id }), invalid)
  assert.deepEqual(await call({ peerUrl: 'ftp://127.0.0.1/', assetId: aUsd.id }), invalid)
  // a server that is not an auto-peering server: B's admin port answers 404
  assert.deepEqual(await call({ peerUrl: `http://127.0.0.1:${B.node.ports.admin}/nothing`, assetId: aUsd.id }), invalid)
  // nothing was created by the failures
  assert.equal((await peerNodes(A)).length, 1)
  assert.equal((await peerNodes(B)).length, 1)
  assert.equal((await peerNodes(C)).length, 0)
})

test('A sends Rafiki\'s request body and maps B\'s answers and errors as Rafiki does', async () => {
  let answer = () => ({ status: 400, text: JSON.stringify({ error: { code: 400, message: 'x', type: 'InvalidPeerIlpConfiguration' } }) })
  const fake = await standIn((body) => answer(body))
  const call = (input = {}) => gqlError(A, Q.byUrl, { input: { peerUrl: fake.url, assetId: aUsd.id, idempotencyKey: randomUUID(), ...input } })
  assert.deepEqual(await call(), { code: 'BAD_USER_INPUT', message: 'The ILP configuration is misconfigured' })
  const sent = fake.bodies[0]
  assert.equal(sent.path, '/')
  assert.match(sent.headers['content-type'], /^application\/json/)
  const body = JSON.parse(sent.body)
  assert.deepEqual(Object.keys(body).sort(), ['asset', 'httpToken', 'ilpConnectorUrl', 'maxPacketAmount', 'name', 'staticIlpAddress'])
  assert.equal(body.staticIlpAddress, 'test.a')
  assert.equal(body.ilpConnectorUrl, A.connUrl)
  assert.deepEqual(body.asset, { code: 'USD', scale: 2 })
  assert.equal(body.maxPacketAmount, null, 'Number(undefined) as JSON')
  assert.equal(body.name, 'Instance A')
  assert.match(body.httpToken, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  await call({ maxPacketAmount: '1234' })
  assert.equal(JSON.parse(fake.bodies[1].body).maxPacketAmount, 1234, 'a JSON number, as Number(bigint)')

  answer = () => ({ status: 400, text: JSON.stringify({ error: { code: 404, type: 'UnknownAsset' } }) })
  assert.deepEqual(await call(), { code: 'BAD_USER_INPUT', message: 'Peer does not support asset' })
  answer = () => ({ status: 500, text: 'Internal Server Error' })
  assert.deepEqual(await call(), { code: 'BAD_USER_INPUT', message: 'Invalid peering request' })
  const details = { staticIlpAddress: 'test.fake', ilpConnectorUrl: 'http://127.0.0.1:1/', httpToken: randomUUID(), name: 'Fake' }
  const misconfigured = { code: 'INTERNAL_SERVER_ERROR', message: 'Requested peer\'s ILP configuration is misconfigured' }
  answer = () => ({ status: 200, text: JSON.stringify({ ...details, staticIlpAddress: '' }) })
  assert.deepEqual(await call(), misconfigured)
  answer = () => ({ status: 200, text: JSON.stringify({ ...details, ilpConnectorUrl: 'javascript:alert(1)' }) })
  assert.deepEqual(await call(), misconfigured)
  answer = () => ({ status: 200, text: JSON.stringify({ ...details, staticIlpAddress: 7 }) })
  assert.deepEqual(await call(), misconfigured)
  const invalid = { code: 'BAD_USER_INPUT', message: 'Invalid peering request' }
  for (const text of ['not json', '[]', JSON.stringify({ ...details, httpToken: 5 }),
    JSON.stringify({ ...details, httpToken: 'x'.repeat(5000) }), JSON.stringify({ ...details, name: 'n'.repeat(300) }),
    JSON.stringify({ ...details, pad: 'p'.repeat(20000) })]) {
    answer = () => ({ status: 200, text })
    assert.deepEqual(await call(), invalid, text.slice(0, 60))
  }
  assert.equal((await peerNodes(A)).length, 1, 'no peer from a bad answer')

  // a good answer from the stand-in makes a peer with its details; a duplicate token of another
  // peer (B's) is refused as Rafiki's peer service refuses it
  answer = () => ({ status: 200, text: JSON.stringify(details) })
  const made = (await A.gql.request(Q.byUrl, { input: { peerUrl: fake.url, assetId: aUsd.id } })).createOrUpdatePeerByUrl.peer
  assert.equal(made.staticIlpAddress, 'test.fake')
  assert.equal(made.name, 'Fake')
  assert.equal(made.maxPacketAmount, null)
  assert.equal(made.liquidity, '0')
  answer = () => ({ status: 200, text: JSON.stringify({ ...details, staticIlpAddress: 'test.fake2' }) })
  assert.deepEqual(await call(), invalid, 'the same incoming token as test.fake\'s')
  assert.equal((await peerNodes(A)).length, 2)
})

test('direct POSTs to the auto-peering server: Rafiki\'s answers, bad bodies refused', async () => {
  const post = async (body, headers = { 'content-type': 'application/json' }) => {
    const r = await fetch(`${B.apUrl}/`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
    const text = await r.text()
    let json
    try { json = JSON.parse(text) } catch {}
    return { status: r.status, json, text }
  }
  const ok = { staticIlpAddress: 'test.x', ilpConnectorUrl: 'http://peer.x.example', asset: { code: 'USD', scale: 2 }, httpToken: randomUUID(), maxPacketAmount: 1000, name: 'X' }
  const r = await post(ok)
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(Object.keys(r.json).sort(), ['httpToken', 'ilpConnectorUrl', 'name', 'staticIlpAddress', 'tenantId'])
  assert.equal(r.json.staticIlpAddress, 'test.b')
  assert.equal(r.json.ilpConnectorUrl, B.connUrl)
  assert.equal(r.json.name, 'Instance B')
  assert.equal(r.json.tenantId, TENANT_B)
  const x = (await peerNodes(B)).find((p) => p.staticIlpAddress === 'test.x')
  assert.equal(x.http.outgoing.authToken, r.json.httpToken)
  assert.equal(x.maxPacketAmount, '1000')

  const err = (status, type, message) => ({ status, json: { error: { code: status, message, type } } })
  const check = async (body, want, why) => {
    const got = await post(body)
    assert.deepEqual({ status: got.status, json: got.json }, want, `${why}: ${got.text}`)
  }
  const invalid = err(400, 'InvalidPeeringRequest', 'Invalid peering request')
  const misconfigured = err(400, 'InvalidPeerIlpConfiguration', 'Requested peer\'s ILP configuration is misconfigured')
  await check({ ...ok, asset: { code: 'ABC', scale: 2 } }, err(404, 'UnknownAsset', 'Unknown asset'), 'unknown asset')
  await check({ ...ok, asset: { code: 'USD', scale: 3 } }, err(404, 'UnknownAsset', 'Unknown asset'), 'other scale')
  await check({ ...ok, staticIlpAddress: 'invalid', httpToken: randomUUID() }, misconfigured, 'invalid ILP address')
  await check({ ...ok, staticIlpAddress: 'test.y', ilpConnectorUrl: 'ftp://x', httpToken: randomUUID() }, misconfigured, 'invalid URL')
  await check({ ...ok, staticIlpAddress: undefined, httpToken: randomUUID() }, misconfigured, 'no address')
  await check({ ...ok, staticIlpAddress: 'test.' + 'a'.repeat(1100), httpToken: randomUUID() }, misconfigured, 'address too long')
  await check({ ...ok, staticIlpAddress: 'test.z' }, invalid, 'duplicate incoming token (test.x has it)')
  await check('not json', invalid, 'not JSON')
  await check('[1,2]', invalid, 'an array')
  await check('{"a":1,"a":2}', invalid, 'duplicate keys')
  await check('['.repeat(100) + ']'.repeat(100), invalid, 'deep')
  await check({ ...ok, asset: undefined }, invalid, 'no asset')
  await check({ ...ok, asset: { code: 'USD', scale: 256 } }, invalid, 'scale out of range')
  await check({ ...ok, asset: { code: 'USD', scale: '2' } }, invalid, 'scale a string')
  await check({ ...ok, httpToken: undefined }, invalid, 'no token')
  await check({ ...ok, httpToken: 't'.repeat(1025) }, invalid, 'token too long')
  await check({ ...ok, httpToken: 'short' }, invalid, 'token too short for a peer')
  await check({ ...ok, httpToken: randomUUID(), maxPacketAmount: -1 }, invalid, 'negative maxPacketAmount')
  await check({ ...ok, httpToken: randomUUID(), maxPacketAmount: 1.5 }, invalid, 'fractional maxPacketAmount')
  await check({ ...ok, httpToken: randomUUID(), name: 'n'.repeat(256) }, invalid, 'name too long')
  await check({ ...ok, httpToken: randomUUID(), name: 5 }, invalid, 'name a number')
  const big = await post({ ...ok, pad: 'p'.repeat(20000) })
  assert.equal(big.status, 413)
  const get = await fetch(`${B.apUrl}/`)
  assert.ok(get.status === 404 || get.status === 405, String(get.status))
  assert.equal((await peerNodes(B)).filter((p) => p.staticIlpAddress !== 'test.a').length, 1, 'only test.x was made')

  // the same request again updates test.x's tokens; the answer's token is the new outgoing one
  const again = await post({ ...ok, httpToken: randomUUID(), maxPacketAmount: null })
  assert.equal(again.status, 200, again.text)
  const x2 = (await peerNodes(B)).find((p) => p.staticIlpAddress === 'test.x')
  assert.equal(x2.id, x.id)
  assert.equal(x2.maxPacketAmount, '1000', 'null leaves it')
  assert.equal(x2.http.outgoing.authToken, again.json.httpToken)
  assert.notEqual(again.json.httpToken, r.json.httpToken)
})
