import { describe, expect, it } from 'vitest';
import { evaluateCondition, judge, runAnalysis } from '../../../pipeline/release/analysis.js';
import { AnalysisTemplate } from '../../../pipeline/config/release.js';
import type { MetricsSource } from '../../../pipeline/release/ports.js';
import type { Measurement } from '../../../pipeline/release/types.js';

const m = (outcome: Measurement['outcome']): Measurement => ({ at: 'x', outcome });

describe('success conditions', () => {
  it('compares result with numbers, with && and ||', () => {
    expect(evaluateCondition('result < 0.05', 0.01)).toBe(true);
    expect(evaluateCondition('result < 0.05', 0.3)).toBe(false);
    expect(evaluateCondition('result >= 0.99 && result <= 1', 0.995)).toBe(true);
    expect(evaluateCondition('result == 0 || result > 10', 11)).toBe(true);
    expect(() => evaluateCondition('process.exit(1)', 1)).toThrow(/cannot read condition/);
  });
});

describe('judge', () => {
  const t = { count: 3, failureLimit: 1, inconclusiveLimit: 0 };
  it('needs count measurements to succeed', () => {
    expect(judge([m('Successful')], t).outcome).toBeUndefined();
    expect(judge([m('Successful'), m('Successful'), m('Successful')], t).outcome).toBe('Successful');
  });
  it('fails as soon as failures exceed failureLimit', () => {
    expect(judge([m('Failed')], t).outcome).toBeUndefined();
    expect(judge([m('Failed'), m('Failed')], t)).toMatchObject({ outcome: 'Failed', message: '0 ok, 2 failed, 0 inconclusive of 3 (failureLimit 1)' });
  });
  it('is inconclusive, never successful, when no measurement succeeded within the limits', () => {
    const lenient = { count: 3, failureLimit: 1, inconclusiveLimit: 3 };
    expect(judge([m('Inconclusive'), m('Inconclusive'), m('Inconclusive')], lenient)).toMatchObject({ outcome: 'Inconclusive', message: expect.stringMatching(/no measurement succeeded/) });
    expect(judge([m('Inconclusive'), m('Failed'), m('Inconclusive')], lenient).outcome).toBe('Inconclusive');
    expect(judge([m('Inconclusive'), m('Successful'), m('Inconclusive')], lenient).outcome).toBe('Successful');
  });

  it('is inconclusive when inconclusive measurements exceed the limit', () => {
    expect(judge([m('Successful'), m('Inconclusive')], t).outcome).toBe('Inconclusive');
  });
});

describe('runAnalysis with a MetricsSource', () => {
  const series = (values: (number | undefined)[]): MetricsSource => {
    let i = 0;
    return { query: (q) => Promise.resolve(q.startsWith('samples') ? { value: 100, series: 1 } : { value: values[i++], series: 1 }) };
  };
  const template = (extra: Record<string, unknown> = {}) =>
    AnalysisTemplate.parse({ interval: '1ms', count: 3, prometheus: { address: 'http://p', query: 'errors{d="${canary}"}', successCondition: 'result < 0.05', ...extra } });
  const ctx = (metrics: MetricsSource) => ({ app: 'web', namespace: 'shop', canaryTrack: 'canary', stableTrack: 'stable', cluster: undefined as never, metrics, env: {}, intervalMs: 1 });

  it('succeeds on good values and fails early on a bad one', async () => {
    expect((await runAnalysis('e', template(), ctx(series([0.01, 0.02, 0.01])), { stepIndex: 0, attempt: 0 })).outcome).toBe('Successful');
    const bad = await runAnalysis('e', template(), ctx(series([0.3, 0.3, 0.3])), { stepIndex: 0, attempt: 0 });
    expect(bad).toMatchObject({ outcome: 'Failed', template: 'e' });
    expect(bad.measurements).toHaveLength(1);
    expect(bad.measurements[0]!.message).toBe('0.3000 breaks "result < 0.05"');
  });

  it('is inconclusive with no data or too few samples', async () => {
    expect((await runAnalysis('e', template(), ctx(series([undefined])), { stepIndex: 0, attempt: 0 })).outcome).toBe('Inconclusive');
    const few = await runAnalysis('e', template({ sampleQuery: 'samples', minSamples: 500 }), ctx(series([0.01])), { stepIndex: 0, attempt: 0 });
    expect(few).toMatchObject({ outcome: 'Inconclusive' });
    expect(few.measurements[0]!.message).toBe('only 100 samples, need 500');
  });

  it('substitutes ${canary} in the query', async () => {
    const seen: string[] = [];
    await runAnalysis('e', template(), ctx({ query: (q) => (seen.push(q), Promise.resolve({ value: 0, series: 1 })) }), { stepIndex: 0, attempt: 0 });
    expect(seen[0]).toBe('errors{d="web-canary"}');
  });
});

describe('runAnalysis with the http provider (a real local HTTP server)', () => {
  it('checks the status and a JSON field', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ checks: { db: 'ok' } }));
      else if (req.url === '/degraded') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ checks: { db: 'down' } }));
      else res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const ctx = { app: 'web', namespace: 'shop', canaryTrack: 'canary', stableTrack: 'stable', cluster: undefined as never, env: {}, intervalMs: 1 };
    const t = (path: string) => AnalysisTemplate.parse({ count: 1, http: { url: `http://127.0.0.1:${port}${path}`, status: 200, jsonPath: 'checks.db', expected: 'ok' } });
    try {
      expect(await runAnalysis('h', t('/healthz'), ctx, { stepIndex: 0, attempt: 0 })).toMatchObject({ outcome: 'Successful' });
      const degraded = await runAnalysis('h', t('/degraded'), ctx, { stepIndex: 0, attempt: 0 });
      expect(degraded.measurements[0]!.message).toBe(`http://127.0.0.1:${port}/degraded: checks.db is "down", expected "ok"`);
      expect(degraded.outcome).toBe('Failed');
      expect((await runAnalysis('h', t('/missing'), ctx, { stepIndex: 0, attempt: 0 })).measurements[0]!.message).toMatch(/answered 503, expected 200/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
