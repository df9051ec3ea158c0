// A GraphQL client for the interop tests, as a Rafiki operator's backend calls Rafiki's Admin
// APIs: graphql-request over HTTP, every request signed as Rafiki's own clients sign
// (`signature: t=<Date.now()>, v<version>=<hex HMAC-SHA256(secret, "<t>.<RFC 8785 JSON of the
// body>")>`) with the `tenant-id` header. Before a document is sent it is validated against
// Rafiki's published SDL (../shared/specs/rafiki-admin), so a test cannot pass by sending
// something Rafiki itself would refuse; tests of bad input say so with { invalid: true }.
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { GraphQLClient, ClientError } from 'graphql-request'
import { buildSchema, parse, validate } from 'graphql'
import { canonicalize } from 'json-canonicalize'
import { root } from './serve.mjs'

const shared = process.env.SHARED ? resolve(root, process.env.SHARED) : join(root, '..', 'shared')
const schemas = {}

// Rafiki's schema ('backend' or 'auth') as graphql-js builds it from the published SDL.
export function rafikiSchema (which = 'backend') {
  if (!schemas[which]) {
    const file = join(shared, 'specs', 'rafiki-admin', `${which}-schema.graphql`)
    schemas[which] = buildSchema(readFileSync(file, 'utf8'))
  }
  return schemas[which]
}

// Throws unless doc is a valid operation against Rafiki's SDL.
export function assertValid (doc, which = 'backend') {
  const errors = validate(rafikiSchema(which), parse(doc))
  if (errors.length) throw new Error(`document invalid against Rafiki's ${which} SDL: ${errors.map((e) => e.message).join('; ')}`)
}

// The signature header of a body (an object) as Rafiki's generateApiSignature makes it.
export function sign (body, secret, version = 1, at = Date.now()) {
  const digest = createHmac('sha256', secret).update(`${at}.${canonicalize(body)}`).digest('hex')
  return `t=${at}, v${version}=${digest}`
}

// { request(doc, variables) -> data (throws ClientError with .response.errors on errors),
//   raw(doc, variables, opts) -> { status, body, text } without throwing,
//   post(bodyText, headers) -> { status, text, body } for malformed envelopes }.
export function gqlClient ({ url, secret, tenantId, version = 1, which = 'backend' }) {
  const headersFor = (body) => {
    const h = { 'content-type': 'application/json', signature: sign(body, secret, version) }
    if (tenantId) h['tenant-id'] = tenantId
    return h
  }
  const client = new GraphQLClient(url, {
    requestMiddleware: (request) => {
      const body = JSON.parse(request.body)
      return { ...request, headers: { ...request.headers, ...headersFor(body) } }
    }
  })
  async function post (text, headers) {
    const res = await fetch(url, { method: 'POST', headers, body: text })
    const t = await res.text()
    let body
    try { body = JSON.parse(t) } catch {}
    return { status: res.status, text: t, body }
  }
  return {
    async request (doc, variables = {}) {
      assertValid(doc, which)
      return client.request(doc, variables)
    },
    async raw (doc, variables = {}, { invalid = false, operationName } = {}) {
      if (!invalid) assertValid(doc, which)
      const body = { query: doc, variables }
      if (operationName) body.operationName = operationName
      return post(JSON.stringify(body), headersFor(body))
    },
    post,
    headersFor
  }
}

export { ClientError }
