// Interop: our GraphQL executor (src/graphql, through build/tools/gql_exec) against graphql-js
// 16 (what Rafiki's Apollo server runs). Introspection: getIntrospectionQuery() with every
// option, answered by our engine, rebuilt with buildClientSchema, must show no breaking and
// no dangerous change against the SDL we serve and Rafiki's own copy, both directions.
// Validation: for each bad document our errors carry the same messages, in the same order,
// as graphql-js's validate(). Execution: the same request over the same canned root value
// gives the same data and the same error messages and paths.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  buildSchema, buildClientSchema, getIntrospectionQuery, findBreakingChanges,
  findDangerousChanges, parse, validate, graphqlSync
} from 'graphql'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const tool = path.join(build, 'tools', 'gql_exec')
const ours = (name) => path.join(here, '..', '..', 'schema', 'graphql', `${name}.graphql`)
const rafikis = (name) => path.join(here, '..', '..', '..', 'shared', 'specs', 'rafiki-admin',
  `${name}-schema.graphql`)
const tmp = mkdtempSync(path.join(os.tmpdir(), 'gql-exec-'))

function run (sdlPath, request, canned) {
  const args = [sdlPath]
  if (canned) {
    const f = path.join(tmp, 'canned.json')
    writeFileSync(f, JSON.stringify(canned))
    args.push(f)
  }
  const r = spawnSync(tool, args, { input: JSON.stringify(request), maxBuffer: 1 << 26 })
  assert.equal(r.status, 0, r.stderr.toString())
  return JSON.parse(r.stdout.toString())
}

const introspection = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true
})

for (const name of ['backend', 'auth']) {
  test(`introspection of ${name}.graphql rebuilds the same schema`, () => {
    const out = run(ours(name), { query: introspection })
    assert.equal(out.status, 200)
    assert.equal(out.body.errors, undefined, JSON.stringify(out.body.errors))
    const client = buildClientSchema(out.body.data)
    for (const sdl of [ours(name), rafikis(name)]) {
      const ref = buildSchema(readFileSync(sdl, 'utf8'))
      assert.deepEqual(findBreakingChanges(ref, client), [], sdl)
      assert.deepEqual(findBreakingChanges(client, ref), [], sdl)
      assert.deepEqual(findDangerousChanges(ref, client), [], sdl)
      assert.deepEqual(findDangerousChanges(client, ref), [], sdl)
    }
  })
}

const backendSchema = buildSchema(readFileSync(ours('backend'), 'utf8'))

const BAD = [
  '{ assetz { id } }',
  '{ asset(id: "a") { idd code } }',
  '{ asset(id: "a") { id scale { x } } }',
  '{ asset(id: "a") }',
  '{ asset { id } }',
  '{ asset(id: "a", nope: 1) { id } }',
  '{ asset(id: "a", id: "b") { id } }',
  '{ asset(id: 12) { id } }',
  '{ asset(id: null) { id } }',
  '{ assets(first: "x") { edges { cursor } } }',
  '{ assets(first: 2147483648) { edges { cursor } } }',
  '{ assets(sortOrder: UP) { edges { cursor } } }',
  '{ assets(sortOrder: "ASC") { edges { cursor } } }',
  '{ peers(tenantId: 1.5) { edges { cursor } } }',
  'query ($id: String) { asset(id: $id) { id } }',
  'query ($id: Int!) { asset(id: $id) { id } }',
  'query ($id: String!, $x: Int) { asset(id: $id) { id } }',
  'query Q { asset(id: $id) { id } }',
  'query ($id: Nope!) { asset(id: $id) { id } }',
  'query ($a: Asset) { whoami { id } }',
  'query ($id: String!, $id: String!) { asset(id: $id) { id } }',
  '{ ...F }',
  '{ asset(id: "a") { ...F } } fragment F on Asset { ...G } fragment G on Asset { ...F }',
  '{ asset(id: "a") { ...F } } fragment F on Asset { id ...F }',
  '{ asset(id: "a") { id } } fragment F on Asset { id }',
  '{ asset(id: "a") { ... on Peer { id } } }',
  '{ asset(id: "a") { ...P } } fragment P on Peer { id }',
  '{ asset(id: "a") { ... on String { id } } }',
  'fragment S on String { x } { whoami { id } }',
  '{ asset(id: "a") { ... on Nope { id } } }',
  'query A { whoami { id } } query A { whoami { isOperator } }',
  '{ whoami { id } } query B { whoami { id } }',
  '{ whoami @nope { id } }',
  '{ whoami @skip(if: true) @skip(if: false) { id } }',
  'query @skip(if: true) { whoami { id } }',
  '{ whoami { id @include } }',
  '{ whoami { id @include(if: "yes") } }',
  'mutation { createAsset(input: { code: "X" }) { asset { id } } }',
  'mutation { createAsset(input: { code: "X", scale: 2, bogus: 1 }) { asset { id } } }',
  'mutation { createAsset(input: { code: "X", scale: 2, code: "Y" }) { asset { id } } }',
  'mutation { createAsset(input: "x") { asset { id } } }',
  'mutation ($in: CreateAssetInput) { createAsset(input: $in) { asset { id } } }',
  'mutation ($c: Int) { createAsset(input: { code: $c, scale: 2 }) { asset { id } } }',
  '{ walletAddress(id: "w") { ... on Model { id nope } } }',
  '{ walletAddress(id: "w") { id ... on IncomingPayment { id } } }',
  'type Foo { a: Int } { whoami { id } }',
  '{ whoami { isoperator } }',
  '{ __type(name: 1) { name } }',
  '{ __schema { types { name fields { nam } } } }',
  '{ asset(id: "a") { x: id x: code } }',
  '{ a: asset(id: "a") { id } a: asset(id: "b") { id } }',
  '{ asset(id: "a") { ...F code: id } } fragment F on Asset { code }',
  '{ walletAddress(id: "w") { ... on Model { x: id } ... on WalletAddress { x: address } } }',
  '{ asset(id: "a") { ...F ...G } } fragment F on Asset { k: id } fragment G on Asset { k: code }',
  'query ($a: String, $b: String) { asset(id: "a") { fees(after: $a) { edges { cursor } } fees(after: $b) { edges { cursor } } } }',
  '{ asset(id:"a") { ... on Asset { x: id x: code } } }',
  '{ asset(id:"a") { ... on Asset { ... on Asset { x: id } x: code } } }',
  // several errors each: the order is graphql-js's visiting order
  'query Q($a: Int, $b: String!) { asset(id: $b) { idz ...F @nope } nope(x: 1) { y } } fragment F on Asset { code(x: 1) scale { z } }',
  '{ asset(id: 1, id: 2) { ... on Peer { id } ... on Nope { id } } }',
  'query A($x: [Int!]!) { assets(first: $x) { edges { cursor } } } query A { whoami { id } } { whoami { id } }',
  'query { asset(id: "a") { ...A ...B } } fragment A on Asset { ...B } fragment B on Asset { ...A } fragment C on Nope { x }',
  '{ whoami { id @skip(if: $s) @include(if: true) @include(if: false) } }',
  'query ($s: Boolean = "x", $t: [SortOrder] = [UP]) { assets(sortOrder: $t) { edges { cursor } } }',
  '{ a: whoami { id } a: asset(id: "x") { id } b: assets(first: 1) { edges { cursor } } b: assets(first: 2) { edges { cursor } } }',
  'query ($id: ID) { asset(id: $id) { id } peer(id: $id) { id } }',
  'fragment F on Asset { id } fragment F on Asset { code } { asset(id: "a") { ...F } }',
  '{ asset(id: "a") { withdrawalThreshold(x: 1) liquidity { a } } walletAddress }',
  // conflicts deeper down
  '{ a: asset(id:"x") { x: id y: scale } a: asset(id:"x") { x: code y: id } }',
  '{ a: walletAddress(id:"x") { b: asset { x: id } } a: walletAddress(id:"x") { b: asset { x: code } } }',
  '{ asset(id:"x") { ...F } asset(id:"x") { fees(first: 1) { edges { cursor } } } } fragment F on Asset { fees(first: 2) { edges { cursor } } }'
]

test('validation errors match graphql-js validate()', () => {
  for (const doc of BAD) {
    const want = validate(backendSchema, parse(doc)).map((e) => e.message)
    assert.ok(want.length > 0, `graphql-js accepts ${doc}`)
    const out = run(ours('backend'), { query: doc })
    assert.equal(out.status, 400, doc)
    const got = out.body.errors.map((e) => e.message)
    assert.deepEqual(got, want, doc)
    for (const e of out.body.errors) assert.equal(e.extensions.code, 'GRAPHQL_VALIDATION_FAILED')
    assert.equal(out.body.data, undefined)
  }
})

test('valid documents pass validation', () => {
  const GOOD = [
    introspection,
    'query Q($id: String!, $skip: Boolean = false) { asset(id: $id) { id ...A @skip(if: $skip) } } fragment A on Asset { code scale }',
    'mutation ($in: CreateIncomingPaymentInput!) { createIncomingPayment(input: $in) { payment { id incomingAmount { value } } } }',
    '{ walletAddress(id: "w") { ... on Model { id } ... on WalletAddress { address } } }',
    '{ assets(first: 10, sortOrder: ASC) { edges { node { id } } } }'
  ]
  for (const doc of GOOD) {
    assert.deepEqual(validate(backendSchema, parse(doc)), [], doc)
    const out = run(ours('backend'), { query: doc })
    const codes = (out.body.errors ?? []).map((e) => e.extensions.code)
    assert.ok(!codes.includes('GRAPHQL_VALIDATION_FAILED'), `${doc}: ${JSON.stringify(out.body.errors)}`)
  }
})

const CANNED = {
  asset: { id: 'a1', code: 'USD', scale: 2, createdAt: '2024-01-01', withdrawalThreshold: '100' },
  assets: {
    pageInfo: { hasNextPage: true, hasPreviousPage: false, endCursor: 'b' },
    edges: [
      { cursor: 'a', node: { id: 'a', code: 'USD', scale: 2, createdAt: 'x' } },
      { cursor: 'b', node: { id: 'b', code: null, scale: 2, createdAt: 'y' } }
    ]
  },
  walletAddress: { __typename: 'WalletAddress', id: 'w', address: 'https://x/w', status: 'ACTIVE', publicName: 7 },
  peer: { id: 'p', name: 'peer', maxPacketAmount: '5', http: { outgoing: { endpoint: 'e', authToken: 't' } }, asset: null, liquidityThreshold: null, staticIlpAddress: 'g.p', createdAt: 'z' },
  whoami: { id: 'me', isOperator: 'yes' }
}

const EXEC = [
  { query: '{ asset(id: "a") { id code scale createdAt } }' },
  { query: '{ a: asset(id: "a") { x: id ...F } b: whoami { id } } fragment F on Asset { code id }' },
  { query: '{ assets { pageInfo { hasNextPage endCursor } edges { cursor node { id code } } } }' },
  { query: '{ walletAddress(id: "w") { __typename ... on Model { id } ... on WalletAddress { address status publicName } } }' },
  { query: 'query ($s: Boolean!) { asset(id: "a") { id @skip(if: $s) code @include(if: $s) } }', variables: { s: true } },
  { query: '{ whoami { id isOperator } }' },
  { query: '{ peer(id: "p") { id name http { outgoing { endpoint } } asset { id } } }' },
  { query: 'query ($id: String!) { asset(id: $id) { id } }', variables: {} },
  { query: 'query ($id: String!) { asset(id: $id) { id } }', variables: { id: 5 } },
  { query: 'query ($n: Int) { assets(first: $n) { edges { cursor } } }', variables: { n: 1.5 } },
  { query: 'query ($o: SortOrder) { assets(sortOrder: $o) { edges { cursor } } }', variables: { o: 'UP' } },
  { query: 'mutation ($in: DeleteAssetInput!) { deleteAsset(input: $in) { asset { id } } }', variables: { in: { idd: 'x' } } },
  { query: 'mutation ($in: DeleteAssetInput!) { deleteAsset(input: $in) { asset { id } } }', variables: { in: 'x' } },
  { query: 'mutation ($in: [String!]) { deleteAsset(input: {id: "a"}) { asset { id } } }', variables: { in: [null] } },
  { query: 'query A { whoami { id } } query B { whoami { isOperator } }', operationName: 'B' }
]

test('execution matches graphql-js over the same canned values', () => {
  for (const req of EXEC) {
    const want = JSON.parse(JSON.stringify(graphqlSync({
      schema: backendSchema,
      source: req.query,
      rootValue: CANNED,
      variableValues: req.variables,
      operationName: req.operationName
    })))
    const out = run(ours('backend'), req, CANNED)
    const label = JSON.stringify(req)
    assert.deepEqual(out.body.data, want.data, label)
    const strip = (errs) => errs?.map((e) => ({ message: e.message, path: e.path }))
    assert.deepEqual(strip(out.body.errors), strip(want.errors), label)
    if (want.data === undefined) assert.equal(out.status, 400, label)
  }
})

test('default values print as graphql-js prints them', () => {
  const sdl = `
enum Color { RED GREEN }
input Nested { y: String = "d", x: Int! }
input In { a: Int = 1, b: [String!] = ["x", "y\\n\\"z"], c: Color = RED, d: Float = 1.0, e: Float = 2.5e3,
  f: ID = "12", g: ID = "ab", h: Nested = {x: 3}, i: [Int] = 7, j: String = null, k: [Nested] = [{x: 1, y: "q"}] }
type Query { f(x: Int = 3, y: In = {h: {x: 1}, a: 2}, c: [Color!] = [RED, GREEN], s: String = """block""", b: Boolean = false): String }
`
  const file = path.join(tmp, 'defaults.graphql')
  writeFileSync(file, sdl)
  const defaults = (data) => {
    const out = {}
    for (const t of data.__schema.types) {
      for (const v of t.inputFields ?? []) out[`${t.name}.${v.name}`] = v.defaultValue
      for (const f of t.fields ?? []) for (const a of f.args) out[`${t.name}.${f.name}(${a.name})`] = a.defaultValue
    }
    for (const d of data.__schema.directives) for (const a of d.args) out[`@${d.name}(${a.name})`] = a.defaultValue
    return out
  }
  const want = graphqlSync({ schema: buildSchema(sdl), source: introspection })
  const out = run(file, { query: introspection })
  assert.equal(out.status, 200, JSON.stringify(out.body.errors))
  assert.deepEqual(defaults(out.body.data), defaults(want.data))
})
