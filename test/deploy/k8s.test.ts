import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants';
import Ajv, { ValidateFunction } from 'ajv';
import { Client } from 'pg';
import * as ts from 'typescript';
import { parse } from 'yaml';
import { certPaths, generateIdentities, seedPath } from '@ctp/messaging';
import { HealthController } from '@ctp/observability';
import { SERVICE_DATABASES } from '@ctp/persistence';
import { loadHubConfig } from '../../apps/hub/src/config/hub.config';
import { loadPartnerLiaisonConfig } from '../../apps/partner-liaison/src/config/partner-liaison.config';
import { loadOutboundConfig } from '../../apps/partner-liaison/src/outbound/outbound.config';
import { loadPlatformConfig } from '../../apps/platform/src/config/platform.config';
import { adminNatsSettings } from '../../scripts/admin-nats';
import { USAGE as NATS_PROVISION_USAGE } from '../../scripts/nats-provision';
import { PG_ADMIN_URL } from '../support/databases';
import { ROOT } from '../support/services';
import { K8sObject, KustomizeError, readYamlDocuments, renderKustomization, strategicMerge } from './k8s-kustomize';

/*
 * deploy/k8s checked offline, nothing fetched: both overlays rendered by a small kustomize (./k8s-kustomize.ts), every
 * object validated against the Kubernetes schemas of the `kubernetes-models` package and CloudNativePG's CRD schemas
 * vendored in deploy/k8s/schemas (unknown fields refused, as `kubectl apply --validate=strict` does), the NATS values
 * against the chart's own values.yaml; then against the code: each Deployment's environment, with the files its Secrets
 * mount, is read by the service's own configuration loader (every required setting there, none it does not read), and
 * every port, probe, database, role, NATS identity and network flow matches what the services do. Each check is a
 * function returning its problems, and each is shown to catch a broken manifest.
 */
const K8S = join(ROOT, 'deploy/k8s');
const OVERLAYS = ['dev', 'prod'] as const;
const SERVICES = ['hub-afr', 'hub-mde', 'hub-asi', 'hub-eur', 'platform', 'partner-liaison'];
const CNPG_SCHEMAS = join(K8S, 'schemas/cnpg-1.29.2');
const NATS_CHART_VALUES = join(K8S, 'schemas/nats-chart-2.14.2/values.yaml');
const README = readFileSync(join(K8S, 'README.md'), 'utf8');
const natsValues = parse(readFileSync(join(K8S, 'nats/values.yaml'), 'utf8')) as NatsValues;

interface NatsValues {
  fullnameOverride: string;
  config: {
    cluster: { enabled: boolean; replicas: number; tls: TlsValues };
    jetstream: { enabled: boolean; fileStore: { enabled: boolean; pvc: { enabled: boolean } } };
    nats: { port: number; tls: TlsValues };
    merge: Record<string, unknown>;
  };
  tlsCA: { enabled: boolean; secretName: string; key: string };
  container: { patch: { op: string; path: string; value: { name: string; mountPath: string } }[] };
  podTemplate: { patch: { op: string; path: string; value: { name: string; secret: { secretName: string } } }[] };
}
interface TlsValues {
  enabled: boolean;
  secretName: string;
  cert: string;
  key: string;
  merge: { verify?: boolean };
}

type Obj = Record<string, unknown>;
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Obj; limits?: Obj };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface SecretItems {
  name: string;
  items?: { key: string; path: string }[];
}
interface Volume {
  name: string;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  projected?: { sources: { secret?: SecretItems }[] };
  configMap?: { name: string };
  emptyDir?: Obj;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}

const rendered: Record<(typeof OVERLAYS)[number], K8sObject[]> = {
  dev: renderKustomization(join(K8S, 'overlays/dev')),
  prod: renderKustomization(join(K8S, 'overlays/prod')),
};
const find = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const podSpec = (o: K8sObject): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;
const podLabels = (o: K8sObject): Record<string, string> =>
  (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const clone = <T>(v: T): T => structuredClone(v);

// ---------------------------------------------------------------------------------------------------------------------
// Schemas

/** A kubernetes-models class for apiVersion/kind, e.g. apps/v1 Deployment -> kubernetes-models/apps/v1/Deployment. */
function kubernetesModel(apiVersion: string, kind: string): (new (data: unknown) => { validate(): void }) | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, new (d: unknown) => never>;
    return mod[kind];
  } catch {
    return undefined;
  }
}

/**
 * A CRD's structural schema, made strict: an object schema with properties and neither additionalProperties nor
 * x-kubernetes-preserve-unknown-fields takes no other field (the API server prunes them; strict validation refuses).
 */
function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'enum' || k === 'default' ? v : strictSchema(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const crdValidators: Record<string, ValidateFunction> = {};
for (const file of ['cluster.json', 'database.json']) {
  const crd = JSON.parse(readFileSync(join(CNPG_SCHEMAS, file), 'utf8')) as {
    group: string;
    version: string;
    kind: string;
    openAPIV3Schema: unknown;
  };
  crdValidators[`${crd.group}/${crd.version}/${crd.kind}`] = ajv.compile(strictSchema(crd.openAPIV3Schema) as object);
}

/** What is wrong with one object against its schema ([] when valid). */
function schemaProblems(o: K8sObject): string[] {
  const id = `${o.kind}/${o.metadata?.name}`;
  const crd = crdValidators[`${o.apiVersion}/${o.kind}`];
  if (crd) {
    return crd(o)
      ? []
      : (crd.errors ?? []).map(
          (e) => `${id}: ${e.instancePath || '/'} ${e.message} ${e.params ? JSON.stringify(e.params) : ''}`,
        );
  }
  const Model = kubernetesModel(o.apiVersion, o.kind);
  if (!Model) return [`${id}: no schema for ${o.apiVersion} ${o.kind}`];
  try {
    new Model(o).validate();
    return [];
  } catch (err) {
    return [`${id}: ${(err as Error).message}`];
  }
}

/**
 * Unknown fields in the Kubernetes objects (a typo such as `readinesProbe` is ignored by the API server, and by the
 * kubernetes-models validators): each object is type-checked as a literal of its kubernetes-models interface, whose
 * excess-property check refuses any field the API does not have. CloudNativePG's are refused by strictSchema instead.
 */
let previousProgram: ts.Program | undefined;

function unknownFieldProblems(objects: K8sObject[]): string[] {
  const core = objects.filter(
    (o) => !crdValidators[`${o.apiVersion}/${o.kind}`] && kubernetesModel(o.apiVersion, o.kind),
  );
  const file = join(ROOT, 'test/deploy/__k8s_objects__.ts');
  const source = core
    .map((o, i) => {
      const type = `import('kubernetes-models/${o.apiVersion}/${o.kind}').I${o.kind}`;
      return `// ${o.kind}/${o.metadata.name}\nexport const o${i}: ${type} = ${JSON.stringify(o)};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile.call(host, name, version, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? source : readFile.call(host, name));
  // The kubernetes-models declarations parsed once: a later check reuses the previous program's.
  const program = ts.createProgram([file], options, host, previousProgram);
  previousProgram = program;
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => {
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line : 0;
    const id = source.split('\n')[line - 1]?.slice(3) ?? '';
    return `${id}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Secrets: the ones README.md tells an operator to create, and test values for each of their keys

/** README.md's table "Secrets": secret name -> its keys. */
function documentedSecrets(readme = README): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readme.split('\n')) {
    const m = /^\| `(ctp-[a-z0-9-]+)` *\|[^|]*\|([^|]+)\|/.exec(line);
    if (m)
      out.set(
        m[1],
        [...m[2].matchAll(/`([^`]+)`/g)].map((k) => k[1]),
      );
  }
  return out;
}

/** (secret, key) pairs the rendered objects and the NATS values read. */
function referencedSecretKeys(objects: K8sObject[], values: NatsValues = natsValues): Set<string> {
  const refs = new Set<string>();
  for (const o of objects) {
    if (o.spec && (o.spec as Obj).template) {
      const spec = podSpec(o);
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])])
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) refs.add(`${ref.name}/${ref.key}`);
        }
      for (const v of spec.volumes ?? []) {
        const sources = [
          ...(v.secret ? [{ name: v.secret.secretName, items: v.secret.items }] : []),
          ...(v.projected?.sources ?? []).flatMap((s) => (s.secret ? [s.secret] : [])),
        ];
        for (const s of sources) {
          if (!s.items) refs.add(`${s.name}/*`);
          for (const i of s.items ?? []) refs.add(`${s.name}/${i.key}`);
        }
      }
    }
    if (o.kind === 'Cluster') {
      for (const r of (o.spec as { managed: { roles: { passwordSecret?: { name: string } }[] } }).managed.roles) {
        if (r.passwordSecret) ['username', 'password'].forEach((k) => refs.add(`${r.passwordSecret!.name}/${k}`));
      }
    }
  }
  for (const tls of [values.config.nats.tls, values.config.cluster.tls])
    [tls.cert, tls.key].forEach((k) => refs.add(`${tls.secretName}/${k}`));
  refs.add(`${values.tlsCA.secretName}/${values.tlsCA.key}`);
  for (const p of values.podTemplate.patch) {
    const mount = values.container.patch.find((c) => c.value.name === p.value.name)!.value.mountPath;
    const included = Object.entries(values.config.merge).find(([k]) => k.endsWith('$include'))?.[1] as string;
    // The include is relative to /etc/nats-config/nats.conf: ../nats-auth/x is /etc/nats-auth/x.
    const path = join('/etc/nats-config', included);
    if (dirname(path) === mount) refs.add(`${p.value.secret.secretName}/${path.slice(mount.length + 1)}`);
    else refs.add(`${p.value.secret.secretName}/(not included: ${path} is not under ${mount})`);
  }
  return refs;
}

/** The --host names of README's `npm run nats:identities` command (the server certificate's names). */
function readmeCertificateHosts(readme = README): string[] {
  const command = /npm run nats:identities -- ((?:\\\n|[^\n])*)/.exec(readme)?.[1] ?? '';
  return [...command.matchAll(/--host '?([^\s']+)'?/g)].map((m) => m[1]);
}

let identities: string;
let jwks: string;
const webhookKey = randomBytes(32).toString('base64');

/** The test value of one documented Secret key, as an operator would create it (README). */
function secretValue(secret: string, key: string): string {
  const nats = /^ctp-nats-(.+)$/.exec(secret);
  if (secret === 'ctp-nats-ca' && key === 'ca.crt') return readFileSync(join(identities, 'tls/ca.pem'), 'utf8');
  if (secret === 'ctp-nats-authorization' && key === 'authorization.conf')
    return readFileSync(join(identities, 'authorization.conf'), 'utf8');
  if (nats) {
    const id = nats[1] === 'server-tls' ? 'server' : nats[1];
    const tls = certPaths(identities, id);
    if (key === 'seed') return readFileSync(seedPath(identities, id), 'utf8');
    if (key === 'tls.crt') return readFileSync(tls.cert, 'utf8');
    if (key === 'tls.key') return readFileSync(tls.key, 'utf8');
  }
  if (secret === 'ctp-auth') {
    if (key === 'issuer') return 'https://id.example.org/realms/ctp';
    if (key === 'audience') return 'ctp';
    if (key === 'jwks.json') return jwks;
  }
  if (/^ctp-db-/.test(secret)) {
    if (key === 'password') return 'a password';
    if (key === 'username') return SERVICE_DATABASES.find((d) => `ctp-db-${d.service}` === secret)?.role ?? '?';
  }
  if (secret === 'ctp-webhook-secret-key' && key === 'key') return webhookKey;
  throw new Error(`no test value for Secret ${secret} key ${key}: is it in README.md's table?`);
}

// ---------------------------------------------------------------------------------------------------------------------
// A container's environment and files, as the kubelet would give them

interface Materialized {
  env: NodeJS.ProcessEnv;
  problems: string[];
  /** Which Secret each file path comes from (the path as the container sees it). */
  fileSecrets: Map<string, string>;
}

/** The environment of `container` (Secrets resolved), its mounted Secret and ConfigMap files written under `root`. */
function materialize(
  objects: K8sObject[],
  spec: PodSpec,
  container: Container,
  root: string,
  documented: Map<string, string[]>,
): Materialized {
  const problems: string[] = [];
  const env: NodeJS.ProcessEnv = {};
  const fileSecrets = new Map<string, string>();
  const secret = (name: string, key: string): string | undefined => {
    if (!documented.get(name)?.includes(key)) {
      problems.push(`${container.name}: Secret ${name} key ${key} is not in README.md's table of Secrets`);
      return undefined;
    }
    return secretValue(name, key);
  };
  const mounts = container.volumeMounts ?? [];
  for (const m of mounts) {
    const v = (spec.volumes ?? []).find((x) => x.name === m.name);
    if (!v) {
      problems.push(`${container.name}: volumeMount ${m.name} has no volume`);
      continue;
    }
    const dir = join(root, m.mountPath);
    mkdirSync(dir, { recursive: true });
    const sources = [
      ...(v.secret ? [{ name: v.secret.secretName, items: v.secret.items }] : []),
      ...(v.projected?.sources ?? []).flatMap((s) => (s.secret ? [s.secret] : [])),
    ];
    for (const s of sources) {
      if (!s.items) problems.push(`${container.name}: Secret ${s.name} mounted without items: name each file`);
      for (const i of s.items ?? []) {
        const value = secret(s.name, i.key);
        if (value === undefined) continue;
        writeFileSync(join(dir, i.path), value);
        fileSecrets.set(join(m.mountPath, i.path), s.name);
      }
    }
    if (v.configMap) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === v.configMap!.name);
      if (!cm) problems.push(`${container.name}: ConfigMap ${v.configMap.name} is not in the manifests`);
      for (const [k, text] of Object.entries((cm?.data as Record<string, string>) ?? {}))
        writeFileSync(join(dir, k), text);
    }
  }
  for (const e of container.env ?? []) {
    if (e.name in env) problems.push(`${container.name}: ${e.name} set twice`);
    const ref = e.valueFrom?.secretKeyRef;
    const value = ref ? secret(ref.name, ref.key) : e.value;
    if (value === undefined) continue;
    // A path under a mount is where the container sees that file: here, under root.
    const mounted = mounts.some((m) => value.startsWith(`${m.mountPath}/`));
    env[e.name] = mounted ? join(root, value) : value;
  }
  return { env, problems, fileSecrets };
}

/** An environment that records every variable read from it. */
function recording(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; read: Set<string> } {
  const read = new Set<string>();
  const proxy = new Proxy(env, {
    get: (t, k) => {
      if (typeof k === 'string') read.add(k);
      return t[k as string];
    },
    has: (t, k) => {
      if (typeof k === 'string') read.add(k);
      return k in t;
    },
  });
  return { env: proxy, read };
}

/** Read by the image's entry point (SERVICE) or by Node.js and libraries (NODE_ENV), not by a configuration loader. */
const READ_OUTSIDE_LOADERS = ['SERVICE', 'NODE_ENV'];

interface Loaded {
  service: string;
  port: number;
  natsUrl: string;
  databaseUrl: string;
  natsSeedFile?: string;
  ackWaitMs?: number;
}

/** Runs the service's own configuration loader on the container's environment: throws what it finds wrong. */
function loadService(env: NodeJS.ProcessEnv, serveHttp = true): { loaded: Loaded; read: Set<string> } {
  const r = recording(env);
  let c;
  if (env.SERVICE === 'hub') c = loadHubConfig(r.env, { serveHttp });
  else if (env.SERVICE === 'platform') c = loadPlatformConfig(r.env, { serveHttp });
  else if (env.SERVICE === 'partner-liaison') {
    c = loadPartnerLiaisonConfig(r.env, { serveHttp });
    if (serveHttp) loadOutboundConfig(r.env);
  } else throw new Error(`SERVICE=${String(env.SERVICE)} is not hub, platform or partner-liaison`);
  return {
    loaded: {
      service: c.service,
      port: c.port,
      natsUrl: c.natsUrl,
      databaseUrl: c.databaseUrl,
      natsSeedFile: c.natsCredentials.seedFile,
      ackWaitMs: 'ackWaitMs' in c ? c.ackWaitMs : undefined,
    },
    read: r.read,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The checks against the code

const HEALTH_PATHS = {
  live: `/${Reflect.getMetadata(PATH_METADATA, HealthController.prototype.live) as string}`,
  ready: `/${Reflect.getMetadata(PATH_METADATA, HealthController.prototype.ready) as string}`,
};

/** Each service's Deployment, Service and PDB against its configuration loader, the Secrets and the database. */
function serviceProblems(objects: K8sObject[], name: string, root: string, documented = documentedSecrets()): string[] {
  const problems: string[] = [];
  const deployment = find(objects, 'Deployment', name);
  const spec = podSpec(deployment);
  if (spec.containers.length !== 1) return [`${name}: one container expected`];
  const container = spec.containers[0];
  const m = materialize(objects, spec, container, join(root, name), documented);
  problems.push(...m.problems);
  let loaded: Loaded;
  try {
    const result = loadService(m.env);
    loaded = result.loaded;
    const unread = Object.keys(m.env).filter((k) => !result.read.has(k) && !READ_OUTSIDE_LOADERS.includes(k));
    for (const k of unread) problems.push(`${name}: ${k} is set but ${loaded.service} never reads it`);
  } catch (err) {
    return [...problems, `${name}: ${(err as Error).message}`];
  }
  if (loaded.service !== name) problems.push(`${name}: runs as ${loaded.service}`);

  // Ports: the one it listens on, the container's, the probes' and the Service's.
  const http = (container.ports ?? []).find((p) => p.name === 'http');
  if (http?.containerPort !== loaded.port)
    problems.push(`${name}: containerPort http ${http?.containerPort} but the service listens on ${loaded.port}`);
  const portOf = (p: string | number | undefined) =>
    typeof p === 'number' ? p : (container.ports ?? []).find((x) => x.name === p)?.containerPort;
  for (const [probe, path] of [
    ['readinessProbe', HEALTH_PATHS.ready],
    ['livenessProbe', HEALTH_PATHS.live],
    ['startupProbe', HEALTH_PATHS.live],
  ] as const) {
    const get = container[probe]?.httpGet;
    if (get?.path !== path) problems.push(`${name}: ${probe} path ${get?.path}, the service serves ${path}`);
    if (portOf(get?.port) !== loaded.port) problems.push(`${name}: ${probe} port ${get?.port} is not ${loaded.port}`);
  }
  const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === name);
  const sspec = service?.spec as { selector: Record<string, string>; ports: { port: number; targetPort: unknown }[] };
  if (!service) problems.push(`${name}: no Service`);
  else {
    if (!matches(sspec.selector, podLabels(deployment))) problems.push(`${name}: the Service selects no pod of it`);
    for (const p of sspec.ports) {
      if (p.port !== loaded.port) problems.push(`${name}: Service port ${p.port} is not ${loaded.port}`);
      if (portOf(p.targetPort as string) !== loaded.port) problems.push(`${name}: Service targetPort ${p.targetPort}`);
    }
  }
  const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name);
  const pdbSelector = (pdb?.spec as { selector?: { matchLabels: Record<string, string> } })?.selector?.matchLabels;
  if (!pdbSelector || !matches(pdbSelector, podLabels(deployment))) problems.push(`${name}: no PodDisruptionBudget`);
  if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory || !container.resources.limits)
    problems.push(`${name}: resources requests (cpu, memory) and limits expected`);

  // NATS: the Helm release's service, as this service's own identity.
  for (const u of loaded.natsUrl.split(',')) {
    const url = new URL(u.trim());
    if (url.hostname !== natsValues.fullnameOverride || Number(url.port) !== natsValues.config.nats.port)
      problems.push(`${name}: NATS_URL ${u} is not the NATS release (${natsValues.fullnameOverride}:4222)`);
  }
  const seedSecret = [...m.fileSecrets].find(([path]) => m.env.NATS_NKEY_SEED_FILE === join(root, name, path))?.[1];
  if (!loaded.natsSeedFile) problems.push(`${name}: no NATS identity (anonymous)`);
  else if (seedSecret !== `ctp-nats-${loaded.service}`)
    problems.push(`${name}: NATS seed from ${seedSecret}, not ctp-nats-${loaded.service}`);

  // PostgreSQL: the cluster's read-write service, its own role and database, as CloudNativePG makes them.
  problems.push(...databaseProblems(objects, name, new URL(loaded.databaseUrl), container));
  return problems;
}

function databaseProblems(objects: K8sObject[], name: string, url: URL, container: Container): string[] {
  const problems: string[] = [];
  const cluster = objects.find((o) => o.kind === 'Cluster');
  if (!cluster) return [`${name}: no CloudNativePG Cluster`];
  const expected = SERVICE_DATABASES.find((d) => d.service === name);
  const role = decodeURIComponent(url.username);
  const database = decodeURIComponent(url.pathname.slice(1));
  if (expected?.role !== role || expected?.database !== database)
    problems.push(
      `${name}: connects as ${role} to ${database}, the service's are ${expected?.role}/${expected?.database}`,
    );
  if (url.hostname !== `${cluster.metadata.name}-rw` || url.port !== '5432')
    problems.push(`${name}: PostgreSQL at ${url.host}, not the primary ${cluster.metadata.name}-rw:5432`);
  const cspec = cluster.spec as {
    managed: { roles: { name: string; login?: boolean; superuser?: boolean; passwordSecret?: { name: string } }[] };
    postgresql: { pg_hba: string[] };
  };
  const managed = cspec.managed.roles.find((r) => r.name === role);
  const pgPassword = container.env?.find((e) => e.name === 'PGPASSWORD')?.valueFrom?.secretKeyRef;
  if (!managed?.login || managed.superuser !== false) problems.push(`${name}: role ${role} not a plain login role`);
  if (!pgPassword || managed?.passwordSecret?.name !== pgPassword.name || pgPassword.key !== 'password')
    problems.push(
      `${name}: PGPASSWORD is not the password of role ${role}'s Secret (${managed?.passwordSecret?.name})`,
    );
  const db = objects.find((o) => o.kind === 'Database' && (o.spec as { name: string }).name === database)?.spec as
    { owner: string; cluster: { name: string } } | undefined;
  if (db?.owner !== role || db.cluster.name !== cluster.metadata.name)
    problems.push(`${name}: no Database ${database} owned by ${role} in ${cluster.metadata.name}`);
  const hba = cspec.postgresql.pg_hba.map((l) => l.split(/\s+/));
  const allow = hba.findIndex((l) => l[0] === 'host' && l[1] === database && l[2] === role && l[4] === 'scram-sha-256');
  const reject = hba.findIndex((l) => l[1] === 'all' && l[2].split(',').includes(role) && l[4] === 'reject');
  if (allow < 0 || reject < allow) problems.push(`${name}: pg_hba must let ${role} into ${database} only`);
  return problems;
}

/** The provisioning Job: every migration step's and the NATS step's environment read by the code they run. */
function jobProblems(objects: K8sObject[], root: string, documented = documentedSecrets()): string[] {
  const problems: string[] = [];
  const job = find(objects, 'Job', 'ctp-provision');
  const spec = podSpec(job);
  const migrated: string[] = [];
  for (const c of spec.initContainers ?? []) {
    const m = materialize(objects, spec, c, join(root, 'job', c.name), documented);
    problems.push(...m.problems);
    const [node, script, app] = c.args ?? [];
    const mount = c.volumeMounts?.find((v) => script?.startsWith(`${v.mountPath}/`));
    if (node !== 'node' || !mount) {
      problems.push(`${c.name}: runs ${c.args?.join(' ')}, not node with the mounted migrate.js`);
      continue;
    }
    try {
      // migrate.js loads the service's configuration without serving HTTP (no token settings).
      const { loaded, read } = loadService({ ...m.env, SERVICE: app }, false);
      migrated.push(loaded.service);
      for (const k of Object.keys(m.env).filter((x) => !read.has(x) && !READ_OUTSIDE_LOADERS.includes(x)))
        problems.push(`${c.name}: ${k} is set but never read`);
      problems.push(...databaseProblems(objects, loaded.service, new URL(loaded.databaseUrl), c));
    } catch (err) {
      problems.push(`${c.name}: ${(err as Error).message}`);
    }
  }
  if ([...migrated].sort().join() !== [...SERVICES].sort().join())
    problems.push(`the Job migrates ${migrated.join(', ')}, not each of the six services`);

  const nats = spec.containers.find((c) => c.args?.includes('dist/scripts/nats-provision.js'));
  if (!nats) return [...problems, 'the Job does not provision the JetStream streams'];
  const m = materialize(objects, spec, nats, join(root, 'job', nats.name), documented);
  problems.push(...m.problems);
  const r = recording(m.env);
  try {
    const { url, credentials } = adminNatsSettings(r.env);
    if (new URL(url).hostname !== natsValues.fullnameOverride) problems.push(`nats-provision: NATS_URL ${url}`);
    const seed = [...m.fileSecrets].find(([p]) => credentials.seedFile === join(root, 'job', nats.name, p))?.[1];
    if (seed !== 'ctp-nats-admin') problems.push(`nats-provision: connects with ${seed ?? 'no seed'}, not as admin`);
  } catch (err) {
    problems.push(`nats-provision: ${(err as Error).message}`);
  }
  for (const k of Object.keys(m.env).filter((x) => !r.read.has(x) && !READ_OUTSIDE_LOADERS.includes(x)))
    if (!NATS_PROVISION_USAGE.includes(k)) problems.push(`nats-provision: ${k} is set but never read`);
  if (m.env.NATS_STREAM_REPLICAS !== String(natsValues.config.cluster.replicas))
    problems.push(`nats-provision: NATS_STREAM_REPLICAS ${m.env.NATS_STREAM_REPLICAS}, the cluster has 3 nodes`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------------
// Network policies: a small evaluator of the rules as Kubernetes applies them (additive; a pod selected by no policy of
// a direction is open in that direction)

interface Peer {
  namespace: string;
  labels: Record<string, string>;
  /** Outside the cluster: an address. */
  ip?: string;
}
interface PolicyPeer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: { protocol?: string; port?: number | string }[];
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

function inCidr(ip: string, cidr: string): boolean {
  if (ip.includes(':') !== cidr.includes(':')) return false;
  if (ip.includes(':')) return cidr === '::/0' ? true : ip.startsWith(cidr.split('::')[0]);
  const [base, bits] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
  const mask = Number(bits) === 0 ? 0 : 2 ** 32 - 2 ** (32 - Number(bits));
  return (n(ip) & mask) >>> 0 === (n(base) & mask) >>> 0;
}

function peerMatches(p: PolicyPeer, peer: Peer, policyNamespace: string): boolean {
  if (p.ipBlock)
    return !!peer.ip && inCidr(peer.ip, p.ipBlock.cidr) && !p.ipBlock.except?.some((e) => inCidr(peer.ip!, e));
  if (peer.ip) return false;
  const nsOk = p.namespaceSelector
    ? matches(p.namespaceSelector.matchLabels, { 'kubernetes.io/metadata.name': peer.namespace })
    : peer.namespace === policyNamespace;
  return nsOk && matches(p.podSelector?.matchLabels, peer.labels);
}

function direction(
  objects: K8sObject[],
  pod: Peer,
  type: 'Ingress' | 'Egress',
  other: Peer,
  port: { number: number; name?: string },
): boolean {
  const policies = objects.filter(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      o.metadata.namespace === pod.namespace &&
      matches(
        (o.spec as { podSelector: { matchLabels?: Record<string, string> } }).podSelector.matchLabels,
        pod.labels,
      ) &&
      (o.spec as { policyTypes: string[] }).policyTypes.includes(type),
  );
  if (!policies.length) return true;
  return policies.some((o) =>
    (((o.spec as Obj)[type === 'Ingress' ? 'ingress' : 'egress'] as PolicyRule[]) ?? []).some((rule) => {
      const peers = type === 'Ingress' ? rule.from : rule.to;
      const peerOk = !peers || peers.some((p) => peerMatches(p, other, o.metadata.namespace!));
      const portOk =
        !rule.ports || rule.ports.some((p) => p.port === undefined || p.port === port.number || p.port === port.name);
      return peerOk && portOk;
    }),
  );
}

/** Whether `from` may open a TCP connection to `to` on `port` (to a pod of the cluster or an outside address). */
function flowAllowed(objects: K8sObject[], from: Peer, to: Peer, port: { number: number; name?: string }): boolean {
  const ns = objects.find((o) => o.kind === 'Namespace')?.metadata.name;
  const egress = from.namespace !== ns || direction(objects, from, 'Egress', to, port);
  const ingress = to.ip !== undefined || to.namespace !== ns || direction(objects, to, 'Ingress', from, port);
  return egress && ingress;
}

// ---------------------------------------------------------------------------------------------------------------------

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ctp-k8s-'));
  // The identities an operator makes with README's `npm run nats:identities` command, for the Secrets' test values.
  identities = join(work, 'identities');
  generateIdentities({ out: identities, hosts: readmeCertificateHosts() });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] });
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('deploy/k8s (kustomize overlays, offline)', () => {
  const root = (what: string) => {
    const dir = join(work, what, randomBytes(3).toString('hex'));
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = rendered[overlay];

    it('renders the six services, their Services and disruption budgets, the Job, PostgreSQL and the policies', () => {
      const names = (kind: string) =>
        objects
          .filter((o) => o.kind === kind)
          .map((o) => o.metadata.name)
          .sort();
      expect(names('Deployment')).toEqual([...SERVICES].sort());
      expect(names('Service')).toEqual([...SERVICES].sort());
      expect(names('PodDisruptionBudget')).toEqual([...SERVICES].sort());
      expect(names('Job')).toEqual(['ctp-provision']);
      expect(names('Cluster')).toEqual(['ctp-postgres']);
      expect(names('Database')).toHaveLength(6);
      expect(names('NetworkPolicy')).toContain('default-deny');
      expect(names('Secret')).toEqual([]); // referenced, never committed
      for (const o of objects)
        if (o.kind !== 'Namespace')
          expect([o.kind, o.metadata.name, o.metadata.namespace]).toEqual([o.kind, o.metadata.name, 'ctp']);
    });

    it('validates every object against its schema (Kubernetes, CloudNativePG)', () => {
      expect(objects.flatMap(schemaProblems)).toEqual([]);
    });

    it.each(SERVICES)('gives %s every setting its configuration loader needs, and the ports it listens on', (name) => {
      expect(serviceProblems(objects, name, root(overlay))).toEqual([]);
    });

    it('gives the provisioning Job what each migration and the stream provisioning read', () => {
      expect(jobProblems(objects, root(overlay))).toEqual([]);
    });

    it('refers to exactly the Secrets README.md tells the operator to create, with their keys', () => {
      const documented = documentedSecrets();
      expect(documented.size).toBeGreaterThanOrEqual(15);
      const want = [...documented].flatMap(([s, keys]) => keys.map((k) => `${s}/${k}`)).sort();
      expect([...referencedSecretKeys(objects)].sort()).toEqual(want);
    });

    it('lets only the flows the services use through the network policies', () => {
      const ns = 'ctp';
      const pod = (name: string): Peer => ({ namespace: ns, labels: podLabels(find(objects, 'Deployment', name)) });
      const job: Peer = { namespace: ns, labels: podLabels(find(objects, 'Job', 'ctp-provision')) };
      const nats: Peer = {
        namespace: ns,
        labels: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': natsValues.fullnameOverride },
      };
      const pg: Peer = {
        namespace: ns,
        labels: { 'cnpg.io/cluster': 'ctp-postgres', 'cnpg.io/instanceRole': 'primary' },
      };
      const ingress: Peer = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
      const prometheus: Peer = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
      const stranger: Peer = { namespace: 'default', labels: { app: 'x' } };
      const operator: Peer = { namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } };
      const internet: Peer = { namespace: '', labels: {}, ip: '203.0.113.7' };
      const privateHost: Peer = { namespace: '', labels: {}, ip: '10.1.2.3' };
      const http = (name: string) => ({
        number: (podSpec(find(objects, 'Deployment', name)).containers[0].ports ?? [])[0].containerPort,
        name: 'http',
      });
      const flow = (a: Peer, b: Peer, port: number | { number: number; name?: string }) =>
        flowAllowed(objects, a, b, typeof port === 'number' ? { number: port } : port);

      for (const s of SERVICES) {
        expect([s, 'nats', flow(pod(s), nats, 4222)]).toEqual([s, 'nats', true]);
        expect([s, 'postgres', flow(pod(s), pg, 5432)]).toEqual([s, 'postgres', true]);
        expect([s, 'from ingress', flow(ingress, pod(s), http(s))]).toEqual([s, 'from ingress', true]);
        expect([s, 'scraped', flow(prometheus, pod(s), http(s))]).toEqual([s, 'scraped', true]);
        expect([s, 'from elsewhere', flow(stranger, pod(s), http(s))]).toEqual([s, 'from elsewhere', false]);
        expect([s, 'nats routes', flow(pod(s), nats, 6222)]).toEqual([s, 'nats routes', false]);
        expect([s, 'to platform', flow(pod(s), pod('platform'), http('platform'))]).toEqual([s, 'to platform', false]);
        const webhooks = s === 'partner-liaison';
        expect([s, 'internet', flow(pod(s), internet, 443)]).toEqual([s, 'internet', webhooks]);
        expect([s, 'private', flow(pod(s), privateHost, 443)]).toEqual([s, 'private', false]);
        expect([s, 'http', flow(pod(s), internet, 80)]).toEqual([s, 'http', false]);
      }
      expect(flow(job, nats, 4222)).toBe(true);
      expect(flow(job, pg, 5432)).toBe(true);
      expect(flow(job, internet, 443)).toBe(false);
      expect(flow(nats, nats, 6222)).toBe(true);
      expect(flow(stranger, nats, 4222)).toBe(false);
      expect(flow(pg, pg, 5432)).toBe(true);
      expect(flow(operator, pg, 8000)).toBe(true);
      expect(flow(stranger, pg, 5432)).toBe(false);
      expect(flow(prometheus, nats, 8222)).toBe(true);
    });
  });

  it('has no field the Kubernetes API does not know, in either overlay', () => {
    expect(unknownFieldProblems([...rendered.dev, ...rendered.prod])).toEqual([]);
  });

  it('runs two replicas of every service in prod, one in dev', () => {
    for (const [overlay, replicas] of [
      ['prod', 2],
      ['dev', 1],
    ] as const)
      for (const s of SERVICES)
        expect([overlay, s, (find(rendered[overlay], 'Deployment', s).spec as { replicas: number }).replicas]).toEqual([
          overlay,
          s,
          replicas,
        ]);
    expect((find(rendered.prod, 'Cluster', 'ctp-postgres').spec as { instances: number }).instances).toBe(3);
    expect((find(rendered.dev, 'Cluster', 'ctp-postgres').spec as { instances: number }).instances).toBe(1);
    for (const c of podSpec(find(rendered.prod, 'Deployment', 'platform')).containers)
      expect(c.image).toBe('registry.example.org/ctp/ctp-coordination:0.1.0');
  });

  describe('catches a broken manifest', () => {
    const prod = () => clone(rendered.prod);
    const container = (objects: K8sObject[], name: string) => podSpec(find(objects, 'Deployment', name)).containers[0];
    const withoutEnv = (name: string, variable: string) => {
      const objects = prod();
      const c = container(objects, name);
      c.env = c.env!.filter((e) => e.name !== variable);
      return objects;
    };

    it('a required setting missing (the loader says which)', () => {
      expect(serviceProblems(withoutEnv('hub-eur', 'AUTH_ISSUER'), 'hub-eur', root('m'))).toEqual([
        expect.stringMatching(/hub-eur: hub: invalid configuration:[\s\S]*AUTH_ISSUER is required/),
      ]);
      expect(serviceProblems(withoutEnv('hub-asi', 'HUB_REGION'), 'hub-asi', root('m')).join()).toMatch(
        /HUB_REGION is required/,
      );
      expect(
        serviceProblems(withoutEnv('partner-liaison', 'WEBHOOK_SECRET_KEY'), 'partner-liaison', root('m')).join(),
      ).toMatch(/WEBHOOK_SECRET_KEY is required with NODE_ENV=production/);
    });

    it('a setting left to its default where the default is wrong (NATS_URL, PGHOST, PGUSER)', () => {
      expect(serviceProblems(withoutEnv('platform', 'NATS_URL'), 'platform', root('m')).join()).toMatch(
        /NATS_URL nats:\/\/127.0.0.1:4222/,
      );
      expect(serviceProblems(withoutEnv('platform', 'PGHOST'), 'platform', root('m')).join()).toMatch(
        /PostgreSQL at 127.0.0.1/,
      );
      expect(serviceProblems(withoutEnv('platform', 'PGUSER'), 'platform', root('m')).join()).toMatch(
        /connects as postgres/,
      );
    });

    it('a variable the service never reads (a typo)', () => {
      const objects = prod();
      container(objects, 'hub-afr').env!.push({ name: 'NAT_URL', value: 'nats://ctp-nats:4222' });
      expect(serviceProblems(objects, 'hub-afr', root('m'))).toEqual([
        'hub-afr: NAT_URL is set but hub-afr never reads it',
      ]);
    });

    it('a file that is not mounted, or another identity', () => {
      const objects = prod();
      container(objects, 'platform').env!.find((e) => e.name === 'NATS_NKEY_SEED_FILE')!.value = '/etc/ctp/seed';
      expect(serviceProblems(objects, 'platform', root('m')).join()).toMatch(
        /NATS_NKEY_SEED_FILE="\/etc\/ctp\/seed" is not a readable file/,
      );
      const other = prod();
      const v = podSpec(find(other, 'Deployment', 'hub-afr')).volumes!.find((x) => x.name === 'nats-identity')!;
      v.projected!.sources[0].secret!.name = 'ctp-nats-hub-eur';
      expect(serviceProblems(other, 'hub-afr', root('m'))).toEqual([
        'hub-afr: NATS seed from ctp-nats-hub-eur, not ctp-nats-hub-afr',
      ]);
    });

    it('a port that is not the one the service listens on', () => {
      const objects = prod();
      container(objects, 'hub-mde').ports![0].containerPort = 3101;
      expect(serviceProblems(objects, 'hub-mde', root('m'))).toEqual(
        expect.arrayContaining(['hub-mde: containerPort http 3101 but the service listens on 3102']),
      );
      const probe = prod();
      container(probe, 'platform').readinessProbe!.httpGet!.path = '/healthz';
      expect(serviceProblems(probe, 'platform', root('m'))).toEqual([
        'platform: readinessProbe path /healthz, the service serves /health/ready',
      ]);
      const service = prod();
      (find(service, 'Service', 'partner-liaison').spec as { ports: { port: number }[] }).ports[0].port = 80;
      expect(serviceProblems(service, 'partner-liaison', root('m'))).toEqual([
        'partner-liaison: Service port 80 is not 3200',
      ]);
    });

    it("another service's database or password", () => {
      const objects = prod();
      container(objects, 'hub-afr').env!.find((e) => e.name === 'PGPASSWORD')!.valueFrom!.secretKeyRef!.name =
        'ctp-db-platform';
      expect(serviceProblems(objects, 'hub-afr', root('m'))).toEqual([
        "hub-afr: PGPASSWORD is not the password of role ctp_hub_afr's Secret (ctp-db-hub-afr)",
      ]);
      const hba = prod();
      const spec = find(hba, 'Cluster', 'ctp-postgres').spec as { postgresql: { pg_hba: string[] } };
      spec.postgresql.pg_hba = spec.postgresql.pg_hba.filter((l) => !l.includes('reject'));
      expect(serviceProblems(hba, 'platform', root('m'))).toEqual([
        'platform: pg_hba must let ctp_platform into ctp_platform only',
      ]);
    });

    it('a Secret key the README does not list', () => {
      const objects = prod();
      container(objects, 'platform').env!.find((e) => e.name === 'AUTH_AUDIENCE')!.valueFrom!.secretKeyRef!.key = 'aud';
      expect(serviceProblems(objects, 'platform', root('m')).join()).toMatch(
        /Secret ctp-auth key aud is not in README.md's table/,
      );
      expect([...referencedSecretKeys(objects)]).toContain('ctp-auth/aud');
    });

    it('a Job step that would not run (no NATS admin, a wrong role, too few replicas)', () => {
      const objects = prod();
      const spec = podSpec(find(objects, 'Job', 'ctp-provision'));
      spec.volumes!.find((v) => v.name === 'nats-identity')!.projected!.sources[0].secret!.name = 'ctp-nats-platform';
      spec.containers[0].env!.find((e) => e.name === 'NATS_STREAM_REPLICAS')!.value = '1';
      spec.initContainers![4].env!.find((e) => e.name === 'PGUSER')!.value = 'ctp_hub_afr';
      expect(jobProblems(objects, root('m'))).toEqual([
        "platform: connects as ctp_hub_afr to ctp_platform, the service's are ctp_platform/ctp_platform",
        "platform: PGPASSWORD is not the password of role ctp_hub_afr's Secret (ctp-db-hub-afr)",
        'platform: no Database ctp_platform owned by ctp_hub_afr in ctp-postgres',
        'platform: pg_hba must let ctp_hub_afr into ctp_platform only',
        'nats-provision: connects with ctp-nats-platform, not as admin',
        'nats-provision: NATS_STREAM_REPLICAS 1, the cluster has 3 nodes',
      ]);
    });

    it('an object its schema refuses', () => {
      const objects = prod();
      container(objects, 'hub-afr').ports![0].containerPort = '3101' as unknown as number;
      (find(objects, 'Cluster', 'ctp-postgres').spec as Obj).instances = 'three';
      (find(objects, 'Database', 'platform').spec as Obj).ownr = 'ctp_platform';
      const problems = objects.flatMap(schemaProblems).join('\n');
      expect(problems).toMatch(/Deployment\/hub-afr: .*containerPort must be integer/);
      expect(problems).toMatch(/Cluster\/ctp-postgres: \/spec\/instances must be integer/);
      expect(problems).toMatch(/Database\/platform: \/spec must NOT have additional properties .*ownr/);
      const typo = prod();
      const c = container(typo, 'platform') as unknown as Obj;
      c.readinesProbe = c.readinessProbe;
      (find(typo, 'NetworkPolicy', 'nats').spec as Obj).podSelectors = {};
      expect(unknownFieldProblems(typo)).toEqual([
        "Deployment/platform: Object literal may only specify known properties, and '\"readinesProbe\"' does not exist in type 'IContainer'.",
        "NetworkPolicy/nats: Object literal may only specify known properties, and '\"podSelectors\"' does not exist in type 'INetworkPolicySpec'.",
      ]);
      expect(schemaProblems({ apiVersion: 'example.org/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
        'Widget/w: no schema for example.org/v1 Widget',
      ]);
    });

    it('a network policy that opens or closes a flow', () => {
      const objects = prod();
      const pg: Peer = { namespace: 'ctp', labels: { 'cnpg.io/cluster': 'ctp-postgres' } };
      const platform: Peer = { namespace: 'ctp', labels: podLabels(find(objects, 'Deployment', 'platform')) };
      expect(flowAllowed(objects, platform, pg, { number: 5432 })).toBe(true);
      const closed = objects.filter((o) => o.metadata.name !== 'ctp-to-nats-and-postgres');
      expect(flowAllowed(closed, platform, pg, { number: 5432 })).toBe(false);
      const open = objects.filter(
        (o) => o.metadata.name !== 'default-deny' && o.metadata.name !== 'partner-liaison-webhooks',
      );
      const liaison: Peer = { namespace: 'ctp', labels: podLabels(find(objects, 'Deployment', 'partner-liaison')) };
      expect(flowAllowed(open, liaison, { namespace: '', labels: {}, ip: '203.0.113.7' }, { number: 443 })).toBe(false);
      expect(flowAllowed(objects, liaison, { namespace: '', labels: {}, ip: '203.0.113.7' }, { number: 443 })).toBe(
        true,
      );
    });
  });

  describe('the renderer', () => {
    it('refuses a kustomize feature it does not implement, naming it', () => {
      const dir = mkdtempSync(join(work, 'kust-'));
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: x-\n',
      );
      expect(() => renderKustomization(dir)).toThrow(
        new KustomizeError(`${join(dir, 'kustomization.yaml')}: field(s) namePrefix not supported by this renderer`),
      );
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${join(K8S, 'base')}]\npatches: [{path: p.yaml, target: {kind: Deployment}}]\n`,
      );
      expect(() => renderKustomization(dir)).toThrow(/patches: only \{ path \} is supported/);
    });

    it('merges containers and env by name, replaces other lists (strategic merge)', () => {
      const base = {
        spec: {
          containers: [
            {
              name: 'a',
              env: [
                { name: 'X', value: '1' },
                { name: 'Y', value: '2' },
              ],
              args: ['p', 'q'],
            },
          ],
        },
      };
      const patch = {
        spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '3' }], args: ['r'] }, { name: 'b' }] },
      };
      expect(strategicMerge(base, patch)).toEqual({
        spec: {
          containers: [
            {
              name: 'a',
              env: [
                { name: 'X', value: '1' },
                { name: 'Y', value: '3' },
              ],
              args: ['r'],
            },
            { name: 'b' },
          ],
        },
      });
      expect(readYamlDocuments(join(K8S, 'overlays/dev/small-services.yaml'))).toHaveLength(6);
    });
  });
});

describe('deploy/k8s/nats/values.yaml (the official NATS chart, 2.14.2)', () => {
  const chartDefaults = parse(readFileSync(NATS_CHART_VALUES, 'utf8')) as Obj;

  /** Keys of `values` that the chart does not have (free-form maps of the chart, e.g. merge, patch, env, excepted). */
  function unknownKeys(values: unknown, defaults: unknown, path = ''): string[] {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) return [];
    if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) return [];
    if (Object.keys(defaults).length === 0) return []; // free-form in the chart: merge, patch, env, resources...
    return Object.entries(values).flatMap(([k, v]) =>
      k in defaults ? unknownKeys(v, (defaults as Obj)[k], `${path}${k}.`) : [`${path}${k}`],
    );
  }

  it('uses only keys the pinned chart has', () => {
    expect(unknownKeys(natsValues, chartDefaults)).toEqual([]);
    expect(unknownKeys({ config: { jetstream: { filestore: {} } } }, chartDefaults)).toEqual([
      'config.jetstream.filestore',
    ]);
    expect(README).toContain('helm install ctp-nats nats/nats --version 2.14.2');
    expect(readFileSync(join(K8S, 'nats/values.yaml'), 'utf8')).toContain('--version 2.14.2');
  });

  it('runs three nodes with JetStream on volumes, TLS with client certificates on clients and routes', () => {
    const c = natsValues.config;
    expect([c.cluster.enabled, c.cluster.replicas]).toEqual([true, 3]);
    expect([c.jetstream.enabled, c.jetstream.fileStore.enabled, c.jetstream.fileStore.pvc.enabled]).toEqual([
      true,
      true,
      true,
    ]);
    for (const tls of [c.nats.tls, c.cluster.tls])
      expect([tls.enabled, tls.merge.verify, tls.secretName]).toEqual([true, true, 'ctp-nats-server-tls']);
    expect(natsValues.tlsCA.enabled).toBe(true);
  });

  it("has a server certificate (README's command) valid for the name clients use and every route", () => {
    expect(readmeCertificateHosts().length).toBeGreaterThanOrEqual(2);
    const namespace = rendered.prod.find((o) => o.kind === 'Namespace')!.metadata.name;
    expect(README).toContain(`helm install ctp-nats nats/nats --version 2.14.2 --namespace ${namespace} `);
    const name = natsValues.fullnameOverride;
    const routes = Array.from(
      { length: natsValues.config.cluster.replicas },
      (_, i) => `${name}-${i}.${name}-headless.${namespace}.svc.cluster.local`,
    );
    const cert = join(identities, 'tls/server.pem');
    const valid = (host: string) =>
      execFileSync('openssl', ['x509', '-in', cert, '-noout', '-checkhost', host], { encoding: 'utf8' });
    for (const host of [name, ...routes]) expect(valid(host)).toMatch(/does match certificate/);
    expect(valid('ctp-nats-0.elsewhere')).toMatch(/does NOT match certificate/);
  });

  it('includes the users and permissions `npm run nats:identities` writes, from a mounted Secret', () => {
    const refs = [...referencedSecretKeys([])];
    expect(refs).toContain('ctp-nats-authorization/authorization.conf');
    // The file the Secret is made from: one nkey user per identity, with its permissions (docs/security.md).
    const conf = secretValue('ctp-nats-authorization', 'authorization.conf');
    for (const id of [...SERVICES, 'admin']) expect(conf).toContain(`# ${id}\n`);
    expect(conf).not.toMatch(/no_auth_user|allow_responses/);
    const broken = clone(natsValues);
    broken.config.merge = { $include: 'authorization.conf' };
    expect([...referencedSecretKeys([], broken)].join()).toMatch(/not included/);
  });
});

describe("deploy/k8s/base/migrate.js (the Job's migration step), run on this machine", () => {
  const script = join(K8S, 'base/migrate.js');
  const database = `ctp_test_k8s_migrate_${randomBytes(4).toString('hex')}`;
  const admin = () => new Client({ connectionString: PG_ADMIN_URL });

  afterAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await c.end();
  });

  it("applies a hub's migrations to its database, and again changes nothing", async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE "${database}"`);
    await c.end();
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${database}`;
    const env = { PATH: process.env.PATH, HUB_REGION: 'eur', DATABASE_URL: url.toString(), CTP_APP_DIR: ROOT };
    for (let run = 0; run < 2; run++) {
      const out = execFileSync(process.execPath, [script, 'hub'], { env, encoding: 'utf8' });
      expect(out).toBe(`hub-eur: migrations applied on ${url.toString()}\n`);
    }
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
    await db.end();
    expect(Number(rows[0].n)).toBeGreaterThan(0);
  });

  it('stops with a message on a service it does not know, or a database that is not there', () => {
    const bad = spawnSync(process.execPath, [script, 'hubs'], {
      env: { PATH: process.env.PATH, CTP_APP_DIR: ROOT },
      encoding: 'utf8',
    });
    expect([bad.status, bad.stderr]).toEqual([
      1,
      'migrate.js: usage: migrate.js hub|platform|partner-liaison (got hubs)\n',
    ]);
    const url = new URL(PG_ADMIN_URL);
    url.pathname = '/ctp_test_k8s_no_such_database';
    const missing = spawnSync(process.execPath, [script, 'platform'], {
      env: { PATH: process.env.PATH, DATABASE_URL: url.toString(), CTP_APP_DIR: ROOT },
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^migrate.js: .*ctp_test_k8s_no_such_database/);
  });
});
