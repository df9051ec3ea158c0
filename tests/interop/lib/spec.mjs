// Checks answers of a `rafiki serve` against the published specs with @interledger/openapi (the
// validator the TypeScript Rafiki uses): the Open Payments 1.3.0 resource and authorization
// server specs and Rafiki's token-introspection and id-provider specs, read from
// ../shared/specs. The official client validates only its 2xx answers; this checks every
// status (an unlisted one fails: "An unknown status code was used", but see UNLISTED) and every
// body, errors too.
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { root } from './serve.mjs'

const require = createRequire(import.meta.url)
const { createOpenAPI } = require('@interledger/openapi')

// ../shared next to the repository, or SHARED (as the Makefile takes it) for a clone elsewhere
const specs = join(process.env.SHARED ? resolve(root, process.env.SHARED) : join(root, '..', 'shared'), 'specs', 'open-payments')

// ports: startServe's ports. Returns check(method, url, status, body), which throws with the
// validator's messages when the answer is not what the spec allows, and returns whether a spec
// path matched (false: nothing to check, e.g. a wallet address document).
// Statuses some operations do not list but every server needs, as Rafiki answers them: 400 for
// a body that fails validation (Rafiki's validator middleware), 409 for a resource in the wrong
// state, 413 for a body over the limit. Their body must still be the specs' error object.
const UNLISTED = [400, 409, 413]
function unlisted (status, body) {
  const e = body?.error
  return UNLISTED.includes(status) && typeof e?.code === 'string' && typeof e?.description === 'string'
}

export async function specChecker (ports) {
  const [rs, as, intro, idp] = await Promise.all(
    ['resource-server.yaml', 'auth-server.yaml', 'rafiki/token-introspection.yaml', 'rafiki/id-provider.yaml']
      .map((f) => createOpenAPI(join(specs, f))))
  const byPort = {
    [ports.op]: [rs],
    [ports.auth]: [as, idp], // /interact/... is in the id-provider spec
    [ports.intro]: [intro],
    [ports.inter]: [idp]
  }
  const match = (api, path) => Object.keys(api.paths).find((p) =>
    new RegExp('^' + p.replace(/\{[^}]+\}/g, '[^/]+') + '$').test(path))

  return function check (method, url, status, body) {
    const u = new URL(url)
    for (const api of byPort[Number(u.port)] ?? []) {
      const path = match(api, u.pathname)
      if (!path || !api.paths[path][method.toLowerCase()]) continue
      const validate = api.createResponseValidator({ path, method: method.toLowerCase() })
      try {
        validate({ status, body: body ?? undefined })
      } catch (e) {
        const why = e.errors ? e.errors.map((x) => x.message).join('; ') : String(e)
        if (/unknown status code/.test(why) && unlisted(status, body)) return true
        throw new Error(`${method} ${u.pathname} ${status}: not what the spec allows: ${why} (${JSON.stringify(body)})`)
      }
      return true
    }
    return false
  }
}
