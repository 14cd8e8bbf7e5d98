import { describe, expect, it } from 'vitest';
import { StepTracker, isBuilderNoise, stripAnsi, watchdog } from '../../../pipeline/build/progress.js';
import { TimedOutError } from '../../../pipeline/core/errors.js';

describe('StepTracker', () => {
  it('follows Step N/M lines across chunk boundaries and keeps each step’s tail', () => {
    const t = new StepTracker();
    const lines = [...t.feed('Step 1/2 : FROM scratch\n ---> \nStep 2/2 : RUN ma'), ...t.feed('ke\nout-1\n\u001b[91merr-2\u001b[0m\n')];
    expect(lines.filter((l) => l.step).map((l) => l.step!.index)).toEqual([1, 2]);
    expect(t.current).toMatchObject({ index: 2, total: 2, instruction: 'RUN make', tail: ['out-1', 'err-2'] });
    expect(t.describe()).toBe('step 2/2 (RUN make)');
  });
  it('knows builder noise from step output', () => {
    expect(isBuilderNoise(' ---> Running in 0123456789ab')).toBe(true);
    expect(isBuilderNoise('Removing intermediate container 0123456789ab')).toBe(true);
    expect(isBuilderNoise(' ---> ')).toBe(true);
    expect(isBuilderNoise('compiling')).toBe(false);
    expect(stripAnsi('\u001b[91mred\u001b[0m')).toBe('red');
  });
});

describe('watchdog', () => {
  it('passes events through and fails with TimedOutError when the stream stalls, aborting the request', async () => {
    const controller = new AbortController();
    async function* slow() {
      yield 1;
      await new Promise((r) => setTimeout(r, 5_000));
      yield 2;
    }
    const seen: number[] = [];
    const run = async () => {
      for await (const v of watchdog(slow(), 100, controller, () => 'during step 1/1 (RUN sleep)')) seen.push(v);
    };
    await expect(run()).rejects.toThrow(TimedOutError);
    expect(seen).toEqual([1]);
    expect(controller.signal.aborted).toBe(true);
  });
  it('ends normally with the stream', async () => {
    const out: number[] = [];
    async function* two() {
      await Promise.resolve();
      yield 1;
      yield 2;
    }
    for await (const v of watchdog(two(), 1000, new AbortController(), () => '')) out.push(v);
    expect(out).toEqual([1, 2]);
  });
});
