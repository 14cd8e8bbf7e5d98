// A runner killed (or timed out) in the middle of an analysis: the measurements it took are
// in the release state in the cluster, and the next run continues counting from there.
// Runs on the simulator and, opt-in, on a real cluster (the Kubernetes-health provider
// needs no traffic).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continueRelease, releaseStatus, startRelease } from '../../../pipeline/release/index.js';
import { readState } from '../../../pipeline/release/state.js';
import { NS, baseOptions, getObj, img, releaseConfig, startHarness, type DeploymentShape, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const INTERVAL_MS = 1000; // the `pods-slow` template: count 5, interval 1s

describe('analysis progress survives the runner', () => {
  it('killed after 2 measurements, cut by a timeout after more, finished by a third run: exactly `count` measurements, `interval` apart', async () => {
    const config = releaseConfig({
      measured: { replicas: 2, router: { istio: {} }, strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: ['pods-slow'] } }, { setWeight: 100 }] } } },
    });
    const opts = baseOptions(h, config, 'measured');
    expect(await startRelease({ ...opts, image: img('measured:1') })).toMatchObject({ phase: 'Completed' });

    // Run 1: "killed" (its signal aborted) once two measurements are stored in the cluster.
    const kill = new AbortController();
    const run1 = startRelease({ ...opts, image: img('measured:2'), signal: kill.signal }).then(
      () => 'finished',
      (e: unknown) => (e as Error).name,
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { state } = await readState(h.observer, NS, 'measured');
      if ((state?.analysisProgress?.measurements.length ?? 0) >= 2) break;
      if (Date.now() > deadline) throw new Error('the analysis never got to 2 measurements');
      await new Promise((r) => setTimeout(r, 50));
    }
    kill.abort();
    expect(await run1).toBe('AbortError');
    const afterKill = (await readState(h.observer, NS, 'measured')).state!;
    expect(afterKill.phase).toBe('Progressing');
    const saved = afterKill.analysisProgress!;
    expect(saved).toMatchObject({ stepIndex: 1, attempt: 0, template: 'pods-slow' });
    expect(saved.measurements).toHaveLength(2);

    // Run 2: a short timeout stops it mid-analysis (exit 4), having added to the stored count.
    const run2 = await continueRelease({ ...opts, timeoutMs: 1500 });
    expect(run2).toMatchObject({ phase: 'Progressing', timedOut: true, exitCode: 4 });
    expect(run2.message).toMatch(/^analysis pods-slow: [34] of 5 measurement\(s\) taken; the next run continues from there$/);
    const afterTimeout = (await readState(h.observer, NS, 'measured')).state!.analysisProgress!;
    expect(afterTimeout.measurements.length).toBeGreaterThan(2);
    expect(afterTimeout.measurements.slice(0, 2)).toEqual(saved.measurements);
    expect(await releaseStatus(opts)).toMatchObject({ phase: 'Progressing', analysisInProgress: { template: 'pods-slow', stepIndex: 1, taken: afterTimeout.measurements.length, count: 5 } });

    // Run 3 finishes it.
    const done = await continueRelease(opts);
    expect(done).toMatchObject({ phase: 'Completed', exitCode: 0 });
    const records = done.analysis.filter((r) => r.template === 'pods-slow');
    expect(records).toHaveLength(1);
    const ms = records[0]!.measurements;
    expect(records[0]).toMatchObject({ outcome: 'Successful', stepIndex: 1 });
    // Not more than `count` across three runners, and the earlier runs' measurements kept.
    expect(ms).toHaveLength(5);
    expect(ms.slice(0, afterTimeout.measurements.length)).toEqual(afterTimeout.measurements);
    const times = ms.map((m) => Date.parse(m.at));
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!, `gap before measurement ${i + 1}`).toBeGreaterThanOrEqual(INTERVAL_MS - 5);
    expect((await readState(h.observer, NS, 'measured')).state!.analysisProgress).toBeUndefined();
    expect((await getObj<DeploymentShape>(h, 'apps/v1', 'Deployment', 'measured-stable')).spec.template.spec.containers[0]!.image).toBe(img('measured:2'));
  });
});
