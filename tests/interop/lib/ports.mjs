// Free TCP ports on 127.0.0.1 for the servers an interop test spawns: the one helper every
// test uses, so that no test picks ports at random. All n listeners stay open until each has
// its port, so one call never returns the same port twice. Another process may still take a
// port between our close and the server's bind; tests wait for /healthz before they use it.
import net from 'node:net'

function listenEphemeral () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => resolve(s))
  })
}

export async function freePorts (n) {
  const servers = []
  try {
    for (let i = 0; i < n; i++) servers.push(await listenEphemeral())
    return servers.map((s) => s.address().port)
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
