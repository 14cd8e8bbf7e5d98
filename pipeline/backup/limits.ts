// The global and per-node limits every backup, restore and verify job runs under (the same
// shape as `migrate apply`): a node's own `concurrency` lowers the per-node limit for it.
import pLimit from 'p-limit';

export interface Limits {
  concurrency: number;
  nodeConcurrency: number;
  /** nodes.<n>.concurrency from the topology. */
  perNode?: Record<string, number | undefined>;
  /** Tool threads per database. */
  threads: number;
}

export function limiter(l: Limits): <T>(node: string, fn: () => Promise<T>) => Promise<T> {
  const global = pLimit(l.concurrency);
  const nodes = new Map<string, ReturnType<typeof pLimit>>();
  return (node, fn) => {
    let n = nodes.get(node);
    if (!n) nodes.set(node, (n = pLimit(Math.min(l.perNode?.[node] ?? l.nodeConcurrency, l.nodeConcurrency))));
    return n(() => global(fn));
  };
}

/** Spread jobs so that consecutive ones sit on different nodes. */
export function interleave<T extends { target: { node: string } }>(jobs: T[]): T[] {
  const byNode = new Map<string, T[]>();
  for (const j of jobs) byNode.set(j.target.node, [...(byNode.get(j.target.node) ?? []), j]);
  const queues = [...byNode.values()];
  const out: T[] = [];
  for (let i = 0; out.length < jobs.length; i++) for (const q of queues) if (q[i]) out.push(q[i]!);
  return out;
}
