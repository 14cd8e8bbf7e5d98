// Every change to a release's state, as pure functions: (state, input, who and when) -> the
// next state plus the effects, as plain data, that the executors (index.ts, engine.ts) perform.
// Nothing here reads the cluster or the clock: `by.at` is "now". A refusal is a thrown
// UsageError/ConfigError, before anything is written.
import { ConfigError, UsageError } from '../core/errors.js';
import type { AppReleaseConfig } from '../config/release.js';
import { describeStep } from './planner.js';
import { checkReplicaWeights, compileSteps } from './spec.js';
import { describeActor, historyEntry } from './state.js';
import type { Actor, AnalysisRecord, Measurement, Phase, ReleaseAction, ReleaseSpec, ReleaseState } from './types.js';

/** Phases in which a release is under way: no second release may start. */
export const ACTIVE_PHASES: readonly Phase[] = ['Progressing', 'Paused', 'Aborting', 'Frozen'];

/** Refuses to start while `existing` is under way. */
export function refuseWhileActive(existing: ReleaseState | undefined): void {
  if (!existing || !ACTIVE_PHASES.includes(existing.phase)) return;
  throw new UsageError(
    `a release of ${existing.app} is already in progress (revision ${existing.revision}, ${existing.image}, ${existing.phase}), started by ${describeActor(existing.startedBy)}`,
    { hint: `wait for it, or run \`shardship release promote --app ${existing.app}\` / \`shardship release abort --app ${existing.app}\`` },
  );
}

export interface StartInput {
  spec: ReleaseSpec;
  appConfig: AppReleaseConfig;
  image: string;
  podAnnotations?: Record<string, string>;
  /** The stored state of the previous release, if any. */
  existing: ReleaseState | undefined;
  /** [active, new]: 'stable'/'canary' or the blue-green slots. */
  tracks: [string, string];
  /** The Deployment of the active track as it is now (undefined: none yet). */
  stable: { image: string | undefined; replicas: number } | undefined;
}

export type StartPlan =
  /** The active track already runs the image: nothing to release. */
  | { kind: 'unchanged'; note: string }
  /** Write `state` (claiming the release), create the objects the strategy needs, then drive. */
  | { kind: 'start'; state: ReleaseState; notes: string[] };

/** The state a new release starts from. */
export function planStart(input: StartInput, by: Actor): StartPlan {
  const { spec, existing, image } = input;
  refuseWhileActive(existing);
  const [stableTrack, canaryTrack] = input.tracks;
  const previousImage = input.stable?.image;
  const initial = !input.stable || input.stable.replicas === 0;
  if (!initial && previousImage === image) return { kind: 'unchanged', note: `${spec.app} already runs ${image}: nothing to release` };
  const notes: string[] = [];
  const steps = initial ? [{ kind: 'initial' as const }] : compileSteps(input.appConfig, spec.strategy);
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
  const state: ReleaseState = {
    version: 1,
    app: spec.app,
    namespace: spec.namespace,
    revision: (existing?.revision ?? 0) + 1,
    strategy: spec.strategy,
    router: spec.router,
    image,
    ...(previousImage && !initial ? { previousImage } : {}),
    podAnnotations: input.podAnnotations ?? {},
    plannedCohorts: spec.strategy === 'gray' ? (input.appConfig.strategy.gray?.cohorts ?? []) : [],
    stableTrack,
    canaryTrack,
    replicas,
    steps,
    stepIndex: 0,
    stepStartedAt: by.at,
    phase: 'Progressing',
    message: initial ? 'first deploy' : `releasing ${image}`,
    desired: allStable(stableTrack, canaryTrack),
    analysisAttempt: 0,
    analysis: [],
    irreversibleCommitted: false,
    startedBy: by,
    history: [...(existing?.history ?? [])],
  };
  state.history.push(historyEntry(state, by, 'start', `${spec.strategy} via ${spec.router}${notes.length ? `; ${notes.join('; ')}` : ''}`));
  return { kind: 'start', state, notes };
}

// ---------------------------------------------------------------------------------------------
// Commands of a person or workflow (promote, abort, pause, resume, retry).

export type ReleaseCommand = 'promote' | 'abort' | 'pause' | 'resume' | 'retry';

/** What the command executor does after computing the next state. */
export type CommandEffect =
  /** Write the next state (optimistic concurrency: on a conflict, re-read and apply the command again). */
  | { type: 'writeState' }
  /** Then drive the release from the new state (engine.ts). */
  | { type: 'drive' };

export interface CommandTransition {
  command: ReleaseCommand;
  state: ReleaseState;
  effects: CommandEffect[];
}

const WRITE_AND_DRIVE: CommandEffect[] = [{ type: 'writeState' }, { type: 'drive' }];

export function promote(state: ReleaseState, input: { full?: boolean }, by: Actor): CommandTransition {
  const s = structuredClone(state);
  if (s.phase === 'Completed' || s.phase === 'Aborted') throw new UsageError(`the release of ${s.app} is ${s.phase.toLowerCase()}: nothing to promote`);
  if (s.phase === 'Aborting') throw new UsageError(`the release of ${s.app} is being aborted`);
  if (s.userPaused) throw new UsageError(`the release of ${s.app} was paused by ${s.userPaused.who}`, { hint: `run \`shardship release resume --app ${s.app}\`` });
  const step = s.steps[s.stepIndex];
  let detail: string;
  if (input.full) {
    s.skipToEnd = true;
    detail = 'full promotion: skipping remaining pauses, analysis and weights';
  } else if (step && (step.kind === 'pause' || step.kind === 'analysis' || s.phase === 'Frozen')) {
    s.history.push(historyEntry(s, by, 'step', `step ${s.stepIndex + 1}: ${describeStep(step)} skipped by promote`));
    s.stepIndex++;
    s.stepStartedAt = by.at;
    s.analysisAttempt = 0;
    detail = `promoted past step ${s.stepIndex}: ${describeStep(step)}`;
  } else {
    detail = `nothing to skip at step ${s.stepIndex + 1} (${describeStep(step)}): continuing`;
  }
  s.phase = 'Progressing';
  s.message = detail;
  s.history.push(historyEntry(s, by, 'promote', detail));
  return { command: 'promote', state: s, effects: WRITE_AND_DRIVE };
}

export function abort(state: ReleaseState, input: { force?: boolean; reason?: string }, by: Actor): CommandTransition {
  const s = structuredClone(state);
  if (s.phase === 'Completed' || s.phase === 'Aborted') throw new UsageError(`the release of ${s.app} is already ${s.phase.toLowerCase()}`);
  if (s.irreversibleCommitted && !input.force) {
    throw new UsageError(`the release of ${s.app} has passed an irreversible step: reverting could break what that step changed`, {
      hint: 'use `promote` to finish, or `abort --force` if you are sure',
    });
  }
  const reason = input.reason ?? `aborted by ${by.who}`;
  s.phase = 'Aborting';
  s.abort = { reason, by };
  s.message = `aborting: ${reason}`;
  s.history.push(historyEntry(s, by, 'abort', reason));
  return { command: 'abort', state: s, effects: WRITE_AND_DRIVE };
}

/** Hold the release where it is: written, not driven. */
export function pause(state: ReleaseState, by: Actor): CommandTransition {
  const s = structuredClone(state);
  if (!['Progressing', 'Paused'].includes(s.phase)) throw new UsageError(`the release of ${s.app} is ${s.phase.toLowerCase()}: nothing to pause`);
  s.userPaused = by;
  s.phase = 'Paused';
  s.message = `paused by ${by.who}`;
  s.history.push(historyEntry(s, by, 'pause', `paused by ${by.who}`));
  return { command: 'pause', state: s, effects: [{ type: 'writeState' }] };
}

export function resume(state: ReleaseState, by: Actor): CommandTransition {
  const s = structuredClone(state);
  if (s.phase === 'Completed' || s.phase === 'Aborted') throw new UsageError(`the release of ${s.app} is ${s.phase.toLowerCase()}: nothing to resume`);
  delete s.userPaused;
  if (s.phase === 'Paused') s.phase = 'Progressing';
  s.history.push(historyEntry(s, by, 'resume', `resumed by ${by.who}`));
  return { command: 'resume', state: s, effects: WRITE_AND_DRIVE };
}

/** An aborted release again from the top (same image, same plan), or the current analysis again. */
export function retry(state: ReleaseState, by: Actor): CommandTransition {
  const s = structuredClone(state);
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
    s.desired = allStable(s.stableTrack, s.canaryTrack);
    s.startedBy = by;
  } else {
    s.analysisAttempt++;
  }
  // Measurements of an earlier attempt or revision must not count towards the new one.
  delete s.analysisProgress;
  s.stepStartedAt = by.at;
  s.phase = 'Progressing';
  s.message = `retried by ${by.who}`;
  s.history.push(historyEntry(s, by, 'retry', `retry of revision ${s.revision} step ${s.stepIndex + 1}`));
  return { command: 'retry', state: s, effects: WRITE_AND_DRIVE };
}

// ---------------------------------------------------------------------------------------------
// The engine's steps: each planner action (planner.ts) as a state change plus the I/O it needs.

/** I/O the engine performs for an action, in order. */
export type EngineEffect =
  | { type: 'log'; line: string }
  | Extract<ReleaseAction, { type: 'scale' }>
  | { type: 'route'; split: ReleaseState['desired'] }
  | { type: 'setPreview'; track: string }
  /** Run the analysis templates; their results come back through analysisRecorded / analysisCutShort. */
  | { type: 'analyze'; stepIndex: number; templates: string[] };

export interface EngineTransition {
  state: ReleaseState;
  effects: EngineEffect[];
  /** The release reached a stopping point (paused for a human, completed, aborted, frozen). */
  stop: boolean;
}

/** One planner action applied to the state the engine is building for this round. */
export function applyAction(state: ReleaseState, a: ReleaseAction, by: Actor): EngineTransition {
  const next = structuredClone(state);
  const go = (effects: EngineEffect[] = [], stop = false): EngineTransition => ({ state: next, effects, stop });
  switch (a.type) {
    case 'scale': {
      next.message = a.reason;
      return go([{ type: 'log', line: a.reason }, a]);
    }
    case 'route':
      next.desired = a.split;
      next.confirmed = a.split;
      next.message = a.reason;
      return go([
        { type: 'log', line: `${a.reason} (${describeSplit(a.split)})` },
        { type: 'route', split: a.split },
      ]);
    case 'setPreview':
      return go([
        { type: 'setPreview', track: a.track },
        { type: 'log', line: `preview Service ${next.app}-preview now selects slot ${a.track}` },
      ]);
    case 'analyze':
      return go([{ type: 'analyze', stepIndex: a.stepIndex, templates: a.templates }]);
    case 'wait':
      next.message = a.reason;
      return go();
    case 'advance': {
      const step = next.steps[next.stepIndex];
      if (step?.irreversible) next.irreversibleCommitted = true;
      next.history.push(historyEntry(next, by, 'step', `step ${next.stepIndex + 1}: ${a.message}`));
      if (a.reached) next.desired = next.confirmed = a.reached;
      next.stepIndex = a.to;
      next.stepStartedAt = by.at;
      next.analysisAttempt = 0;
      delete next.analysisProgress;
      next.message = a.message;
      return go([{ type: 'log', line: `step done: ${a.message}` }]);
    }
    case 'setCanaryScale':
      if (a.scale.matchTrafficWeight) delete next.canaryScale;
      else next.canaryScale = a.scale;
      return go();
    case 'note':
      next.history.push(historyEntry(next, by, 'step', a.message));
      next.message = a.message;
      return go([{ type: 'log', line: a.message }]);
    case 'markStableScaledUp':
      if (next.abort) next.abort.stableScaledUp = true;
      return go();
    case 'pause':
      next.phase = 'Paused';
      next.message = a.reason;
      return go([], true);
    case 'complete':
      next.phase = 'Completed';
      next.message = a.message;
      next.history.push(historyEntry(next, by, 'complete', a.message));
      if (next.strategy === 'blueGreen' && next.steps[0]?.kind !== 'initial') {
        // The new slot is now the active one; the next release goes to the other slot.
        [next.stableTrack, next.canaryTrack] = [next.canaryTrack, next.stableTrack];
      }
      next.desired = allStable(next.stableTrack, next.canaryTrack);
      return go([{ type: 'log', line: a.message }], true);
    case 'abort':
      next.phase = 'Aborting';
      next.abort = { reason: a.reason, by };
      next.message = `aborting: ${a.reason}`;
      next.history.push(historyEntry(next, by, 'abort', a.reason));
      return go([{ type: 'log', line: `aborting: ${a.reason}` }]);
    case 'aborted':
      next.phase = 'Aborted';
      next.message = a.message;
      next.desired = allStable(next.stableTrack, next.canaryTrack);
      next.history.push(historyEntry(next, by, 'aborted', a.message));
      return go([{ type: 'log', line: a.message }], true);
    case 'freeze':
      next.phase = 'Frozen';
      next.message = a.reason;
      next.history.push(historyEntry(next, by, 'freeze', a.reason));
      return go([{ type: 'log', line: `frozen: ${a.reason}` }], true);
  }
}

/** Measurements of `template` already taken at this step and attempt (a killed runner's), to continue from. */
export function analysisResumePoint(state: ReleaseState, stepIndex: number, template: string): Measurement[] {
  const p = state.analysisProgress;
  return p && p.stepIndex === stepIndex && p.attempt === state.analysisAttempt && p.template === template ? p.measurements : [];
}

/** Measurements so far of the analysis under way (saved after each one). */
export function analysisMeasured(state: ReleaseState, stepIndex: number, template: string, measurements: Measurement[]): ReleaseState {
  return { ...state, analysisProgress: { stepIndex, attempt: state.analysisAttempt, template, measurements } };
}

/** An analysis template finished: its record replaces the progress. */
export function analysisRecorded(state: ReleaseState, record: AnalysisRecord): ReleaseState {
  const next = structuredClone(state);
  delete next.analysisProgress;
  next.analysis.push(record);
  next.message = `analysis ${record.template}: ${record.outcome} (${record.message})`;
  return next;
}

/** The run's time ran out in the middle of an analysis: the progress stays for the next run. */
export function analysisCutShort(state: ReleaseState, template: string, count: number, takenBefore: number): ReleaseState {
  const taken = state.analysisProgress?.measurements.length ?? takenBefore;
  return { ...state, message: `analysis ${template}: ${taken} of ${count} measurement(s) taken; the next run continues from there` };
}

/** End of an engine round: a release that neither stopped nor waits is no longer paused. */
export function endRound(state: ReleaseState, round: { stopped: boolean; waiting: boolean }): ReleaseState {
  if (round.stopped || round.waiting || state.phase !== 'Paused') return state;
  return { ...state, phase: 'Progressing' };
}

export function describeSplit(split: { weights: Record<string, number>; cohorts: unknown[] }): string {
  const w = Object.entries(split.weights)
    .map(([t, v]) => `${t} ${v}%`)
    .join(', ');
  return split.cohorts.length ? `${w}; ${split.cohorts.length} cohort(s)` : w;
}

function allStable(stableTrack: string, canaryTrack: string): ReleaseState['desired'] {
  return { weights: { [stableTrack]: 100, [canaryTrack]: 0 }, cohorts: [] };
}
