// From shardship.yaml to what the planner needs: the resolved app spec and the compiled
// list of steps for the chosen strategy. Pure.
import { ConfigError, UsageError } from '../core/errors.js';
import { durationMs } from '../config/common.js';
import type { AppReleaseConfig, CanaryStepConfig, ReleaseConfig } from '../config/release.js';
import type { ReleaseSpec, RouterSettings, Step, StrategyName } from './types.js';

export function resolveSpec(config: ReleaseConfig, app: string, strategyFlag?: string): ReleaseSpec {
  const appCfg = config.apps[app];
  if (!appCfg) {
    const known = Object.keys(config.apps);
    throw new UsageError(`no app "${app}" under release.apps in shardship.yaml`, {
      hint: known.length ? `known apps: ${known.join(', ')}` : 'add it under release.apps',
    });
  }
  const strategy = pickStrategy(appCfg, app, strategyFlag);
  const routerConfig = routerSettings(appCfg, app);
  const spec: ReleaseSpec = {
    app,
    namespace: appCfg.namespace ?? config.namespace,
    replicas: appCfg.replicas,
    port: appCfg.port,
    strategy,
    router: routerConfig.kind,
    routerConfig,
    progressDeadlineMs: durationMs(appCfg.progressDeadline),
    analysis: config.analysis,
    podAnnotations: appCfg.podAnnotations,
  };
  const missing = compileSteps(appCfg, strategy)
    .flatMap((s) => (s.kind === 'analysis' ? s.templates : []))
    .filter((t) => !config.analysis[t]);
  if (missing.length) {
    throw new ConfigError(
      missing.map((t) => ({
        path: `release.apps.${app}.strategy`,
        message: `analysis template "${t}" is not defined`,
        hint: `define it under release.analysis.${t}`,
      })),
    );
  }
  if (strategy === 'gray' && routerConfig.kind === 'service') {
    throw new ConfigError([
      {
        path: `release.apps.${app}.router`,
        message: 'the service router cannot route cohorts (headers, cookies, user ids): it has no request matching',
        hint: 'use router.istio or router.gatewayApi for gray releases',
      },
    ]);
  }
  return spec;
}

function pickStrategy(appCfg: AppReleaseConfig, app: string, flag?: string): StrategyName {
  const configured = (['canary', 'blueGreen', 'gray'] as const).filter((s) => appCfg.strategy[s] !== undefined);
  const wanted = flag ?? appCfg.strategy.default ?? configured[0] ?? 'canary';
  const normal = wanted === 'blue-green' || wanted === 'bluegreen' ? 'blueGreen' : wanted;
  if (normal !== 'canary' && normal !== 'blueGreen' && normal !== 'gray') {
    throw new UsageError(`unknown strategy "${wanted}"`, { hint: 'use canary, blue-green or gray' });
  }
  if (normal === 'gray' && !appCfg.strategy.gray) {
    throw new UsageError(`app "${app}" has no strategy.gray section`, { hint: 'a gray release needs its cohorts: add release.apps.<app>.strategy.gray.cohorts' });
  }
  return normal;
}

function routerSettings(appCfg: AppReleaseConfig, app: string): RouterSettings {
  const r = appCfg.router;
  if ('istio' in r) {
    return {
      kind: 'istio',
      virtualService: r.istio.virtualService ?? app,
      route: r.istio.route,
      mode: r.istio.mode,
      hosts: r.istio.hosts ?? [app],
      ...(r.istio.gateways ? { gateways: r.istio.gateways } : {}),
    };
  }
  if ('gatewayApi' in r) {
    return {
      kind: 'gatewayApi',
      httpRoute: r.gatewayApi.httpRoute ?? app,
      parentRefs: r.gatewayApi.parentRefs,
      ...(r.gatewayApi.hostnames ? { hostnames: r.gatewayApi.hostnames } : {}),
    };
  }
  return { kind: 'service', scaleUp: r.service.scaleUp };
}

function canarySteps(steps: CanaryStepConfig[]): Step[] {
  return steps.map((s): Step => {
    const irreversible = s.irreversible ? { irreversible: true } : {};
    if ('setWeight' in s) return { kind: 'setWeight', weight: s.setWeight, ...irreversible };
    if ('pause' in s) return { kind: 'pause', ...(s.pause.duration !== undefined ? { durationMs: durationMs(s.pause.duration) } : {}), ...irreversible };
    if ('analysis' in s) return { kind: 'analysis', templates: s.analysis.templates, ...irreversible };
    return { kind: 'setCanaryScale', ...s.setCanaryScale, ...irreversible };
  });
}

/** The steps a release of `strategy` runs, ending with the new version as the only one serving. */
export function compileSteps(appCfg: AppReleaseConfig, strategy: StrategyName): Step[] {
  if (strategy === 'canary') {
    const steps = appCfg.strategy.canary?.steps ?? [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }];
    return [...canarySteps(steps), { kind: 'promote' }];
  }
  if (strategy === 'blueGreen') {
    const bg = appCfg.strategy.blueGreen ?? { autoPromote: false, scaleDownDelay: '30s' as const };
    const steps: Step[] = [{ kind: 'preview' }];
    if (bg.prePromotionAnalysis) steps.push({ kind: 'analysis', templates: bg.prePromotionAnalysis.templates });
    if (!bg.autoPromote) steps.push({ kind: 'pause' });
    steps.push({ kind: 'switch' });
    if (bg.postPromotionAnalysis) steps.push({ kind: 'analysis', templates: bg.postPromotionAnalysis.templates });
    steps.push({ kind: 'scaleDownOld', delayMs: durationMs(bg.scaleDownDelay) });
    return steps;
  }
  const gray = appCfg.strategy.gray!;
  const steps: Step[] = [{ kind: 'setCohorts' }];
  if (gray.cohortPause) steps.push({ kind: 'pause', ...(gray.cohortPause.duration !== undefined ? { durationMs: durationMs(gray.cohortPause.duration) } : {}) });
  if (gray.analysis) steps.push({ kind: 'analysis', templates: gray.analysis.templates });
  return [...steps, ...canarySteps(gray.ramp), { kind: 'promote' }];
}

/** Weights a replica count can express when traffic follows replicas (service router). */
export function reachableWeights(replicas: number): number[] {
  return Array.from({ length: replicas + 1 }, (_, c) => Math.round((c * 10000) / replicas) / 100);
}

export interface ReplicaCheck {
  ok: boolean;
  /** Replicas to run with (the configured count, or the smallest count that reaches every weight). */
  replicas: number;
  unreachable: { stepIndex: number; weight: number; nearest: number }[];
  message: string;
}

/**
 * Before a service-router canary starts: can `replicas` pods express every setWeight exactly?
 * If not, either refuse (naming the step, the weight it would really get and the fix) or,
 * with scaleUp, run with the smallest replica count that can.
 */
export function checkReplicaWeights(steps: Step[], replicas: number, scaleUp: boolean): ReplicaCheck {
  const weights = steps.flatMap((s, i) => (s.kind === 'setWeight' ? [{ stepIndex: i, weight: s.weight }] : []));
  const fits = (n: number, w: number) => Number.isInteger((w * n) / 100);
  const unreachable = weights
    .filter((w) => !fits(replicas, w.weight))
    .map((w) => ({ ...w, nearest: (Math.round((w.weight * replicas) / 100) * 100) / replicas }));
  if (!unreachable.length) return { ok: true, replicas, unreachable, message: `${replicas} replicas reach every step weight` };
  let needed = replicas;
  while (!weights.every((w) => fits(needed, w.weight))) needed++;
  const list = unreachable.map((u) => `step ${u.stepIndex + 1} setWeight ${u.weight}% would really get ${round(u.nearest)}%`).join('; ');
  const reach = reachableWeights(replicas).map(round).join(', ');
  if (scaleUp) {
    return { ok: true, replicas: needed, unreachable, message: `scaling to ${needed} replicas: ${replicas} can only reach ${reach}% (${list})` };
  }
  return {
    ok: false,
    replicas,
    unreachable,
    message: `the service router sends traffic by replica count and ${replicas} replicas can only reach ${reach}%: ${list}`,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
