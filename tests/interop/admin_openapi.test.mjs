// docs/admin-openapi.yaml stays true to the code: every admin route the C sources register
// (ADMIN_ROUTE("METHOD", "/path", handler)) is documented, and every documented operation is
// registered (GET /healthz is every listener's, from http/server.c). No server is started; this reads the sources and the document.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { root } from './lib/serve.mjs'

const require = createRequire(import.meta.url)
const yaml = require('js-yaml') // a dependency of @interledger/openapi, pinned by the lockfile

function cSources (dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? cSources(join(dir, e.name)) : e.name.endsWith('.c') ? [join(dir, e.name)] : [])
}

test('every admin route is in docs/admin-openapi.yaml and the other way round', () => {
  const inCode = new Set()
  for (const f of cSources(join(root, 'src'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/ADMIN_ROUTE\("([A-Z]+)",\s*"([^"]+)"/g)) inCode.add(`${m[1]} ${m[2]}`)
    // the operations routes of src/cmd/serve.c on the admin port: the rows of its INTERNAL_ROUTES table
    const ops = readFileSync(f, 'utf8').match(/INTERNAL_ROUTES\[\] = \{([^;]*)\};/)
    for (const m of (ops ? ops[1] : '').matchAll(/\{"([A-Z]+)", "([^"]+)"/g)) inCode.add(`${m[1]} ${m[2]}`)
  }
  inCode.add('GET /healthz') // every listener's, registered by the HTTP server itself
  assert.ok(inCode.size > 40, `found only ${inCode.size} routes: has ADMIN_ROUTE changed?`)
  const doc = yaml.load(readFileSync(join(root, 'docs', 'admin-openapi.yaml'), 'utf8'))
  const inDoc = new Set()
  const methods = ['get', 'put', 'post', 'delete', 'patch']
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of methods) if (item[m]) inDoc.add(`${m.toUpperCase()} ${path}`)
  }
  const undocumented = [...inCode].filter((r) => !inDoc.has(r))
  const unimplemented = [...inDoc].filter((r) => !inCode.has(r))
  assert.deepEqual(undocumented, [], 'routes missing from the document')
  assert.deepEqual(unimplemented, [], 'documented routes the code does not register')
})
