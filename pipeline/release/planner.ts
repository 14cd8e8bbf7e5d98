// The release planner: given the stored state, the app spec and what the cluster looks
// like now, what is the next thing to do? Pure and total: it returns plain actions, the
// engine applies them and calls it again. Running it twice on the same input gives the
// same answer, which is what lets any runner pick up a release where another stopped.
import type { DeploymentObservation, Observations, ReleaseAction, ReleaseSpec, ReleaseState, Step, TrafficSplit } from './types.js';

export function planNextStep(state: ReleaseState, spec: ReleaseSpec, obs: Observations): ReleaseAction[] {
  if (state.phase === 'Completed' || state.phase === 'Aborted' || state.phase === 'Frozen') return [];
  if (state.phase === 'Aborting' || state.abort) return planAbort(state, spec, obs);
  if (state.userPaused) return [{ type: 'pause', reason: `paused by ${state.userPaused.who}: run \`shardship release resume --app ${state.app}\`` }];
  const step = state.steps[state.stepIndex];
  if (!step) return [{ type: 'complete', message: 'all steps done' }];

  const canary = obs.deployments[state.canaryTrack];
  if (state.strategy !== 'blueGreen' || step.kind !== 'scaleDownOld') {
    if (canary && canary.specReplicas > 0 && canary.crashLooping && step.kind !== 'initial') {
      return failure(state, `pods of the new version (${state.image}) are in CrashLoopBackOff`);
    }
  }
  if (state.skipToEnd && (step.kind === 'pause' || step.kind === 'analysis' || step.kind === 'setWeight' || step.kind === 'setCanaryScale' || step.kind === 'setCohorts')) {
    return [advance(state, 'skipped by promote --full')];
  }

  switch (step.kind) {
    case 'initial':
      return planInitial(state, spec, obs);
    case 'setWeight':
      return planSetWeight(state, spec, obs, step.weight);
    case 'setCanaryScale':
      return planCanaryScale(state, spec, obs, step);
    case 'pause':
      if (step.durationMs === undefined) {
        return [{ type: 'pause', reason: `paused at step ${state.stepIndex + 1}/${state.steps.length}: run \`shardship release promote --app ${state.app}\` to continue` }];
      }
      {
        const until = Date.parse(state.stepStartedAt) + step.durationMs;
        if (obs.now >= until) return [advance(state, `paused ${fmtMs(step.durationMs)}`)];
        return [{ type: 'wait', reason: `pausing ${fmtMs(step.durationMs)} (${fmtMs(until - obs.now)} left)`, untilMs: until }];
      }
    case 'analysis':
      return planAnalysis(state, step.templates);
    case 'setCohorts':
      return planCohorts(state, spec, obs);
    case 'preview':
      return planPreview(state, spec, obs);
    case 'switch':
      return planSwitch(state, spec, obs);
    case 'promote':
      return planPromote(state, spec, obs);
    case 'scaleDownOld': {
      const until = Date.parse(state.stepStartedAt) + step.delayMs;
      if (obs.now < until) return [{ type: 'wait', reason: `old slot ${state.stableTrack} scales down in ${fmtMs(until - obs.now)}`, untilMs: until }];
      const old = obs.deployments[state.stableTrack];
      const actions: ReleaseAction[] = [];
      if (old && old.specReplicas > 0) actions.push({ type: 'scale', track: state.stableTrack, replicas: 0, reason: `scale down old slot ${state.stableTrack} after ${fmtMs(step.delayMs)}` });
      actions.push({ type: 'complete', message: `${state.image} serves 100% from slot ${state.canaryTrack}` });
      return actions;
    }
  }
}

// ---- steps ---------------------------------------------------------------------------

function planInitial(state: ReleaseState, spec: ReleaseSpec, obs: Observations): ReleaseAction[] {
  const stable = obs.deployments[state.stableTrack];
  const n = state.replicas;
  if (!matches(stable, n, state.image)) {
    return [{ type: 'scale', track: state.stableTrack, replicas: n, image: state.image, annotations: state.podAnnotations, reason: `first deploy of ${spec.app}: ${n} replicas of ${state.image}` }];
  }
  if (!rolledOut(stable, n, state.image)) return waitReady(state, spec, obs, state.stableTrack, n, stable);
  const desired = onlyTrack(state.stableTrack, state.canaryTrack);
  const actions: ReleaseAction[] = [];
  if (obs.routing && !sameSplit(obs.routing, desired)) actions.push({ type: 'route', split: desired, reason: 'send all traffic to the first version' });
  actions.push({ type: 'complete', message: `first version ${state.image} serves 100%` });
  return actions;
}

/** Replicas the canary needs for a weight: setCanaryScale when given, else proportional (at least 1). */
export function canaryReplicasFor(state: ReleaseState, weight: number): number {
  const n = state.replicas;
  const s = state.canaryScale;
  if (s?.replicas !== undefined) return s.replicas;
  if (s?.weight !== undefined) return Math.ceil((s.weight * n) / 100);
  if (weight <= 0) return state.desired.cohorts.length ? Math.max(1, Math.ceil(n / 4)) : 0;
  return Math.max(1, Math.ceil((weight * n) / 100));
}

function planSetWeight(state: ReleaseState, spec: ReleaseSpec, obs: Observations, weight: number): ReleaseAction[] {
  const canary = obs.deployments[state.canaryTrack];
  const stable = obs.deployments[state.stableTrack];
  if (spec.router === 'service') {
    // No mesh: traffic follows ready replicas. Grow the canary first, then shrink stable.
    const c = Math.round((weight * state.replicas) / 100);
    const s = state.replicas - c;
    if (!matches(canary, c, state.image, true)) return [{ type: 'scale', track: state.canaryTrack, replicas: c, image: state.image, annotations: state.podAnnotations, reason: `canary ${c}/${state.replicas} replicas = ${weight}%` }];
    if (c > 0 && !rolledOut(canary, c, state.image)) return waitReady(state, spec, obs, state.canaryTrack, c, canary);
    if (!stable || stable.specReplicas !== s) return [{ type: 'scale', track: state.stableTrack, replicas: s, reason: `stable ${s}/${state.replicas} replicas = ${100 - weight}%` }];
    // The split is real only once stable has exactly its share of ready pods.
    if (stable.readyReplicas !== s || !stable.observedCurrent) return [{ type: 'wait', reason: `waiting for ${spec.app}-${state.stableTrack}: ${stable.readyReplicas}/${s} ready` }];
    const reached: TrafficSplit = { weights: { [state.stableTrack]: 100 - weight, [state.canaryTrack]: weight }, cohorts: [] };
    return [{ ...advance(state, `weight ${weight}% (${c} canary / ${s} stable replicas)`), reached }];
  }
  const needed = canaryReplicasFor(state, weight);
  if (!matches(canary, needed, state.image, false)) {
    return [{ type: 'scale', track: state.canaryTrack, replicas: Math.max(needed, canary?.image === state.image ? canary.specReplicas : 0), image: state.image, annotations: state.podAnnotations, reason: `canary needs ${needed} ready replicas for ${weight}%` }];
  }
  if (needed > 0 && !rolledOut(canary, needed, state.image, false)) return waitReady(state, spec, obs, state.canaryTrack, needed, canary);
  const desired: TrafficSplit = { ...state.desired, weights: { [state.stableTrack]: 100 - weight, [state.canaryTrack]: weight } };
  const actions: ReleaseAction[] = [];
  if (!obs.routing || !sameSplit(obs.routing, desired)) actions.push({ type: 'route', split: desired, reason: `set canary weight to ${weight}%` });
  actions.push(advance(state, `weight ${weight}%`));
  return actions;
}

function planCanaryScale(state: ReleaseState, spec: ReleaseSpec, obs: Observations, step: Extract<Step, { kind: 'setCanaryScale' }>): ReleaseAction[] {
  if (spec.router === 'service') return [{ type: 'note', message: 'setCanaryScale has no effect with the service router (traffic follows replicas)' }, advance(state, 'setCanaryScale skipped')];
  const scale = { ...(step.replicas !== undefined ? { replicas: step.replicas } : {}), ...(step.weight !== undefined ? { weight: step.weight } : {}), ...(step.matchTrafficWeight ? { matchTrafficWeight: true } : {}) };
  const next = { ...state, canaryScale: step.matchTrafficWeight ? undefined : scale };
  const weight = state.desired.weights[state.canaryTrack] ?? 0;
  const replicas = canaryReplicasFor(next, weight);
  const canary = obs.deployments[state.canaryTrack];
  const actions: ReleaseAction[] = [{ type: 'setCanaryScale', scale }];
  if (!matches(canary, replicas, state.image, true)) actions.push({ type: 'scale', track: state.canaryTrack, replicas, image: state.image, annotations: state.podAnnotations, reason: `setCanaryScale: ${replicas} canary replicas` });
  actions.push(advance(state, `canary scale ${replicas} replicas`));
  return actions;
}

function planAnalysis(state: ReleaseState, templates: string[]): ReleaseAction[] {
  const records = state.analysis.filter((r) => r.stepIndex === state.stepIndex && r.attempt === state.analysisAttempt);
  const missing = templates.filter((t) => !records.some((r) => r.template === t));
  const failed = records.find((r) => r.outcome === 'Failed');
  if (failed) return failure(state, `analysis ${failed.template} failed: ${failed.message}`);
  if (missing.length) return [{ type: 'analyze', stepIndex: state.stepIndex, templates: missing }];
  const inconclusive = records.find((r) => r.outcome === 'Inconclusive');
  if (inconclusive) {
    return [
      {
        type: 'pause',
        reason: `analysis ${inconclusive.template} was inconclusive (${inconclusive.message}): \`promote\` to go on, \`retry\` to measure again, \`abort\` to roll back`,
      },
    ];
  }
  return [advance(state, `analysis ${templates.join(', ')} passed`)];
}

function planCohorts(state: ReleaseState, spec: ReleaseSpec, obs: Observations): ReleaseAction[] {
  const canary = obs.deployments[state.canaryTrack];
  const desired: TrafficSplit = { weights: { [state.stableTrack]: 100, [state.canaryTrack]: 0 }, cohorts: cohortsOf(state), cohortTrack: state.canaryTrack };
  const stateWithCohorts = { ...state, desired };
  const needed = canaryReplicasFor(stateWithCohorts, 0);
  if (!matches(canary, needed, state.image, false)) {
    return [{ type: 'scale', track: state.canaryTrack, replicas: needed, image: state.image, annotations: state.podAnnotations, reason: `canary needs ${needed} ready replicas for the cohorts` }];
  }
  if (!rolledOut(canary, needed, state.image, false)) return waitReady(state, spec, obs, state.canaryTrack, needed, canary);
  const actions: ReleaseAction[] = [];
  if (!obs.routing || !sameSplit(obs.routing, desired)) actions.push({ type: 'route', split: desired, reason: `route ${desired.cohorts.length} cohort(s) to the new version` });
  actions.push(advance(state, `cohorts routed to ${state.image}`));
  return actions;
}

function cohortsOf(state: ReleaseState): TrafficSplit['cohorts'] {
  return state.plannedCohorts;
}

function planPreview(state: ReleaseState, spec: ReleaseSpec, obs: Observations): ReleaseAction[] {
  const next = obs.deployments[state.canaryTrack];
  const n = state.replicas;
  const actions: ReleaseAction[] = [];
  if (obs.previewTrack !== state.canaryTrack) actions.push({ type: 'setPreview', track: state.canaryTrack });
  if (!matches(next, n, state.image, true)) {
    actions.push({ type: 'scale', track: state.canaryTrack, replicas: n, image: state.image, annotations: state.podAnnotations, reason: `bring up slot ${state.canaryTrack} with ${n} replicas of ${state.image}` });
    return actions;
  }
  if (!rolledOut(next, n, state.image)) return [...actions, ...waitReady(state, spec, obs, state.canaryTrack, n, next)];
  return [...actions, advance(state, `preview ${spec.app}-preview serves slot ${state.canaryTrack}`)];
}

function planSwitch(state: ReleaseState, spec: ReleaseSpec, obs: Observations): ReleaseAction[] {
  const next = obs.deployments[state.canaryTrack];
  if (!rolledOut(next, state.replicas, state.image)) return waitReady(state, spec, obs, state.canaryTrack, state.replicas, next);
  const desired = onlyTrack(state.canaryTrack, state.stableTrack);
  const actions: ReleaseAction[] = [];
  if (!obs.routing || !sameSplit(obs.routing, desired)) actions.push({ type: 'route', split: desired, reason: `switch ${spec.app} to slot ${state.canaryTrack}` });
  actions.push(advance(state, `switched to slot ${state.canaryTrack}`));
  return actions;
}

function planPromote(state: ReleaseState, spec: ReleaseSpec, obs: Observations): ReleaseAction[] {
  const stable = obs.deployments[state.stableTrack];
  const canary = obs.deployments[state.canaryTrack];
  const n = state.replicas;
  if (!matches(stable, n, state.image, true)) {
    return [{ type: 'scale', track: state.stableTrack, replicas: n, image: state.image, annotations: state.podAnnotations, reason: `promote: stable runs ${state.image}` }];
  }
  if (!rolledOut(stable, n, state.image)) return waitReady(state, spec, obs, state.stableTrack, n, stable);
  const actions: ReleaseAction[] = [];
  const desired = onlyTrack(state.stableTrack, state.canaryTrack);
  if (obs.routing && !sameSplit(obs.routing, desired)) actions.push({ type: 'route', split: desired, reason: 'promote: all traffic to stable' });
  if (canary && canary.specReplicas > 0) actions.push({ type: 'scale', track: state.canaryTrack, replicas: 0, reason: 'promote: canary no longer needed' });
  actions.push({ type: 'complete', message: `${state.image} promoted to stable` });
  return actions;
}

// ---- abort ---------------------------------------------------------------------------

/**
 * Roll back: make sure the old version has enough ready pods (scaling it back up if it was
 * scaled down, and saying so), then move all traffic in ONE write to the routing object,
 * then scale the new version away.
 */
export function planAbort(state: ReleaseState, spec: ReleaseSpec, obs: Observations): ReleaseAction[] {
  const oldTrack = state.stableTrack;
  const old = obs.deployments[oldTrack];
  const n = state.replicas;
  const oldImage = state.previousImage;
  const actions: ReleaseAction[] = [];
  const oldNeedsImage = oldImage !== undefined && old?.image !== undefined && old.image !== oldImage;
  if (!old || old.specReplicas < n || oldNeedsImage) {
    const ready = old?.readyReplicas ?? 0;
    actions.push({
      type: 'note',
      message: oldNeedsImage
        ? `stable was already moving to ${state.image}: rolling it back to ${oldImage} before moving traffic`
        : `stable has ${ready}/${n} ready replicas: scaling it back up to ${n} before moving traffic`,
    });
    actions.push({ type: 'markStableScaledUp' });
    actions.push({ type: 'scale', track: oldTrack, replicas: n, ...(oldNeedsImage ? { image: oldImage } : {}), reason: 'abort: stable needs its full replica count before it takes all traffic' });
    return actions;
  }
  if (old.readyReplicas < n || !old.observedCurrent) {
    return [{ type: 'wait', reason: `abort: waiting for stable to have ${n} ready replicas (has ${old.readyReplicas})` }];
  }
  const desired = onlyTrack(oldTrack, state.canaryTrack);
  if (spec.router !== 'service' || state.strategy === 'blueGreen') {
    if (!obs.routing || !sameSplit(obs.routing, desired)) actions.push({ type: 'route', split: desired, reason: `abort: all traffic back to ${oldTrack}` });
  }
  const canary = obs.deployments[state.canaryTrack];
  if (spec.router === 'service' && state.strategy !== 'blueGreen') {
    // Without a mesh, traffic leaves the canary only when its pods are gone.
    if (canary && canary.specReplicas > 0) return [{ type: 'scale', track: state.canaryTrack, replicas: 0, reason: `abort: scale ${state.canaryTrack} to 0` }];
    if (canary && canary.readyReplicas > 0) return [{ type: 'wait', reason: `abort: waiting for ${canary.readyReplicas} canary pod(s) to stop` }];
  } else if (canary && canary.specReplicas > 0) actions.push({ type: 'scale', track: state.canaryTrack, replicas: 0, reason: `abort: scale ${state.canaryTrack} to 0` });
  actions.push({ type: 'aborted', message: `aborted: ${state.abort?.reason ?? 'abort requested'}; ${oldImage ?? 'stable'} serves 100%` });
  return actions;
}

/** A failure aborts, unless an irreversible step has run: then freeze and report. */
function failure(state: ReleaseState, reason: string): ReleaseAction[] {
  if (state.irreversibleCommitted) return [{ type: 'freeze', reason: `${reason}; not reverting because an irreversible step already ran` }];
  return [{ type: 'abort', reason }];
}

// ---- helpers -------------------------------------------------------------------------

function advance(state: ReleaseState, message: string): Extract<ReleaseAction, { type: 'advance' }> {
  return { type: 'advance', to: state.stepIndex + 1, message };
}

function waitReady(state: ReleaseState, spec: ReleaseSpec, obs: Observations, track: string, replicas: number, d: DeploymentObservation | undefined): ReleaseAction[] {
  const ready = d?.readyReplicas ?? 0;
  const since = obs.now - Date.parse(state.stepStartedAt);
  if (since > spec.progressDeadlineMs) {
    return failure(state, `${spec.app}-${track} has ${ready}/${replicas} ready replicas after ${fmtMs(since)} (progressDeadline ${fmtMs(spec.progressDeadlineMs)})`);
  }
  return [{ type: 'wait', reason: `waiting for ${spec.app}-${track}: ${ready}/${replicas} ready` }];
}

/** The Deployment's spec already asks for this (image and replica count); `exact` also refuses more replicas. */
function matches(d: DeploymentObservation | undefined, replicas: number, image: string | undefined, exact = true): boolean {
  if (!d) return replicas === 0;
  if (replicas > 0 && image !== undefined && d.image !== image) return false;
  return exact ? d.specReplicas === replicas : d.specReplicas >= replicas;
}

function rolledOut(d: DeploymentObservation | undefined, replicas: number, image: string, exact = true): boolean {
  if (!d) return false;
  return d.image === image && d.observedCurrent && d.readyReplicas >= replicas && d.updatedReplicas >= replicas && (exact ? d.specReplicas === replicas : true);
}

export function onlyTrack(track: string, other: string): TrafficSplit {
  return { weights: { [track]: 100, [other]: 0 }, cohorts: [] };
}

/** Same routing: per-track weights within half a percent, same cohort count and target. */
export function sameSplit(a: TrafficSplit, b: TrafficSplit): boolean {
  const tracks = new Set([...Object.keys(a.weights), ...Object.keys(b.weights)]);
  for (const t of tracks) if (Math.abs((a.weights[t] ?? 0) - (b.weights[t] ?? 0)) > 0.5) return false;
  if (a.cohorts.length !== b.cohorts.length) return false;
  return a.cohorts.length === 0 || a.cohortTrack === b.cohortTrack;
}

export function canaryWeightOf(split: TrafficSplit | undefined, canaryTrack: string): number {
  return split?.weights[canaryTrack] ?? 0;
}

export function describeStep(step: Step | undefined): string {
  if (!step) return 'done';
  const irr = step.irreversible ? ' (irreversible)' : '';
  switch (step.kind) {
    case 'initial':
      return 'first deploy';
    case 'setWeight':
      return `setWeight ${step.weight}%${irr}`;
    case 'pause':
      return `${step.durationMs === undefined ? 'pause until promote' : `pause ${fmtMs(step.durationMs)}`}${irr}`;
    case 'analysis':
      return `analysis ${step.templates.join(', ')}${irr}`;
    case 'setCanaryScale':
      return `setCanaryScale ${step.replicas ?? ''}${step.weight !== undefined ? `${step.weight}%` : ''}${step.matchTrafficWeight ? 'match traffic' : ''}${irr}`;
    case 'setCohorts':
      return `route cohorts${irr}`;
    case 'preview':
      return 'bring up preview slot';
    case 'switch':
      return `switch to new slot${irr}`;
    case 'promote':
      return 'promote to stable';
    case 'scaleDownOld':
      return `scale down old slot after ${fmtMs(step.delayMs)}`;
  }
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10}s`;
  if (ms < 7_200_000) return `${Math.round(ms / 6000) / 10}m`;
  return `${Math.round(ms / 360_000) / 10}h`;
}
