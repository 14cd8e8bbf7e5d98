// The release transitions without any service: state construction, the commands of a person
// (promote, abort, pause, resume, retry) with their refusals, and each planner action's state
// change and the I/O it asks the engine for.
import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../../pipeline/core/errors.js';
import {
  abort,
  analysisCutShort,
  analysisMeasured,
  analysisRecorded,
  analysisResumePoint,
  applyAction,
  endRound,
  pause,
  planStart,
  promote,
  refuseWhileActive,
  resume,
  retry,
  type StartInput,
} from '../../../pipeline/release/transitions.js';
import type { Actor, AnalysisRecord, ReleaseState } from '../../../pipeline/release/types.js';
import { specFor, split, stateFor } from './fixtures.js';

const NOW = '2026-01-01T01:00:00.000Z';
const by: Actor = { who: 'grace', at: NOW, runId: '42' };

const canaryApp = {
  router: { istio: {} },
  strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }, { analysis: { templates: ['errors'] } }, { setWeight: 50, irreversible: true }] } },
};
const { spec, cfg } = specFor(canaryApp);
const state = (over: Partial<ReleaseState> = {}) => stateFor(cfg, spec, over);

/** Runs `f` and returns what it threw (failing the test if it did not throw). */
function refusal(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a refusal');
}

describe('planStart', () => {
  const input = (over: Partial<StartInput> = {}): StartInput => ({
    spec,
    appConfig: cfg.apps.web!,
    image: 'web:2',
    existing: undefined,
    tracks: ['stable', 'canary'],
    stable: { image: 'web:1', replicas: 4 },
    ...over,
  });

  it('builds revision 1 with the compiled steps, all traffic on stable and a start history entry', () => {
    const plan = planStart(input({ podAnnotations: { team: 'shop' } }), by);
    if (plan.kind !== 'start') throw new Error(plan.kind);
    expect(plan.state).toMatchObject({
      version: 1,
      app: 'web',
      namespace: 'shop',
      revision: 1,
      image: 'web:2',
      previousImage: 'web:1',
      podAnnotations: { team: 'shop' },
      stableTrack: 'stable',
      canaryTrack: 'canary',
      replicas: 4,
      stepIndex: 0,
      stepStartedAt: NOW,
      phase: 'Progressing',
      message: 'releasing web:2',
      desired: { weights: { stable: 100, canary: 0 }, cohorts: [] },
      startedBy: by,
    });
    expect(plan.state.steps.map((s) => s.kind)).toEqual(['setWeight', 'pause', 'analysis', 'setWeight', 'promote']);
    expect(plan.state.history).toEqual([{ ...by, revision: 1, action: 'start', image: 'web:2', detail: 'canary via istio' }]);
    expect(plan.notes).toEqual([]);
  });

  it('a first deploy (no stable Deployment, or one scaled to 0) is one initial step with no previous image', () => {
    for (const stable of [undefined, { image: 'web:1', replicas: 0 }]) {
      const plan = planStart(input({ stable }), by);
      if (plan.kind !== 'start') throw new Error(plan.kind);
      expect(plan.state.steps).toEqual([{ kind: 'initial' }]);
      expect(plan.state.message).toBe('first deploy');
      expect(plan.state).not.toHaveProperty('previousImage');
    }
  });

  it('counts revisions on and keeps the history of the finished release before it', () => {
    const existing = state({ phase: 'Completed', revision: 7, history: [{ ...by, revision: 7, action: 'complete', image: 'web:1', detail: 'done' }] });
    const plan = planStart(input({ existing }), by);
    if (plan.kind !== 'start') throw new Error(plan.kind);
    expect(plan.state.revision).toBe(8);
    expect(plan.state.history.map((h) => `${h.revision} ${h.action}`)).toEqual(['7 complete', '8 start']);
  });

  it('does nothing when the active track already runs the image', () => {
    expect(planStart(input({ stable: { image: 'web:2', replicas: 4 } }), by)).toEqual({ kind: 'unchanged', note: 'web already runs web:2: nothing to release' });
  });

  it('refuses while a release is under way, naming who started it', () => {
    for (const phase of ['Progressing', 'Paused', 'Aborting', 'Frozen'] as const) {
      const e = refusal(() => planStart(input({ existing: state({ phase }) }), by));
      expect(e).toBeInstanceOf(UsageError);
      expect(e.message).toBe(`a release of web is already in progress (revision 2, web:2, ${phase}), started by ada at 2026-01-01T00:00:00.000Z`);
    }
    expect(() => refuseWhileActive(state({ phase: 'Aborted' }))).not.toThrow();
  });

  it('service router: refuses weights the replica count cannot reach, or scales up with a note', () => {
    const app = { replicas: 3, router: { service: {} }, strategy: { canary: { steps: [{ setWeight: 25 }] } } };
    const refused = specFor(app);
    const e = refusal(() => planStart(input({ spec: refused.spec, appConfig: refused.cfg.apps.web! }), by));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain('3 replicas can only reach');

    const scaled = specFor({ ...app, router: { service: { scaleUp: true } } });
    const plan = planStart(input({ spec: scaled.spec, appConfig: scaled.cfg.apps.web! }), by);
    if (plan.kind !== 'start') throw new Error(plan.kind);
    expect(plan.state.replicas).toBe(4);
    expect(plan.notes).toEqual([expect.stringMatching(/^scaling to 4 replicas/)]);
    expect(plan.state.history[0]!.detail).toBe(`canary via service; ${plan.notes[0]}`);
  });
});

describe('promote', () => {
  it('skips the pause it is waiting at, and is then written and driven', () => {
    const before = state({ stepIndex: 1, phase: 'Paused', analysisAttempt: 2 });
    const t = promote(before, {}, by);
    expect(t.effects).toEqual([{ type: 'writeState' }, { type: 'drive' }]);
    expect(t.state).toMatchObject({ stepIndex: 2, stepStartedAt: NOW, analysisAttempt: 0, phase: 'Progressing', message: 'promoted past step 2: pause until promote' });
    expect(t.state.history.map((h) => `${h.action}: ${h.detail}`)).toEqual(['step: step 2: pause until promote skipped by promote', 'promote: promoted past step 2: pause until promote']);
    expect(before.stepIndex).toBe(1); // the input is not changed
  });

  it('skips a running analysis, and a failed step of a frozen release', () => {
    expect(promote(state({ stepIndex: 2 }), {}, by).state.stepIndex).toBe(3);
    expect(promote(state({ stepIndex: 3, phase: 'Frozen' }), {}, by).state).toMatchObject({ stepIndex: 4, phase: 'Progressing' });
  });

  it('at a weight step there is nothing to skip: it only continues', () => {
    const t = promote(state({ stepIndex: 0 }), {}, by);
    expect(t.state.stepIndex).toBe(0);
    expect(t.state.message).toBe('nothing to skip at step 1 (setWeight 25%): continuing');
  });

  it('--full marks the release to skip every remaining pause, analysis and weight', () => {
    const t = promote(state({ stepIndex: 1, phase: 'Paused' }), { full: true }, by);
    expect(t.state).toMatchObject({ skipToEnd: true, stepIndex: 1, phase: 'Progressing' });
  });

  it('refuses finished, aborting and user-paused releases', () => {
    expect(refusal(() => promote(state({ phase: 'Completed' }), {}, by)).message).toBe('the release of web is completed: nothing to promote');
    expect(refusal(() => promote(state({ phase: 'Aborted' }), {}, by)).message).toBe('the release of web is aborted: nothing to promote');
    expect(refusal(() => promote(state({ phase: 'Aborting' }), {}, by)).message).toBe('the release of web is being aborted');
    const e = refusal(() => promote(state({ phase: 'Paused', userPaused: { who: 'lin', at: NOW } }), {}, by));
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('the release of web was paused by lin');
  });
});

describe('abort', () => {
  it('starts the roll-back with the actor as reason, written and driven', () => {
    const t = abort(state({ stepIndex: 1 }), {}, by);
    expect(t.effects).toEqual([{ type: 'writeState' }, { type: 'drive' }]);
    expect(t.state).toMatchObject({ phase: 'Aborting', abort: { reason: 'aborted by grace', by }, message: 'aborting: aborted by grace' });
    expect(t.state.history.at(-1)).toMatchObject({ action: 'abort', detail: 'aborted by grace', who: 'grace' });
    expect(abort(state(), { reason: 'error budget' }, by).state.abort?.reason).toBe('error budget');
  });

  it('refuses finished releases, and an irreversible step unless forced', () => {
    expect(refusal(() => abort(state({ phase: 'Completed' }), {}, by)).message).toBe('the release of web is already completed');
    expect(refusal(() => abort(state({ phase: 'Aborted' }), {}, by)).message).toBe('the release of web is already aborted');
    const e = refusal(() => abort(state({ irreversibleCommitted: true }), {}, by));
    expect(e.message).toBe('the release of web has passed an irreversible step: reverting could break what that step changed');
    expect(abort(state({ irreversibleCommitted: true }), { force: true }, by).state.phase).toBe('Aborting');
  });
});

describe('pause and resume', () => {
  it('pause holds the release and is written but not driven', () => {
    const t = pause(state(), by);
    expect(t.effects).toEqual([{ type: 'writeState' }]);
    expect(t.state).toMatchObject({ phase: 'Paused', userPaused: by, message: 'paused by grace' });
  });

  it('pause refuses releases that are not moving', () => {
    for (const phase of ['Aborting', 'Completed', 'Aborted', 'Frozen'] as const) {
      expect(refusal(() => pause(state({ phase }), by)).message).toBe(`the release of web is ${phase.toLowerCase()}: nothing to pause`);
    }
  });

  it('resume clears the user pause, and refuses finished releases', () => {
    const t = resume(state({ phase: 'Paused', userPaused: by }), by);
    expect(t.effects).toEqual([{ type: 'writeState' }, { type: 'drive' }]);
    expect(t.state.phase).toBe('Progressing');
    expect(t.state).not.toHaveProperty('userPaused');
    expect(t.state.history.at(-1)).toMatchObject({ action: 'resume', detail: 'resumed by grace' });
    expect(resume(state({ phase: 'Frozen' }), by).state.phase).toBe('Frozen');
    expect(refusal(() => resume(state({ phase: 'Aborted' }), by)).message).toBe('the release of web is aborted: nothing to resume');
  });
});

describe('retry', () => {
  it('runs an aborted release again from the top as the next revision', () => {
    const aborted = state({
      phase: 'Aborted',
      stepIndex: 3,
      analysis: [{ stepIndex: 2, attempt: 0, template: 'errors', outcome: 'Failed', measurements: [], message: 'x' }],
      irreversibleCommitted: true,
      abort: { reason: 'r', by },
      skipToEnd: true,
      canaryScale: { replicas: 1 },
      desired: split({ stable: 50, canary: 50 }),
      analysisProgress: { stepIndex: 2, attempt: 0, template: 'errors', measurements: [] },
    });
    const t = retry(aborted, by);
    expect(t.state).toMatchObject({ revision: 3, stepIndex: 0, analysis: [], analysisAttempt: 0, irreversibleCommitted: false, desired: split({ stable: 100, canary: 0 }), startedBy: by, phase: 'Progressing', stepStartedAt: NOW });
    for (const gone of ['abort', 'skipToEnd', 'canaryScale', 'analysisProgress']) expect(t.state).not.toHaveProperty(gone);
    expect(t.state.history.at(-1)).toMatchObject({ action: 'retry', detail: 'retry of revision 3 step 1' });
  });

  it('on a release under way, re-runs the current analysis as a new attempt', () => {
    const t = retry(state({ stepIndex: 2, phase: 'Paused', analysisAttempt: 1, analysisProgress: { stepIndex: 2, attempt: 1, template: 'errors', measurements: [] } }), by);
    expect(t.state).toMatchObject({ revision: 2, stepIndex: 2, analysisAttempt: 2, phase: 'Progressing', message: 'retried by grace' });
    expect(t.state).not.toHaveProperty('analysisProgress');
  });

  it('refuses a completed or aborting release', () => {
    expect(refusal(() => retry(state({ phase: 'Completed' }), by)).message).toBe('the release of web completed: start a new one');
    expect(refusal(() => retry(state({ phase: 'Aborting' }), by)).message).toBe('the release of web is being aborted: wait for it, then retry');
  });
});

describe('applyAction: the engine steps', () => {
  it('scale: the message, and the scale as I/O after its log line', () => {
    const a = { type: 'scale', track: 'canary', replicas: 1, image: 'web:2', reason: 'scale canary to 1' } as const;
    const t = applyAction(state(), a, by);
    expect(t.state.message).toBe('scale canary to 1');
    expect(t.effects).toEqual([{ type: 'log', line: 'scale canary to 1' }, a]);
    expect(t.stop).toBe(false);
  });

  it('route: desired and confirmed become the split, written once', () => {
    const s = split({ stable: 75, canary: 25 });
    const t = applyAction(state(), { type: 'route', split: s, reason: 'set weight 25%' }, by);
    expect(t.state).toMatchObject({ desired: s, confirmed: s, message: 'set weight 25%' });
    expect(t.effects).toEqual([
      { type: 'log', line: 'set weight 25% (stable 75%, canary 25%)' },
      { type: 'route', split: s },
    ]);
  });

  it('setPreview and analyze are I/O only', () => {
    const before = state();
    const p = applyAction(before, { type: 'setPreview', track: 'green' }, by);
    expect(p.state).toEqual(before);
    expect(p.effects).toEqual([{ type: 'setPreview', track: 'green' }, { type: 'log', line: 'preview Service web-preview now selects slot green' }]);
    expect(applyAction(before, { type: 'analyze', stepIndex: 2, templates: ['errors'] }, by).effects).toEqual([{ type: 'analyze', stepIndex: 2, templates: ['errors'] }]);
  });

  it('wait, setCanaryScale, markStableScaledUp only edit the state', () => {
    expect(applyAction(state(), { type: 'wait', reason: 'canary not ready' }, by)).toMatchObject({ state: { message: 'canary not ready' }, effects: [], stop: false });
    expect(applyAction(state(), { type: 'setCanaryScale', scale: { replicas: 2 } }, by).state.canaryScale).toEqual({ replicas: 2 });
    expect(applyAction(state({ canaryScale: { replicas: 2 } }), { type: 'setCanaryScale', scale: { matchTrafficWeight: true } }, by).state).not.toHaveProperty('canaryScale');
    expect(applyAction(state({ abort: { reason: 'r', by } }), { type: 'markStableScaledUp' }, by).state.abort?.stableScaledUp).toBe(true);
    expect(applyAction(state(), { type: 'markStableScaledUp' }, by).state).not.toHaveProperty('abort');
  });

  it('advance: next step, its start time, a fresh analysis attempt, and an irreversible step committed', () => {
    const reached = split({ stable: 50, canary: 50 });
    const t = applyAction(state({ stepIndex: 3, analysisAttempt: 2, analysisProgress: { stepIndex: 3, attempt: 2, template: 'errors', measurements: [] } }), { type: 'advance', to: 4, message: 'weight 50%', reached }, by);
    expect(t.state).toMatchObject({ stepIndex: 4, stepStartedAt: NOW, analysisAttempt: 0, irreversibleCommitted: true, desired: reached, confirmed: reached, message: 'weight 50%' });
    expect(t.state).not.toHaveProperty('analysisProgress');
    expect(t.state.history.at(-1)).toMatchObject({ action: 'step', detail: 'step 4: weight 50%', at: NOW });
    expect(t.effects).toEqual([{ type: 'log', line: 'step done: weight 50%' }]);
    expect(applyAction(state(), { type: 'advance', to: 1, message: 'x' }, by).state.irreversibleCommitted).toBe(false);
  });

  it('note: logged and kept in the history', () => {
    const t = applyAction(state(), { type: 'note', message: 'canary restarted' }, by);
    expect(t.state.history.at(-1)).toMatchObject({ action: 'step', detail: 'canary restarted' });
    expect(t.effects).toEqual([{ type: 'log', line: 'canary restarted' }]);
  });

  it('pause, complete, aborted and freeze stop the engine; abort does not', () => {
    expect(applyAction(state(), { type: 'pause', reason: 'promote to continue' }, by)).toMatchObject({ state: { phase: 'Paused', message: 'promote to continue' }, stop: true });
    const aborting = applyAction(state(), { type: 'abort', reason: 'analysis failed' }, by);
    expect(aborting).toMatchObject({ state: { phase: 'Aborting', abort: { reason: 'analysis failed', by }, message: 'aborting: analysis failed' }, stop: false });
    const aborted = applyAction(state({ phase: 'Aborting', desired: split({ stable: 50, canary: 50 }) }), { type: 'aborted', message: 'back on web:1' }, by);
    expect(aborted).toMatchObject({ state: { phase: 'Aborted', desired: split({ stable: 100, canary: 0 }) }, stop: true });
    expect(aborted.state.history.at(-1)?.action).toBe('aborted');
    const frozen = applyAction(state(), { type: 'freeze', reason: 'failed after an irreversible step' }, by);
    expect(frozen).toMatchObject({ state: { phase: 'Frozen' }, effects: [{ type: 'log', line: 'frozen: failed after an irreversible step' }], stop: true });
  });

  it('complete: all traffic to the new version; blue-green swaps the slots, a first deploy does not', () => {
    const canary = applyAction(state({ desired: split({ stable: 0, canary: 100 }) }), { type: 'complete', message: 'done' }, by);
    expect(canary).toMatchObject({ state: { phase: 'Completed', stableTrack: 'stable', canaryTrack: 'canary', desired: split({ stable: 100, canary: 0 }) }, stop: true });
    expect(canary.state.history.at(-1)).toMatchObject({ action: 'complete', detail: 'done' });

    const bg = specFor({ router: { istio: {} }, strategy: { blueGreen: {} } }, 'blueGreen');
    const swapped = applyAction(stateFor(bg.cfg, bg.spec), { type: 'complete', message: 'green serves 100%' }, by);
    expect(swapped.state).toMatchObject({ stableTrack: 'green', canaryTrack: 'blue', desired: split({ green: 100, blue: 0 }) });
    const first = applyAction(stateFor(bg.cfg, bg.spec, { steps: [{ kind: 'initial' }] }), { type: 'complete', message: 'first deploy' }, by);
    expect(first.state).toMatchObject({ stableTrack: 'blue', canaryTrack: 'green' });
  });

  it('never changes the state it is given', () => {
    const before = state({ stepIndex: 1 });
    const copy = structuredClone(before);
    applyAction(before, { type: 'complete', message: 'done' }, by);
    applyAction(before, { type: 'advance', to: 2, message: 'x' }, by);
    abort(before, {}, by);
    retry(before, by);
    expect(before).toEqual(copy);
  });
});

describe('analysis progress and the end of a round', () => {
  const m = { at: NOW, outcome: 'Successful' as const };

  it('continues only from measurements of the same step, attempt and template', () => {
    const s = analysisMeasured(state({ stepIndex: 2, analysisAttempt: 1 }), 2, 'errors', [m, m]);
    expect(s.analysisProgress).toEqual({ stepIndex: 2, attempt: 1, template: 'errors', measurements: [m, m] });
    expect(analysisResumePoint(s, 2, 'errors')).toEqual([m, m]);
    expect(analysisResumePoint(s, 2, 'health')).toEqual([]);
    expect(analysisResumePoint({ ...s, analysisAttempt: 2 }, 2, 'errors')).toEqual([]);
    expect(analysisResumePoint(s, 3, 'errors')).toEqual([]);
  });

  it('a finished template replaces the progress with its record; a cut-short one says how far it got', () => {
    const rec: AnalysisRecord = { stepIndex: 2, attempt: 0, template: 'errors', outcome: 'Successful', measurements: [m], message: '3 of 3 passed' };
    const done = analysisRecorded(analysisMeasured(state(), 2, 'errors', [m]), rec);
    expect(done.analysis).toEqual([rec]);
    expect(done).not.toHaveProperty('analysisProgress');
    expect(done.message).toBe('analysis errors: Successful (3 of 3 passed)');
    expect(analysisCutShort(analysisMeasured(state(), 2, 'errors', [m, m]), 'errors', 5, 0).message).toBe('analysis errors: 2 of 5 measurement(s) taken; the next run continues from there');
    expect(analysisCutShort(state(), 'errors', 5, 1).message).toBe('analysis errors: 1 of 5 measurement(s) taken; the next run continues from there');
  });

  it('a paused release that neither stopped nor waits this round moves on', () => {
    expect(endRound(state({ phase: 'Paused' }), { stopped: false, waiting: false }).phase).toBe('Progressing');
    expect(endRound(state({ phase: 'Paused' }), { stopped: true, waiting: false }).phase).toBe('Paused');
    expect(endRound(state({ phase: 'Paused' }), { stopped: false, waiting: true }).phase).toBe('Paused');
    expect(endRound(state({ phase: 'Aborting' }), { stopped: false, waiting: false }).phase).toBe('Aborting');
  });
});
