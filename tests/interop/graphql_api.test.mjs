// POST /graphql on the admin port, as a Rafiki operator's backend meets it: one real `rafiki
// serve`, requests signed as Rafiki's clients sign them (lib/gql.mjs). Covered here: the
// authentication Rafiki's authenticatedTenantMiddleware does (no signature, a wrong digest,
// another secret, a stale or future timestamp, another version, a replay, an unknown tenant:
// each a plain 401 "Unauthorized"; a body that is not JSON: 400), Apollo Server 4's envelope
// errors (400 BAD_REQUEST), parse and validation failures (400 with GRAPHQL_PARSE_FAILED /
// GRAPHQL_VALIDATION_FAILED), introspection answering Rafiki's whole schema, and
// idempotencyKey replay on a mutation. The operations themselves are tested family by family
// (graphql_admin_*.test.mjs).
import { test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildClientSchema, getIntrospectionQuery, findBreakingChanges, findDangerousChanges } from 'graphql'
import { startServe } from './lib/serve.mjs'
import { gqlClient, sign, rafikiSchema } from './lib/gql.mjs'

const SECRET = 'graphql-api-' + randomUUID()
const TENANT = randomUUID()
const dir = mkdtempSync(join(tmpdir(), 'rafiki-graphql-api-'))
let node, url, client, prod

before(async () => {
  node = await startServe({
    dir,
    name: 'gql',
    ilp: 'test.gql',
    secret: SECRET,
    env: { OPERATOR_TENANT_ID: TENANT, ADMIN_API_SIGNATURE_TTL_SECONDS: '5' }
  })
  url = `http://127.0.0.1:${node.ports.admin}/graphql`
  client = gqlClient({ url, secret: SECRET, tenantId: TENANT })
})

after(() => {
  node?.proc.kill('SIGKILL')
  prod?.proc.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

const TYPENAME = { query: 'query { __typename }' }
const headers = (body, extra = {}) => ({
  'content-type': 'application/json',
  'tenant-id': TENANT,
  signature: sign(body, SECRET),
  ...extra
})

test('a signed request is answered', async () => {
  const r = await client.raw('query { __typename }')
  assert.equal(r.status, 200, r.text)
  assert.deepEqual(r.body, { data: { __typename: 'Query' } })
})

test('authentication failures are a plain 401 Unauthorized, as Rafiki', async () => {
  const text = JSON.stringify(TYPENAME)
  const cases = {
    'no signature': { 'content-type': 'application/json', 'tenant-id': TENANT },
    'wrong secret': headers(TYPENAME, { signature: sign(TYPENAME, SECRET + 'x') }),
    'other body signed': headers(TYPENAME, { signature: sign({ query: '{ __schema { description } }' }, SECRET) }),
    'stale timestamp': headers(TYPENAME, { signature: sign(TYPENAME, SECRET, 1, Date.now() - 60000) }),
    'future timestamp': headers(TYPENAME, { signature: sign(TYPENAME, SECRET, 1, Date.now() + 60000) }),
    'other version': headers(TYPENAME, { signature: sign(TYPENAME, SECRET, 2) }),
    'malformed header': headers(TYPENAME, { signature: 't=abc, v1=zz' }),
    'unknown tenant': headers(TYPENAME, { 'tenant-id': randomUUID() })
  }
  for (const [name, h] of Object.entries(cases)) {
    const r = await client.post(text, h)
    assert.equal(r.status, 401, `${name}: ${r.status} ${r.text}`)
    assert.equal(r.text, 'Unauthorized', name)
  }
})

test('a signature is accepted once', async () => {
  const h = headers(TYPENAME)
  const text = JSON.stringify(TYPENAME)
  assert.equal((await client.post(text, h)).status, 200)
  const again = await client.post(text, h)
  assert.equal(again.status, 401)
  assert.equal(again.text, 'Unauthorized')
})

test('a body that is not JSON is 400', async () => {
  const r = await client.post('{"query": ', headers({}))
  assert.equal(r.status, 400, r.text)
})

test("Apollo's envelope errors: 400 BAD_REQUEST", async () => {
  for (const body of [{}, { query: '' }, { query: '{ __typename }', variables: [1] }, { query: '{ __typename }', operationName: 5 }]) {
    const r = await client.post(JSON.stringify(body), headers(body))
    assert.equal(r.status, 400, JSON.stringify(body) + ' ' + r.text)
    assert.equal(r.body.errors[0].extensions.code, 'BAD_REQUEST', r.text)
  }
})

test('parse and validation errors: 400 with codes, nothing run', async () => {
  let r = await client.raw('query { assets { ', {}, { invalid: true })
  assert.equal(r.status, 400, r.text)
  assert.equal(r.body.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED', r.text)
  assert.equal(r.body.data, undefined)
  r = await client.raw('query { assets { edges { node { nope } } } }', {}, { invalid: true })
  assert.equal(r.status, 400, r.text)
  assert.equal(r.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED', r.text)
  // Rafiki's ApolloArmor masks graphql-js's "Did you mean" suggestions
  assert.equal(r.body.errors[0].message, 'Cannot query field "nope" on type "Asset". [Suggestion hidden]?')
  r = await client.raw('mutation($i: CreateAssetInput!) { createAsset(input: $i) { asset { id } } }', { i: { code: 5 } })
  assert.equal(r.status, 400, r.text)
  assert.equal(r.body.errors[0].extensions.code, 'BAD_USER_INPUT', r.text)
})

test("introspection answers Rafiki's schema: no breaking or dangerous change either way", async () => {
  const r = await client.raw(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }))
  assert.equal(r.status, 200, r.text.slice(0, 400))
  const ours = buildClientSchema(r.body.data)
  const theirs = rafikiSchema('backend')
  assert.deepEqual(findBreakingChanges(theirs, ours), [])
  assert.deepEqual(findBreakingChanges(ours, theirs), [])
  assert.deepEqual(findDangerousChanges(theirs, ours), [])
  assert.deepEqual(findDangerousChanges(ours, theirs), [])
})

test('deep and huge documents are refused with clear errors, nothing run', async () => {
  const deep = 'query ' + '{ assets '.repeat(100) + '}'.repeat(101)
  let r = await client.raw(deep, {}, { invalid: true })
  assert.equal(r.status, 400, r.text)
  assert.match(r.body.errors[0].message, /deep|depth|nest/i, r.text)
  const wide = 'query { ' + Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(' ') + ' }'
  r = await client.raw(wide, {}, { invalid: true })
  assert.equal(r.status, 400, r.text.slice(0, 300))
  assert.match(r.body.errors[0].message, /fields|cost|limit/i, r.text.slice(0, 300))
})

test('in production, introspection is off as Rafiki has it (Apollo\'s message), __typename still answered', async () => {
  const key = join(dir, 'prod-key.pem')
  writeFileSync(key, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }))
  const secret = 'graphql-prod-' + randomUUID()
  prod = await startServe({
    dir,
    name: 'gqlprod',
    ilp: 'test.gqlprod',
    secret,
    env: { NODE_ENV: 'production', OPERATOR_TENANT_ID: TENANT, IDP_SECRET: randomBytes(32).toString('hex'), PRIVATE_KEY_FILE: key, KEY_ID: 'k1' }
  })
  const c = gqlClient({ url: `http://127.0.0.1:${prod.ports.admin}/graphql`, secret, tenantId: TENANT })
  const r = await c.raw('query { __schema { queryType { name } } }')
  assert.equal(r.status, 400, r.text)
  assert.equal(r.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED')
  assert.match(r.body.errors[0].message, /^GraphQL introspection is not allowed by Apollo Server/)
  const ok = await c.raw('query { __typename }')
  assert.equal(ok.status, 200, ok.text)
})

