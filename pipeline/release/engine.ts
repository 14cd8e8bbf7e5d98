// The engine: read state and cluster, plan, apply, write state back; repeat until the
// release reaches a stopping point (completed, aborted, frozen, paused for a human) or the
// run's time is up. Every loop starts from the cluster, so a killed runner loses nothing.
import { ConflictError, type Cluster, type ObjectRef } from '../core/cluster.js';
import { ServiceError } from '../core/errors.js';
import type { MetricsSource } from './ports.js';
import { resumeAnalysis } from './analysis.js';
import { planNextStep } from './planner.js';
import { LABEL_APP, LABEL_TRACK, deploymentName, renderDeployment, type Templates } from './render.js';
import { makeRouter, type TrafficRouter } from './routers.js';
import { DeploymentReadModel, PodReadModel, readModel, ServiceReadModel } from './read-models.js';
import { historyEntry, readState, writeState } from './state.js';
import type { Actor, DeploymentObservation, Observations, ReleaseAction, ReleaseSpec, ReleaseState } from './types.js';

export interface EngineOptions {
  cluster: Cluster;
  metrics?: MetricsSource | ((address: string) => MetricsSource);
  spec: ReleaseSpec;
  templates: Templates;
  env: NodeJS.ProcessEnv;
  actor: Actor;
  /** How often to look again while waiting for pods (default 1s). */
  pollMs?: number;
  /** Give up driving after this long and report (exit 4); the release goes on at the next run. */
  timeoutMs?: number;
  /** Override analysis intervals (tests, benchmarks). */
  analysisIntervalMs?: number;
  /** timeouts.http for HTTP analysis checks. */
  httpTimeoutMs?: number;
  /** Stop driving at once (as if the runner were killed): what was written stays written. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The state's resourceVersion as it changes within one loop (analysis progress is saved as it goes). */
interface Cursor {
  resourceVersion: string | undefined;
  deadline: number;
}

export interface DriveResult {
  state: ReleaseState;
  timedOut: boolean;
  notes: string[];
  routingWrites: number;
}

const MAX_CONFLICTS = 10;

export async function drive(opts: EngineOptions, stateStrategy: ReleaseState['strategy']): Promise<DriveResult> {
  const { cluster, spec } = opts;
  const pollMs = opts.pollMs ?? 1000;
  const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
  const router = makeRouter(cluster, spec, opts.templates, stateStrategy);
  const notes: string[] = [];
  let conflicts = 0;
  let routingWrites = 0;
  for (;;) {
    opts.signal?.throwIfAborted();
    const { state, resourceVersion } = await readState(cluster, spec.namespace, spec.app);
    if (!state) throw new ServiceError('kubernetes', `the release state of ${spec.app} disappeared`);
    const obs = await observe(cluster, spec, state, router);
    const actions = planNextStep(state, spec, obs);
    if (!actions.length) return { state, timedOut: false, notes, routingWrites };
    const next = structuredClone(state);
    let waitUntil: number | undefined;
    let stop = false;
    let outOfTime = false;
    const cursor: Cursor = { resourceVersion, deadline };
    try {
      for (const a of actions) {
        const r = await apply(a, next, obs, opts, router, cursor);
        if (a.type === 'route') routingWrites++;
        if (a.type === 'note') notes.push(a.message);
        if (r === 'stop') stop = true;
        if (r === 'timedOut') outOfTime = true;
        if (a.type === 'wait') waitUntil = a.untilMs ?? Date.now() + pollMs;
      }
    } catch (e) {
      if (e instanceof ConflictError && ++conflicts <= MAX_CONFLICTS) {
        opts.log?.(`conflict (${conflicts}/${MAX_CONFLICTS}): re-reading and planning again`);
        await sleep(Math.min(1000, 25 * 2 ** conflicts));
        continue;
      }
      throw e;
    }
    if (!stop && waitUntil === undefined && next.phase === 'Paused') next.phase = 'Progressing';
    if (changed(state, next)) {
      try {
        await writeState(cluster, next, cursor.resourceVersion);
      } catch (e) {
        if (e instanceof ConflictError && ++conflicts <= MAX_CONFLICTS) {
          // Someone else (a `promote`, an `abort`, another runner) wrote first: start over from their state.
          opts.log?.('state changed under us: re-reading and planning again');
          await sleep(Math.min(1000, 25 * 2 ** conflicts));
          continue;
        }
        throw e;
      }
    }
    if (stop) return { state: next, timedOut: false, notes, routingWrites };
    if (outOfTime) return { state: next, timedOut: true, notes, routingWrites };
    if (waitUntil !== undefined) {
      const now = Date.now();
      if (now >= deadline) return { state: next, timedOut: true, notes, routingWrites };
      await sleep(Math.max(10, Math.min(waitUntil - now, pollMs, deadline - now)), opts.signal);
    }
  }
}

/** Only the `message` changed: no need to spend a write on it. */
function changed(a: ReleaseState, b: ReleaseState): boolean {
  return JSON.stringify({ ...a, message: '' }) !== JSON.stringify({ ...b, message: '' }) || (a.phase !== b.phase);
}

async function apply(a: ReleaseAction, next: ReleaseState, obs: Observations, opts: EngineOptions, router: TrafficRouter, cursor: Cursor): Promise<'stop' | 'timedOut' | undefined> {
  const now = new Date();
  const log = opts.log ?? (() => undefined);
  switch (a.type) {
    case 'scale':
      log(`${a.reason}`);
      await scaleDeployment(opts, next, a, obs.deployments[a.track]);
      next.message = a.reason;
      return;
    case 'route':
      log(`${a.reason} (${describeSplit(a.split)})`);
      await router.write(a.split);
      next.desired = a.split;
      next.confirmed = a.split;
      next.message = a.reason;
      return;
    case 'setPreview':
      await opts.cluster.patch({ apiVersion: 'v1', kind: 'Service', namespace: opts.spec.namespace, name: `${opts.spec.app}-preview` }, { spec: { selector: { [LABEL_APP]: opts.spec.app, [LABEL_TRACK]: a.track } } }, 'merge');
      log(`preview Service ${opts.spec.app}-preview now selects slot ${a.track}`);
      return;
    case 'analyze':
      for (const name of a.templates) {
        const t = opts.spec.analysis[name]!;
        const where = { stepIndex: a.stepIndex, attempt: next.analysisAttempt };
        const p = next.analysisProgress;
        const previous = p && p.stepIndex === where.stepIndex && p.attempt === where.attempt && p.template === name ? p.measurements : [];
        log(previous.length ? `analysis ${name}: continuing after ${previous.length} of ${t.count} measurement(s)` : `analysis ${name}: ${t.count} measurement(s)`);
        const rec = await resumeAnalysis(
          name,
          t,
          {
            app: next.app,
            namespace: next.namespace,
            canaryTrack: next.canaryTrack,
            stableTrack: next.stableTrack,
            cluster: opts.cluster,
            ...(opts.metrics ? { metrics: opts.metrics } : {}),
            env: opts.env,
            ...(opts.analysisIntervalMs !== undefined ? { intervalMs: opts.analysisIntervalMs } : {}),
            ...(opts.httpTimeoutMs !== undefined ? { httpTimeoutMs: opts.httpTimeoutMs } : {}),
          },
          where,
          {
            previous,
            // Saved after each measurement with the resourceVersion we hold: if someone else
            // wrote meanwhile (an abort, a promote) the 409 makes the engine re-read and re-plan.
            persist: async (measurements) => {
              next.analysisProgress = { ...where, template: name, measurements };
              cursor.resourceVersion = await writeState(opts.cluster, next, cursor.resourceVersion);
            },
            deadline: cursor.deadline,
            ...(opts.signal ? { signal: opts.signal } : {}),
          },
          (m) => log(`  ${name}: ${m.outcome}${m.message ? ` - ${m.message}` : ''}`),
        );
        if (!rec) {
          const taken = next.analysisProgress?.measurements.length ?? previous.length;
          next.message = `analysis ${name}: ${taken} of ${t.count} measurement(s) taken; the next run continues from there`;
          return 'timedOut';
        }
        delete next.analysisProgress;
        next.analysis.push(rec);
        next.message = `analysis ${name}: ${rec.outcome} (${rec.message})`;
        if (rec.outcome === 'Failed') break;
      }
      return;
    case 'wait':
      next.message = a.reason;
      return;
    case 'advance': {
      const step = next.steps[next.stepIndex];
      if (step?.irreversible) next.irreversibleCommitted = true;
      next.history.push(historyEntry(next, { ...opts.actor, at: now.toISOString() }, 'step', `step ${next.stepIndex + 1}: ${a.message}`));
      if (a.reached) next.desired = next.confirmed = a.reached;
      next.stepIndex = a.to;
      next.stepStartedAt = now.toISOString();
      next.analysisAttempt = 0;
      delete next.analysisProgress;
      next.message = a.message;
      log(`step done: ${a.message}`);
      return;
    }
    case 'setCanaryScale':
      if (a.scale.matchTrafficWeight) delete next.canaryScale;
      else next.canaryScale = a.scale;
      return;
    case 'note':
      log(a.message);
      next.history.push(historyEntry(next, { ...opts.actor, at: now.toISOString() }, 'step', a.message));
      next.message = a.message;
      return;
    case 'markStableScaledUp':
      if (next.abort) next.abort.stableScaledUp = true;
      return;
    case 'pause':
      next.phase = 'Paused';
      next.message = a.reason;
      return 'stop';
    case 'complete':
      next.phase = 'Completed';
      next.message = a.message;
      next.history.push(historyEntry(next, { ...opts.actor, at: now.toISOString() }, 'complete', a.message));
      if (next.strategy === 'blueGreen' && next.steps[0]?.kind !== 'initial') {
        // The new slot is now the active one; the next release goes to the other slot.
        [next.stableTrack, next.canaryTrack] = [next.canaryTrack, next.stableTrack];
      }
      next.desired = { weights: { [next.stableTrack]: 100, [next.canaryTrack]: 0 }, cohorts: [] };
      log(a.message);
      return 'stop';
    case 'abort':
      next.phase = 'Aborting';
      next.abort = { reason: a.reason, by: { ...opts.actor, at: now.toISOString() } };
      next.message = `aborting: ${a.reason}`;
      next.history.push(historyEntry(next, { ...opts.actor, at: now.toISOString() }, 'abort', a.reason));
      log(`aborting: ${a.reason}`);
      return;
    case 'aborted':
      next.phase = 'Aborted';
      next.message = a.message;
      next.desired = { weights: { [next.stableTrack]: 100, [next.canaryTrack]: 0 }, cohorts: [] };
      next.history.push(historyEntry(next, { ...opts.actor, at: now.toISOString() }, 'aborted', a.message));
      log(a.message);
      return 'stop';
    case 'freeze':
      next.phase = 'Frozen';
      next.message = a.reason;
      next.history.push(historyEntry(next, { ...opts.actor, at: now.toISOString() }, 'freeze', a.reason));
      log(`frozen: ${a.reason}`);
      return 'stop';
  }
}

async function scaleDeployment(opts: EngineOptions, state: ReleaseState, a: Extract<ReleaseAction, { type: 'scale' }>, seen: DeploymentObservation | undefined): Promise<void> {
  const { cluster, spec, templates } = opts;
  const ref: ObjectRef = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: spec.namespace, name: deploymentName(spec.app, a.track) };
  const image = a.image ?? seen?.image ?? state.image;
  if (!seen) {
    await cluster.create(renderDeployment(templates, spec, a.track, image, a.replicas, a.annotations ?? {}));
    return;
  }
  if (a.image === undefined || a.image === seen.image) {
    await cluster.patch(ref, { spec: { replicas: a.replicas } }, 'merge');
    return;
  }
  // New image: replicas, image and pod annotations in one JSON patch (a merge patch would replace the container list).
  const rendered = readModel(DeploymentReadModel, renderDeployment(templates, spec, a.track, image, a.replicas, a.annotations ?? {}));
  const annotations = rendered.spec?.template?.metadata?.annotations ?? {};
  await cluster.patch(
    ref,
    [
      { op: 'replace', path: '/spec/replicas', value: a.replicas },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
      { op: 'add', path: '/spec/template/metadata/annotations', value: annotations },
    ],
    'json',
  );
}

export async function observe(cluster: Cluster, spec: ReleaseSpec, state: ReleaseState, router: TrafficRouter): Promise<Observations> {
  const deployments: Record<string, DeploymentObservation | undefined> = {};
  for (const track of [state.stableTrack, state.canaryTrack]) {
    deployments[track] = await observeDeployment(cluster, spec, track, track === state.canaryTrack);
  }
  const routing = await router.read();
  let previewTrack: string | undefined;
  if (state.strategy === 'blueGreen') {
    const svc = await cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: spec.namespace, name: `${spec.app}-preview` });
    previewTrack = svc ? readModel(ServiceReadModel, svc).spec?.selector?.[LABEL_TRACK] : undefined;
  }
  return { now: Date.now(), deployments, routing, ...(previewTrack ? { previewTrack } : {}) };
}

async function observeDeployment(cluster: Cluster, spec: ReleaseSpec, track: string, withPods: boolean): Promise<DeploymentObservation | undefined> {
  const found = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: spec.namespace, name: deploymentName(spec.app, track) });
  if (!found) return undefined;
  const d = readModel(DeploymentReadModel, found);
  let restarts = 0;
  let crashLooping = false;
  if (withPods && (d.spec?.replicas ?? 0) > 0) {
    const pods = await cluster.list('v1', 'Pod', spec.namespace, `${LABEL_APP}=${spec.app},${LABEL_TRACK}=${track}`);
    for (const p of pods.map((o) => readModel(PodReadModel, o))) {
      for (const s of p.status?.containerStatuses ?? []) {
        restarts += s.restartCount ?? 0;
        if (s.state?.waiting?.reason === 'CrashLoopBackOff') crashLooping = true;
      }
    }
  }
  return {
    specReplicas: d.spec?.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    observedCurrent: (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 0),
    image: d.spec?.template?.spec?.containers?.[0]?.image,
    annotations: d.spec?.template?.metadata?.annotations ?? {},
    restarts,
    crashLooping,
  };
}

export function describeSplit(split: { weights: Record<string, number>; cohorts: unknown[] }): string {
  const w = Object.entries(split.weights)
    .map(([t, v]) => `${t} ${v}%`)
    .join(', ');
  return split.cohorts.length ? `${w}; ${split.cohorts.length} cohort(s)` : w;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
