// Free TCP ports on 127.0.0.1 for the servers an interop test spawns: the one helper every
// test uses, so that no test picks ports at random by itself. The ports come from below the
// kernel's ephemeral range, so that no outgoing connection (a health check, a peer's client) and
// no in-process `listen(0)` server of any suite takes one between our check and the server's
// bind. All n listeners stay open until each has its port, and a port is never returned twice
// in one process. Another suite may still choose the same port in that window (1 in ~20k);
// tests wait for /healthz before they use a server.
import net from 'node:net'
import { readFileSync } from 'node:fs'

// The first port of the kernel's ephemeral range (Linux), 32768 when it cannot be read.
function ephemeralLow () {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 12000 ? low : 32768
  } catch {
    return 32768
  }
}
const LOW = 10000
const HIGH = ephemeralLow() - 1

function listenOn (port) {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(null))
    s.listen(port, '127.0.0.1', () => resolve(s))
  })
}

// Ports already handed out by this process: a test that takes ports in several calls (one
// instance's listeners, then another's) would otherwise be given a port again that an earlier
// call returned but whose server has not bound it yet.
const given = new Set()

export async function freePorts (n) {
  const servers = []
  const ports = []
  try {
    while (ports.length < n) {
      const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1))
      if (given.has(port)) continue
      const s = await listenOn(port)
      if (s === null) continue
      servers.push(s)
      given.add(port)
      ports.push(port)
    }
    return ports
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

export async function freePort () {
  return (await freePorts(1))[0]
}

// The three listener ports of one `rafiki serve` process.
export async function nodePorts () {
  const [op, admin, conn] = await freePorts(3)
  return { op, admin, conn }
}

// Whether every one of these ports can be bound on 127.0.0.1 right now (for programs that take
// a base port and use fixed offsets from it, as `rafiki playground --ports` does).
export async function portsFree (ports) {
  const servers = []
  try {
    for (const p of ports) {
      servers.push(await new Promise((resolve, reject) => {
        const s = net.createServer()
        s.once('error', reject)
        s.listen(p, '127.0.0.1', () => resolve(s))
      }))
    }
    return true
  } catch {
    return false
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}
