// `env list`: every environment from its record, with each one's database size against the cap
// (the topology's capacityBytes per database) read from its nodes. A node that cannot be read
// leaves that size unknown; it never hides the environment.
import pLimit from 'p-limit';
import { databaseSizes } from './databases.js';
import type { EnvironmentCluster, EnvironmentShards } from './ports.js';
import { readRecords } from './records.js';
import type { EnvironmentStatus } from './record.js';

export interface EnvironmentSummary {
  name: string;
  namespace: string;
  pr?: number;
  owner: string;
  image?: string;
  createdAt: string;
  expiresAt: string;
  expired: boolean;
  status: EnvironmentStatus;
  /** Held by a running `up`. */
  lockedBy?: string;
  databases: number;
  /** Bytes over all its databases; undefined when a node could not be read. */
  bytes?: number;
  /** Largest single database and the per-database cap it is held to. */
  largestBytes?: number;
  capBytes?: number;
  missing: string[];
}

export interface ListOptions {
  cluster: EnvironmentCluster;
  /** Sessions on the nodes of an environment's source topology; without it, sizes are not read. */
  shards?: (from: string) => Promise<EnvironmentShards>;
  /** The per-database cap (migrate.environments.<from>.capacityBytes) by source environment. */
  capBytes?: (from: string) => number | undefined;
  now?: () => Date;
}

export async function listEnvironments(opts: ListOptions): Promise<{ environments: EnvironmentSummary[] }> {
  const now = (opts.now ?? (() => new Date()))().getTime();
  const records = await readRecords(opts.cluster);
  const limit = pLimit(4);
  const environments = await Promise.all(
    records.map((r) =>
      limit(async (): Promise<EnvironmentSummary> => {
        let sizes: number[] | undefined;
        if (opts.shards) {
          try {
            const shards = await opts.shards(r.from);
            const perNode = await Promise.all(r.nodes.map((node) => databaseSizes(shards, node, r.databases.filter((d) => d.node === node).map((d) => d.database))));
            sizes = perNode.flatMap((m) => [...m.values()]);
          } catch {
            sizes = undefined;
          }
        }
        const cap = opts.capBytes?.(r.from);
        return {
          name: r.name,
          namespace: r.namespace,
          ...(r.pr !== undefined ? { pr: r.pr } : {}),
          owner: r.owner,
          ...(r.image !== undefined ? { image: r.image } : {}),
          createdAt: r.createdAt,
          expiresAt: r.expiresAt,
          expired: Date.parse(r.expiresAt) <= now,
          status: r.status,
          ...(r.lock ? { lockedBy: `${r.lock.holder} since ${r.lock.since}` } : {}),
          databases: r.databases.length,
          ...(sizes ? { bytes: sizes.reduce((a, b) => a + b, 0), largestBytes: Math.max(0, ...sizes) } : {}),
          ...(cap !== undefined ? { capBytes: cap } : {}),
          missing: r.missing,
        };
      }),
    ),
  );
  return { environments };
}
