// resumeAnalysis: continue from stored measurements, keep the interval, stop at a deadline.
import { describe, expect, it } from 'vitest';
import { resumeAnalysis } from '../../../pipeline/release/analysis.js';
import { AnalysisTemplate } from '../../../pipeline/config/release.js';
import type { Measurement } from '../../../pipeline/release/types.js';

const template = AnalysisTemplate.parse({ interval: '1s', count: 4, prometheus: { address: 'http://p', query: 'q', successCondition: 'result < 0.05' } });
const ok = (at: number): Measurement => ({ at: new Date(at).toISOString(), outcome: 'Successful', value: 0 });

function ctx(slept: number[], queries: { n: number }) {
  return {
    app: 'web',
    namespace: 'shop',
    canaryTrack: 'canary',
    stableTrack: 'stable',
    cluster: undefined as never,
    env: {},
    metrics: { query: () => (queries.n++, Promise.resolve({ value: 0.01, series: 1 })) },
    sleep: (ms: number) => (slept.push(ms), Promise.resolve()),
  };
}

describe('resumeAnalysis', () => {
  it('takes only the missing measurements, the first one `interval` after the last stored one', async () => {
    const slept: number[] = [];
    const q = { n: 0 };
    const persisted: number[] = [];
    const now = Date.now();
    const rec = await resumeAnalysis('e', template, ctx(slept, q), { stepIndex: 2, attempt: 0 }, { previous: [ok(now - 3000), ok(now - 400)], persist: (ms) => (persisted.push(ms.length), Promise.resolve()) });
    expect(rec).toMatchObject({ outcome: 'Successful', stepIndex: 2, template: 'e' });
    expect(rec!.measurements).toHaveLength(4);
    expect(q.n).toBe(2);
    // ~600 ms left of the interval since the stored measurement taken 400 ms ago.
    expect(slept[0]).toBeGreaterThan(500);
    expect(slept[0]).toBeLessThanOrEqual(600);
    // Progress saved after the 3rd; the 4th decides, and the verdict is written by the caller.
    expect(persisted).toEqual([3]);
  });

  it('a complete stored series is judged without measuring again', async () => {
    const q = { n: 0 };
    const rec = await resumeAnalysis('e', template, ctx([], q), { stepIndex: 0, attempt: 0 }, { previous: [1, 2, 3, 4].map((i) => ok(Date.now() - i * 1000)) });
    expect(rec?.outcome).toBe('Successful');
    expect(q.n).toBe(0);
  });

  it('returns undefined when the next measurement is due after the deadline', async () => {
    const q = { n: 0 };
    const rec = await resumeAnalysis('e', template, ctx([], q), { stepIndex: 0, attempt: 0 }, { previous: [ok(Date.now())], deadline: Date.now() + 200 });
    expect(rec).toBeUndefined();
    expect(q.n).toBe(0);
  });

  it('stops on an aborted signal before measuring', async () => {
    const q = { n: 0 };
    const c = new AbortController();
    c.abort();
    await expect(resumeAnalysis('e', template, ctx([], q), { stepIndex: 0, attempt: 0 }, { signal: c.signal })).rejects.toThrow(/aborted/);
    expect(q.n).toBe(0);
  });
});
