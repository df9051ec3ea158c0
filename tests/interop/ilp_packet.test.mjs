// Interop: packets built by the npm `ilp-packet` library are decoded by our C codec field for
// field, packets encoded by our codec are read back by ilp-packet, and both encoders must agree
// byte for byte. Our side runs through build/tools/ilp_codec (RAFIKI_BUILD or ../../build).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as IlpPacket from 'ilp-packet'

const here = path.dirname(fileURLToPath(import.meta.url))
const build = process.env.RAFIKI_BUILD ?? path.join(here, '..', '..', 'build')
const codec = path.join(build, 'tools', 'ilp_codec')

function runCodec (mode, lines) {
  const r = spawnSync(codec, [mode], { input: lines.join('\n') + '\n', maxBuffer: 1 << 28 })
  assert.equal(r.status, 0, `ilp_codec ${mode} exited ${r.status}: ${r.stderr}`)
  const out = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(out.length, lines.length)
  return out
}

const SCHEMES = ['g', 'private', 'example', 'peer', 'self', 'test', 'test1', 'test2', 'test3', 'local']
const SEG = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_~-'

function randomAddress () {
  const long = randomInt(10) === 0
  let a = SCHEMES[randomInt(SCHEMES.length)]
  const segs = long ? randomInt(10, 60) : randomInt(1, 6)
  for (let i = 0; i < segs; i++) {
    let s = '.'
    const n = randomInt(1, long ? 20 : 12)
    for (let j = 0; j < n; j++) s += SEG[randomInt(SEG.length)]
    if (a.length + s.length > 1023) break
    a += s
  }
  return a
}

function randomData () {
  const r = randomInt(20)
  const n = r === 0 ? 32767 : r < 4 ? randomInt(128, 300) : r < 6 ? 0 : randomInt(1, 128)
  return randomBytes(n)
}

function randomAmount () {
  const r = randomInt(4)
  if (r === 0) return '18446744073709551615'
  if (r === 1) return '0'
  return BigInt('0x' + randomBytes(randomInt(1, 9)).toString('hex')).toString()
}

function randomDate () {
  // 1970 .. 9999, millisecond precision
  return new Date(randomInt(0, 2 ** 47) % 253402300799999)
}

const MESSAGES = ['', 'insufficient liquidity', 'äöü unicode ✓', 'x'.repeat(8191)]
// unregistered IA5 codes too: they are valid and relayed as they are
const CODES = ['F00', 'F01', 'F02', 'F08', 'F99', 'T00', 'T04', 'R00', 'R01', 'R99', 'tw\x7f', 'a\x01 ']

function randomPacket () {
  switch (randomInt(3)) {
    case 0:
      return {
        type: IlpPacket.Type.TYPE_ILP_PREPARE,
        data: {
          amount: randomAmount(),
          expiresAt: randomDate(),
          executionCondition: randomBytes(32),
          destination: randomAddress(),
          data: randomData()
        }
      }
    case 1:
      return { type: IlpPacket.Type.TYPE_ILP_FULFILL, data: { fulfillment: randomBytes(32), data: randomData() } }
    default:
      return {
        type: IlpPacket.Type.TYPE_ILP_REJECT,
        data: {
          code: CODES[randomInt(CODES.length)],
          triggeredBy: randomInt(5) === 0 ? '' : randomAddress(),
          message: MESSAGES[randomInt(MESSAGES.length)],
          data: randomData()
        }
      }
  }
}

function assertSameFields (pkt, ours) {
  const d = pkt.data
  if (pkt.type === IlpPacket.Type.TYPE_ILP_PREPARE) {
    assert.equal(ours.type, 'prepare')
    assert.equal(ours.amount, d.amount)
    assert.equal(ours.expires_at, d.expiresAt.toISOString())
    assert.equal(ours.execution_condition_hex, d.executionCondition.toString('hex'))
    assert.equal(ours.destination, d.destination)
    assert.equal(ours.data_hex, d.data.toString('hex'))
  } else if (pkt.type === IlpPacket.Type.TYPE_ILP_FULFILL) {
    assert.equal(ours.type, 'fulfill')
    assert.equal(ours.fulfillment_hex, d.fulfillment.toString('hex'))
    assert.equal(ours.data_hex, d.data.toString('hex'))
  } else {
    assert.equal(ours.type, 'reject')
    assert.equal(ours.code, d.code)
    assert.equal(ours.triggered_by, d.triggeredBy)
    assert.equal(ours.message_hex, Buffer.from(d.message, 'utf8').toString('hex'))
    assert.equal(ours.message, d.message)
    assert.equal(ours.data_hex, d.data.toString('hex'))
  }
}

test('ilp_codec tool is built', () => {
  assert.ok(existsSync(codec), `missing ${codec}: run make ${path.relative(process.cwd(), codec)}`)
})

test('our decoder reads packets serialized by ilp-packet, field for field', () => {
  const packets = Array.from({ length: 400 }, randomPacket)
  const wire = packets.map((p) => IlpPacket.serializeIlpPacket(p).toString('hex'))
  const decoded = runCodec('decode', wire)
  packets.forEach((p, i) => {
    assert.equal(decoded[i].error, undefined, `packet ${i} rejected: ${decoded[i].error}`)
    assertSameFields(p, decoded[i])
  })
})

test('our encoder matches ilp-packet byte for byte, and ilp-packet reads ours', () => {
  const packets = Array.from({ length: 400 }, randomPacket)
  const wire = packets.map((p) => IlpPacket.serializeIlpPacket(p).toString('hex'))
  const decoded = runCodec('decode', wire)
  const encoded = runCodec('encode', decoded.map((o) => JSON.stringify(o)))
  encoded.forEach((e, i) => {
    assert.equal(e.error, undefined, `packet ${i} not encoded: ${e.error}`)
    assert.equal(e.hex, wire[i], `packet ${i} encodes differently`)
    const back = IlpPacket.deserializeIlpPacket(Buffer.from(e.hex, 'hex'))
    assert.equal(back.type, packets[i].type)
    assertSameFields(back, decoded[i])
  })
})

test('truncated ilp-packet encodings are rejected by our decoder', () => {
  const lines = []
  for (let i = 0; i < 100; i++) {
    const buf = IlpPacket.serializeIlpPacket(randomPacket())
    lines.push(buf.subarray(0, randomInt(buf.length)).toString('hex'))
  }
  for (const r of runCodec('decode', lines)) assert.ok(r.error, 'truncated packet accepted')
})

test('our codec refuses a bad timestamp in an ilp-packet Prepare and a bad address to encode', () => {
  const good = IlpPacket.serializeIlpPrepare({
    amount: '1', expiresAt: new Date('2020-02-29T23:59:59.999Z'), executionCondition: Buffer.alloc(32, 7),
    destination: 'g.alice', data: Buffer.alloc(0)
  })
  const badTime = Buffer.from(good)
  badTime.write('20190229', 10, 'ascii') // 2019 is not a leap year
  const [ok, bad] = runCodec('decode', [good.toString('hex'), badTime.toString('hex')])
  assert.equal(ok.expires_at, '2020-02-29T23:59:59.999Z')
  assert.match(bad.error, /timestamp/)
  const [badAddr] = runCodec('encode', [JSON.stringify({ ...ok, destination: 'nope.alice' })])
  assert.match(badAddr.error, /address/)
})
