// The object store behind the simulated API server: one global resourceVersion counter,
// optimistic concurrency, metadata.generation, defaults, schema validation, owner-reference
// garbage collection, and a bounded event history that watches replay from.
import { randomUUID } from 'node:crypto';
import { RESOURCES, groupVersion, qualifiedName, type ResourceType } from './resources.js';
import { ApiError, alreadyExists, conflict, invalid, notFound, type StatusCause } from './status.js';
import { matchesLabelSelectorObject, type LabelSelectorObject } from './selectors.js';
import { clone, isPlainObject, type KObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceType;
  object: KObject;
  /** For MODIFIED: the object before the change (watches with selectors need both). */
  old?: KObject;
  rv: number;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HISTORY_LIMIT = 20_000;

function key(r: ResourceType, namespace: string | undefined, name: string): string {
  return `${r.namespaced ? (namespace ?? '') : ''}/${name}`;
}

interface AjvLikeError {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function causesFromValidation(e: unknown): StatusCause[] {
  const errors = (e as { errors?: AjvLikeError[] }).errors;
  if (!Array.isArray(errors) || errors.length === 0) return [{ reason: 'FieldValueInvalid', message: (e as Error).message }];
  return errors.slice(0, 10).map((err) => {
    const path = (err.instancePath ?? '').split('/').filter((p) => p !== '');
    const missing = err.params?.missingProperty;
    if (typeof missing === 'string') path.push(missing);
    const field = path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
    return {
      reason: typeof missing === 'string' ? 'FieldValueRequired' : 'FieldValueInvalid',
      message: typeof missing === 'string' ? 'Required value' : `Invalid value: ${err.message ?? 'invalid'}`,
      field,
    };
  });
}

function specOf(obj: KObject): string {
  // Everything but metadata and status counts as "spec" for generation purposes
  // (ConfigMap data, Role rules, ...).
  const rest: Record<string, unknown> = { ...obj };
  delete rest.metadata;
  delete rest.status;
  delete rest.apiVersion;
  delete rest.kind;
  return JSON.stringify(rest);
}

export class Store {
  private rv = 1000;
  // Stored objects are never mutated in place (writes store a new object), so peek() can hand
  // them out without copying. One map per resource keeps lookups off the other kinds.
  private readonly byResource = new Map<ResourceType, Map<string, KObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(ev: StoreEvent) => void>();
  private ipCounter = 10;

  currentRv(): number {
    return this.rv;
  }

  /** Oldest resourceVersion the history can replay from (older watches get 410 Expired). */
  oldestRv(): number {
    return this.history[0]?.rv ?? this.rv;
  }

  eventsSince(rv: number): StoreEvent[] {
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(type: WatchEventType, resource: ResourceType, object: KObject, old?: KObject): void {
    // Stored objects are never mutated, so the event can share them.
    const ev: StoreEvent = { type, resource, object, ...(old ? { old } : {}), rv: Number(object.metadata.resourceVersion) };
    this.history.push(ev);
    if (this.history.length > HISTORY_LIMIT * 1.5) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const l of this.listeners) l(ev);
  }

  private nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }

  private objects(r: ResourceType): Map<string, KObject> {
    let m = this.byResource.get(r);
    if (!m) {
      m = new Map();
      this.byResource.set(r, m);
    }
    return m;
  }

  get(r: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.objects(r).get(key(r, namespace, name));
    return o ? clone(o) : undefined;
  }

  mustGet(r: ResourceType, namespace: string | undefined, name: string): KObject {
    const o = this.get(r, namespace, name);
    if (!o) throw notFound(r, name);
    return o;
  }

  /** Like list() but without copying or sorting: for the in-process controller and traffic, read-only. */
  peek(r: ResourceType, namespace?: string): readonly KObject[] {
    const all = [...this.objects(r).values()];
    return !r.namespaced || namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Objects of one resource, in one namespace or all; sorted by namespace/name like etcd. */
  list(r: ResourceType, namespace?: string): KObject[] {
    const out = this.peek(r, namespace).map((o) => clone(o));
    return out.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`));
  }

  private validate(r: ResourceType, obj: KObject): void {
    const name = obj.metadata.name ?? '';
    const causes: StatusCause[] = [];
    if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      });
    }
    try {
      r.validate(obj);
    } catch (e) {
      // A real server cannot even decode a wrongly typed field of a built-in kind into its Go
      // struct: that is a 400, not a 422. CRDs (structural schemas) answer 422 for it.
      const typeError = ((e as { errors?: AjvLikeError[] }).errors ?? []).find((x) => x.keyword === 'type');
      if (r.builtin && typeError) {
        const field = (typeError.instancePath ?? '').split('/').filter((p) => p !== '').join('.');
        throw new ApiError(400, 'BadRequest', `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${field}: ${typeError.message ?? 'wrong type'}`);
      }
      causes.push(...causesFromValidation(e));
    }
    if (r.kind === 'Deployment' || r.kind === 'ReplicaSet') {
      const spec = obj.spec as { selector?: LabelSelectorObject; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
      const sel = spec?.selector;
      const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
      if (empty) causes.push({ reason: 'FieldValueInvalid', field: 'spec.selector', message: 'Invalid value: empty selector is invalid for deployment' });
      else if (!matchesLabelSelectorObject(spec?.template?.metadata?.labels, sel)) {
        causes.push({ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: `selector` does not match template `labels`' });
      }
    }
    if (causes.length > 0) throw invalid(r, name, causes);
  }

  private applyDefaults(r: ResourceType, obj: KObject, old: KObject | undefined): void {
    obj.apiVersion = groupVersion(r);
    obj.kind = r.kind;
    if (r.kind === 'Deployment') {
      const spec = (obj.spec ??= {});
      spec.replicas ??= 1;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
    }
    if (r.kind === 'ReplicaSet') (obj.spec ??= {}).replicas ??= 1;
    if (r.kind === 'Service') {
      const spec = (obj.spec ??= {});
      spec.type ??= 'ClusterIP';
      const oldIp = (old?.spec as { clusterIP?: string } | undefined)?.clusterIP;
      if (spec.clusterIP === undefined) {
        spec.clusterIP = oldIp ?? `10.96.${Math.floor(this.ipCounter / 250)}.${(this.ipCounter % 250) + 1}`;
        if (!oldIp) this.ipCounter++;
      }
      spec.clusterIPs ??= [spec.clusterIP];
    }
    if (r.kind === 'Namespace') obj.status = { phase: 'Active', ...(obj.status ?? {}) };
    if (r.kind === 'Pod') {
      const spec = (obj.spec ??= {});
      spec.restartPolicy ??= 'Always';
      obj.status ??= { phase: 'Pending' };
    }
  }

  private checkNamespace(r: ResourceType, namespace: string | undefined): void {
    if (!r.namespaced) return;
    const nsType = RESOURCES.find((x) => x.kind === 'Namespace')!;
    if (!namespace || !this.objects(nsType).has(key(nsType, undefined, namespace))) {
      throw new ApiError(404, 'NotFound', `namespaces "${namespace ?? ''}" not found`, { name: namespace ?? '', kind: 'namespaces' });
    }
  }

  /** `dryRun`: validate and default as usual, but store nothing (the `?dryRun=All` query). */
  create(r: ResourceType, namespace: string | undefined, input: KObject, opts: { dryRun?: boolean } = {}): KObject {
    const obj = clone(input);
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
    }
    const name = obj.metadata.name ?? '';
    if (r.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace ?? obj.metadata.namespace;
    } else delete obj.metadata.namespace;
    if (!name) throw invalid(r, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    this.checkNamespace(r, obj.metadata.namespace);
    const k = key(r, obj.metadata.namespace, name);
    if (this.objects(r).has(k)) throw alreadyExists(r, name);
    this.applyDefaults(r, obj, undefined);
    this.validate(r, obj);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (r.generation) obj.metadata.generation = 1;
    else delete obj.metadata.generation;
    delete obj.metadata.deletionTimestamp;
    if (opts.dryRun) return obj;
    obj.metadata.resourceVersion = this.nextRv();
    this.objects(r).set(k, obj);
    this.emit('ADDED', r, obj);
    return clone(obj);
  }

  /**
   * Replace an object. `subresource: 'status'` changes only status; otherwise status is kept
   * for kinds with a status subresource. A resourceVersion in the body must be current.
   */
  update(r: ResourceType, namespace: string | undefined, name: string, input: KObject, opts: { subresource?: 'status'; dryRun?: boolean } = {}): KObject {
    const k = key(r, namespace, name);
    const old = this.objects(r).get(k);
    if (!old) throw notFound(r, name);
    const obj = clone(input);
    if (!isPlainObject(obj.metadata)) obj.metadata = {};
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw new ApiError(400, 'BadRequest', `the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
    }
    const sentRv = obj.metadata.resourceVersion;
    if (sentRv !== undefined && sentRv !== '' && sentRv !== old.metadata.resourceVersion) throw conflict(r, name);
    let next: KObject;
    if (opts.subresource === 'status') {
      next = clone(old);
      next.status = obj.status;
    } else {
      next = obj;
      next.metadata = {
        ...obj.metadata,
        name,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        ...(r.namespaced ? { namespace: old.metadata.namespace } : {}),
      };
      if (r.status) next.status = clone(old.status);
      else if (next.status === undefined) delete next.status;
      this.applyDefaults(r, next, old);
      this.validate(r, next);
      if (r.generation) next.metadata.generation = (old.metadata.generation ?? 1) + (specOf(next) !== specOf(old) ? 1 : 0);
      else delete next.metadata.generation;
    }
    // A no-op write keeps the resourceVersion, as on a real server.
    const unchanged = JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: '' } }) === JSON.stringify({ ...old, metadata: { ...old.metadata, resourceVersion: '' } });
    if (unchanged) return clone(old);
    if (opts.dryRun) return next;
    next.metadata.resourceVersion = this.nextRv();
    this.objects(r).set(k, next);
    this.emit('MODIFIED', r, next, old);
    return clone(next);
  }

  /** Delete an object and, unless orphaning, everything it owns (the garbage collector's job). */
  delete(r: ResourceType, namespace: string | undefined, name: string, opts: { propagation?: string; preconditionRv?: string; preconditionUid?: string; dryRun?: boolean } = {}): KObject {
    const k = key(r, namespace, name);
    const old = this.objects(r).get(k);
    if (!old) throw notFound(r, name);
    if (opts.preconditionRv && opts.preconditionRv !== old.metadata.resourceVersion) throw conflict(r, name);
    if (opts.preconditionUid && opts.preconditionUid !== old.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${opts.preconditionUid}, UID in object meta: ${old.metadata.uid ?? ''}`, { name, group: r.group, kind: r.plural });
    }
    if (opts.dryRun) return clone(old);
    this.objects(r).delete(k);
    const gone = clone(old);
    gone.metadata.resourceVersion = this.nextRv();
    this.emit('DELETED', r, gone);
    const uid = old.metadata.uid;
    if (r.kind === 'Namespace') {
      for (const other of RESOURCES.filter((x) => x.namespaced)) {
        for (const o of this.list(other, name)) this.deleteIfPresent(other, name, o.metadata.name!, 'Background');
      }
    }
    for (const other of RESOURCES) {
      const dependents = this.peek(other, other.namespaced ? old.metadata.namespace : undefined).filter((o) => (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid));
      for (const dep of dependents) {
        const o = clone(dep);
        const refs = o.metadata.ownerReferences ?? [];
        if (opts.propagation === 'Orphan') {
          const kept = refs.filter((ref) => ref.uid !== uid);
          o.metadata.ownerReferences = kept.length > 0 ? kept : undefined;
          if (!o.metadata.ownerReferences) delete o.metadata.ownerReferences;
          this.update(other, o.metadata.namespace, o.metadata.name!, o);
        } else this.deleteIfPresent(other, o.metadata.namespace, o.metadata.name!, 'Background');
      }
    }
    return gone;
  }

  private deleteIfPresent(r: ResourceType, namespace: string | undefined, name: string, propagation: string): void {
    if (this.objects(r).has(key(r, namespace, name))) this.delete(r, namespace, name, { propagation });
  }

  /** For messages: `deployments.apps "web"`. */
  describe(r: ResourceType, name: string): string {
    return `${qualifiedName(r)} "${name}"`;
  }
}
