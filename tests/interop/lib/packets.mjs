// STREAM money packets built with the npm ilp-protocol-stream's own packet and crypto code, for
// tests that post raw ILP Prepares to a connector: each one a real STREAM packet that our
// stateless receiver can decrypt and fulfil.
import { createHash } from 'node:crypto'
import * as IlpPacket from 'ilp-packet'
import { Packet, StreamMoneyFrame, StreamDataFrame } from 'ilp-protocol-stream/dist/src/packet.js'
import {
  generatePskEncryptionKey,
  generateFulfillmentKey,
  generateFulfillment
} from 'ilp-protocol-stream/dist/src/crypto.js'

// The keys of SPSP or incoming-payment credentials ({destination_account, shared_secret}).
export async function streamKeys (cred) {
  const secret = Buffer.from(cred.shared_secret, 'base64')
  return {
    destination: cred.destination_account,
    encKey: await generatePskEncryptionKey(secret),
    fulKey: await generateFulfillmentKey(secret)
  }
}

let seq = 1

// A serialized Prepare carrying one STREAM money frame of amount, expiring in expiryMs.
export async function moneyPrepare (keys, amount, expiryMs) {
  const data = await new Packet(seq++, IlpPacket.Type.TYPE_ILP_PREPARE, 0, [
    new StreamMoneyFrame(1, 1)
  ]).serializeAndEncrypt(keys.encKey)
  const fulfillment = await generateFulfillment(keys.fulKey, data)
  return IlpPacket.serializeIlpPrepare({
    amount: String(amount),
    executionCondition: createHash('sha256').update(fulfillment).digest(),
    expiresAt: new Date(Date.now() + expiryMs),
    destination: keys.destination,
    data
  })
}

// The same with data from the sender on stream 1 (a StreamData frame at offset 0) next to the
// money, as a sending wallet attaches it to a payment.
export async function dataPrepare (keys, amount, expiryMs, bytes) {
  const data = await new Packet(seq++, IlpPacket.Type.TYPE_ILP_PREPARE, 0, [
    new StreamMoneyFrame(1, 1),
    new StreamDataFrame(1, 0, Buffer.from(bytes))
  ]).serializeAndEncrypt(keys.encKey)
  const fulfillment = await generateFulfillment(keys.fulKey, data)
  return IlpPacket.serializeIlpPrepare({
    amount: String(amount),
    executionCondition: createHash('sha256').update(fulfillment).digest(),
    expiresAt: new Date(Date.now() + expiryMs),
    destination: keys.destination,
    data
  })
}

// A reply (Fulfill or Reject) and the STREAM packet inside it, decrypted: { type, code, frames }
// (frames null when it carries none).
export async function streamReply (keys, buf) {
  const reply = IlpPacket.deserializeIlpReply(buf)
  const isReject = IlpPacket.isReject(reply)
  let frames = null
  if (reply.data.length) frames = (await Packet.decryptAndDeserialize(keys.encKey, reply.data)).frames
  return { type: isReject ? 'reject' : 'fulfill', code: isReject ? reply.code : undefined, frames }
}
