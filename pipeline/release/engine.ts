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
import { readState, writeState } from './state.js';
import { analysisCutShort, analysisMeasured, analysisRecorded, analysisResumePoint, applyAction, endRound } from './transitions.js';
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
  /** What the cluster looked like when this round was planned. */
  observed: Observations;
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
    let next = state;
    let waitUntil: number | undefined;
    let stop = false;
    let outOfTime = false;
    const cursor: Cursor = { resourceVersion, deadline, observed: obs };
    try {
      for (const a of actions) {
        const r = await apply(a, next, opts, router, cursor);
        next = r.state;
        if (a.type === 'route') routingWrites++;
        if (a.type === 'note') notes.push(a.message);
        if (r.stop) stop = true;
        if (r.timedOut) outOfTime = true;
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
    next = endRound(next, { stopped: stop, waiting: waitUntil !== undefined });
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

/** Apply one planner action: the state change is decided by transitions.ts; here only its I/O is done. */
async function apply(a: ReleaseAction, state: ReleaseState, opts: EngineOptions, router: TrafficRouter, cursor: Cursor): Promise<{ state: ReleaseState; stop: boolean; timedOut?: boolean }> {
  const log = opts.log ?? (() => undefined);
  const t = applyAction(state, a, { ...opts.actor, at: new Date().toISOString() });
  let next = t.state;
  for (const e of t.effects) {
    switch (e.type) {
      case 'log':
        log(e.line);
        break;
      case 'scale':
        // The Deployment as observed before this round is what the planner saw.
        await scaleDeployment(opts, next, e, cursor.observed.deployments[e.track]);
        break;
      case 'route':
        await router.write(e.split);
        break;
      case 'setPreview':
        await opts.cluster.patch({ apiVersion: 'v1', kind: 'Service', namespace: opts.spec.namespace, name: `${opts.spec.app}-preview` }, { spec: { selector: { [LABEL_APP]: opts.spec.app, [LABEL_TRACK]: e.track } } }, 'merge');
        break;
      case 'analyze': {
        const r = await runAnalysis(e, next, opts, cursor);
        next = r.state;
        if (r.timedOut) return { state: next, stop: false, timedOut: true };
        break;
      }
    }
  }
  return { state: next, stop: t.stop };
}

async function runAnalysis(e: { stepIndex: number; templates: string[] }, state: ReleaseState, opts: EngineOptions, cursor: Cursor): Promise<{ state: ReleaseState; timedOut: boolean }> {
  const log = opts.log ?? (() => undefined);
  let next = state;
  for (const name of e.templates) {
    const t = opts.spec.analysis[name]!;
    const where = { stepIndex: e.stepIndex, attempt: next.analysisAttempt };
    const previous = analysisResumePoint(next, e.stepIndex, name);
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
          next = analysisMeasured(next, e.stepIndex, name, measurements);
          cursor.resourceVersion = await writeState(opts.cluster, next, cursor.resourceVersion);
        },
        deadline: cursor.deadline,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (m) => log(`  ${name}: ${m.outcome}${m.message ? ` - ${m.message}` : ''}`),
    );
    if (!rec) return { state: analysisCutShort(next, name, t.count, previous.length), timedOut: true };
    next = analysisRecorded(next, rec);
    if (rec.outcome === 'Failed') break;
  }
  return { state: next, timedOut: false };
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
