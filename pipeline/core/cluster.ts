// The `Cluster` port: the few Kubernetes verbs the release stage (and the environment and backup
// stages to come) need, over plain objects, with the errors it documents. pipeline/kube/client.ts
// implements it; no stage sees the Kubernetes client.
import { ServiceError } from './errors.js';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export interface ClusterStats {
  reads: number;
  writes: number;
  /** Writes per kind, e.g. { VirtualService: 3 }. */
  writesByKind: Record<string, number>;
  /** Milliseconds spent waiting on API calls. */
  apiMs: number;
}

export interface Cluster {
  /** The object, or undefined when it does not exist (404). */
  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<T[]>;
  create<T extends KubeObject = KubeObject>(obj: T): Promise<T>;
  /** Replace; with metadata.resourceVersion set, a stale write fails with ConflictError. */
  replace<T extends KubeObject = KubeObject>(obj: T): Promise<T>;
  patch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: unknown, type: 'merge' | 'json'): Promise<T>;
  delete(ref: ObjectRef): Promise<void>;
  /** Counters for benchmarks and reports. */
  readonly stats: ClusterStats;
}

/** 409: someone else wrote first (stale resourceVersion, or the object already exists). Re-read and re-plan. */
export class ConflictError extends ServiceError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('kubernetes', message, { ...options, hint: 'another writer changed the object; re-read it and try again' });
  }
}

/** 403: the credentials lack a verb on a resource; the message names both. */
export class ForbiddenError extends ServiceError {
  constructor(
    readonly verb: string,
    readonly resource: string,
    readonly namespace: string,
    options: { cause?: unknown } = {},
  ) {
    super('kubernetes', `forbidden: cannot ${verb} ${resource} in namespace "${namespace}"`, {
      ...options,
      hint: `grant the role verb "${verb}" on resource "${resource}" (see deploy-templates/watch/rbac.yaml)`,
    });
  }
}

/** 404 for the resource type itself: the cluster lacks the CRD (Istio or the Gateway API not installed). */
export class ResourceTypeMissingError extends ServiceError {
  constructor(
    readonly resource: string,
    apiVersion: string,
    options: { cause?: unknown } = {},
  ) {
    super('kubernetes', `the cluster has no ${resource} (${apiVersion}): its CustomResourceDefinition is not installed`, { ...options, hint: installHint(resource) });
  }
}

function installHint(resource: string): string {
  if (resource.endsWith('.networking.istio.io')) return 'install Istio (istioctl install, or the istio/base Helm chart, which carries its CRDs), or choose router: gatewayApi or service';
  if (resource.endsWith('.gateway.networking.k8s.io'))
    return 'install the Gateway API standard CRDs (kubectl apply --server-side -f standard-install.yaml from a sigs.k8s.io/gateway-api release), or choose router: istio or service';
  return `install the CustomResourceDefinition for ${resource}`;
}

export class NotFoundError extends ServiceError {
  constructor(what: string, options: { cause?: unknown } = {}) {
    super('kubernetes', `${what} not found`, options);
  }
}

/** The reference of an object to read or delete it (cluster-scoped kinds ignore the namespace). */
export function refOf(obj: KubeObject): ObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name };
}
