// The in-process controllers: Deployment -> ReplicaSet (one per pod-template hash) -> Pods,
// rolling updates bounded by maxSurge/maxUnavailable, Deployment/ReplicaSet status, and a
// kubelet stand-in that makes pods Ready after a delay, or never, or crash-looping, as
// the pod template's `sim.shardship.dev/*` annotations ask.
import { createHash, randomBytes } from 'node:crypto';
import { RESOURCES, type ResourceType } from './resources.js';
import type { Store } from './store.js';
import { matchesLabelSelectorObject, type LabelSelectorObject } from './selectors.js';
import { clone, type KObject, type OwnerReference } from './types.js';

export const ANNOTATION = {
  errorRate: 'sim.shardship.dev/error-rate',
  neverReady: 'sim.shardship.dev/never-ready',
  crashLoop: 'sim.shardship.dev/crash-loop',
  readyDelayMs: 'sim.shardship.dev/ready-delay-ms',
  latencyMs: 'sim.shardship.dev/latency-ms',
} as const;

const REVISION = 'deployment.kubernetes.io/revision';
const HASH_LABEL = 'pod-template-hash';
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

const rtOf = (kind: string): ResourceType => RESOURCES.find((r) => r.kind === kind)!;
const DEPLOY = rtOf('Deployment');
const RS = rtOf('ReplicaSet');
const POD = rtOf('Pod');
const EVENT = rtOf('Event');

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: { name: string; image?: string }[] };
}

interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelectorObject;
  template?: PodTemplate;
  paused?: boolean;
  progressDeadlineSeconds?: number;
  revisionHistoryLimit?: number;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A short, stable hash of the pod template, spelled like the real controller's. */
export function templateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  let out = '';
  for (let i = 0; i < 10; i++) out += SAFE[digest[i]! % SAFE.length];
  return out;
}

function suffix(): string {
  const b = randomBytes(5);
  let out = '';
  for (const x of b) out += SAFE[x % SAFE.length];
  return out;
}

function resolveIntOrPercent(v: number | string | undefined, total: number, roundUp: boolean, dflt: string): number {
  const val = v ?? dflt;
  if (typeof val === 'number') return val;
  const m = /^(\d+)%$/.exec(val);
  if (!m) return Number(val) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

function ownedBy(o: KObject, uid: string | undefined): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.controller);
}

function ownerRef(kind: string, apiVersion: string, o: KObject): OwnerReference {
  return { apiVersion, kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export function isPodReady(p: KObject): boolean {
  const conds = ((p.status ?? {}) as { conditions?: Condition[] }).conditions ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function specReplicas(o: KObject): number {
  return ((o.spec ?? {}) as { replicas?: number }).replicas ?? 0;
}

function setCondition(conds: Condition[], next: Condition): Condition[] {
  const old = conds.find((c) => c.type === next.type);
  const t = now();
  const merged: Condition = {
    ...next,
    lastUpdateTime: old && old.status === next.status && old.reason === next.reason && old.message === next.message ? (old.lastUpdateTime ?? t) : t,
    lastTransitionTime: old && old.status === next.status ? (old.lastTransitionTime ?? t) : t,
  };
  return [...conds.filter((c) => c.type !== next.type), merged];
}

export class Controllers {
  private timer: NodeJS.Timeout | undefined;
  /** Pod uid -> when the simulated kubelet "started" it (ms), for ready delays and restarts. */
  private readonly started = new Map<string, number>();
  /** Object uid -> "resourceVersion|state" last reconciled, so steady objects cost nothing per tick. */
  private readonly settled = new Map<string, string>();
  /** Deployment uid -> [generation, template hash]: hashing the template every tick is costly. */
  private readonly hashes = new Map<string, [number, string]>();
  /** Pods that already got their BackOff event. */
  private readonly backedOff = new Set<string>();
  /** Deployment uid -> last time it made progress (ms), for progressDeadlineSeconds. */
  private readonly progress = new Map<string, { at: number; key: string }>();

  constructor(
    private readonly store: Store,
    private readonly readyDelayMs: number,
  ) {}

  start(intervalMs = 50): void {
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (e) {
        // A controller error must not kill the simulator; the API keeps answering.
        process.stderr.write(`kube-sim controller: ${(e as Error).stack ?? String(e)}\n`);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Objects grouped by the uid of their controller owner (one pass instead of a scan per owner). */
  private byOwner(r: ResourceType): Map<string, KObject[]> {
    const m = new Map<string, KObject[]>();
    for (const o of this.store.peek(r)) {
      const owner = (o.metadata.ownerReferences ?? []).find((ref) => ref.controller);
      if (!owner) continue;
      const list = m.get(owner.uid);
      if (list) list.push(o);
      else m.set(owner.uid, [o]);
    }
    return m;
  }

  // Reads use the store's objects without copying (peek); every write goes through update(),
  // which copies, so nothing here mutates stored state in place.
  tick(): void {
    let rsByOwner = this.byOwner(RS);
    for (const d of this.store.peek(DEPLOY)) this.syncDeployment(d, rsByOwner.get(d.metadata.uid!) ?? []);
    const podsByOwner = this.byOwner(POD);
    for (const rs of this.store.peek(RS)) this.syncReplicaSet(rs, podsByOwner.get(rs.metadata.uid!) ?? []);
    for (const p of this.store.peek(POD)) this.syncPod(p);
    rsByOwner = this.byOwner(RS);
    for (const d of this.store.peek(DEPLOY)) this.syncDeploymentStatus(d, rsByOwner.get(d.metadata.uid!) ?? []);
  }

  /** Record a core/v1 Event about `about`, as the real controllers and kubelet do. */
  private event(about: KObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string): void {
    const t = now();
    try {
      this.store.create(EVENT, about.metadata.namespace, {
        metadata: { name: `${about.metadata.name!}.${randomBytes(8).toString('hex')}`, namespace: about.metadata.namespace },
        involvedObject: {
          apiVersion: about.apiVersion,
          kind: about.kind,
          name: about.metadata.name,
          namespace: about.metadata.namespace,
          uid: about.metadata.uid,
          resourceVersion: about.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        source: { component },
        firstTimestamp: t,
        lastTimestamp: t,
        count: 1,
      });
    } catch {
      // Events are best effort, as on a real cluster.
    }
  }

  private write(r: ResourceType, o: KObject, status = false): KObject | undefined {
    try {
      return this.store.update(r, o.metadata.namespace, o.metadata.name!, o, status ? { subresource: 'status' } : {});
    } catch {
      // Lost a race with a client write (409/404): the next tick retries with fresh state.
      return undefined;
    }
  }

  private hashOf(d: KObject): string {
    const uid = d.metadata.uid!;
    const gen = d.metadata.generation ?? 0;
    const cached = this.hashes.get(uid);
    if (cached && cached[0] === gen) return cached[1];
    const hash = templateHash(((d.spec ?? {}) as DeploymentSpec).template ?? {});
    this.hashes.set(uid, [gen, hash]);
    return hash;
  }

  private syncDeployment(d: KObject, owned: KObject[]): void {
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const ns = d.metadata.namespace!;
    const hash = this.hashOf(d);
    let rsList = owned;
    let newRs = rsList.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const desired = spec.replicas ?? 1;
    const maxRevision = Math.max(0, ...rsList.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? '0')));

    if (spec.paused) return;
    if (!newRs) {
      const template = clone(spec.template ?? {});
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
      const selector = clone(spec.selector ?? {});
      selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
      const revision = String(maxRevision + 1);
      try {
        newRs = this.store.create(RS, ns, {
          metadata: {
            name: `${d.metadata.name!}-${hash}`,
            namespace: ns,
            labels: { ...(spec.template?.metadata?.labels ?? {}), [HASH_LABEL]: hash },
            annotations: { [REVISION]: revision, 'deployment.kubernetes.io/desired-replicas': String(desired) },
            ownerReferences: [ownerRef('Deployment', 'apps/v1', d)],
          },
          spec: { replicas: rsList.some((rs) => specReplicas(rs) > 0) ? 0 : desired, selector, template },
        });
      } catch {
        return;
      }
      const initial = specReplicas(newRs);
      if (initial > 0) this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRs.metadata.name!} from 0 to ${initial}`, 'deployment-controller');
      rsList = [...rsList, newRs];
    } else if (newRs.metadata.annotations?.[REVISION] !== String(maxRevision) && rsList.length > 1) {
      // Rolling back to an older template makes that ReplicaSet the newest revision again.
      const updated = clone(newRs);
      updated.metadata.annotations = { ...(updated.metadata.annotations ?? {}), [REVISION]: String(maxRevision + 1) };
      newRs = this.write(RS, updated) ?? newRs;
    }
    const revision = newRs.metadata.annotations?.[REVISION];
    if (revision && d.metadata.annotations?.[REVISION] !== revision) {
      const updated = clone(d);
      updated.metadata.annotations = { ...(updated.metadata.annotations ?? {}), [REVISION]: revision };
      this.write(DEPLOY, updated);
    }

    const old = rsList.filter((rs) => rs.metadata.uid !== newRs.metadata.uid);
    // Replica counts written during this pass (the listed objects are the store's, read-only).
    const written = new Map<string, number>();
    const replicasOf = (rs: KObject) => written.get(rs.metadata.uid!) ?? specReplicas(rs);
    const scale = (rs: KObject, replicas: number) => {
      if (replicasOf(rs) === replicas) return;
      const u = clone(rs);
      (u.spec ??= {}).replicas = replicas;
      u.metadata.annotations = { ...(u.metadata.annotations ?? {}), 'deployment.kubernetes.io/desired-replicas': String(desired) };
      if (this.write(RS, u)) {
        const was = replicasOf(rs);
        written.set(rs.metadata.uid!, replicas);
        this.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > was ? 'up' : 'down'} replica set ${rs.metadata.name!} from ${was} to ${replicas}`, 'deployment-controller');
      }
    };
    const readyOf = (rs: KObject) => ((rs.status ?? {}) as { readyReplicas?: number }).readyReplicas ?? 0;

    if (spec.strategy?.type === 'Recreate') {
      for (const rs of old) scale(rs, 0);
      const oldPods = old.reduce((n, rs) => n + (((rs.status ?? {}) as { replicas?: number }).replicas ?? 0), 0);
      if (oldPods === 0) scale(newRs, desired);
    } else {
      const maxSurge = resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxSurge, desired, true, '25%');
      let maxUnavailable = resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxUnavailable, desired, false, '25%');
      if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
      if (old.every((rs) => replicasOf(rs) === 0)) {
        scale(newRs, desired);
      } else {
        // Scale up the new ReplicaSet within the surge budget.
        const total = rsList.reduce((n, rs) => n + replicasOf(rs), 0);
        const room = desired + maxSurge - total;
        if (replicasOf(newRs) > desired) scale(newRs, desired);
        else if (room > 0) scale(newRs, Math.min(desired, replicasOf(newRs) + room));
        // Scale down old ReplicaSets: first their unready pods (free), then as availability allows.
        const minAvailable = desired - maxUnavailable;
        let available = rsList.reduce((n, rs) => n + readyOf(rs), 0);
        for (const rs of old) {
          const unready = Math.max(0, replicasOf(rs) - readyOf(rs));
          if (unready > 0) scale(rs, replicasOf(rs) - unready);
        }
        for (const rs of old) {
          const canRemove = Math.min(replicasOf(rs), available - minAvailable);
          if (canRemove > 0) {
            scale(rs, replicasOf(rs) - canRemove);
            available -= canRemove;
          }
        }
      }
    }
    // Keep at most revisionHistoryLimit old, scaled-down ReplicaSets.
    const limit = spec.revisionHistoryLimit ?? 10;
    const idle = old
      .filter((rs) => replicasOf(rs) === 0 && (((rs.status ?? {}) as { replicas?: number }).replicas ?? 0) === 0)
      .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.store.delete(RS, ns, rs.metadata.name!);
      } catch {
        // already gone
      }
    }
  }

  private syncReplicaSet(rs: KObject, owned: KObject[]): void {
    const ns = rs.metadata.namespace!;
    const spec = (rs.spec ?? {}) as { replicas?: number; template?: PodTemplate; selector?: LabelSelectorObject };
    const pods = [...owned];
    let changed = false;
    const want = spec.replicas ?? 0;
    if (pods.length < want) {
      for (let i = pods.length; i < want; i++) {
        const template = clone(spec.template ?? {});
        try {
          const pod = this.store.create(POD, ns, {
            metadata: {
              name: `${rs.metadata.name!}-${suffix()}`,
              namespace: ns,
              labels: template.metadata?.labels ?? {},
              ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
              ownerReferences: [ownerRef('ReplicaSet', 'apps/v1', rs)],
            },
            spec: (template.spec ?? { containers: [] }) as Record<string, unknown>,
          });
          this.started.set(pod.metadata.uid!, Date.now());
          pods.push(pod);
          changed = true;
        } catch {
          break;
        }
      }
    } else if (pods.length > want) {
      // Remove unready pods first, then the youngest, like the real ReplicaSet controller.
      const victims = [...pods]
        .sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || (this.started.get(b.metadata.uid!) ?? 0) - (this.started.get(a.metadata.uid!) ?? 0))
        .slice(0, pods.length - want);
      for (const p of victims) {
        try {
          this.store.delete(POD, ns, p.metadata.name!);
          this.started.delete(p.metadata.uid!);
          changed = true;
        } catch {
          // already gone
        }
      }
    }
    const live = changed ? this.store.peek(POD, ns).filter((p) => ownedBy(p, rs.metadata.uid)) : owned;
    const ready = live.filter(isPodReady).length;
    const status = {
      replicas: live.length,
      fullyLabeledReplicas: live.filter((p) => matchesLabelSelectorObject(p.metadata.labels, spec.selector)).length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (JSON.stringify(status) !== JSON.stringify(rs.status ?? {})) this.write(RS, { ...rs, status }, true);
  }

  private syncPod(p: KObject): void {
    const uid = p.metadata.uid!;
    if (!this.started.has(uid)) this.started.set(uid, Date.now());
    const startedAt = this.started.get(uid)!;
    const ann = p.metadata.annotations ?? {};
    const delay = ann[ANNOTATION.readyDelayMs] !== undefined ? Number(ann[ANNOTATION.readyDelayMs]) : this.readyDelayMs;
    const elapsed = Date.now() - startedAt;
    const containers = (((p.spec ?? {}) as PodTemplate['spec'])?.containers ?? []);
    const crash = ann[ANNOTATION.crashLoop] === 'true';
    const neverReady = ann[ANNOTATION.neverReady] === 'true';
    const running = elapsed >= Math.min(delay, 100) || crash;
    const ready = !crash && !neverReady && elapsed >= delay;
    // A crash-looping container restarts every `delay` ms (at least 200 ms) in the simulation.
    const restarts = crash ? Math.floor(elapsed / Math.max(200, delay)) : 0;
    const state = `${p.metadata.resourceVersion ?? ''}|${running}|${ready}|${restarts}`;
    if (this.settled.get(uid) === state) return;
    const startTime = new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z');
    const old = (p.status ?? {}) as { conditions?: Condition[]; podIP?: string };
    const cond = (type: string, ok: boolean): Condition => {
      const prev = old.conditions?.find((c) => c.type === type);
      const status = ok ? 'True' : 'False';
      return { type, status, lastTransitionTime: prev && prev.status === status ? (prev.lastTransitionTime ?? startTime) : now() };
    };
    const status = {
      phase: running ? 'Running' : 'Pending',
      conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', ready), cond('Ready', ready)],
      hostIP: '10.0.0.1',
      podIP: old.podIP ?? `10.244.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`,
      startTime,
      containerStatuses: containers.map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready,
        started: running && !crash,
        restartCount: restarts,
        state: crash
          ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name}` } }
          : running
            ? { running: { startedAt: startTime } }
            : { waiting: { reason: 'ContainerCreating' } },
        ...(crash && restarts > 0 ? { lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: startTime, finishedAt: now() } } } : {}),
      })),
    };
    const comparable = (s: unknown) => JSON.stringify(s, (k, v: unknown) => (k === 'lastTransitionTime' || k === 'finishedAt' ? undefined : v));
    let rv = p.metadata.resourceVersion;
    if (comparable(status) !== comparable(p.status ?? {})) rv = this.write(POD, { ...p, status }, true)?.metadata.resourceVersion;
    if (rv) this.settled.set(uid, `${rv}|${running}|${ready}|${restarts}`);
    if (crash && restarts > 0 && !this.backedOff.has(uid)) {
      this.backedOff.add(uid);
      this.event(p, 'Warning', 'BackOff', `Back-off restarting failed container ${containers[0]?.name ?? ''} in pod ${p.metadata.name!}`, 'kubelet');
    }
  }

  private syncDeploymentStatus(d: KObject, rsList: KObject[]): void {
    const spec = (d.spec ?? {}) as DeploymentSpec;
    const desired = spec.replicas ?? 1;
    const hash = this.hashOf(d);
    const st = (rs: KObject) => (rs.status ?? {}) as { replicas?: number; readyReplicas?: number; availableReplicas?: number };
    const newRs = rsList.find((rs) => rs.metadata.labels?.[HASH_LABEL] === hash);
    const replicas = rsList.reduce((n, rs) => n + (st(rs).replicas ?? 0), 0);
    const ready = rsList.reduce((n, rs) => n + (st(rs).readyReplicas ?? 0), 0);
    const available = rsList.reduce((n, rs) => n + (st(rs).availableReplicas ?? 0), 0);
    const updated = newRs ? (st(newRs).replicas ?? 0) : 0;
    const maxUnavailable = resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxUnavailable, desired, false, '25%');
    const uid = d.metadata.uid!;
    const deadline = (spec.progressDeadlineSeconds ?? 600) * 1000;
    const stalled = Date.now() - (this.progress.get(uid)?.at ?? Date.now()) > deadline;
    const state = `${d.metadata.resourceVersion ?? ''}|${hash}|${replicas}|${ready}|${available}|${updated}|${rsList.map((rs) => st(rs).availableReplicas ?? 0).join(',')}|${stalled}`;
    if (this.settled.get(uid) === state) return;
    const complete = updated === desired && replicas === desired && available === desired && (newRs ? (st(newRs).availableReplicas ?? 0) : 0) === desired;
    const old = (d.status ?? {}) as { conditions?: Condition[] };
    let conditions = old.conditions ?? [];
    const minAvailable = spec.strategy?.type === 'Recreate' ? desired : desired - maxUnavailable;
    conditions = setCondition(conditions, {
      type: 'Available',
      status: available >= minAvailable ? 'True' : 'False',
      reason: available >= minAvailable ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      message: available >= minAvailable ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
    });
    const progressKey = `${hash}/${updated}/${available}/${replicas}`;
    const prev = this.progress.get(uid);
    if (!prev || prev.key !== progressKey) this.progress.set(uid, { at: Date.now(), key: progressKey });
    const stalledFor = Date.now() - (this.progress.get(uid)?.at ?? Date.now());
    const rsName = newRs?.metadata.name ?? d.metadata.name!;
    if (complete) {
      conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` });
    } else if (stalledFor > (spec.progressDeadlineSeconds ?? 600) * 1000) {
      conditions = setCondition(conditions, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` });
    } else {
      conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` });
    }
    conditions.sort((a, b) => a.type.localeCompare(b.type));
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      ...(replicas - available > 0 ? { unavailableReplicas: replicas - available } : {}),
      conditions,
    };
    const comparable = (s: unknown) => JSON.stringify(s, (k, v: unknown) => (k === 'lastUpdateTime' || k === 'lastTransitionTime' ? undefined : v));
    let rv = d.metadata.resourceVersion;
    if (comparable(status) !== comparable(d.status ?? {})) rv = this.write(DEPLOY, { ...d, status }, true)?.metadata.resourceVersion;
    // Only settle when progress is being tracked; the deadline check needs the ticks otherwise.
    if (rv && complete) this.settled.set(uid, state.replace(/^[^|]*/, rv));
  }
}
