// The apply stage's scheduler on a simulated clock: jobs take a known time per node, so the run's
// makespan is exact. A fleet must finish when its slowest node would alone.
import { describe, expect, it } from 'vitest';
import { pickNode, runOnNodes } from '../../../pipeline/migrate/schedule.js';

type Item = { target: { node: string; database: string } };

/** Discrete-event run of runOnNodes: returns the simulated end time and each node's finish time. */
async function simulate(items: Item[], limits: { global: number; nodeLimit(node: string): number }, ms: (node: string) => number) {
  let clock = 0;
  const timers: { at: number; resolve: () => void }[] = [];
  const finished = new Map<string, number>();
  const running = { now: 0, max: 0 };
  const perNode = new Map<string, { now: number; max: number }>();
  let done = false;
  const all = runOnNodes(
    items,
    limits,
    (item) =>
      new Promise<void>((resolve) => {
        const n = perNode.get(item.target.node) ?? { now: 0, max: 0 };
        perNode.set(item.target.node, n);
        n.max = Math.max(n.max, ++n.now);
        running.max = Math.max(running.max, ++running.now);
        timers.push({
          at: clock + ms(item.target.node),
          resolve: () => {
            n.now--;
            running.now--;
            finished.set(item.target.node, clock);
            resolve();
          },
        });
      }),
    () => clock,
  );
  void all.then(() => (done = true));
  const flush = () => new Promise((r) => setImmediate(r));
  while (!done) {
    await flush();
    timers.sort((a, b) => a.at - b.at);
    const t = timers.shift();
    if (!t) continue;
    clock = t.at;
    t.resolve();
  }
  return { end: clock, finished, maxRunning: running.max, maxPerNode: Math.max(...[...perNode.values()].map((n) => n.max)) };
}

const fleet = (hosts: number, dbsPerHost: number): Item[] => Array.from({ length: hosts * dbsPerHost }, (_, i) => ({ target: { node: `h${(i % hosts) + 1}`, database: `d${i}` } }));

describe('runOnNodes', () => {
  it('a fleet with one slow host finishes within 1.2x of that host alone, under a global limit below the sum of node limits', async () => {
    const items = fleet(8, 8);
    // h8 is ten times slower per database (50 ms vs 5 ms round trips).
    const ms = (node: string) => (node === 'h8' ? 1000 : 100);
    const limits = { global: 16, nodeLimit: () => 4 };
    const alone = await simulate(
      items.filter((i) => i.target.node === 'h8'),
      limits,
      ms,
    );
    expect(alone.end).toBe(2000);
    const all = await simulate(items, limits, ms);
    expect(all.end).toBeLessThanOrEqual(1.2 * alone.end);
    expect(all.maxRunning).toBe(16);
    expect(all.maxPerNode).toBe(4);
  });

  it('keeps every limit and runs every item once', async () => {
    const items = fleet(3, 7);
    const seen: string[] = [];
    let running = 0;
    let max = 0;
    await runOnNodes(items, { global: 4, nodeLimit: (n) => (n === 'h1' ? 1 : 2) }, async (item) => {
      running++;
      max = Math.max(max, running);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(item.target.database);
      running--;
    });
    expect(max).toBeLessThanOrEqual(4);
    expect(seen.sort()).toEqual(items.map((i) => i.target.database).sort());
  });

  it('rejects with the first failure after every item ran', async () => {
    const items = fleet(2, 2);
    let ran = 0;
    await expect(
      runOnNodes(items, { global: 1, nodeLimit: () => 1 }, () => {
        ran++;
        return ran === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      }),
    ).rejects.toThrow('boom');
    expect(ran).toBe(4);
  });
});

describe('pickNode', () => {
  it('starts nodes nothing is known of first, then the one with the most time left', () => {
    const base = { limit: 4, running: 1, pending: 3 };
    expect(pickNode([{ node: 'a', ...base, perDatabaseMs: 10 }, { node: 'b', ...base, perDatabaseMs: undefined }])).toBe('b');
    expect(pickNode([{ node: 'a', ...base, perDatabaseMs: 10 }, { node: 'b', ...base, perDatabaseMs: 90 }])).toBe('b');
    // More databases left can outweigh a slower node.
    expect(pickNode([{ node: 'a', limit: 4, running: 4, pending: 40, perDatabaseMs: 10 }, { node: 'b', ...base, perDatabaseMs: 20 }])).toBe('b');
    expect(pickNode([{ node: 'a', limit: 2, running: 1, pending: 40, perDatabaseMs: 10 }, { node: 'b', ...base, perDatabaseMs: 20 }])).toBe('a');
    expect(pickNode([{ node: 'a', limit: 1, running: 1, pending: 5, perDatabaseMs: 10 }, { node: 'b', limit: 2, running: 0, pending: 0, perDatabaseMs: 1 }])).toBeUndefined();
  });
});
