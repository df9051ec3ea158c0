// deploy/: the Kubernetes manifests are checked against the Kubernetes API's own schemas
// (kubernetes-models, generated from the upstream OpenAPI definitions) and against what the
// binary does: each Deployment runs a role `rafiki serve --components` knows, listens on the
// ports that role opens, probes /readyz and /healthz there, has resource requests and runs as
// non-root; every Service targets a port its pods name; every variable the manifests set is
// one docs/CONFIG.md documents; kustomization.yaml lists every file. The Dockerfile is linted
// with dockerfile-utils (the validator of the VS Code Docker tools) and checked for a
// multi-stage build, a non-root user, a health check and the files the build needs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { root } from './lib/serve.mjs'

const require = createRequire(import.meta.url)
const yaml = require('js-yaml')
const { validate: lintDockerfile } = require('dockerfile-utils')

const k8s = join(root, 'deploy', 'k8s')
const ROLE_PORTS = { backend: [3000, 3001, 3002], auth: [3003, 3006, 3007, 3009] }
const PROBE_PORT = { backend: 3001, auth: 3006 }

async function models () {
  const [core, apps, batch] = await Promise.all([
    import('kubernetes-models/v1'), import('kubernetes-models/apps/v1'), import('kubernetes-models/batch/v1')])
  return {
    'v1/Namespace': core.Namespace,
    'v1/ConfigMap': core.ConfigMap,
    'v1/Secret': core.Secret,
    'v1/Service': core.Service,
    'apps/v1/Deployment': apps.Deployment,
    'apps/v1/StatefulSet': apps.StatefulSet,
    'batch/v1/Job': batch.Job
  }
}

function documents () {
  const files = readdirSync(k8s).filter((f) => f.endsWith('.yaml'))
  return files.flatMap((f) => yaml.loadAll(readFileSync(join(k8s, f), 'utf8')).filter(Boolean).map((doc) => ({ file: f, doc })))
}

test('every manifest is valid against the Kubernetes schemas', async () => {
  const byKind = await models()
  const docs = documents().filter(({ doc }) => doc.kind !== 'Kustomization')
  assert.ok(docs.length >= 10, `manifests found: ${docs.length}`)
  for (const { file, doc } of docs) {
    const Model = byKind[`${doc.apiVersion}/${doc.kind}`]
    assert.ok(Model, `${file}: ${doc.apiVersion} ${doc.kind} has no schema here`)
    assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata?.name}`)
  }
  // the schemas do catch mistakes
  const bad = structuredClone(docs.find(({ doc }) => doc.kind === 'Deployment').doc)
  bad.spec.template.spec.containers[0].ports[0].containerPort = 'three thousand'
  assert.throws(() => new byKind['apps/v1/Deployment'](bad).validate())
})

test('the deployments match what rafiki serve --components does', () => {
  const docs = documents().map(({ doc }) => doc)
  const config = readFileSync(join(root, 'docs', 'CONFIG.md'), 'utf8')
  const roles = new Set()
  for (const d of docs.filter((x) => x.kind === 'Deployment' && x.metadata.name.startsWith('rafiki-') && x.spec.template.spec.containers[0].image.startsWith('rafiki-c'))) {
    const pod = d.spec.template.spec
    const c = pod.containers[0]
    const i = c.args.indexOf('--components')
    assert.ok(i >= 0 && c.args[0] === 'serve', `${d.metadata.name}: rafiki serve --components ROLE`)
    const role = c.args[i + 1]
    assert.ok(ROLE_PORTS[role], `${d.metadata.name}: unknown role ${role}`)
    roles.add(role)
    assert.deepEqual(c.ports.map((p) => p.containerPort).sort(), ROLE_PORTS[role], `${d.metadata.name}: the ports of ${role}`)
    const named = Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]))
    const port = (p) => typeof p === 'string' ? named[p] : p
    assert.equal(c.readinessProbe.httpGet.path, '/readyz')
    assert.equal(port(c.readinessProbe.httpGet.port), PROBE_PORT[role])
    assert.equal(c.livenessProbe.httpGet.path, '/healthz')
    assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${d.metadata.name}: resource requests`)
    assert.equal(pod.securityContext.runAsNonRoot, true)
    assert.ok(d.spec.replicas >= 2, `${d.metadata.name}: replicas`)
    assert.ok(pod.terminationGracePeriodSeconds * 1000 > Number(docs.find((x) => x.kind === 'ConfigMap').data.SHUTDOWN_TIMEOUT_MS),
      'the grace period outlasts SHUTDOWN_TIMEOUT_MS')
    for (const e of c.env) assert.match(config, new RegExp('`' + e.name + '`'), `${e.name} is documented in docs/CONFIG.md`)
  }
  assert.deepEqual([...roles].sort(), ['auth', 'backend'])
  for (const name of Object.keys(docs.find((x) => x.kind === 'ConfigMap').data)) {
    assert.match(config, new RegExp('`' + name + '`'), `${name} is documented in docs/CONFIG.md`)
  }
  // every Service selects pods that name its target ports
  for (const s of docs.filter((x) => x.kind === 'Service')) {
    const pods = docs.filter((x) => ['Deployment', 'StatefulSet'].includes(x.kind) &&
      Object.entries(s.spec.selector).every(([k, v]) => x.spec.template.metadata.labels[k] === v))
    assert.ok(pods.length > 0, `${s.metadata.name} selects no pods`)
    for (const p of s.spec.ports) {
      for (const w of pods) {
        const names = w.spec.template.spec.containers.flatMap((c) => c.ports.map((x) => x.name))
        assert.ok(names.includes(p.targetPort), `${s.metadata.name}: ${w.metadata.name} has no port ${p.targetPort}`)
      }
    }
  }
  const listed = yaml.load(readFileSync(join(k8s, 'kustomization.yaml'), 'utf8')).resources.sort()
  const files = readdirSync(k8s).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()
  assert.deepEqual(listed, files, 'kustomization.yaml lists every manifest')
})

test('deploy/Dockerfile: lint-clean, multi-stage, non-root, health check, builds from what it copies', () => {
  const text = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8')
  const problems = lintDockerfile(text)
  assert.deepEqual(problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`), [])
  assert.ok(lintDockerfile('FROM debian:12\nEXPOSE nope\nUSER\n').length > 0, 'the linter finds problems')
  const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1])
  assert.ok(froms.length >= 2 && froms.at(-1).startsWith('debian:12-slim'), `stages: ${froms}`)
  const user = [...text.matchAll(/^USER (\S+)/gm)].at(-1)?.[1]
  assert.ok(user && user !== 'root' && user !== '0', 'runs as a non-root user')
  assert.match(text, /^HEALTHCHECK [\s\S]*?\/healthz/m)
  for (const m of text.matchAll(/^COPY (?!--from)(\S+)/gm)) assert.ok(existsSync(join(root, m[1])), `COPY ${m[1]}: exists`)
  const exposed = [...text.matchAll(/^EXPOSE (.+)$/gm)].flatMap((m) => m[1].split(/\s+/).map(Number)).sort()
  assert.deepEqual(exposed, [...ROLE_PORTS.backend, ...ROLE_PORTS.auth].sort())
})
