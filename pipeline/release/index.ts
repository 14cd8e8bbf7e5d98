// The release stage's API, used by the CLI and the GitHub Action: each function takes the
// ports (Cluster, MetricsSource), the config and an app, and returns a plain ReleaseReport.
import { ConfigError, UsageError } from '../core/errors.js';
import type { ReleaseConfig } from '../config/release.js';
import { ConflictError, type Cluster } from '../core/cluster.js';
import type { MetricsSource } from './ports.js';
import { drive, observe, type DriveResult } from './engine.js';
import { canaryWeightOf, describeStep } from './planner.js';
import { deploymentName, loadTemplates, renderService, type Templates } from './render.js';
import { makeRouter } from './routers.js';
import { checkReplicaWeights, compileSteps, resolveSpec } from './spec.js';
import { DeploymentReadModel, readModel } from './read-models.js';
import { actorFromEnv, describeActor, historyEntry, mutateState, readState, writeState } from './state.js';
import type { Actor, ReleaseReport, ReleaseSpec, ReleaseState, StrategyName, TrafficSplit } from './types.js';

export type { ReleaseReport, ReleaseState, ReleaseSpec, Step, TrafficSplit, ReleaseAction, Observations } from './types.js';
export { planNextStep } from './planner.js';

export interface ReleaseOptions {
  cluster: Cluster;
  /** A fixed source, or a factory by address (templates name their Prometheus). */
  metrics?: MetricsSource | ((address: string) => MetricsSource);
  config: ReleaseConfig;
  app: string;
  env?: NodeJS.ProcessEnv;
  /** Where `release.templates` is resolved from. */
  cwd?: string;
  pollMs?: number;
  timeoutMs?: number;
  analysisIntervalMs?: number;
  /** timeouts.http for HTTP analysis checks. */
  httpTimeoutMs?: number;
  /** Stop driving at once, as if the runner were killed (tests; graceful shutdown of `watch`). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface StartOptions extends ReleaseOptions {
  image: string;
  strategy?: string;
  /** Extra annotations on the new version's pods (e.g. tracing tags). */
  podAnnotations?: Record<string, string>;
}

const ACTIVE: ReleaseState['phase'][] = ['Progressing', 'Paused', 'Aborting', 'Frozen'];

export async function startRelease(opts: StartOptions): Promise<ReleaseReport> {
  const env = opts.env ?? process.env;
  const actor = actorFromEnv(env);
  const appCfg = opts.config.apps[opts.app];
  const spec = resolveSpec(opts.config, opts.app, opts.strategy);
  const templates = await loadTemplates(opts.config.templates, opts.cwd);
  const { state: existing, resourceVersion } = await readState(opts.cluster, spec.namespace, spec.app);
  if (existing && ACTIVE.includes(existing.phase)) throw inProgress(existing);

  const [stableTrack, canaryTrack] = await chooseTracks(opts.cluster, spec, existing);
  const stableObject = await opts.cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: spec.namespace, name: deploymentName(spec.app, stableTrack) });
  const stable = stableObject ? readModel(DeploymentReadModel, stableObject) : undefined;
  const previousImage = stable?.spec?.template?.spec?.containers?.[0]?.image;
  const initial = !stable || (stable.spec?.replicas ?? 0) === 0;
  const notes: string[] = [];
  if (!initial && previousImage === opts.image) {
    return report(existing ?? undefined, spec, { notes: [`${spec.app} already runs ${opts.image}: nothing to release`], timedOut: false }, opts.cluster, 0);
  }
  const steps = initial ? [{ kind: 'initial' as const }] : compileSteps(appCfg!, spec.strategy);
  let replicas = spec.replicas;
  if (spec.router === 'service' && spec.strategy !== 'blueGreen' && !initial) {
    const check = checkReplicaWeights(steps, spec.replicas, spec.routerConfig.kind === 'service' && spec.routerConfig.scaleUp);
    if (!check.ok) {
      throw new ConfigError([
        {
          path: `release.apps.${spec.app}`,
          message: check.message,
          hint: `set replicas to a count that reaches every weight (e.g. ${checkReplicaWeights(steps, spec.replicas, true).replicas}), change the weights, or set router.service.scaleUp: true`,
        },
      ]);
    }
    if (check.replicas !== spec.replicas) {
      notes.push(check.message);
      replicas = check.replicas;
    }
  }
  const now = new Date().toISOString();
  const plannedCohorts = spec.strategy === 'gray' ? (appCfg!.strategy.gray?.cohorts ?? []) : [];
  const state: ReleaseState = {
    version: 1,
    app: spec.app,
    namespace: spec.namespace,
    revision: (existing?.revision ?? 0) + 1,
    strategy: spec.strategy,
    router: spec.router,
    image: opts.image,
    ...(previousImage && !initial ? { previousImage } : {}),
    podAnnotations: opts.podAnnotations ?? {},
    plannedCohorts,
    stableTrack,
    canaryTrack,
    replicas,
    steps,
    stepIndex: 0,
    stepStartedAt: now,
    phase: 'Progressing',
    message: initial ? 'first deploy' : `releasing ${opts.image}`,
    desired: { weights: { [stableTrack]: 100, [canaryTrack]: 0 }, cohorts: [] },
    analysisAttempt: 0,
    analysis: [],
    irreversibleCommitted: false,
    startedBy: actor,
    history: [...(existing?.history ?? [])],
  };
  state.history.push(historyEntry(state, actor, 'start', `${spec.strategy} via ${spec.router}${notes.length ? `; ${notes.join('; ')}` : ''}`));
  // Claim the release first: of two concurrent starts, one create/replace wins and the other
  // gets a 409, re-reads, and is refused if the winner's release is now in progress.
  let rv = resourceVersion;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeState(opts.cluster, state, rv);
      break;
    } catch (e) {
      if (!(e instanceof ConflictError) || attempt >= 8) throw e;
      const again = await readState(opts.cluster, spec.namespace, spec.app);
      if (again.state && ACTIVE.includes(again.state.phase)) throw inProgress(again.state);
      rv = again.resourceVersion;
      await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 5)));
    }
  }
  for (const n of notes) opts.log?.(n);
  await ensureObjects(opts.cluster, spec, templates, state);
  const result = await drive(engineOptions(opts, spec, templates, env, actor), state.strategy);
  return report(result.state, spec, { ...result, notes: [...notes, ...result.notes] }, opts.cluster);
}

function inProgress(s: ReleaseState): UsageError {
  return new UsageError(
    `a release of ${s.app} is already in progress (revision ${s.revision}, ${s.image}, ${s.phase}), started by ${describeActor(s.startedBy)}`,
    { hint: `wait for it, or run \`shardship release promote --app ${s.app}\` / \`shardship release abort --app ${s.app}\`` },
  );
}

/** canary/gray: stable + canary. blue-green: the active slot, then the other one. */
async function chooseTracks(cluster: Cluster, spec: ReleaseSpec, existing: ReleaseState | undefined): Promise<[string, string]> {
  if (spec.strategy !== 'blueGreen') return ['stable', 'canary'];
  if (existing?.strategy === 'blueGreen' && existing.phase === 'Completed') return [existing.stableTrack, existing.canaryTrack];
  if (existing?.strategy === 'blueGreen' && existing.phase === 'Aborted') return [existing.stableTrack, existing.canaryTrack];
  const get = async (slot: string) => {
    const d = await cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: spec.namespace, name: deploymentName(spec.app, slot) });
    return d ? readModel(DeploymentReadModel, d) : undefined;
  };
  const green = await get('green');
  if ((green?.spec?.replicas ?? 0) > 0 && !((await get('blue'))?.spec?.replicas ?? 0)) return ['green', 'blue'];
  return ['blue', 'green'];
}

/** Services and routing objects the strategy needs: created when missing, never overwritten. */
async function ensureObjects(cluster: Cluster, spec: ReleaseSpec, templates: Templates, state: ReleaseState): Promise<void> {
  const tracks = [state.stableTrack, state.canaryTrack];
  const services = [
    // Blue-green without a mesh: the app Service selects the active slot; otherwise it selects every track.
    renderService(templates, spec, spec.app, spec.router === 'service' && state.strategy === 'blueGreen' ? state.stableTrack : undefined),
    ...tracks.map((t) => renderService(templates, spec, deploymentName(spec.app, t), t)),
    ...(state.strategy === 'blueGreen' ? [renderService(templates, spec, `${spec.app}-preview`, state.canaryTrack)] : []),
  ];
  for (const svc of services) {
    if (!(await cluster.get({ apiVersion: 'v1', kind: 'Service', namespace: spec.namespace, name: svc.metadata.name }))) await cluster.create(svc);
  }
  await makeRouter(cluster, spec, templates, state.strategy).ensure(state.desired, tracks);
}

function engineOptions(opts: ReleaseOptions, spec: ReleaseSpec, templates: Templates, env: NodeJS.ProcessEnv, actor: Actor) {
  return {
    cluster: opts.cluster,
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
    spec,
    templates,
    env,
    actor,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.analysisIntervalMs !== undefined ? { analysisIntervalMs: opts.analysisIntervalMs } : {}),
    ...(opts.httpTimeoutMs !== undefined ? { httpTimeoutMs: opts.httpTimeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  };
}

async function existingState(opts: ReleaseOptions): Promise<{ state: ReleaseState; spec: ReleaseSpec }> {
  const base = resolveSpec(opts.config, opts.app);
  const { state } = await readState(opts.cluster, base.namespace, opts.app);
  if (!state) throw new UsageError(`${opts.app} has no release in namespace ${base.namespace}`, { hint: `start one: shardship release start --app ${opts.app} --image REF` });
  return { state, spec: state.strategy === base.strategy ? base : resolveSpec(opts.config, opts.app, state.strategy) };
}

/** Change the state (with optimistic concurrency), then drive the release from there. */
async function commandThenDrive(
  opts: ReleaseOptions,
  action: 'promote' | 'abort' | 'pause' | 'resume' | 'retry',
  change: (s: ReleaseState, actor: Actor) => ReleaseState,
  driveAfter = true,
): Promise<ReleaseReport> {
  const env = opts.env ?? process.env;
  const actor = actorFromEnv(env);
  const { state, spec } = await existingState(opts);
  const templates = await loadTemplates(opts.config.templates, opts.cwd);
  change(structuredClone(state), actor); // validate before writing: throws a UsageError when it cannot be done
  const changedState = await mutateState(opts.cluster, spec.namespace, spec.app, (s) => change(s, actor));
  if (!driveAfter) return report(changedState, spec, { notes: [], timedOut: false }, opts.cluster);
  const result: DriveResult = await drive(engineOptions(opts, spec, templates, env, actor), state.strategy);
  return report(result.state, spec, result, opts.cluster, undefined, action);
}

export function promoteRelease(opts: ReleaseOptions & { full?: boolean }): Promise<ReleaseReport> {
  return commandThenDrive(opts, 'promote', (s, actor) => {
    if (s.phase === 'Completed' || s.phase === 'Aborted') throw new UsageError(`the release of ${s.app} is ${s.phase.toLowerCase()}: nothing to promote`);
    if (s.phase === 'Aborting') throw new UsageError(`the release of ${s.app} is being aborted`);
    if (s.userPaused) throw new UsageError(`the release of ${s.app} was paused by ${s.userPaused.who}`, { hint: `run \`shardship release resume --app ${s.app}\`` });
    const step = s.steps[s.stepIndex];
    let detail: string;
    if (opts.full) {
      s.skipToEnd = true;
      detail = 'full promotion: skipping remaining pauses, analysis and weights';
    } else if (step && (step.kind === 'pause' || step.kind === 'analysis' || s.phase === 'Frozen')) {
      s.history.push(historyEntry(s, actor, 'step', `step ${s.stepIndex + 1}: ${describeStep(step)} skipped by promote`));
      s.stepIndex++;
      s.stepStartedAt = actor.at;
      s.analysisAttempt = 0;
      detail = `promoted past step ${s.stepIndex}: ${describeStep(step)}`;
    } else {
      detail = `nothing to skip at step ${s.stepIndex + 1} (${describeStep(step)}): continuing`;
    }
    s.phase = 'Progressing';
    s.message = detail;
    s.history.push(historyEntry(s, actor, 'promote', detail));
    return s;
  });
}

export function abortRelease(opts: ReleaseOptions & { force?: boolean; reason?: string }): Promise<ReleaseReport> {
  return commandThenDrive(opts, 'abort', (s, actor) => {
    if (s.phase === 'Completed' || s.phase === 'Aborted') throw new UsageError(`the release of ${s.app} is already ${s.phase.toLowerCase()}`);
    if (s.irreversibleCommitted && !opts.force) {
      throw new UsageError(`the release of ${s.app} has passed an irreversible step: reverting could break what that step changed`, {
        hint: 'use `promote` to finish, or `abort --force` if you are sure',
      });
    }
    const reason = opts.reason ?? `aborted by ${actor.who}`;
    s.phase = 'Aborting';
    s.abort = { reason, by: actor };
    s.message = `aborting: ${reason}`;
    s.history.push(historyEntry(s, actor, 'abort', reason));
    return s;
  });
}

export function pauseRelease(opts: ReleaseOptions): Promise<ReleaseReport> {
  return commandThenDrive(
    opts,
    'pause',
    (s, actor) => {
      if (!['Progressing', 'Paused'].includes(s.phase)) throw new UsageError(`the release of ${s.app} is ${s.phase.toLowerCase()}: nothing to pause`);
      s.userPaused = actor;
      s.phase = 'Paused';
      s.message = `paused by ${actor.who}`;
      s.history.push(historyEntry(s, actor, 'pause', `paused by ${actor.who}`));
      return s;
    },
    false,
  );
}

export function resumeRelease(opts: ReleaseOptions): Promise<ReleaseReport> {
  return commandThenDrive(opts, 'resume', (s, actor) => {
    if (s.phase === 'Completed' || s.phase === 'Aborted') throw new UsageError(`the release of ${s.app} is ${s.phase.toLowerCase()}: nothing to resume`);
    delete s.userPaused;
    if (s.phase === 'Paused') s.phase = 'Progressing';
    s.history.push(historyEntry(s, actor, 'resume', `resumed by ${actor.who}`));
    return s;
  });
}

export function retryRelease(opts: ReleaseOptions): Promise<ReleaseReport> {
  return commandThenDrive(opts, 'retry', (s, actor) => {
    if (s.phase === 'Completed') throw new UsageError(`the release of ${s.app} completed: start a new one`);
    if (s.phase === 'Aborting') throw new UsageError(`the release of ${s.app} is being aborted: wait for it, then retry`);
    if (s.phase === 'Aborted') {
      // Same image, same plan, from the top: no dummy commit or config change needed.
      s.revision++;
      s.stepIndex = 0;
      s.analysis = [];
      s.analysisAttempt = 0;
      s.irreversibleCommitted = false;
      delete s.abort;
      delete s.skipToEnd;
      delete s.canaryScale;
      s.desired = { weights: { [s.stableTrack]: 100, [s.canaryTrack]: 0 }, cohorts: [] };
      s.startedBy = actor;
    } else {
      s.analysisAttempt++;
    }
    // Measurements of an earlier attempt or revision must not count towards the new one.
    delete s.analysisProgress;
    s.stepStartedAt = actor.at;
    s.phase = 'Progressing';
    s.message = `retried by ${actor.who}`;
    s.history.push(historyEntry(s, actor, 'retry', `retry of revision ${s.revision} step ${s.stepIndex + 1}`));
    return s;
  });
}

/** Read-only: the stored state plus the weight read back from the routing object. */
export async function releaseStatus(opts: ReleaseOptions): Promise<ReleaseReport> {
  const base = resolveSpec(opts.config, opts.app);
  const { state } = await readState(opts.cluster, base.namespace, opts.app);
  if (!state) return report(undefined, base, { notes: [], timedOut: false }, opts.cluster);
  const spec = state.strategy === base.strategy ? base : resolveSpec(opts.config, opts.app, state.strategy);
  const templates = await loadTemplates(opts.config.templates, opts.cwd);
  const obs = await observe(opts.cluster, spec, state, makeRouter(opts.cluster, spec, templates, state.strategy));
  let confirmed: TrafficSplit | undefined = obs.routing;
  if (spec.router === 'service' && state.strategy !== 'blueGreen') {
    const c = obs.deployments[state.canaryTrack]?.readyReplicas ?? 0;
    const s = obs.deployments[state.stableTrack]?.readyReplicas ?? 0;
    confirmed = { weights: { [state.canaryTrack]: c + s ? Math.round((c * 1000) / (c + s)) / 10 : 0, [state.stableTrack]: c + s ? Math.round((s * 1000) / (c + s)) / 10 : 100 }, cohorts: [] };
  }
  return report({ ...state, ...(confirmed ? { confirmed } : {}) }, spec, { notes: [], timedOut: false }, opts.cluster);
}

export async function releaseHistory(opts: ReleaseOptions): Promise<ReleaseReport> {
  const base = resolveSpec(opts.config, opts.app);
  const { state } = await readState(opts.cluster, base.namespace, opts.app);
  const r = report(state, base, { notes: [], timedOut: false }, opts.cluster);
  return { ...r, history: state?.history ?? [] };
}

export function exitCodeFor(phase: ReleaseReport['phase'], timedOut: boolean): number {
  if (phase === 'Aborted' || phase === 'Frozen') return 1;
  if (phase === 'Paused') return 3;
  if (timedOut) return 4;
  return 0;
}

function report(
  state: ReleaseState | undefined,
  spec: ReleaseSpec,
  run: { notes: string[]; timedOut: boolean; routingWrites?: number },
  cluster: Cluster,
  exitOverride?: number,
  _action?: string,
): ReleaseReport {
  const api = { reads: cluster.stats.reads, writes: cluster.stats.writes, routingWrites: run.routingWrites ?? 0, apiMs: Math.round(cluster.stats.apiMs) };
  if (!state) {
    return {
      app: spec.app,
      namespace: spec.namespace,
      exists: false,
      revision: 0,
      phase: 'None',
      stepIndex: 0,
      steps: 0,
      desiredWeight: 0,
      cohorts: 0,
      message: run.notes[0] ?? `no release of ${spec.app} yet`,
      analysis: [],
      notes: run.notes,
      api,
      exitCode: exitOverride ?? 0,
    };
  }
  const strategy: StrategyName = state.strategy;
  return {
    app: state.app,
    namespace: state.namespace,
    exists: true,
    revision: state.revision,
    strategy,
    router: state.router,
    phase: state.phase,
    image: state.image,
    ...(state.previousImage ? { previousImage: state.previousImage } : {}),
    stepIndex: state.stepIndex,
    steps: state.steps.length,
    currentStep: describeStep(state.steps[state.stepIndex]),
    desiredWeight: canaryWeightOf(state.desired, state.canaryTrack),
    ...(state.confirmed ? { confirmedWeight: canaryWeightOf(state.confirmed, state.canaryTrack) } : {}),
    cohorts: state.desired.cohorts.length,
    message: exitOverride === 0 && run.notes[0] ? run.notes[0] : state.message,
    startedBy: state.startedBy,
    analysis: state.analysis,
    ...(progressOf(state, spec) ?? {}),
    notes: run.notes,
    api,
    ...(run.timedOut ? { timedOut: true } : {}),
    exitCode: exitOverride ?? exitCodeFor(state.phase, run.timedOut),
  };
}

function progressOf(state: ReleaseState, spec: ReleaseSpec): Pick<ReleaseReport, 'analysisInProgress'> | undefined {
  const p = state.analysisProgress;
  // Only progress that still counts: same step and attempt as the release is at.
  if (!p || p.stepIndex !== state.stepIndex || p.attempt !== state.analysisAttempt) return undefined;
  return { analysisInProgress: { template: p.template, stepIndex: p.stepIndex, taken: p.measurements.length, count: spec.analysis[p.template]?.count ?? p.measurements.length } };
}

/** Drive a release that is under way (Progressing or Aborting) without changing anything first: `release watch`. */
export async function continueRelease(opts: ReleaseOptions): Promise<ReleaseReport> {
  const env = opts.env ?? process.env;
  const { state, spec } = await existingState(opts);
  if (state.phase !== 'Progressing' && state.phase !== 'Aborting') return report(state, spec, { notes: [], timedOut: false }, opts.cluster);
  const templates = await loadTemplates(opts.config.templates, opts.cwd);
  const result = await drive(engineOptions(opts, spec, templates, env, actorFromEnv(env)), state.strategy);
  return report(result.state, spec, result, opts.cluster);
}
