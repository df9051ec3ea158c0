// Interop: our GraphQL parser and printer (src/graphql, through build/tools/gql_print) against
// graphql-js 16 (the reference Rafiki's Apollo server uses): for each valid document our
// print must equal print(parse(doc)) byte for byte, Rafiki's two SDL files included; for each
// invalid one both must refuse, at the same line and column.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, print, GraphQLError } from 'graphql'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const tool = path.join(build, 'tools', 'gql_print')
const specs = path.join(here, '..', '..', '..', 'shared', 'specs', 'rafiki-admin')

function ours (doc) {
  const r = spawnSync(tool, [], { input: doc, maxBuffer: 1 << 26 })
  return { status: r.status, out: r.stdout.toString(), err: r.stderr.toString() }
}

const VALID = [
  '{ id }',
  'query { wallet: walletAddress(id: "abc") { id url } }',
  'query GetAssets($first: Int, $after: String) { assets(first: $first, after: $after) { edges { node { id code scale } cursor } pageInfo { hasNextPage endCursor } } }',
  'mutation CreateWalletAddress($input: CreateWalletAddressInput!) { createWalletAddress(input: $input) { walletAddress { id address publicName } } }',
  'subscription OnEvent { event { id } }',
  'query ($ids: [ID!]! = ["a", "b"], $n: Int = 10 @deprecated) { x }',
  'query Q @dir(a: 1) { x @include(if: true) @skip(if: false) }',
  '{ ...Frag ... on Peer { id } ... @include(if: $x) { name } ... { a } }',
  'fragment PeerFields on Peer @dir { id name staticIlpAddress liquidity }',
  'query { a(int: -0, f: 1.5e10, g: -2.0E-3, s: "x", b: true, n: null, e: ENUM_VALUE, l: [1, [2, [3]]], o: {a: {b: [{c: 1}]}}) }',
  'query { a(s: "esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\u{1F600} \\uD83D\\uDE00 end") }',
  'query { a(s: "ctrl \\u0001 \\u007F \\u0085 done") }',
  'query { a(s: """  block "string" with \\""" inside  """) }',
  'query { a(s: """\n    indented\n      more\n    back\n  """) }',
  'query { a(s: """\n\n  x\n\n""") }',
  'query { a(s: """slash at end\\\n""", t: """quote at end"\n""") }',
  'query { a(s: """a very long single line block string that goes on past seventy characters in all""") }',
  '# a comment\n{\n  a, b,, c # trailing\n}',
  'query { veryLongFieldName(argumentNumberOne: "some long value here", argumentNumberTwo: 12345, three: true) { id } }',
  '{ alias: field(arg: $var) @a @b(c: [1, 2]) { nested { deeper { deepest } } } }',
  'query A { a } query B { b } fragment F on T { c }',
  '"desc" scalar DateTime @specifiedBy(url: "https://example.com")',
  'type Query implements Node & Entity @key(fields: "id") { "the id" id: ID! items(first: Int = 10, after: String): [Item!]! @deprecated(reason: "no") }',
  'type T implements & A & B { f: Int }',
  'interface Node implements Base { id: ID! }',
  'union SearchResult @dir = | A | B | C',
  'enum Color @x { "red" RED GREEN @deprecated BLUE }',
  'input I { a: Int = 1 @d, b: [String!] = ["x"], c: I2 = {x: 1} }',
  '"""\nDirective docs\n"""\ndirective @auth(\n  "role"\n  role: String = "admin"\n) repeatable on FIELD_DEFINITION | OBJECT | QUERY',
  'directive @d(a: Int) on | FIELD',
  'schema @d { query: Query mutation: Mutation subscription: Sub }',
  'extend schema @d\nextend scalar S @d\nextend type T implements I { f: Int }\nextend interface J @d\nextend union U = X\nextend enum E { Z }\nextend input In { z: Int }',
  'type T { f(\n  """\n  multi\n  line\n  """\n  a: Int\n): Int }',
  '\ufeff{ bom }',
  '{ a(s: "unicode é 日本 😀") }',
  '{ aFieldNameSoLongThatItAloneRunsPastTheEightyColumnsAfterWhichArgumentsWrapOntoLines { id } }',
  '{ aFieldNameSoLongThatItAloneRunsPastTheEightyColumnsAfterWhichArgumentsWrap(a: 1) { id } }'
]

const INVALID = [
  '',
  '{',
  '{ }',
  'query { a(b: ) }',
  'query { a(b: $) }',
  '{ a(s: "unterminated) }',
  '{ a(s: "bad \\x escape") }',
  '{ a(s: "\\uD800") }',
  '{ a(n: 01) }',
  '{ a(n: 1.) }',
  '{ a(n: 1a) }',
  "{ a(s: 'single') }",
  'fragment on on T { a }',
  'query Q($v: Int = $x) { a }',
  '"desc" query { a }',
  'enum E { true }',
  'extend type T',
  'directive @d on NOWHERE',
  'type T { f: [Int }',
  '{ a }\n\n  ?',
  '{ a(s: """\nline\nunterminated',
  '{ ...on }',
  'query { a(s: """ends with quote"""") }',
  '"desc" [',
  'schema',
  'schema { query: Q mutation: M',
  'schema { qery\\u: Q }',
  '{ a(s: "\\u本 x") }',
  '{ a(s: "\\u{1F600é}") }'
]

test('the graphql-js reference is the pinned 16.x', () => {
  const v = JSON.parse(readFileSync(path.join(here, 'node_modules', 'graphql', 'package.json'))).version
  assert.match(v, /^16\./)
})

for (const [i, doc] of VALID.entries()) {
  test(`valid #${i}: our print equals graphql-js print`, () => {
    const want = print(parse(doc))
    const got = ours(doc)
    assert.equal(got.status, 0, `refused ${JSON.stringify(doc)}: ${got.err}`)
    assert.equal(got.out, want)
  })
}

for (const file of ['backend-schema.graphql', 'auth-schema.graphql']) {
  test(`Rafiki SDL ${file} prints as graphql-js prints it`, () => {
    const doc = readFileSync(path.join(specs, file), 'utf8')
    const got = ours(doc)
    assert.equal(got.status, 0, got.err)
    assert.equal(got.out, print(parse(doc)))
  })
}

for (const [i, doc] of INVALID.entries()) {
  test(`invalid #${i}: both refuse at the same line and column`, () => {
    let ref
    try {
      parse(doc)
      assert.fail(`graphql-js accepted ${JSON.stringify(doc)}`)
    } catch (e) {
      assert.ok(e instanceof GraphQLError, String(e))
      ref = e
    }
    const got = ours(doc)
    assert.equal(got.status, 1, `we accepted ${JSON.stringify(doc)}`)
    const m = /^(\d+):(\d+) (.*)$/.exec(got.err.trim())
    assert.ok(m, got.err)
    const { line, column } = ref.locations[0]
    assert.deepEqual([Number(m[1]), Number(m[2])], [line, column], `${m[3]} vs ${ref.message}`)
    assert.equal(m[3], ref.message)
  })
}
