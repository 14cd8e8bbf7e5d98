// Builders for planner tests: a state, a spec and observations, as plain data.
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { compileSteps, resolveSpec } from '../../../pipeline/release/spec.js';
import type { DeploymentObservation, Observations, ReleaseSpec, ReleaseState, TrafficSplit } from '../../../pipeline/release/types.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function config(app: Record<string, unknown>, extra: Record<string, unknown> = {}): ReleaseConfig {
  return ReleaseConfig.parse({
    namespace: 'shop',
    analysis: {
      errors: { interval: '1s', count: 3, prometheus: { address: 'http://127.0.0.1:9', query: 'x', successCondition: 'result < 0.05' } },
      health: { interval: '1s', count: 1, kubernetes: { maxRestarts: 0 } },
    },
    apps: { web: { replicas: 4, ...app } },
    ...extra,
  });
}

export function specFor(app: Record<string, unknown>, strategy?: string): { spec: ReleaseSpec; cfg: ReleaseConfig } {
  const cfg = config(app);
  return { spec: resolveSpec(cfg, 'web', strategy), cfg };
}

export function stateFor(cfg: ReleaseConfig, spec: ReleaseSpec, over: Partial<ReleaseState> = {}): ReleaseState {
  const blue = spec.strategy === 'blueGreen';
  const stableTrack = blue ? 'blue' : 'stable';
  const canaryTrack = blue ? 'green' : 'canary';
  const appCfg = cfg.apps.web!;
  return {
    version: 1,
    app: 'web',
    namespace: 'shop',
    revision: 2,
    strategy: spec.strategy,
    router: spec.router,
    image: 'web:2',
    previousImage: 'web:1',
    podAnnotations: {},
    plannedCohorts: spec.strategy === 'gray' ? (appCfg.strategy.gray?.cohorts ?? []) : [],
    stableTrack,
    canaryTrack,
    replicas: spec.replicas,
    steps: compileSteps(appCfg, spec.strategy),
    stepIndex: 0,
    stepStartedAt: new Date(T0).toISOString(),
    phase: 'Progressing',
    message: '',
    desired: { weights: { [stableTrack]: 100, [canaryTrack]: 0 }, cohorts: [] },
    analysisAttempt: 0,
    analysis: [],
    irreversibleCommitted: false,
    startedBy: { who: 'ada', at: new Date(T0).toISOString() },
    history: [],
    ...over,
  };
}

export function dep(image: string, replicas: number, ready = replicas, extra: Partial<DeploymentObservation> = {}): DeploymentObservation {
  return { specReplicas: replicas, readyReplicas: ready, updatedReplicas: ready, observedCurrent: true, image, annotations: {}, restarts: 0, crashLooping: false, ...extra };
}

export function split(weights: Record<string, number>, cohorts: TrafficSplit['cohorts'] = [], cohortTrack?: string): TrafficSplit {
  return { weights, cohorts, ...(cohortTrack ? { cohortTrack } : {}) };
}

export function obs(deployments: Observations['deployments'], routing: TrafficSplit | undefined, nowOffsetMs = 1000, extra: Partial<Observations> = {}): Observations {
  return { now: T0 + nowOffsetMs, deployments, routing, ...extra };
}
