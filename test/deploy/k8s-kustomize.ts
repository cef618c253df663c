import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/*
 * A small kustomize: exactly the features deploy/k8s uses, so that its overlays render here the way `kubectl apply -k`
 * renders them, without the kustomize binary (not packaged for this machine) and without fetching anything. Any other
 * field in a kustomization is refused with its name, so a new feature cannot be silently mis-rendered: teach it here
 * first (and keep to kustomize's documented behaviour).
 *
 *   resources          files (one or more YAML documents) and folders holding a kustomization.yaml, in order
 *   namespace          set on every namespaced object
 *   labels             pairs added to metadata.labels (and pod templates with includeTemplates); never selectors
 *   patches            strategic merge patches by path, matched to their object by kind and name (no `target`)
 *   replicas           spec.replicas of the named Deployments
 *   images             image name -> newName / newTag, in every container and init container
 *   configMapGenerator files only, with options.disableNameSuffixHash: true (no hash suffix, no reference rewriting)
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

const KNOWN_FIELDS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'labels',
  'patches',
  'replicas',
  'images',
  'configMapGenerator',
]);

/** Kinds without a namespace, among those deploy/k8s uses (kustomize knows them from the OpenAPI document). */
const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);

/**
 * Strategic merge keys of the lists deploy/k8s patches (from the Kubernetes API's x-kubernetes-patch-merge-key). Any
 * other list is replaced whole, as the API does for lists without a merge key.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
};

export class KustomizeError extends Error {}

type Kustomization = Record<string, unknown> & {
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  patches?: { path?: string; target?: unknown; patch?: string }[];
  replicas?: { name: string; count: number }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  configMapGenerator?: { name: string; files?: string[]; options?: { disableNameSuffixHash?: boolean } }[];
};

export function readYamlDocuments(file: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new KustomizeError(`${file}: ${doc.errors[0].message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value === null) continue;
    out.push(value);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strategic merge of `patch` into `target` (a copy): maps merge, lists with a merge key merge by it, others replace. */
export function strategicMerge(target: unknown, patch: unknown, field = ''): unknown {
  if (isObject(target) && isObject(patch)) {
    const out: Record<string, unknown> = { ...target };
    for (const [k, v] of Object.entries(patch)) {
      if (k.startsWith('$')) throw new KustomizeError(`patch directive ${k} is not supported`);
      if (v === null) delete out[k];
      else out[k] = k in target ? strategicMerge(target[k], v, k) : v;
    }
    return out;
  }
  const key = MERGE_KEYS[field];
  if (Array.isArray(target) && Array.isArray(patch) && key) {
    const out = target.map((item) => item as unknown);
    for (const p of patch) {
      if (!isObject(p) || !(key in p)) throw new KustomizeError(`a patch of ${field} must name its ${key}`);
      const i = out.findIndex((t) => isObject(t) && t[key] === p[key]);
      if (i >= 0) out[i] = strategicMerge(out[i], p, '');
      else out.push(p);
    }
    return out;
  }
  return patch;
}

function podTemplates(o: K8sObject): Record<string, unknown>[] {
  const spec = o.spec as Record<string, unknown> | undefined;
  const template = spec?.template as Record<string, unknown> | undefined;
  return template ? [template] : [];
}

function containersOf(o: K8sObject): Record<string, unknown>[] {
  return podTemplates(o).flatMap((t) => {
    const spec = t.spec as Record<string, unknown> | undefined;
    return [...((spec?.containers as []) ?? []), ...((spec?.initContainers as []) ?? [])];
  });
}

function splitImage(image: string): { name: string; tag?: string } {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(':');
  return colon > base.lastIndexOf('/') ? { name: base.slice(0, colon), tag: base.slice(colon + 1) } : { name: base };
}

/** Renders the kustomization in `dir` (a folder holding kustomization.yaml) into its objects, in kustomize's order. */
export function renderKustomization(dir: string): K8sObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!statSync(file).isFile()) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const k = readYamlDocuments(file)[0] as unknown as Kustomization;
  const unknown = Object.keys(k).filter((f) => !KNOWN_FIELDS.has(f));
  if (unknown.length)
    throw new KustomizeError(`${file}: field(s) ${unknown.join(', ')} not supported by this renderer`);
  if (k.kind !== 'Kustomization') throw new KustomizeError(`${file}: kind must be Kustomization`);

  let objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const path = resolve(dir, r);
    objects.push(...(statSync(path).isDirectory() ? renderKustomization(path) : readYamlDocuments(path)));
  }
  for (const g of k.configMapGenerator ?? []) {
    if (
      g.options?.disableNameSuffixHash !== true ||
      Object.keys(g).some((f) => !['name', 'files', 'options'].includes(f))
    )
      throw new KustomizeError(`${file}: configMapGenerator ${g.name}: only files, with disableNameSuffixHash: true`);
    const data = Object.fromEntries((g.files ?? []).map((f) => [basename(f), readFileSync(resolve(dir, f), 'utf8')]));
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data });
  }
  const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) throw new KustomizeError(`${dir}: ${twice.join(', ')} defined more than once`);

  for (const p of k.patches ?? []) {
    if (!p.path || p.target || p.patch) throw new KustomizeError(`${file}: patches: only { path } is supported`);
    for (const patch of readYamlDocuments(resolve(dir, p.path))) {
      const i = objects.findIndex((o) => o.kind === patch.kind && o.metadata.name === patch.metadata?.name);
      if (i < 0) throw new KustomizeError(`${p.path}: no ${patch.kind}/${patch.metadata?.name} to patch`);
      objects[i] = strategicMerge(objects[i], patch) as K8sObject;
    }
  }
  for (const r of k.replicas ?? []) {
    const target = objects.filter((o) => o.metadata.name === r.name && ['Deployment', 'StatefulSet'].includes(o.kind));
    if (!target.length) throw new KustomizeError(`${file}: replicas: no Deployment ${r.name}`);
    for (const o of target) (o.spec as Record<string, unknown>).replicas = r.count;
  }
  for (const image of k.images ?? []) {
    let used = false;
    for (const c of objects.flatMap(containersOf)) {
      const { name, tag } = splitImage(String(c.image));
      if (name !== image.name) continue;
      used = true;
      c.image = `${image.newName ?? name}${image.digest ? `@${image.digest}` : `:${image.newTag ?? tag ?? 'latest'}`}`;
    }
    if (!used) throw new KustomizeError(`${file}: images: no container uses ${image.name}`);
  }
  for (const l of k.labels ?? []) {
    if (l.includeSelectors) throw new KustomizeError(`${file}: labels with includeSelectors are not supported`);
    objects = objects.map((o) => {
      const copy = structuredClone(o);
      copy.metadata.labels = { ...copy.metadata.labels, ...l.pairs };
      if (l.includeTemplates) {
        for (const t of podTemplates(copy)) {
          const meta = (t.metadata ?? (t.metadata = {})) as { labels?: Record<string, string> };
          meta.labels = { ...meta.labels, ...l.pairs };
        }
      }
      return copy;
    });
  }
  if (k.namespace) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  return objects;
}
