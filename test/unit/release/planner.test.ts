import { describe, expect, it } from 'vitest';
import { planNextStep, sameSplit } from '../../../pipeline/release/planner.js';
import type { ReleaseAction } from '../../../pipeline/release/types.js';
import { dep, obs, specFor, split, stateFor } from './fixtures.js';

const types = (actions: ReleaseAction[]) => actions.map((a) => a.type);
const routes = (actions: ReleaseAction[]) => actions.filter((a) => a.type === 'route');

const canaryApp = {
  router: { istio: {} },
  strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }, { analysis: { templates: ['errors'] } }, { pause: { duration: '30s' } }, { setWeight: 50, irreversible: true }, { analysis: { templates: ['errors'] } }] } },
};

describe('planNextStep: canary with a mesh router', () => {
  const { spec, cfg } = specFor(canaryApp);

  it('compiles the configured steps and ends with promote', () => {
    const s = stateFor(cfg, spec);
    expect(s.steps.map((x) => x.kind)).toEqual(['setWeight', 'pause', 'analysis', 'pause', 'setWeight', 'analysis', 'promote']);
  });

  it('first scales the canary to its share of replicas with the new image', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ stable: dep('web:1', 4), canary: dep('web:1', 0) }, split({ stable: 100, canary: 0 })));
    expect(a).toEqual([expect.objectContaining({ type: 'scale', track: 'canary', replicas: 1, image: 'web:2' })]);
  });

  it('waits while the canary is not ready, without touching the routing', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1, 0) }, split({ stable: 100, canary: 0 })));
    expect(types(a)).toEqual(['wait']);
  });

  it('sets the weight in exactly one routing write, then advances', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1) }, split({ stable: 100, canary: 0 })));
    expect(types(a)).toEqual(['route', 'advance']);
    expect(routes(a)).toHaveLength(1);
    expect(a[0]).toMatchObject({ split: { weights: { stable: 75, canary: 25 } } });
  });

  it('does not write the routing again when it already has the weight (a resumed runner)', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1) }, split({ stable: 75, canary: 25 })));
    expect(types(a)).toEqual(['advance']);
  });

  it('stops at an indefinite pause until promoted', () => {
    const a = planNextStep(stateFor(cfg, spec, { stepIndex: 1 }), spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1) }, split({ stable: 75, canary: 25 })));
    expect(a).toEqual([expect.objectContaining({ type: 'pause', reason: expect.stringContaining('release promote --app web') })]);
  });

  it('waits out a timed pause, then advances', () => {
    const s = stateFor(cfg, spec, { stepIndex: 3 });
    const d = { stable: dep('web:1', 4), canary: dep('web:2', 1) };
    expect(planNextStep(s, spec, obs(d, split({ stable: 75, canary: 25 }), 10_000))).toEqual([expect.objectContaining({ type: 'wait', untilMs: Date.parse(s.stepStartedAt) + 30_000 })]);
    expect(types(planNextStep(s, spec, obs(d, split({ stable: 75, canary: 25 }), 30_000)))).toEqual(['advance']);
  });

  it('runs analysis, advances on success, aborts on failure, pauses when inconclusive', () => {
    const d = { stable: dep('web:1', 4), canary: dep('web:2', 1) };
    const routing = split({ stable: 75, canary: 25 });
    const s = stateFor(cfg, spec, { stepIndex: 2 });
    expect(planNextStep(s, spec, obs(d, routing))).toEqual([{ type: 'analyze', stepIndex: 2, templates: ['errors'] }]);
    const rec = (outcome: 'Successful' | 'Failed' | 'Inconclusive') => ({ stepIndex: 2, attempt: 0, template: 'errors', outcome, measurements: [], message: 'm' });
    expect(types(planNextStep({ ...s, analysis: [rec('Successful')] }, spec, obs(d, routing)))).toEqual(['advance']);
    expect(planNextStep({ ...s, analysis: [rec('Failed')] }, spec, obs(d, routing))).toEqual([{ type: 'abort', reason: 'analysis errors failed: m' }]);
    expect(types(planNextStep({ ...s, analysis: [rec('Inconclusive')] }, spec, obs(d, routing)))).toEqual(['pause']);
    // A retried analysis (attempt 1) ignores the earlier attempt's verdict.
    expect(types(planNextStep({ ...s, analysisAttempt: 1, analysis: [rec('Failed')] }, spec, obs(d, routing)))).toEqual(['analyze']);
  });

  it('freezes instead of reverting when an irreversible step already ran', () => {
    const s = stateFor(cfg, spec, {
      stepIndex: 5,
      irreversibleCommitted: true,
      analysis: [{ stepIndex: 5, attempt: 0, template: 'errors', outcome: 'Failed', measurements: [], message: 'error rate 0.3' }],
    });
    const a = planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 2) }, split({ stable: 50, canary: 50 })));
    expect(a).toEqual([{ type: 'freeze', reason: expect.stringContaining('irreversible') }]);
  });

  it('aborts when the new version crash-loops', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1, 0, { crashLooping: true }) }, split({ stable: 100, canary: 0 })));
    expect(a).toEqual([{ type: 'abort', reason: expect.stringContaining('CrashLoopBackOff') }]);
  });

  it('aborts when the new version is not ready within the progress deadline', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1, 0) }, split({ stable: 100, canary: 0 }), 11 * 60_000));
    expect(a).toEqual([{ type: 'abort', reason: expect.stringMatching(/0\/1 ready replicas after 11(\.0)?m/) }]);
  });

  it('promotes: stable gets the new image, then all traffic to stable in one write, then the canary goes', () => {
    const s = stateFor(cfg, spec, { stepIndex: 6 });
    const routing = split({ stable: 50, canary: 50 });
    expect(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 2) }, routing))).toEqual([
      expect.objectContaining({ type: 'scale', track: 'stable', replicas: 4, image: 'web:2' }),
    ]);
    expect(types(planNextStep(s, spec, obs({ stable: dep('web:2', 4, 2), canary: dep('web:2', 2) }, routing)))).toEqual(['wait']);
    const done = planNextStep(s, spec, obs({ stable: dep('web:2', 4), canary: dep('web:2', 2) }, routing));
    expect(types(done)).toEqual(['route', 'scale', 'complete']);
    expect(done[0]).toMatchObject({ split: { weights: { stable: 100, canary: 0 } } });
    expect(done[1]).toMatchObject({ track: 'canary', replicas: 0 });
  });

  it('holds a release paused by a person', () => {
    const a = planNextStep(stateFor(cfg, spec, { userPaused: { who: 'bob', at: 'x' } }), spec, obs({}, undefined));
    expect(a).toEqual([{ type: 'pause', reason: expect.stringContaining('paused by bob') }]);
  });

  it('promote --full skips pauses, analysis and weights straight to promote', () => {
    const s = stateFor(cfg, spec, { stepIndex: 1, skipToEnd: true });
    expect(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1) }, split({ stable: 75, canary: 25 })))).toEqual([
      { type: 'advance', to: 2, message: 'skipped by promote --full' },
    ]);
  });

  it('does nothing for finished releases', () => {
    for (const phase of ['Completed', 'Aborted', 'Frozen'] as const) expect(planNextStep(stateFor(cfg, spec, { phase }), spec, obs({}, undefined))).toEqual([]);
  });
});

describe('planNextStep: abort', () => {
  const { spec, cfg } = specFor(canaryApp);

  it('moves all traffic back to stable in ONE routing write, then scales the canary away', () => {
    const s = stateFor(cfg, spec, { phase: 'Aborting', stepIndex: 2, abort: { reason: 'bad', by: { who: 'ci', at: 'x' } } });
    const a = planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1) }, split({ stable: 75, canary: 25 })));
    expect(types(a)).toEqual(['route', 'scale', 'aborted']);
    expect(routes(a)).toHaveLength(1);
    expect(a[0]).toMatchObject({ split: { weights: { stable: 100, canary: 0 }, cohorts: [] } });
  });

  it('scales stable back up first (and says so) when it lacks replicas, and waits for them before moving traffic', () => {
    const s = stateFor(cfg, spec, { phase: 'Aborting', abort: { reason: 'bad', by: { who: 'ci', at: 'x' } } });
    const d = { stable: dep('web:1', 2), canary: dep('web:2', 2) };
    const a = planNextStep(s, spec, obs(d, split({ stable: 50, canary: 50 })));
    expect(types(a)).toEqual(['note', 'markStableScaledUp', 'scale']);
    expect(a[0]).toMatchObject({ message: 'stable has 2/4 ready replicas: scaling it back up to 4 before moving traffic' });
    expect(types(planNextStep(s, spec, obs({ stable: dep('web:1', 4, 3), canary: dep('web:2', 2) }, split({ stable: 50, canary: 50 }))))).toEqual(['wait']);
  });

  it('rolls stable back to the previous image when the abort comes during promotion', () => {
    const s = stateFor(cfg, spec, { phase: 'Aborting', stepIndex: 6, abort: { reason: 'bad', by: { who: 'ci', at: 'x' } } });
    const a = planNextStep(s, spec, obs({ stable: dep('web:2', 4), canary: dep('web:2', 2) }, split({ stable: 50, canary: 50 })));
    expect(a).toContainEqual(expect.objectContaining({ type: 'scale', track: 'stable', image: 'web:1' }));
  });
});

describe('planNextStep: service router (no mesh)', () => {
  const { spec, cfg } = specFor({ replicas: 4, router: { service: {} }, strategy: { canary: { steps: [{ setWeight: 25 }, { setWeight: 50 }] } } });

  it('grows the canary first, then shrinks stable, with no routing object', () => {
    const s = stateFor(cfg, spec);
    expect(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:1', 0) }, undefined))).toEqual([expect.objectContaining({ type: 'scale', track: 'canary', replicas: 1, image: 'web:2' })]);
    expect(types(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1, 0) }, undefined)))).toEqual(['wait']);
    expect(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1) }, undefined))).toEqual([expect.objectContaining({ type: 'scale', track: 'stable', replicas: 3 })]);
    expect(planNextStep(s, spec, obs({ stable: dep('web:1', 3), canary: dep('web:2', 1) }, undefined))).toEqual([
      expect.objectContaining({ type: 'advance', reached: { weights: { stable: 75, canary: 25 }, cohorts: [] } }),
    ]);
  });

  it('on abort scales stable back to full before scaling the canary to 0', () => {
    const s = stateFor(cfg, spec, { phase: 'Aborting', stepIndex: 1, abort: { reason: 'bad', by: { who: 'ci', at: 'x' } } });
    expect(types(planNextStep(s, spec, obs({ stable: dep('web:1', 2), canary: dep('web:2', 2) }, undefined)))).toEqual(['note', 'markStableScaledUp', 'scale']);
    expect(types(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 2) }, undefined)))).toEqual(['scale']);
    expect(types(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 0, 1) }, undefined)))).toEqual(['wait']);
    expect(types(planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 0, 0) }, undefined)))).toEqual(['aborted']);
  });
});

describe('planNextStep: blue-green', () => {
  const { spec, cfg } = specFor({ router: { istio: {} }, strategy: { blueGreen: { prePromotionAnalysis: { templates: ['health'] }, scaleDownDelay: '10s' } } });

  it('compiles preview, pre-analysis, pause, switch, scale-down', () => {
    expect(stateFor(cfg, spec).steps.map((s) => s.kind)).toEqual(['preview', 'analysis', 'pause', 'switch', 'scaleDownOld']);
  });

  it('points the preview Service at the new slot and brings it up to full size', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ blue: dep('web:1', 4), green: undefined }, split({ blue: 100, green: 0 }), 1000, { previewTrack: 'blue' }));
    expect(a).toEqual([{ type: 'setPreview', track: 'green' }, expect.objectContaining({ type: 'scale', track: 'green', replicas: 4, image: 'web:2' })]);
  });

  it('switches all traffic to the new slot in one write', () => {
    const a = planNextStep(stateFor(cfg, spec, { stepIndex: 3 }), spec, obs({ blue: dep('web:1', 4), green: dep('web:2', 4) }, split({ blue: 100, green: 0 })));
    expect(types(a)).toEqual(['route', 'advance']);
    expect(a[0]).toMatchObject({ split: { weights: { green: 100, blue: 0 } } });
  });

  it('keeps the old slot for scaleDownDelay, then scales it down and completes', () => {
    const s = stateFor(cfg, spec, { stepIndex: 4 });
    const d = { blue: dep('web:1', 4), green: dep('web:2', 4) };
    expect(types(planNextStep(s, spec, obs(d, split({ green: 100, blue: 0 }), 5000)))).toEqual(['wait']);
    const a = planNextStep(s, spec, obs(d, split({ green: 100, blue: 0 }), 10_000));
    expect(a).toEqual([expect.objectContaining({ type: 'scale', track: 'blue', replicas: 0 }), expect.objectContaining({ type: 'complete' })]);
  });
});

describe('planNextStep: gray', () => {
  const { spec, cfg } = specFor({
    router: { gatewayApi: {} },
    strategy: { gray: { cohorts: [{ header: { name: 'x-gray', value: 'true' } }], ramp: [{ setWeight: 50 }] } },
  });

  it('routes the cohort first, keeping all other traffic on stable', () => {
    const a = planNextStep(stateFor(cfg, spec), spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 1) }, split({ stable: 100, canary: 0 })));
    expect(types(a)).toEqual(['route', 'advance']);
    expect(a[0]).toMatchObject({ split: { weights: { stable: 100, canary: 0 }, cohortTrack: 'canary', cohorts: [{ header: { name: 'x-gray', value: 'true' } }] } });
  });

  it('keeps the cohort while ramping the weight (cohorts and weights in one routing object)', () => {
    const cohorts = [{ header: { name: 'x-gray', value: 'true' } }];
    const s = stateFor(cfg, spec, { stepIndex: 1, desired: split({ stable: 100, canary: 0 }, cohorts, 'canary') });
    const a = planNextStep(s, spec, obs({ stable: dep('web:1', 4), canary: dep('web:2', 2) }, split({ stable: 100, canary: 0 }, cohorts, 'canary')));
    expect(a[0]).toMatchObject({ type: 'route', split: { weights: { stable: 50, canary: 50 }, cohorts, cohortTrack: 'canary' } });
  });
});

describe('sameSplit', () => {
  it('treats a missing track as 0% and compares cohorts', () => {
    expect(sameSplit(split({ blue: 100 }), split({ blue: 100, green: 0 }))).toBe(true);
    expect(sameSplit(split({ a: 70, b: 30 }), split({ a: 50, b: 50 }))).toBe(false);
    expect(sameSplit(split({ a: 100 }, [{ header: { name: 'x', value: 'y' } }], 'b'), split({ a: 100 }))).toBe(false);
  });
});
