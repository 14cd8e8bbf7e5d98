// The Prometheus adapter parses query responses through one schema (pipeline/prometheus/schema.ts):
// against a real Prometheus every result type reads as the analysis needs it, and against an
// HTTP server at the port that answers malformed bodies each is a clear error naming the
// address and the field, which the analysis records as an inconclusive measurement (as it does
// for a stalled provider), never a crash or a made-up number.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../../../pipeline/core/errors.js';
import { AnalysisTemplate } from '../../../pipeline/config/release.js';
import { prometheusSource } from '../../../pipeline/prometheus/client.js';
import { measure } from '../../../pipeline/release/analysis.js';
import { startPrometheus, type RunningPrometheus } from '../../support/prometheus.js';

let prom: RunningPrometheus;
let fake: Server;
let fakeUrl: string;
/** What the fake answers next: status and raw body. */
let answer: { status: number; body: string } = { status: 200, body: '{}' };

beforeAll(async () => {
  fake = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  const addr = fake.address();
  fakeUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  prom = await startPrometheus();
});
afterAll(async () => {
  await prom?.stop();
  await new Promise((r) => fake?.close(r));
});

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error('the query succeeded');
}

describe('Prometheus query responses on a real Prometheus', () => {
  it('reads scalars, instant vectors, empty vectors and the special values', async () => {
    const source = prometheusSource(prom.url);
    expect(await source.query('vector(0.25)')).toEqual({ value: 0.25, series: 1 });
    expect(await source.query('scalar(vector(3))')).toEqual({ value: 3, series: 1 });
    expect(await source.query('up{job="nothing-here"}')).toEqual({ value: undefined, series: 0 });
    expect(await source.query('vector(1) / vector(0)')).toEqual({ value: Number.POSITIVE_INFINITY, series: 1 });
    expect(await source.query('-Inf')).toEqual({ value: Number.NEGATIVE_INFINITY, series: 1 });
    expect((await source.query('NaN')).value).toBeNaN();
  });

  it('a +Inf answer (e.g. a quantile above the highest bucket) breaks the condition: Failed, not "no data"', async () => {
    const t = AnalysisTemplate.parse({ count: 1, prometheus: { address: prom.url, query: 'vector(1) / vector(0)', successCondition: 'result < 0.5' } });
    const m = await measure(t, { app: 'web', namespace: 'default', canaryTrack: 'canary', stableTrack: 'stable', cluster: undefined as never, env: {}, metrics: (a) => prometheusSource(a) });
    expect(m.outcome).toBe('Failed');
    expect(m.value).toBe(Number.POSITIVE_INFINITY);
  });

  it('a range vector or a string is refused as not one number; a PromQL error names its type', async () => {
    const source = prometheusSource(prom.url);
    expect((await failure(source.query('vector(1)[1m:10s]'))).message).toBe('prometheus: expected a scalar or an instant vector, got a matrix');
    expect((await failure(source.query('"text"'))).message).toBe('prometheus: expected a scalar or an instant vector, got a string');
    expect((await failure(source.query('sum(rate(x[1m]'))).message).toMatch(/^prometheus: query failed \(bad_data\): /);
  });
});

describe('malformed query responses from a server at the port', () => {
  const cases: { name: string; status?: number; body: unknown; says: string }[] = [
    { name: 'another API', body: { message: 'ok' }, says: 'status: ' },
    { name: 'a success without data', body: { status: 'success' }, says: 'data: ' },
    { name: 'an unknown result type', body: { status: 'success', data: { resultType: 'table', result: [] } }, says: 'data.resultType: ' },
    { name: 'a vector sample without value', body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {} }] } }, says: 'data.result.0.value: ' },
    { name: 'a number that is not a number', body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'fast'] }] } }, says: 'data.result.0.value.1: "fast" is not a sample value' },
    { name: 'a value sent as a JSON number', body: { status: 'success', data: { resultType: 'scalar', result: [1, 0.5] } }, says: 'data.result.1: ' },
    { name: 'a proxy error page as JSON', status: 502, body: ['bad gateway'], says: '(top level): ' },
  ];
  for (const c of cases) {
    it(`${c.name}: a ServiceError naming the address and the field; the measurement is inconclusive with it`, async () => {
      answer = { status: c.status ?? 200, body: JSON.stringify(c.body) };
      const e = await failure(prometheusSource(fakeUrl).query('up'));
      const expected = `prometheus: ${fakeUrl} answered HTTP ${c.status ?? 200} with a body that is not a Prometheus query response: ${c.says}`;
      expect(e.message.startsWith(expected), e.message).toBe(true);
      expect(e.hint).toMatch(/Prometheus server itself/);
      const t = AnalysisTemplate.parse({ count: 1, prometheus: { address: fakeUrl, query: 'up' } });
      const m = await measure(t, { app: 'web', namespace: 'default', canaryTrack: 'canary', stableTrack: 'stable', cluster: undefined as never, env: {}, metrics: (a) => prometheusSource(a) });
      expect(m).toEqual({ at: m.at, outcome: 'Inconclusive', message: e.message });
    });
  }

  it('a body that is not JSON keeps its own message', async () => {
    answer = { status: 200, body: '<html>login</html>' };
    expect((await failure(prometheusSource(fakeUrl).query('up'))).message).toBe(`prometheus: ${fakeUrl} answered HTTP 200 without a JSON body`);
  });
});
