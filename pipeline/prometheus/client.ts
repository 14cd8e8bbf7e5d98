// The release stage's MetricsSource port (release/ports.ts) over the Prometheus HTTP API (/api/v1/query), with fetch.
// Errors are translated here, once.
import { ServiceError, TimedOutError } from '../core/errors.js';
import type { MetricsSample, MetricsSource } from '../release/ports.js';

interface PromResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  data?: { resultType: 'vector' | 'scalar' | 'matrix' | 'string'; result: unknown };
}

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
      let body: PromResponse;
      try {
        body = (await res.json()) as PromResponse;
      } catch (e) {
        if (deadline.aborted) throw stalled(e);
        throw new ServiceError('prometheus', `${base} answered HTTP ${res.status} without a JSON body`, { cause: e });
      }
      if (body.status !== 'success' || !body.data) {
        throw new ServiceError('prometheus', `query failed (${body.errorType ?? res.status}): ${body.error ?? 'unknown error'}`, {
          hint: 'fix the PromQL in the analysis template',
        });
      }
      return sampleOf(body.data);
    },
  };
}

export function sampleOf(data: NonNullable<PromResponse['data']>): MetricsSample {
  if (data.resultType === 'scalar') {
    const [, v] = data.result as [number, string];
    return { value: Number(v), series: 1 };
  }
  if (data.resultType === 'vector') {
    const result = data.result as { value: [number, string] }[];
    const first = result[0];
    return { value: first ? Number(first.value[1]) : undefined, series: result.length };
  }
  throw new ServiceError('prometheus', `expected a scalar or an instant vector, got a ${data.resultType}`, {
    hint: 'analysis queries must be instant queries that return one number (wrap them in sum(...))',
  });
}
