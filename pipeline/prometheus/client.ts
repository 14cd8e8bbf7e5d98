// The release stage's MetricsSource port (release/ports.ts) over the Prometheus HTTP API (/api/v1/query), with fetch.
// Errors are translated here, once.
import { ServiceError, TimedOutError } from '../core/errors.js';
import type { MetricsSample, MetricsSource } from '../release/ports.js';
import { PromQueryResponse, type PromQueryData } from './schema.js';

/** Default timeouts.prometheus. */
export const PROMETHEUS_TIMEOUT_MS = 10_000;

export function prometheusSource(address: string, opts: { timeoutMs?: number } = {}): MetricsSource {
  const base = address.replace(/\/+$/, '');
  return {
    async query(promql) {
      const url = `${base}/api/v1/query?query=${encodeURIComponent(promql)}`;
      const ms = opts.timeoutMs ?? PROMETHEUS_TIMEOUT_MS;
      const deadline = AbortSignal.timeout(ms);
      const stalled = (cause: unknown) =>
        new TimedOutError(`prometheus: ${base} gave no answer within ${ms / 1000}s`, { hint: 'check that Prometheus is up, or raise timeouts.prometheus', cause });
      let res: Response;
      try {
        res = await fetch(url, { signal: deadline });
      } catch (e) {
        if (deadline.aborted) throw stalled(e);
        throw new ServiceError('prometheus', `cannot reach ${base}: ${(e as Error).message}`, { hint: 'check the analysis template address', cause: e });
      }
      let json: unknown;
      try {
        json = await res.json();
      } catch (e) {
        if (deadline.aborted) throw stalled(e);
        throw new ServiceError('prometheus', `${base} answered HTTP ${res.status} without a JSON body`, { cause: e });
      }
      const parsed = PromQueryResponse.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new ServiceError('prometheus', `${base} answered HTTP ${res.status} with a body that is not a Prometheus query response: ${issue.path.join('.') || '(top level)'}: ${issue.message}`, {
          hint: 'point the analysis template at the Prometheus server itself (the base of its /api/v1/query), not at a proxy page or another API',
        });
      }
      const body = parsed.data;
      if (body.status !== 'success') {
        throw new ServiceError('prometheus', `query failed (${body.errorType ?? res.status}): ${body.error ?? 'unknown error'}`, {
          hint: 'fix the PromQL in the analysis template',
        });
      }
      return sampleOf(body.data);
    },
  };
}

export function sampleOf(data: PromQueryData): MetricsSample {
  if (data.resultType === 'scalar') return { value: data.result[1], series: 1 };
  if (data.resultType === 'vector') {
    const first = data.result[0];
    return { value: first ? first.value[1] : undefined, series: data.result.length };
  }
  throw new ServiceError('prometheus', `expected a scalar or an instant vector, got a ${data.resultType}`, {
    hint: 'analysis queries must be instant queries that return one number (wrap them in sum(...))',
  });
}
