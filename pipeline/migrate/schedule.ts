// Which database job runs next when a slot frees. A run finishes when its slowest node does, so
// under a global limit smaller than the sum of the per-node limits the next slot goes to the node
// with the most work left in time (not the next in line): a slow node (far away, loaded) is never
// kept waiting behind fast nodes' short jobs. Deciding is pure (pickNode); runOnNodes performs.
import type { ShardTarget } from '../core/shards.js';

export interface NodeLoad {
  node: string;
  limit: number;
  running: number;
  pending: number;
  /**
   * Estimated time of one of its databases: the mean of those done, else how long its oldest
   * running one has taken so far (a lower bound); undefined before any started.
   */
  perDatabaseMs: number | undefined;
}

/**
 * The node to start a database on, or undefined when none can. Nodes that have not started yet
 * come first (in order: nothing is known of them); then the node with the longest estimated time
 * left, (running + pending) x per-database time / its limit. Pure.
 */
export function pickNode(loads: NodeLoad[]): string | undefined {
  const open = loads.filter((l) => l.pending > 0 && l.running < l.limit);
  const fresh = open.find((l) => l.perDatabaseMs === undefined);
  if (fresh) return fresh.node;
  let best: NodeLoad | undefined;
  let bestLeft = -1;
  for (const l of open) {
    const left = ((l.running + l.pending) * (l.perDatabaseMs ?? 0)) / l.limit;
    if (left > bestLeft) [best, bestLeft] = [l, left];
  }
  return best?.node;
}

interface NodeState {
  queue: { item: unknown }[];
  limit: number;
  running: Map<number, number>;
  doneMs: number[];
}

/**
 * Run `fn` for every item under a global limit and per-node limits, choosing each next item by
 * pickNode; items of one node start in their given order. Resolves when all have finished.
 */
export function runOnNodes<T extends { target: ShardTarget }>(items: T[], limits: { global: number; nodeLimit(node: string): number }, fn: (item: T) => Promise<void>, now: () => number = Date.now): Promise<void> {
  const nodes = new Map<string, NodeState>();
  for (const item of items) {
    let n = nodes.get(item.target.node);
    if (!n) nodes.set(item.target.node, (n = { queue: [], limit: Math.max(1, limits.nodeLimit(item.target.node)), running: new Map(), doneMs: [] }));
    n.queue.push({ item });
  }
  let running = 0;
  let left = items.length;
  let seq = 0;
  let failure: unknown;
  return new Promise((resolve, reject) => {
    const settle = () => (failure === undefined ? resolve() : reject(failure as Error));
    if (left === 0) return settle();
    const estimate = (n: NodeState, at: number): number | undefined => {
      if (n.doneMs.length > 0) return n.doneMs.reduce((a, b) => a + b, 0) / n.doneMs.length;
      if (n.running.size === 0) return undefined;
      return at - Math.min(...n.running.values());
    };
    const pump = () => {
      while (running < limits.global) {
        const at = now();
        const node = pickNode([...nodes].map(([name, n]) => ({ node: name, limit: n.limit, running: n.running.size, pending: n.queue.length, perDatabaseMs: estimate(n, at) })));
        if (node === undefined) return;
        const n = nodes.get(node)!;
        const { item } = n.queue.shift()!;
        const id = seq++;
        n.running.set(id, at);
        running++;
        void fn(item as T)
          .catch((e: unknown) => {
            failure ??= e;
          })
          .finally(() => {
            n.doneMs.push(now() - n.running.get(id)!);
            n.running.delete(id);
            running--;
            if (--left === 0) settle();
            else pump();
          });
      }
    };
    pump();
  });
}
