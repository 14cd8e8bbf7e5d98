// What the topology-aware ESLint rules need to know, built from the shard topology so that
// code rules and migrations share one source of truth.
import type { LintTopology } from '../../../pipeline/migrate/lint.js';
import { physicalShardNames, type Topology } from '../../../pipeline/migrate/topology.js';

export interface ShardshipRuleOptions {
  /** Sharded logical table -> its shard key column. */
  shardedTables: Record<string, string>;
  /** Physical table names code must not use (t_order_7). */
  physicalNames: string[];
  /** Methods whose first argument is SQL (default: query, execute). */
  methods?: string[];
}

export function pluginOptionsFromTopology(topology: Topology | LintTopology): ShardshipRuleOptions {
  const shardedTables: Record<string, string> = {};
  for (const [name, t] of Object.entries(topology.tables)) if (t.kind === 'sharded' && t.shardKey) shardedTables[name] = t.shardKey;
  const physical = 'physicalNames' in topology ? [...topology.physicalNames.keys()] : [...physicalShardNames(topology).keys()];
  return { shardedTables, physicalNames: physical.sort() };
}

export const optionsSchema = [
  {
    type: 'object',
    properties: {
      shardedTables: { type: 'object', additionalProperties: { type: 'string' } },
      physicalNames: { type: 'array', items: { type: 'string' } },
      methods: { type: 'array', items: { type: 'string' } },
    },
    additionalProperties: false,
  },
] as const;

export function readOptions(raw: unknown): ShardshipRuleOptions {
  const o = (raw ?? {}) as Partial<ShardshipRuleOptions>;
  return { shardedTables: o.shardedTables ?? {}, physicalNames: o.physicalNames ?? [], methods: o.methods ?? ['query', 'execute'] };
}
