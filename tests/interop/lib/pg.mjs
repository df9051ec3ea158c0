// The throwaway Postgres of scripts/with-services.sh (TEST_POSTGRES_URL) for tests and benches
// that need a database of their own on it.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'

// base with its database name replaced by name (the query string, e.g. ?host=, is kept).
export function pgUrl (base, name) {
  const q = base.indexOf('?')
  const head = q < 0 ? base : base.slice(0, q)
  return head.slice(0, head.lastIndexOf('/') + 1) + name + (q < 0 ? '' : base.slice(q))
}

// Runs sql with psql on url; its unaligned, tuples-only output, trimmed. Throws on failure.
export function psql (url, sql) {
  const r = spawnSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`)
  return r.stdout.trim()
}

// The DATABASE_URL env of one `rafiki serve`: a new database named prefix_<random> on
// TEST_POSTGRES_URL when it is set, else {} (the default SQLite file in the server's directory).
export function serveDatabase (prefix) {
  const pg = process.env.TEST_POSTGRES_URL
  if (!pg) return {}
  const db = prefix + '_' + randomUUID().replaceAll('-', '')
  psql(pg, `CREATE DATABASE ${db}`)
  return { DATABASE_URL: pgUrl(pg, db) }
}

// TEST_REDIS_URL on a Redis database of the suite's own (1-15; 0 is everyone else's), or
// undefined when it is not set: suites that run at once share one Redis server, and the
// console's sign-in limits count failures per address (127.0.0.1 for every suite), so one
// suite's deliberate failures would lock the others out.
export function serveRedis (db) {
  const url = process.env.TEST_REDIS_URL
  if (!url) return undefined
  if (!Number.isInteger(db) || db < 1 || db > 15) throw new Error(`serveRedis: db ${db} is not 1-15`)
  return url.startsWith('unix://') ? `${url}?db=${db}` : `${url.replace(/\/\d*$/, '')}/${db}`
}
