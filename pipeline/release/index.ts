// The release stage's API, used by the CLI and the GitHub Action: each function takes the
// ports (Cluster, MetricsSource), the config and an app, and returns a plain ReleaseReport.
import { UsageError } from '../core/errors.js';
import type { ReleaseConfig } from '../config/release.js';
import { ConflictError, type Cluster } from '../core/cluster.js';
import type { MetricsSource } from './ports.js';
import { drive, observe, type DriveResult } from './engine.js';
import { canaryWeightOf, describeStep, planNextStep } from './planner.js';
import { abort, pause, planStart, promote, refuseWhileActive, resume, retry, type CommandEffect, type CommandTransition, type ReleaseCommand } from './transitions.js';
import { deploymentName, loadTemplates, renderService, type Templates } from './render.js';
import { makeRouter } from './routers.js';
import { resolveSpec } from './spec.js';
import { DeploymentReadModel, readModel } from './read-models.js';
import { actorFromEnv, mutateState, readState, stateConfigMapName, writeState } from './state.js';
import type { Actor, HistoryEntry, ReleaseAction, ReleaseReport, ReleaseSpec, ReleaseState, StrategyName, TrafficSplit } from './types.js';

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

export async function startRelease(opts: StartOptions): Promise<ReleaseReport> {
  const env = opts.env ?? process.env;
  const actor = actorFromEnv(env);
  const spec = resolveSpec(opts.config, opts.app, opts.strategy);
  const templates = await loadTemplates(opts.config.templates, opts.cwd);
  const { state: existing, resourceVersion } = await readState(opts.cluster, spec.namespace, spec.app);
  refuseWhileActive(existing);

  const tracks = await chooseTracks(opts.cluster, spec, existing);
  const stableObject = await opts.cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: spec.namespace, name: deploymentName(spec.app, tracks[0]) });
  const stable = stableObject ? readModel(DeploymentReadModel, stableObject) : undefined;
  const plan = planStart(
    {
      spec,
      appConfig: opts.config.apps[opts.app]!,
      image: opts.image,
      ...(opts.podAnnotations ? { podAnnotations: opts.podAnnotations } : {}),
      existing,
      tracks,
      stable: stable ? { image: stable.spec?.template?.spec?.containers?.[0]?.image, replicas: stable.spec?.replicas ?? 0 } : undefined,
    },
    actor,
  );
  if (plan.kind === 'unchanged') return report(existing ?? undefined, spec, { notes: [plan.note], timedOut: false }, opts.cluster, 0);
  const { state, notes } = plan;
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
      refuseWhileActive(again.state);
      rv = again.resourceVersion;
      await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 5)));
    }
  }
  for (const n of notes) opts.log?.(n);
  await ensureObjects(opts.cluster, spec, templates, state);
  const result = await drive(engineOptions(opts, spec, templates, env, actor), state.strategy);
  return report(result.state, spec, { ...result, notes: [...notes, ...result.notes] }, opts.cluster);
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

/** Change the state (with optimistic concurrency), then drive the release from there if the transition says so. */
async function commandThenDrive(opts: ReleaseOptions, transition: (s: ReleaseState, actor: Actor) => CommandTransition): Promise<ReleaseReport> {
  const env = opts.env ?? process.env;
  const actor = actorFromEnv(env);
  const { state, spec } = await existingState(opts);
  const templates = await loadTemplates(opts.config.templates, opts.cwd);
  const first = transition(state, actor); // refused here (a UsageError) before anything is written
  const changedState = await mutateState(opts.cluster, spec.namespace, spec.app, (s) => transition(s, actor).state);
  if (!first.effects.some((e) => e.type === 'drive')) return report(changedState, spec, { notes: [], timedOut: false }, opts.cluster);
  const result: DriveResult = await drive(engineOptions(opts, spec, templates, env, actor), state.strategy);
  return report(result.state, spec, result, opts.cluster, undefined, first.command);
}

/** What `promote`/`abort --dry-run` print: the transition and what would be done, with nothing written. */
export interface ReleaseCommandPreview {
  app: string;
  namespace: string;
  command: ReleaseCommand;
  dryRun: true;
  from: { revision: number; phase: ReleaseState['phase']; stepIndex: number; step: string; message: string };
  to: { revision: number; phase: ReleaseState['phase']; stepIndex: number; step: string; message: string };
  /** History entries the command would add. */
  history: HistoryEntry[];
  /** What the executor would do: write the state ConfigMap, then drive. */
  effects: CommandEffect[];
  stateObject: string;
  /** The engine's first round from the new state and the cluster as it is now (when the command drives). */
  next: ReleaseAction[];
}

/** The transition a command would make, read-only: the state and the cluster are read, nothing is written. */
async function previewCommand(opts: ReleaseOptions, transition: (s: ReleaseState, actor: Actor) => CommandTransition): Promise<ReleaseCommandPreview> {
  const actor = actorFromEnv(opts.env ?? process.env);
  const { state, spec } = await existingState(opts);
  const t = transition(state, actor);
  const drives = t.effects.some((e) => e.type === 'drive');
  const templates = drives ? await loadTemplates(opts.config.templates, opts.cwd) : undefined;
  const next = templates ? planNextStep(t.state, spec, await observe(opts.cluster, spec, t.state, makeRouter(opts.cluster, spec, templates, t.state.strategy))) : [];
  const view = (s: ReleaseState) => ({ revision: s.revision, phase: s.phase, stepIndex: s.stepIndex, step: describeStep(s.steps[s.stepIndex]), message: s.message });
  return {
    app: state.app,
    namespace: state.namespace,
    command: t.command,
    dryRun: true,
    from: view(state),
    to: view(t.state),
    history: t.state.history.slice(state.history.length),
    effects: t.effects,
    stateObject: `ConfigMap ${state.namespace}/${stateConfigMapName(state.app)}`,
    next,
  };
}

export function previewPromote(opts: ReleaseOptions & { full?: boolean }): Promise<ReleaseCommandPreview> {
  return previewCommand(opts, (s, actor) => promote(s, { full: Boolean(opts.full) }, actor));
}

export function previewAbort(opts: ReleaseOptions & { force?: boolean; reason?: string }): Promise<ReleaseCommandPreview> {
  return previewCommand(opts, (s, actor) => abort(s, { force: Boolean(opts.force), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) }, actor));
}

export function promoteRelease(opts: ReleaseOptions & { full?: boolean }): Promise<ReleaseReport> {
  return commandThenDrive(opts, (s, actor) => promote(s, { full: Boolean(opts.full) }, actor));
}

export function abortRelease(opts: ReleaseOptions & { force?: boolean; reason?: string }): Promise<ReleaseReport> {
  return commandThenDrive(opts, (s, actor) => abort(s, { force: Boolean(opts.force), ...(opts.reason !== undefined ? { reason: opts.reason } : {}) }, actor));
}

export function pauseRelease(opts: ReleaseOptions): Promise<ReleaseReport> {
  return commandThenDrive(opts, pause);
}

export function resumeRelease(opts: ReleaseOptions): Promise<ReleaseReport> {
  return commandThenDrive(opts, resume);
}

export function retryRelease(opts: ReleaseOptions): Promise<ReleaseReport> {
  return commandThenDrive(opts, retry);
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
