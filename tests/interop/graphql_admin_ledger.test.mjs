// Rafiki's Admin GraphQL API, ledger side, end to end: `rafiki serve` driven through POST /graphql
// by graphql-request with Rafiki's request signature (lib/gql.mjs; every document is first
// validated against Rafiki's published SDL). Assets, asset and peer liquidity, withdrawals
// posted and voided, peers, webhook events and accounting transfers: results, Rafiki's error
// codes and messages for bad input, Relay pages in both directions, and that a failed mutation
// changed nothing. On Postgres too when TEST_POSTGRES_URL is set (a database of its own for each
// server). Binary: RAFIKI_BUILD or ../../build.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startServe, sleep } from './lib/serve.mjs'
import { gqlClient, ClientError } from './lib/gql.mjs'
import { serveDatabase } from './lib/pg.mjs'

const SECRET = 'gql-ledger-secret-' + randomUUID()
const TENANT = randomUUID()
let srv, gql, dir

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-gql-ledger-'))
  srv = await startServe({
    dir,
    name: 'gqlledger',
    ilp: 'test.gqlledger',
    secret: SECRET,
    env: { OPERATOR_TENANT_ID: TENANT, ...serveDatabase('gql_ledger') }
  })
  gql = gqlClient({ url: `http://127.0.0.1:${srv.ports.admin}/graphql`, secret: SECRET, tenantId: TENANT })
})

after(async () => {
  srv?.proc.kill('SIGTERM')
  await new Promise((resolve) => srv?.proc.once('exit', resolve))
  fs.rmSync(dir, { recursive: true, force: true })
})

// The error of a request that must fail: { code, message }.
async function fails (doc, variables) {
  try {
    await gql.request(doc, variables)
  } catch (e) {
    assert.ok(e instanceof ClientError, String(e))
    const err = e.response.errors[0]
    return { code: err.extensions?.code, message: err.message, data: e.response.data }
  }
  assert.fail('the request should have failed')
}

const ASSET = `id code scale withdrawalThreshold liquidityThreshold createdAt`
const createAsset = `mutation($input: CreateAssetInput!) { createAsset(input: $input) { asset { ${ASSET} } } }`
const assetQ = `query($id: String!) { asset(id: $id) { ${ASSET} liquidity } }`
const assetsQ = `query($first: Int, $last: Int, $after: String, $before: String, $sortOrder: SortOrder) {
  assets(first: $first, last: $last, after: $after, before: $before, sortOrder: $sortOrder) {
    edges { cursor node { id code } }
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }`
const depositAsset = `mutation($input: DepositAssetLiquidityInput!) { depositAssetLiquidity(input: $input) { success } }`
const withdrawAsset = `mutation($input: CreateAssetLiquidityWithdrawalInput!) { createAssetLiquidityWithdrawal(input: $input) { success } }`
const postW = `mutation($input: PostLiquidityWithdrawalInput!) { postLiquidityWithdrawal(input: $input) { success } }`
const voidW = `mutation($input: VoidLiquidityWithdrawalInput!) { voidLiquidityWithdrawal(input: $input) { success } }`
const PEER = `id name staticIlpAddress maxPacketAmount liquidityThreshold liquidity routes createdAt
  http { outgoing { authToken endpoint } } asset { id code scale }`
const createPeer = `mutation($input: CreatePeerInput!) { createPeer(input: $input) { peer { ${PEER} } } }`
const peersQ = `query($first: Int, $last: Int, $after: String, $before: String, $sortOrder: SortOrder) {
  peers(first: $first, last: $last, after: $after, before: $before, sortOrder: $sortOrder) {
    edges { cursor node { id staticIlpAddress } }
    pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }`

const idem = () => randomUUID()
const codes = (conn) => conn.edges.map((e) => e.node.code).join(',')

async function newAsset (code, scale = 2, extra = {}) {
  const r = await gql.request(createAsset, { input: { code, scale, ...extra } })
  return r.createAsset.asset
}

test('assets: create, read, update, duplicates, pages both ways, delete', async () => {
  const usd = await newAsset('USD', 2, { withdrawalThreshold: '100', liquidityThreshold: '50' })
  assert.equal(usd.code, 'USD')
  assert.equal(usd.scale, 2)
  assert.equal(usd.withdrawalThreshold, '100')
  assert.equal(usd.liquidityThreshold, '50')
  assert.match(usd.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

  const before = (await gql.request(assetsQ, { first: 100 })).assets.edges.length
  const dup = await fails(createAsset, { input: { code: 'USD', scale: 2 } })
  assert.deepEqual([dup.code, dup.message], ['DUPLICATE', 'Asset already exists'])
  assert.equal((await gql.request(assetsQ, { first: 100 })).assets.edges.length, before, 'a failed create added nothing')

  const got = (await gql.request(assetQ, { id: usd.id })).asset
  assert.equal(got.liquidity, '0')
  const byCode = await gql.request(`query { assetByCodeAndScale(code: "USD", scale: 2) { id } }`)
  assert.equal(byCode.assetByCodeAndScale.id, usd.id)
  const none = await gql.request(`query { assetByCodeAndScale(code: "USD", scale: 9) { id } }`)
  assert.equal(none.assetByCodeAndScale, null)
  const unknown = await fails(assetQ, { id: randomUUID() })
  assert.deepEqual([unknown.code, unknown.message], ['NOT_FOUND', 'Asset not found'])

  const up = await gql.request(`mutation($input: UpdateAssetInput!) { updateAsset(input: $input) { asset { ${ASSET} } } }`,
    { input: { id: usd.id, liquidityThreshold: '7' } })
  assert.equal(up.updateAsset.asset.withdrawalThreshold, null, 'an omitted threshold is removed, as Rafiki')
  assert.equal(up.updateAsset.asset.liquidityThreshold, '7')

  // pages: five more assets, created one after another
  const made = []
  for (const code of ['PGA', 'PGB', 'PGC', 'PGD', 'PGE']) {
    made.push(await newAsset(code, 0))
    await sleep(3)
  }
  const asc = (await gql.request(assetsQ, { first: 2, after: made[0].id, sortOrder: 'ASC' })).assets
  assert.equal(codes(asc), 'PGB,PGC')
  assert.equal(asc.pageInfo.startCursor, made[1].id)
  assert.equal(asc.pageInfo.endCursor, made[2].id)
  assert.ok(asc.pageInfo.hasNextPage && asc.pageInfo.hasPreviousPage)
  const back = (await gql.request(assetsQ, { last: 2, before: made[3].id, sortOrder: 'ASC' })).assets
  assert.equal(codes(back), 'PGB,PGC', 'backward pages keep the order')
  const desc = (await gql.request(assetsQ, { first: 2 })).assets
  assert.equal(codes(desc), 'PGE,PGD', 'newest first by default')
  assert.ok(desc.pageInfo.hasNextPage && !desc.pageInfo.hasPreviousPage)
  const descBack = (await gql.request(assetsQ, { last: 1, before: made[2].id })).assets
  assert.equal(codes(descBack), 'PGD')
  const start = await fails(assetsQ, { last: 2 })
  assert.equal(start.message, "Can't paginate backwards from the start.")
  const big = await fails(assetsQ, { first: 101 })
  assert.equal(big.message, 'Pagination index error')

  // one tenant in part 1: the operator's own id is accepted, another finds nothing
  const tq = `query($t: String) { assets(tenantId: $t, first: 1) { edges { node { id } } } }`
  assert.equal((await gql.request(tq, { t: TENANT })).assets.edges.length, 1)
  assert.equal((await gql.request(tq, { t: randomUUID() })).assets.edges.length, 0)
  const other = await fails(createAsset, { input: { code: 'OTH', scale: 2, tenantId: randomUUID() } })
  assert.equal(other.code, 'INTERNAL_SERVER_ERROR', 'no such tenant')

  const del = await gql.request(`mutation($input: DeleteAssetInput!) { deleteAsset(input: $input) { asset { id code } } }`,
    { input: { id: made[4].id } })
  assert.equal(del.deleteAsset.asset.code, 'PGE')
  assert.equal((await fails(assetQ, { id: made[4].id })).code, 'NOT_FOUND')
  assert.equal(codes((await gql.request(assetsQ, { first: 1 })).assets), 'PGD', 'a deleted asset is not listed')
})

test('asset liquidity: deposits, withdrawals posted and voided, Rafiki errors, nothing changed by a failure', async () => {
  const a = await newAsset('LIQ', 2)
  const liquidity = async () => (await gql.request(assetQ, { id: a.id })).asset.liquidity
  const dep = { assetId: a.id, amount: '1000', id: randomUUID(), idempotencyKey: idem() }
  assert.equal((await gql.request(depositAsset, { input: dep })).depositAssetLiquidity.success, true)
  assert.equal(await liquidity(), '1000')
  assert.equal((await gql.request(depositAsset, { input: dep })).depositAssetLiquidity.success, true,
    'the same idempotencyKey replays the first answer')
  assert.equal(await liquidity(), '1000', 'and moves nothing again')
  let e = await fails(depositAsset, { input: { ...dep, idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['DUPLICATE', 'Transfer already exists'])
  e = await fails(depositAsset, { input: { ...dep, amount: '0', id: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'Transfer amount is zero'])
  e = await fails(depositAsset, { input: { ...dep, assetId: randomUUID(), id: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Unknown asset'])
  e = await fails(depositAsset, { input: { ...dep, id: 'not-a-uuid', idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid transfer id'])
  const bad = await gql.raw(depositAsset, { input: { ...dep, amount: '-5', id: randomUUID(), idempotencyKey: idem() } })
  assert.equal(bad.status, 400, 'a UInt64 that is not one fails coercion')
  assert.equal(bad.body.errors[0].extensions.code, 'BAD_USER_INPUT')
  assert.equal(await liquidity(), '1000', 'no failed deposit moved money')

  const w1 = { assetId: a.id, amount: '300', id: randomUUID(), idempotencyKey: idem(), timeoutSeconds: '60' }
  assert.equal((await gql.request(withdrawAsset, { input: w1 })).createAssetLiquidityWithdrawal.success, true)
  assert.equal(await liquidity(), '700', 'a held withdrawal is not available')
  e = await fails(withdrawAsset, { input: { ...w1, amount: '701', id: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'Insufficient transfer balance'])
  assert.equal(await liquidity(), '700', 'the refused withdrawal held nothing')
  const w2 = { ...w1, amount: '200', id: randomUUID(), idempotencyKey: idem() }
  await gql.request(withdrawAsset, { input: w2 })
  assert.equal(await liquidity(), '500')

  assert.equal((await gql.request(postW, { input: { withdrawalId: w1.id, idempotencyKey: idem() } })).postLiquidityWithdrawal.success, true)
  assert.equal((await gql.request(voidW, { input: { withdrawalId: w2.id, idempotencyKey: idem() } })).voidLiquidityWithdrawal.success, true)
  assert.equal(await liquidity(), '700', 'posted 300 left, voided 200 came back')
  e = await fails(postW, { input: { withdrawalId: w1.id, idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['CONFLICT', 'Transfer already posted'])
  e = await fails(postW, { input: { withdrawalId: w2.id, idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['CONFLICT', 'Transfer already voided'])
  e = await fails(voidW, { input: { withdrawalId: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Unknown transfer'])
  e = await fails(voidW, { input: { withdrawalId: 'x', idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid transfer id'])
  assert.equal(await liquidity(), '700')

  // accountingTransfers: the deposit is a credit, the posted withdrawal a debit; the voided one is left out
  const t = await gql.request(`query($id: String!) { accountingTransfers(id: $id) {
    debits { id debitAccountId creditAccountId amount transferType ledger createdAt state expiresAt }
    credits { id amount transferType state } } }`, { id: a.id })
  const tr = t.accountingTransfers
  assert.deepEqual(tr.credits.map((c) => [c.id, c.amount, c.transferType, c.state]), [[dep.id, '1000', 'DEPOSIT', 'POSTED']])
  assert.deepEqual(tr.debits.map((d) => [d.id, d.amount, d.transferType, d.state]), [[w1.id, '300', 'WITHDRAWAL', 'POSTED']])
  assert.ok(tr.debits[0].ledger >= 1)
  assert.ok(tr.debits[0].expiresAt, 'a two-phase withdrawal had an expiry')
  const nobody = await gql.request(`query { accountingTransfers(id: "${randomUUID()}") { debits { id } credits { id } } }`)
  assert.deepEqual(nobody.accountingTransfers, { debits: [], credits: [] })
})

test('fees: setFee history, current sending and receiving fees, fee pages, Rafiki errors', async () => {
  const a = await newAsset('FEE', 2)
  const setFee = `mutation($input: SetFeeInput!) { setFee(input: $input) { fee { id assetId type fixed basisPoints createdAt } } }`
  const feesQ = `query($id: String!, $first: Int, $last: Int, $after: String, $before: String, $sortOrder: SortOrder) {
    asset(id: $id) { sendingFee { id fixed basisPoints } receivingFee { id fixed basisPoints }
      fees(first: $first, last: $last, after: $after, before: $before, sortOrder: $sortOrder) {
        edges { cursor node { id type fixed basisPoints } } pageInfo { hasNextPage hasPreviousPage } } } }`
  let r = await gql.request(feesQ, { id: a.id })
  assert.equal(r.asset.sendingFee, null)
  assert.equal(r.asset.fees.edges.length, 0)
  const made = []
  for (const [type, fixed, bps] of [['SENDING', '100', 50], ['RECEIVING', '7', 0], ['SENDING', '200', 10]]) {
    const f = (await gql.request(setFee, { input: { assetId: a.id, type, fee: { fixed, basisPoints: bps }, idempotencyKey: idem() } })).setFee.fee
    assert.deepEqual([f.assetId, f.type, f.fixed, f.basisPoints], [a.id, type, fixed, bps])
    made.push(f)
    await sleep(3)
  }
  r = await gql.request(feesQ, { id: a.id })
  assert.deepEqual([r.asset.sendingFee.id, r.asset.sendingFee.fixed], [made[2].id, '200'], 'the newest fee of its type')
  assert.equal(r.asset.receivingFee.id, made[1].id)
  assert.deepEqual(r.asset.fees.edges.map((x) => x.node.id), [made[2].id, made[1].id, made[0].id], 'history, newest first')
  r = await gql.request(feesQ, { id: a.id, first: 1, after: made[0].id, sortOrder: 'ASC' })
  assert.deepEqual(r.asset.fees.edges.map((x) => x.node.id), [made[1].id])
  assert.ok(r.asset.fees.pageInfo.hasNextPage && r.asset.fees.pageInfo.hasPreviousPage)
  r = await gql.request(feesQ, { id: a.id, last: 2, before: made[0].id })
  assert.deepEqual(r.asset.fees.edges.map((x) => x.node.id), [made[2].id, made[1].id], 'backward, newest first')

  let e = await fails(setFee, { input: { assetId: a.id, type: 'SENDING', fee: { fixed: '1', basisPoints: 10001 } } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Basis point fee must be between 0 and 10000'])
  e = await fails(setFee, { input: { assetId: randomUUID(), type: 'SENDING', fee: { fixed: '1', basisPoints: 1 } } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Unknown asset'])
  r = await gql.request(feesQ, { id: a.id })
  assert.equal(r.asset.fees.edges.length, 3, 'the refused fees were not recorded')
  assert.equal(r.asset.sendingFee.id, made[2].id)
})

test('peers: create with liquidity, read, look up, pages, update, liquidity, delete; Rafiki errors', async () => {
  const a = await newAsset('PEE', 2)
  const input = (addr, extra = {}) => ({
    assetId: a.id,
    staticIlpAddress: addr,
    http: { outgoing: { authToken: 'out-' + addr, endpoint: 'http://127.0.0.1:9/ilp' }, incoming: { authTokens: ['in-' + addr + '-' + randomUUID()] } },
    ...extra
  })
  const p1 = (await gql.request(createPeer, { input: input('test.pa', { name: 'Peer A', maxPacketAmount: '5000', liquidityThreshold: '10', initialLiquidity: '100', routes: ['test.pa2'] }) })).createPeer.peer
  assert.equal(p1.name, 'Peer A')
  assert.equal(p1.liquidity, '100')
  assert.equal(p1.maxPacketAmount, '5000')
  assert.equal(p1.liquidityThreshold, '10')
  assert.deepEqual(p1.routes, ['test.pa', 'test.pa2'])
  assert.equal(p1.http.outgoing.endpoint, 'http://127.0.0.1:9/ilp')
  assert.equal(p1.asset.id, a.id)

  const count = async () => (await gql.request(peersQ, { first: 100 })).peers.edges.length
  const n0 = await count()
  let e = await fails(createPeer, { input: input('test.pa') })
  assert.deepEqual([e.code, e.message], ['DUPLICATE', 'duplicate peer found for same ILP address and asset'])
  e = await fails(createPeer, { input: input('not valid') })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'invalid ILP address'])
  e = await fails(createPeer, { input: { ...input('test.pz'), http: { outgoing: { authToken: 't', endpoint: 'nope' } } } })
  assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'invalid HTTP endpoint'])
  e = await fails(createPeer, { input: { ...input('test.pz'), assetId: randomUUID() } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'unknown asset'])
  assert.equal(await count(), n0, 'no failed create left a peer')

  const p2 = (await gql.request(createPeer, { input: input('test.pb') })).createPeer.peer
  await sleep(3)
  const p3 = (await gql.request(createPeer, { input: input('test.pc') })).createPeer.peer
  const pg = (await gql.request(peersQ, { first: 2, sortOrder: 'ASC', after: p1.id })).peers
  assert.deepEqual(pg.edges.map((x) => x.node.id), [p2.id, p3.id])
  assert.ok(pg.pageInfo.hasPreviousPage)
  const pb = (await gql.request(peersQ, { last: 2, before: p3.id, sortOrder: 'ASC' })).peers
  assert.deepEqual(pb.edges.map((x) => x.node.id), [p1.id, p2.id])

  const one = await gql.request(`query($id: String!) { peer(id: $id) { ${PEER} } }`, { id: p2.id })
  assert.equal(one.peer.staticIlpAddress, 'test.pb')
  assert.equal(one.peer.name, null)
  e = await fails(`query($id: String!) { peer(id: $id) { id } }`, { id: randomUUID() })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'unknown peer'])
  const hop = await gql.request(`query($a: String!, $s: String!) { peerByAddressAndAsset(staticIlpAddress: $s, assetId: $a) { id } }`,
    { a: a.id, s: 'test.pb.someone' })
  assert.equal(hop.peerByAddressAndAsset.id, p2.id)
  const byRoute = await gql.request(`query($a: String!, $s: String!) { peerByAddressAndAsset(staticIlpAddress: $s, assetId: $a) { id } }`,
    { a: a.id, s: 'test.pa2.someone' })
  assert.equal(byRoute.peerByAddressAndAsset.id, p1.id, "a peer's routes count, as in Rafiki's router")
  const noHop = await gql.request(`query($a: String!, $s: String!) { peerByAddressAndAsset(staticIlpAddress: $s, assetId: $a) { id } }`,
    { a: a.id, s: 'test.zz' })
  assert.equal(noHop.peerByAddressAndAsset, null)

  const upd = await gql.request(`mutation($input: UpdatePeerInput!) { updatePeer(input: $input) { peer { ${PEER} } } }`,
    { input: { id: p2.id, name: 'Peer B', routes: ['test.pb9'], maxPacketAmount: '77' } })
  assert.equal(upd.updatePeer.peer.name, 'Peer B')
  assert.deepEqual(upd.updatePeer.peer.routes, ['test.pb', 'test.pb9'])
  assert.equal(upd.updatePeer.peer.maxPacketAmount, '77')
  e = await fails(`mutation($input: UpdatePeerInput!) { updatePeer(input: $input) { peer { id } } }`,
    { input: { id: p2.id, staticIlpAddress: 'test.pa' } })
  assert.equal(e.code, 'DUPLICATE')
  e = await fails(`mutation($input: UpdatePeerInput!) { updatePeer(input: $input) { peer { id } } }`,
    { input: { id: randomUUID(), name: 'x' } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'unknown peer'])

  const depositPeer = `mutation($input: DepositPeerLiquidityInput!) { depositPeerLiquidity(input: $input) { success } }`
  const withdrawPeer = `mutation($input: CreatePeerLiquidityWithdrawalInput!) { createPeerLiquidityWithdrawal(input: $input) { success } }`
  const peerLiq = async (id) => (await gql.request(`query($id: String!) { peer(id: $id) { liquidity } }`, { id })).peer.liquidity
  await gql.request(depositPeer, { input: { peerId: p2.id, amount: '250', id: randomUUID(), idempotencyKey: idem() } })
  e = await fails(depositPeer, { input: { peerId: randomUUID(), amount: '1', id: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'unknown peer'])
  e = await fails(depositPeer, { input: { peerId: p2.id, amount: '0', id: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'Transfer amount is zero'])
  const pw = { peerId: p2.id, amount: '50', id: randomUUID(), idempotencyKey: idem(), timeoutSeconds: '30' }
  await gql.request(withdrawPeer, { input: pw })
  assert.equal(await peerLiq(p2.id), '200')
  e = await fails(withdrawPeer, { input: { ...pw, amount: '1000', id: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'Insufficient transfer balance'])
  e = await fails(withdrawPeer, { input: { ...pw, peerId: randomUUID(), id: randomUUID(), idempotencyKey: idem() } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Unknown peer'])
  await gql.request(voidW, { input: { withdrawalId: pw.id, idempotencyKey: idem() } })
  assert.equal(await peerLiq(p2.id), '250')

  // an asset a peer uses may not be deleted
  const delAsset = `mutation($input: DeleteAssetInput!) { deleteAsset(input: $input) { asset { id } } }`
  e = await fails(delAsset, { input: { id: a.id } })
  assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'Cannot delete! Asset in use.'])
  assert.equal((await gql.request(assetQ, { id: a.id })).asset.id, a.id, 'still there')

  const delPeer = `mutation($input: DeletePeerInput!) { deletePeer(input: $input) { success } }`
  for (const p of [p1, p2, p3]) assert.equal((await gql.request(delPeer, { input: { id: p.id } })).deletePeer.success, true)
  e = await fails(delPeer, { input: { id: p1.id } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'unknown peer'])
  assert.equal((await gql.request(delAsset, { input: { id: a.id } })).deleteAsset.asset.id, a.id, 'free once its peers are gone')

  e = await fails(`mutation($input: CreateOrUpdatePeerByUrlInput!) { createOrUpdatePeerByUrl(input: $input) { peer { id } } }`,
    { input: { assetId: a.id, peerUrl: 'http://x' } })
  assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Unknown asset'], 'the asset is deleted: checked before any request')
})

test('webhookEvents: liquidity_low events, type filters, pages', async () => {
  const a = await newAsset('WHK', 2, { liquidityThreshold: '500' })
  await gql.request(depositAsset, { input: { assetId: a.id, amount: '100', id: randomUUID(), idempotencyKey: idem() } })
  const q = `query($filter: WebhookEventFilter, $first: Int, $after: String, $last: Int, $before: String, $sortOrder: SortOrder) {
    webhookEvents(filter: $filter, first: $first, after: $after, last: $last, before: $before, sortOrder: $sortOrder) {
      edges { cursor node { id type data createdAt } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
  let ev
  for (let i = 0; i < 50; i++) {
    ev = (await gql.request(q, { filter: { type: { in: ['asset.liquidity_low'] } } })).webhookEvents
    if (ev.edges.some((x) => x.node.data.id === a.id)) break
    await sleep(100)
  }
  const mine = ev.edges.find((x) => x.node.data.id === a.id)
  assert.ok(mine, 'the monitor recorded asset.liquidity_low')
  assert.equal(mine.node.type, 'asset.liquidity_low')
  assert.equal(mine.node.data.liquidityThreshold, '500')
  const none = (await gql.request(q, { filter: { type: { notIn: ['asset.liquidity_low'] } }, first: 100 })).webhookEvents
  assert.ok(none.edges.every((x) => x.node.type !== 'asset.liquidity_low'))
  const empty = (await gql.request(q, { filter: { type: { in: [] } } })).webhookEvents
  assert.equal(empty.edges.length, 0)
  // a second low asset: pages over the two events in both directions
  const b = await newAsset('WHL', 2, { liquidityThreshold: '1' })
  for (let i = 0; i < 50; i++) {
    ev = (await gql.request(q, { filter: { type: { in: ['asset.liquidity_low'] } }, sortOrder: 'ASC' })).webhookEvents
    if (ev.edges.some((x) => x.node.data.id === b.id)) break
    await sleep(100)
  }
  const all = ev.edges.map((x) => x.node.id)
  assert.ok(all.length >= 2)
  const first = (await gql.request(q, { filter: { type: { in: ['asset.liquidity_low'] } }, sortOrder: 'ASC', first: 1 })).webhookEvents
  assert.equal(first.edges[0].node.id, all[0])
  assert.ok(first.pageInfo.hasNextPage && !first.pageInfo.hasPreviousPage)
  const last = (await gql.request(q, { filter: { type: { in: ['asset.liquidity_low'] } }, sortOrder: 'ASC', last: 1, before: all[1] })).webhookEvents
  assert.equal(last.edges[0].node.id, all[0])
  assert.ok(last.pageInfo.hasNextPage)
})

test("payment liquidity under Rafiki's funding model: deposits, withdrawals, by event id", async () => {
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'rafiki-gql-funding-'))
  const node = await startServe({
    dir: dir2,
    name: 'gqlfunding',
    ilp: 'test.gqlfunding',
    secret: SECRET,
    env: { OPERATOR_TENANT_ID: TENANT, FUNDING_MODEL: 'rafiki', PAYMENT_FEES: 'USD:5:0', ...serveDatabase('gql_ledger') }
  })
  const g = gqlClient({ url: `http://127.0.0.1:${node.ports.admin}/graphql`, secret: SECRET, tenantId: TENANT })
  const failsOn = async (doc, variables) => {
    try { await g.request(doc, variables) } catch (e) {
      const err = e.response.errors[0]
      return { code: err.extensions?.code, message: err.message }
    }
    assert.fail('the request should have failed')
  }
  try {
    const usd = await node.admin('POST', '/assets', { code: 'USD', scale: 2 })
    const wa = async (n) => node.admin('POST', '/wallet-addresses', { asset_id: usd.id, url: `http://localhost:${node.ports.op}/${n}` })
    const alice = await wa('alice')
    const bob = await wa('bob')
    const pay = async (value) => {
      const ip = await node.admin('POST', '/incoming-payments', { wallet_address_id: bob.id, incoming_amount: { value, asset_code: 'USD', asset_scale: 2 } })
      const q = await node.admin('POST', '/quotes', { wallet_address_id: alice.id, receiver: ip.url })
      const p = await node.admin('POST', '/outgoing-payments', { wallet_address_id: alice.id, quote_id: q.id })
      return { ip, p }
    }
    const waitDone = async (id) => {
      for (let i = 0; i < 300; i++) {
        const p = await node.admin('GET', `/outgoing-payments/${id}`)
        if (p.state === 'COMPLETED' || p.state === 'FAILED') return p.state
        await sleep(50)
      }
      throw new Error('payment did not end')
    }
    const events = `query($filter: WebhookEventFilter) { webhookEvents(filter: $filter, first: 100) { edges { node { id type data } } } }`
    const eventOf = async (type, id) => {
      const r = await g.request(events, { filter: { type: { in: [type] } } })
      const e = r.webhookEvents.edges.find((x) => x.node.data.id === id)
      assert.ok(e, `${type} of ${id}`)
      return e.node.id
    }
    const depositOut = `mutation($input: DepositOutgoingPaymentLiquidityInput!) { depositOutgoingPaymentLiquidity(input: $input) { success } }`
    const withdrawOut = `mutation($input: CreateOutgoingPaymentWithdrawalInput!) { createOutgoingPaymentWithdrawal(input: $input) { success } }`
    const withdrawIn = `mutation($input: CreateIncomingPaymentWithdrawalInput!) { createIncomingPaymentWithdrawal(input: $input) { success } }`
    const depositEv = `mutation($input: DepositEventLiquidityInput!) { depositEventLiquidity(input: $input) { success } }`
    const withdrawEv = `mutation($input: WithdrawEventLiquidityInput!) { withdrawEventLiquidity(input: $input) { success } }`

    const one = await pay('250')
    let e = await failsOn(depositOut, { input: { outgoingPaymentId: randomUUID(), idempotencyKey: idem() } })
    assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid transfer id'])
    e = await failsOn(withdrawOut, { input: { outgoingPaymentId: one.p.id, idempotencyKey: idem(), timeoutSeconds: '0' } })
    assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Unknown outgoing payment'], 'nothing to withdraw before it ends')
    assert.equal((await g.request(depositOut, { input: { outgoingPaymentId: one.p.id, idempotencyKey: idem() } })).depositOutgoingPaymentLiquidity.success, true)
    e = await failsOn(depositOut, { input: { outgoingPaymentId: one.p.id, idempotencyKey: idem() } })
    assert.deepEqual([e.code, e.message], ['CONFLICT', 'wrong state'])
    assert.equal(await waitDone(one.p.id), 'COMPLETED')
    // the deposit is a credit of the payment's account, with the created event's id
    const t = await g.request(`query($id: String!) { accountingTransfers(id: $id) { credits { id amount transferType } } }`, { id: one.p.id })
    assert.deepEqual(t.accountingTransfers.credits.map((c) => [c.id, c.amount, c.transferType]),
      [[await eventOf('outgoing_payment.created', one.p.id), '255', 'DEPOSIT']])

    assert.equal((await g.request(withdrawOut, { input: { outgoingPaymentId: one.p.id, idempotencyKey: idem(), timeoutSeconds: '0' } })).createOutgoingPaymentWithdrawal.success, true)
    e = await failsOn(withdrawOut, { input: { outgoingPaymentId: one.p.id, idempotencyKey: idem(), timeoutSeconds: '0' } })
    assert.deepEqual([e.code, e.message], ['FORBIDDEN', 'Insufficient transfer balance'])

    e = await failsOn(withdrawIn, { input: { incomingPaymentId: randomUUID(), idempotencyKey: idem(), timeoutSeconds: '60' } })
    assert.deepEqual([e.code, e.message], ['NOT_FOUND', 'Unknown incoming payment'])
    assert.equal((await g.request(withdrawIn, { input: { incomingPaymentId: one.ip.id, idempotencyKey: idem(), timeoutSeconds: '60' } })).createIncomingPaymentWithdrawal.success, true)
    const wid = await eventOf('incoming_payment.completed', one.ip.id)
    assert.equal((await g.request(voidW, { input: { withdrawalId: wid, idempotencyKey: idem() } })).voidLiquidityWithdrawal.success, true,
      "the withdrawal's id is the completed event's, as in Rafiki")
    e = await failsOn(withdrawIn, { input: { incomingPaymentId: one.ip.id, idempotencyKey: idem(), timeoutSeconds: '60' } })
    assert.deepEqual([e.code, e.message], ['DUPLICATE', 'Transfer already exists'])
    const ipT = await g.request(`query($id: String!) { accountingTransfers(id: $id) { debits { id } credits { amount transferType } } }`, { id: one.ip.id })
    assert.deepEqual(ipT.accountingTransfers.credits.map((c) => [c.amount, c.transferType]), [['250', 'TRANSFER']],
      "an incoming payment's id names its account; the voided withdrawal is left out")
    assert.deepEqual(ipT.accountingTransfers.debits, [])

    // the deprecated calls by event id
    const two = await pay('100')
    e = await failsOn(depositEv, { input: { eventId: randomUUID(), idempotencyKey: idem() } })
    assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid transfer id'])
    const created = await eventOf('outgoing_payment.created', two.p.id)
    assert.equal((await g.request(depositEv, { input: { eventId: created, idempotencyKey: idem() } })).depositEventLiquidity.success, true)
    assert.equal(await waitDone(two.p.id), 'COMPLETED')
    e = await failsOn(withdrawEv, { input: { eventId: created, idempotencyKey: idem() } })
    assert.deepEqual([e.code, e.message], ['BAD_USER_INPUT', 'Invalid transfer id'], 'a created event carries no withdrawal')
    const completed = await eventOf('outgoing_payment.completed', two.p.id)
    assert.equal((await g.request(withdrawEv, { input: { eventId: completed, idempotencyKey: idem() } })).withdrawEventLiquidity.success, true)
    e = await failsOn(withdrawEv, { input: { eventId: completed, idempotencyKey: idem() } })
    assert.equal(e.code, 'BAD_USER_INPUT', 'withdrawn: nothing left')
  } finally {
    node.proc.kill('SIGTERM')
    await new Promise((resolve) => node.proc.once('exit', resolve))
    fs.rmSync(dir2, { recursive: true, force: true })
  }
})
