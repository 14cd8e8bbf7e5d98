// What the topology-aware ESLint rules need to know, built from the shard topology so that
// code rules and migrations share one source of truth.
import type { LintTopology } from '../../../pipeline/migrate/lint.js';
import { physicalShardNames, type Topology } from '../../../pipeline/migrate/topology.js';

export interface ShardshipRuleOptions {
  /**
   * Sharded logical table -> the column(s) a query must constrain to hit one shard: the columns
   * that pick the database and the table (a string when there is one).
   */
  shardedTables: Record<string, string | string[]>;
  /** Physical table names code must not use (t_order_7). */
  physicalNames: string[];
  /** Methods whose first argument is SQL (default: query, execute). */
  methods?: string[];
}

export function pluginOptionsFromTopology(topology: Topology | LintTopology): ShardshipRuleOptions {
  const shardedTables: Record<string, string | string[]> = {};
  for (const [name, t] of Object.entries(topology.tables)) {
    if (t.kind !== 'sharded') continue;
    const columns = t.shardingColumns ?? (t.shardKey ? [t.shardKey] : []);
    if (columns.length) shardedTables[name] = columns.length === 1 ? columns[0]! : columns;
  }
  const physical = 'physicalNames' in topology ? [...topology.physicalNames.keys()] : [...physicalShardNames(topology).keys()];
  return { shardedTables, physicalNames: physical.sort() };
}

export const optionsSchema = [
  {
    type: 'object',
    properties: {
      shardedTables: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] } },
      physicalNames: { type: 'array', items: { type: 'string' } },
      methods: { type: 'array', items: { type: 'string' } },
    },
    additionalProperties: false,
  },
] as const;

/** The columns a query on `table` must constrain. */
export function shardingColumnsOf(options: ShardshipRuleOptions, table: string): string[] {
  const v = options.shardedTables[table];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function readOptions(raw: unknown): ShardshipRuleOptions {
  const o = (raw ?? {}) as Partial<ShardshipRuleOptions>;
  return { shardedTables: o.shardedTables ?? {}, physicalNames: o.physicalNames ?? [], methods: o.methods ?? ['query', 'execute'] };
}
