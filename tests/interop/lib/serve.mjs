// One real `rafiki serve` process with all seven listeners on free loopback ports, an SQLite
// database and a data directory of its own under `dir`; resolves once /healthz answers on
// the admin and the auth port (or the listeners named in `health`). Used by the Open Payments tests, which need every port.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { randomBytes } from 'node:crypto'
import { freePorts } from './ports.mjs'

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
export const bin = join(process.env.RAFIKI_BUILD ?? join(root, 'build'), 'rafiki')
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Sanitizer builds (RAFIKI_BUILD=build/asan, made with SAN=1; scripts/test-all.sh runs some
// suites so): a sanitizer report on a server's stderr fails the test file, also when no request
// saw it (a worker thread's error, one after the last answer). The reports are collected here
// and the file's process exits 1, which node --test counts as a failed test. test-all.sh also
// sets ASAN_OPTIONS/UBSAN_OPTIONS so that the server aborts at the first report, and the request
// that caused it fails at once.
const SANITIZER_REPORT = /ERROR: [A-Za-z]*Sanitizer|runtime error:/
export const sanitizerReports = []
process.on('exit', () => {
  if (sanitizerReports.length === 0) return
  console.error(`sanitizer reports from rafiki:\n  ${sanitizerReports.join('\n  ')}`)
  process.exitCode = 1
})

// Reads proc's stderr (spawned with stdio[2] 'pipe') line by line: each line goes to onLine
// (default: this process's stderr) and is checked for a sanitizer report.
export function watchStderr (proc, name, onLine = (line) => process.stderr.write(line + '\n')) {
  let rest = ''
  const take = (line) => {
    if (SANITIZER_REPORT.test(line)) sanitizerReports.push(`${name}: ${line}`)
    onLine(line)
  }
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n')
    rest = parts.pop()
    parts.forEach(take)
  })
  proc.stderr.on('end', () => { if (rest) take(rest) })
}

// name: file names and log prefix; ilp: ILP_ADDRESS; secret: ADMIN_API_SECRET; env: extras;
// use: ports to take instead of free ones (e.g. { op, auth } whose URLs are already known);
// args: more arguments of `rafiki serve` (e.g. --components auth); health: the listeners whose
// /healthz must answer before it counts as started; logs: keep the process's stderr lines in
// the returned `logs` array instead of passing them through.
export async function startServe ({ dir, name, ilp, secret, env = {}, use = {}, args = [], health = ['admin', 'auth'], logs = false }) {
  const [op0, admin0, conn0, auth0, intro0, inter0, authAdmin0] = await freePorts(7)
  const ports = { op: op0, admin: admin0, conn: conn0, auth: auth0, intro: intro0, inter: inter0, authAdmin: authAdmin0, ...use }
  const { op, admin, conn, auth, intro, inter, authAdmin } = ports
  const proc = spawn(bin, ['serve', ...args], {
    cwd: dir,
    env: {
      ...process.env,
      DATABASE_URL: `sqlite:${join(dir, name + '.db')}`,
      RAFIKI_DATA_DIR: join(dir, name),
      ADMIN_API_SECRET: secret,
      ILP_ADDRESS: ilp,
      STREAM_SECRET: randomBytes(32).toString('hex'),
      OPEN_PAYMENTS_PORT: String(op),
      OPEN_PAYMENTS_URL: `http://localhost:${op}`,
      AUTH_SERVER_URL: `http://localhost:${auth}`,
      ADMIN_PORT: String(admin),
      CONNECTOR_PORT: String(conn),
      AUTH_PORT: String(auth),
      INTROSPECTION_PORT: String(intro),
      INTERACTION_PORT: String(inter),
      AUTH_ADMIN_PORT: String(authAdmin),
      RAFIKI_SQL_DIR: join(root, 'sql'),
      LOG_LEVEL: 'warn',
      ...env
    },
    stdio: ['ignore', 'inherit', 'pipe']
  })
  const lines = []
  watchStderr(proc, name, logs ? (line) => lines.push(line) : undefined)
  for (let i = 0; ; i++) {
    try {
      const answers = await Promise.all(health.map((h) => fetch(`http://127.0.0.1:${ports[h]}/healthz`)))
      if (answers.every((r) => r.ok)) break
    } catch {}
    if (proc.exitCode !== null) throw new Error(`${name}: rafiki serve exited (${proc.exitCode})`)
    if (i > 100) throw new Error(`${name}: rafiki serve did not start`)
    await sleep(100)
  }

  // An admin API call: { status, json }.
  async function call (method, path, body) {
    const r = await fetch(`http://127.0.0.1:${admin}${path}`, {
      method,
      headers: { Authorization: `Bearer ${secret}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined
    })
    return { status: r.status, json: await r.json() }
  }
  // An admin API call that must succeed: its JSON.
  async function adminCall (method, path, body) {
    const { status, json } = await call(method, path, body)
    assert.ok(status < 300, `${name} ${method} ${path}: ${status} ${JSON.stringify(json)}`)
    return json
  }
  return { name, proc, ports, call, admin: adminCall, logs: lines }
}
