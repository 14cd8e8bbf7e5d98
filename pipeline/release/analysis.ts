// Analysis: measure the new version with a provider (Prometheus, an HTTP check, Kubernetes
// health) `count` times, `interval` apart, and judge. Judging is pure; measuring does I/O
// through the MetricsSource and Cluster ports.
import { durationMs } from '../config/common.js';
import type { AnalysisTemplate } from '../config/release.js';
import type { Cluster } from '../core/cluster.js';
import type { MetricsSource } from './ports.js';
import { DeploymentReadModel, PodReadModel, readModel } from './read-models.js';
import { LABEL_APP, LABEL_TRACK } from './render.js';
import type { AnalysisRecord, Measurement, MeasurementOutcome } from './types.js';

// ---- success conditions -------------------------------------------------------------

type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

/**
 * Evaluate a condition like "result < 0.05" or "result >= 0.99 && result <= 1" without
 * eval: comparisons of `result` with numbers, joined by && or ||.
 */
export function evaluateCondition(condition: string, result: number): boolean {
  const orParts = condition.split('||');
  return orParts.some((part) =>
    part.split('&&').every((cmp) => {
      const m = /^\s*(result|-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(<=|>=|==|!=|<|>)\s*(result|-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/.exec(cmp);
      if (!m) throw new Error(`cannot read condition "${cmp.trim()}": write comparisons like "result < 0.05"`);
      const a = m[1] === 'result' ? result : Number(m[1]);
      const b = m[3] === 'result' ? result : Number(m[3]);
      return compare(a, m[2] as Op, b);
    }),
  );
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

// ---- judging ---------------------------------------------------------------------------

export interface Verdict {
  /** undefined while more measurements are needed. */
  outcome: MeasurementOutcome | undefined;
  message: string;
}

/**
 * Judge the measurements so far. Failed as soon as failures exceed failureLimit (no need
 * to keep sending traffic to a bad version); Inconclusive when inconclusive ones exceed
 * inconclusiveLimit; Successful after `count` measurements with at least one success;
 * Inconclusive when none succeeded.
 */
export function judge(measurements: Measurement[], t: Pick<AnalysisTemplate, 'count' | 'failureLimit' | 'inconclusiveLimit'>): Verdict {
  const failed = measurements.filter((m) => m.outcome === 'Failed').length;
  const inconclusive = measurements.filter((m) => m.outcome === 'Inconclusive').length;
  const summary = `${measurements.length - failed - inconclusive} ok, ${failed} failed, ${inconclusive} inconclusive of ${t.count}`;
  if (failed > t.failureLimit) {
    const last = [...measurements].reverse().find((m) => m.outcome === 'Failed');
    return { outcome: 'Failed', message: `${summary} (failureLimit ${t.failureLimit})${last?.message ? `: ${last.message}` : ''}` };
  }
  if (inconclusive > t.inconclusiveLimit) {
    const last = [...measurements].reverse().find((m) => m.outcome === 'Inconclusive');
    return { outcome: 'Inconclusive', message: `${summary} (inconclusiveLimit ${t.inconclusiveLimit})${last?.message ? `: ${last.message}` : ''}` };
  }
  if (measurements.length >= t.count) {
    // No successful measurement at all is no evidence that the new version is healthy (a
    // query that returned no data every time must not promote it): hand it to a human.
    if (measurements.length - failed - inconclusive === 0) {
      return { outcome: 'Inconclusive', message: `${summary}: no measurement succeeded, so there is no evidence the new version is healthy` };
    }
    return { outcome: 'Successful', message: summary };
  }
  return { outcome: undefined, message: summary };
}

// ---- measuring ----------------------------------------------------------------------------

export interface AnalysisContext {
  app: string;
  namespace: string;
  canaryTrack: string;
  stableTrack: string;
  cluster: Cluster;
  metrics?: MetricsSource | ((address: string) => MetricsSource);
  env: NodeJS.ProcessEnv;
  /** Override every template's interval (tests, benchmarks). */
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Each HTTP check request's limit (timeouts.http, default 10s). */
  httpTimeoutMs?: number;
}

export function templateVars(ctx: AnalysisContext): Record<string, string> {
  return {
    app: ctx.app,
    namespace: ctx.namespace,
    canary: `${ctx.app}-${ctx.canaryTrack}`,
    stable: `${ctx.app}-${ctx.stableTrack}`,
  };
}

function fill(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name: string) => vars[name] ?? all);
}

export async function measure(t: AnalysisTemplate, ctx: AnalysisContext): Promise<Measurement> {
  const at = new Date().toISOString();
  try {
    if (t.prometheus) return { at, ...(await measurePrometheus(t.prometheus, ctx)) };
    if (t.http) return { at, ...(await measureHttp(t.http, ctx)) };
    return { at, ...(await measureKubernetes(t.kubernetes!, ctx)) };
  } catch (e) {
    // A provider that cannot answer is not evidence against the new version: inconclusive.
    return { at, outcome: 'Inconclusive', message: (e as Error).message };
  }
}

async function measurePrometheus(p: NonNullable<AnalysisTemplate['prometheus']>, ctx: AnalysisContext): Promise<Omit<Measurement, 'at'>> {
  const address = p.address ?? (p.addressEnv ? ctx.env[p.addressEnv] : undefined);
  let source: MetricsSource | undefined;
  if (typeof ctx.metrics === 'function') {
    if (!address) throw new Error(`no Prometheus address: set prometheus.address or the env var ${p.addressEnv ?? '(addressEnv)'}`);
    source = ctx.metrics(address);
  } else source = ctx.metrics;
  if (!source) throw new Error('no Prometheus configured for this analysis');
  const vars = templateVars(ctx);
  if (p.sampleQuery && p.minSamples > 0) {
    const samples = await source.query(fill(p.sampleQuery, vars));
    const n = samples.value ?? 0;
    if (!(n >= p.minSamples)) return { outcome: 'Inconclusive', value: n, message: `only ${fmt(n)} samples, need ${p.minSamples}` };
  }
  const r = await source.query(fill(p.query, vars));
  if (r.value === undefined || Number.isNaN(r.value)) return { outcome: 'Inconclusive', message: 'query returned no data' };
  const ok = evaluateCondition(p.successCondition, r.value);
  return { outcome: ok ? 'Successful' : 'Failed', value: r.value, message: `${fmt(r.value)} ${ok ? 'meets' : 'breaks'} "${p.successCondition}"` };
}

async function measureHttp(h: NonNullable<AnalysisTemplate['http']>, ctx: AnalysisContext): Promise<Omit<Measurement, 'at'>> {
  const url = fill(h.url, templateVars(ctx));
  const ms = ctx.httpTimeoutMs ?? 10_000;
  const deadline = AbortSignal.timeout(ms);
  let res: Response;
  let text: string;
  try {
    res = await (ctx.fetch ?? fetch)(url, { signal: deadline });
    text = await res.text();
  } catch (e) {
    if (deadline.aborted) throw new Error(`HTTP check ${url}: no answer within ${ms / 1000}s (timeouts.http)`, { cause: e });
    throw new Error(`HTTP check ${url}: ${(e as Error).message}`, { cause: e });
  }
  if (res.status !== h.status) return { outcome: 'Failed', value: res.status, message: `${url} answered ${res.status}, expected ${h.status}` };
  if (h.jsonPath === undefined) return { outcome: 'Successful', value: res.status, message: `${url} answered ${res.status}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const got = h.jsonPath.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), body);
  if (got === undefined) return { outcome: 'Failed', message: `${url}: no field ${h.jsonPath} in the response` };
  const shown = typeof got === 'object' ? JSON.stringify(got) : String(got as string | number | boolean);
  if (h.expected !== undefined && shown !== String(h.expected)) return { outcome: 'Failed', message: `${url}: ${h.jsonPath} is ${JSON.stringify(got)}, expected ${JSON.stringify(h.expected)}` };
  return { outcome: 'Successful', message: `${url}: ${h.jsonPath} = ${JSON.stringify(got)}` };
}

async function measureKubernetes(k: NonNullable<AnalysisTemplate['kubernetes']>, ctx: AnalysisContext): Promise<Omit<Measurement, 'at'>> {
  const name = `${ctx.app}-${ctx.canaryTrack}`;
  const found = await ctx.cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ctx.namespace, name });
  if (!found) return { outcome: 'Failed', message: `Deployment ${name} does not exist` };
  const d = readModel(DeploymentReadModel, found);
  const pods = (await ctx.cluster.list('v1', 'Pod', ctx.namespace, `${LABEL_APP}=${ctx.app},${LABEL_TRACK}=${ctx.canaryTrack}`)).map((p) => readModel(PodReadModel, p));
  const statuses = pods.flatMap((p) => p.status?.containerStatuses ?? []);
  const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
  if (statuses.some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff')) return { outcome: 'Failed', value: restarts, message: `${name} has pods in CrashLoopBackOff` };
  if (restarts > k.maxRestarts) return { outcome: 'Failed', value: restarts, message: `${name} restarted ${restarts} times (maxRestarts ${k.maxRestarts})` };
  const want = d.spec?.replicas ?? 0;
  const ready = d.status?.readyReplicas ?? 0;
  if (ready < want) return { outcome: 'Failed', value: ready, message: `${name} has ${ready}/${want} ready replicas` };
  return { outcome: 'Successful', value: ready, message: `${name}: ${ready}/${want} ready, ${restarts} restarts` };
}

/** How a run of an analysis continues earlier work and keeps its own. */
export interface AnalysisRun {
  /** Measurements an earlier (killed or timed-out) run already took for this analysis. */
  previous?: Measurement[];
  /** Called after every measurement that does not decide the verdict, to store progress. */
  persist?: (measurements: Measurement[]) => Promise<void>;
  signal?: AbortSignal;
  /** Epoch ms: do not wait for a measurement due after this; return undefined instead. */
  deadline?: number;
}

/** Run one template to a verdict: measure, judge, sleep `interval`, until decided. */
export async function runAnalysis(
  name: string,
  t: AnalysisTemplate,
  ctx: AnalysisContext,
  where: { stepIndex: number; attempt: number },
  onMeasurement?: (m: Measurement) => void,
): Promise<AnalysisRecord> {
  return (await resumeAnalysis(name, t, ctx, where, {}, onMeasurement))!;
}

/**
 * Like runAnalysis, starting from `run.previous`: the next measurement is due `interval`
 * after the last one taken (by whichever runner took it), so a resumed analysis neither
 * repeats measurements nor takes them closer together than configured. Undefined when the
 * deadline comes before the verdict (the progress is stored; the next run continues).
 */
export async function resumeAnalysis(
  name: string,
  t: AnalysisTemplate,
  ctx: AnalysisContext,
  where: { stepIndex: number; attempt: number },
  run: AnalysisRun,
  onMeasurement?: (m: Measurement) => void,
): Promise<AnalysisRecord | undefined> {
  const interval = ctx.intervalMs ?? durationMs(t.interval);
  const sleep = ctx.sleep ?? ((ms: number) => abortableSleep(ms, run.signal));
  const measurements: Measurement[] = [...(run.previous ?? [])];
  for (;;) {
    if (measurements.length) {
      const v = judge(measurements, t);
      if (v.outcome) return { ...where, template: name, outcome: v.outcome, measurements, message: v.message };
      const last = Date.parse(measurements.at(-1)!.at);
      const wait = Number.isFinite(last) ? Math.max(0, last + interval - Date.now()) : interval;
      if (run.deadline !== undefined && Date.now() + wait > run.deadline) return undefined;
      await sleep(wait);
    }
    run.signal?.throwIfAborted();
    const m = await measure(t, ctx);
    measurements.push(m);
    onMeasurement?.(m);
    if (!judge(measurements, t).outcome) await run.persist?.(measurements);
  }
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(4);
}
