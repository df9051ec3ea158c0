// Interop: RFC 8785 canonical JSON and Rafiki's Admin API signatures. Our canonical form
// (build/tools/jcs) must equal the npm json-canonicalize that Rafiki signs with, byte for byte,
// over random documents; and a signature made exactly as Rafiki's generateApiSignature makes it
// (node:crypto HMAC-SHA256 over `${Date.now()}.${canonicalize(body)}`, hex, "t=…, v1=…") must
// verify in C (build/tools/admin_sig), once.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHmac, randomBytes, randomInt } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { canonicalize } from 'json-canonicalize'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')

function runTool (name, args, lines) {
  const r = spawnSync(path.join(build, 'tools', name), args, {
    input: lines.join('\n') + '\n',
    maxBuffer: 1 << 28
  })
  assert.equal(r.status, 0, `${name} exited ${r.status}: ${r.stderr}`)
  const out = r.stdout.toString().split('\n')
  out.pop()
  assert.equal(out.length, lines.length)
  return out
}

// ---- random documents ----

const PLANES = [
  [0x00, 0x20], [0x20, 0x7f], [0x7f, 0x800], [0x800, 0xd800], [0xe000, 0x10000],
  [0x10000, 0x110000]
]
const SPECIAL = ['"', '\\', '/', '\b', '\f', '\n', '\r', '\t', '\u2028', '\u00e9', '\ufb33', '\u{1f600}']

// Keys never hold U+0000: jansson refuses "\u0000" in an object key, so such a body is refused
// as invalid (Rafiki would accept it).
function randomString (key = false) {
  let s = ''
  const n = randomInt(0, 12)
  for (let i = 0; i < n; i++) {
    if (randomInt(4) === 0) {
      s += SPECIAL[randomInt(SPECIAL.length)]
    } else {
      const [lo, hi] = PLANES[randomInt(PLANES.length)]
      s += String.fromCodePoint(randomInt(key && lo === 0 ? 1 : lo, hi))
    }
  }
  return s
}

function randomNumber () {
  switch (randomInt(8)) {
    case 0: { // any finite double, from its bits
      for (;;) {
        const d = randomBytes(8).readDoubleBE(0)
        if (Number.isFinite(d)) return d
      }
    }
    case 1: return randomInt(-1e6, 1e6)
    case 2: return (randomInt(2) ? 1 : -1) * (2 ** 53 + randomInt(-4, 4096))
    case 3: return randomInt(1, 1000) * 10 ** randomInt(-30, 30)
    case 4: return randomInt(-1e9, 1e9) / 10 ** randomInt(0, 12)
    case 5: return [0, 1e21, 1e-7, 1e-6, 999999999999999900000, 5e-324, 1.7976931348623157e308][randomInt(7)]
    case 6: return Math.random() * 10 ** randomInt(-10, 25)
    default: return -Math.random()
  }
}

function randomValue (depth) {
  const k = randomInt(depth >= 5 ? 4 : 6)
  if (k === 0) return [null, true, false][randomInt(3)]
  if (k === 1 || k === 2) return randomNumber()
  if (k === 3) return randomString()
  if (k === 4) return Array.from({ length: randomInt(0, 5) }, () => randomValue(depth + 1))
  const o = {}
  const n = randomInt(0, 6)
  for (let i = 0; i < n; i++) o[randomString(true)] = randomValue(depth + 1)
  return o
}

// The document's text with numbers spelled in several ways (more digits, exponents), so the
// C side must find the shortest form itself rather than copy JSON.stringify's.
function spell (v) {
  if (typeof v === 'number') {
    switch (randomInt(4)) {
      case 0: return v.toPrecision(17)
      case 1: return v.toExponential(20).replace('e', randomInt(2) ? 'E' : 'e')
      default: return JSON.stringify(v)
    }
  }
  if (Array.isArray(v)) return '[ ' + v.map(spell).join(' , ') + ' ]'
  if (v !== null && typeof v === 'object') {
    return '{' + Object.keys(v).map((k) => JSON.stringify(k) + ': ' + spell(v[k])).join(',') + '}'
  }
  return JSON.stringify(v)
}

test('canonical JSON matches json-canonicalize on random documents', () => {
  const texts = []
  for (let i = 0; i < 600; i++) {
    const doc = randomInt(2) ? randomValue(0) : { doc: randomValue(1) }
    texts.push(spell(typeof doc === 'object' && doc !== null ? doc : [doc]))
  }
  const ours = runTool('jcs', ['--lines'], texts)
  for (let i = 0; i < texts.length; i++) {
    assert.equal(ours[i], canonicalize(JSON.parse(texts[i])), `input: ${texts[i]}`)
  }
})

test('RFC 8785 sorting sample and edge numbers agree', () => {
  const texts = [
    '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Dalet","1":"One",' +
      '"\\ud83d\\ude00":"Emoji","\\u0080":"Control","\\u00f6":"o"}',
    '[9007199254740993, -0, -0.0, 12345678901234567890, 1E30, 4.50, 2e-3, 1e-27, 0.000001]',
    '{"b":1,"a":2,"b":3}',
    '["\\u0000\\u001f\\u007f\\u2028"]'
  ]
  const ours = runTool('jcs', ['--lines'], texts)
  texts.forEach((t, i) => assert.equal(ours[i], canonicalize(JSON.parse(t))))
})

// Rafiki's generateApiSignature (packages/backend/src/tests/apiSignature.ts), as written there.
function generateApiSignature (secret, version, body, timestamp = Date.now()) {
  const payload = `${timestamp}.${canonicalize(body)}`
  const hmac = createHmac('sha256', secret)
  hmac.update(payload)
  const digest = hmac.digest('hex')
  return `t=${timestamp}, v${version}=${digest}`
}

test('a signature made as Rafiki makes it verifies in C, once', () => {
  const secret = randomBytes(24).toString('base64url')
  const lines = []
  const expect = []
  const add = (header, body, want, now = Date.now(), s = secret) => {
    lines.push(JSON.stringify({ secret: s, header, body, now_ms: now }))
    expect.push(want)
  }
  // the admin UI's request shape: {variables, operationName, query}
  const gql = {
    variables: { input: { assetId: 'a4e0b6c2-1f3e-4a8e-9a55-0d2b7c7f0b11', amount: '100', idempotencyKey: 'k1' } },
    operationName: 'DepositAssetLiquidity',
    query: 'mutation DepositAssetLiquidity($input: DepositAssetLiquidityInput!) {\n  depositAssetLiquidity(input: $input) {\n    success\n  }\n}'
  }
  const raw = JSON.stringify(gql, null, 2) // key order and spacing as sent, not as signed
  const h = generateApiSignature(secret, 1, gql)
  add(h, raw, 'ok')
  add(h, raw, 'replayed')
  add(generateApiSignature(secret, 1, gql), raw.replace('"100"', '"101"'), 'bad_signature')
  add(generateApiSignature('not-the-secret', 1, gql), raw, 'bad_signature')
  add(generateApiSignature(secret, 2, gql), raw, 'wrong_version')
  const old = Date.now() - 31000
  add(generateApiSignature(secret, 1, gql, old), raw, 'expired')
  // an empty body is signed as {} (Rafiki's body parser gives {})
  add(generateApiSignature(secret, 1, {}), '', 'ok')
  add(null, raw, 'missing')
  // random documents, each signed over the parsed body as Rafiki's backend sees it
  for (let i = 0; i < 200; i++) {
    const doc = { doc: randomValue(1), n: i }
    const text = spell(doc)
    add(generateApiSignature(secret, 1, JSON.parse(text), Date.now() + i), text, 'ok')
  }
  const got = runTool('admin_sig', ['1', '30'], lines)
  got.forEach((g, i) => assert.equal(g, expect[i], `line ${i}: ${lines[i]}`))
})
