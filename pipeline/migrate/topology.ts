// The resolved shard topology of one environment: which nodes exist, which physical
// database lives on which node, and where every logical table's physical copies are.
// Pure: built from the validated config; every inconsistency is a ConfigError with the
// file:line of the offending entry.
import { ConfigError, type ConfigProblem, type SourcePosition } from '../core/errors.js';
import type { MigrateConfig } from '../config/migrate.js';
import { positionOf, type YamlSource } from '../config/yaml-source.js';
import { expandDataNodes, InlineExpressionError } from './inline-expression.js';
import { compileAlgorithm, ShardingAlgorithmError } from './sharding-algorithm.js';
import type { ShardTarget } from '../core/shards.js';

export interface TopologyNode {
  name: string;
  /** Name of the env var holding this node's DSN (never the DSN itself). */
  dsnEnv: string;
  concurrency?: number;
}

/** One physical copy of a logical table. */
export interface PhysicalTableRef extends ShardTarget {
  physicalTable: string;
}

export type TableKind = 'sharded' | 'broadcast' | 'single';

/** A resolved ShardingSphere standard strategy with an INLINE algorithm. */
export interface ShardingStrategy {
  shardingColumn: string;
  algorithmExpression: string;
}

export interface LogicalTable {
  name: string;
  kind: TableKind;
  /** Sharded tables only: the column code must constrain (the first sharding column when not written). */
  shardKey?: string;
  /** Sharded tables only: which database a row goes to (own, else the environment default). */
  databaseStrategy?: ShardingStrategy;
  /** Sharded tables only: which table of that database (own, else the environment default). */
  tableStrategy?: ShardingStrategy;
  /**
   * Sharded tables only: every column that picks the database or the table; a query must
   * constrain all of them to hit one shard (the shardKey alone when no strategy is declared).
   */
  shardingColumns?: string[];
  /** Every physical copy, in expansion order (sharded), database order (broadcast), or one (single). */
  physical: PhysicalTableRef[];
}

export interface Topology {
  environment: string;
  nodes: TopologyNode[];
  /** Every physical database and its node, in config order. */
  databases: ShardTarget[];
  tables: Record<string, LogicalTable>;
  capacityBytes?: number;
  /** Groups of sharded tables routed alike (ShardingSphere bindingTables). */
  bindingTables: string[][];
}

export interface TopologyOptions {
  /** Where `environments` sits in the YAML document (default: under `migrate`). */
  pathPrefix?: readonly PropertyKey[];
}

/** Build the topology of `environment`, or throw a ConfigError listing every problem. */
export function resolveTopology(config: MigrateConfig, environment: string, source?: YamlSource, opts: TopologyOptions = {}): Topology {
  const prefix = opts.pathPrefix ?? ['migrate'];
  const envPath = [...prefix, 'environments', environment];
  const at = (path: readonly PropertyKey[], key?: string): { position?: SourcePosition } => {
    const pos = source ? positionOf(source, path, key) : undefined;
    return pos ? { position: pos } : {};
  };
  const dotted = (path: readonly PropertyKey[]): string => path.map(String).join('.');

  const env = config.environments[environment];
  if (!env) {
    const known = Object.keys(config.environments);
    throw new ConfigError([
      {
        path: dotted([...prefix, 'environments']),
        message: `unknown environment "${environment}"`,
        hint: known.length ? `known environments: ${known.join(', ')}` : 'add migrate.environments.<name> with nodes, databases and tables',
        ...at(prefix, 'environments'),
      },
    ]);
  }

  const problems: ConfigProblem[] = [];
  const nodes: TopologyNode[] = Object.entries(env.nodes).map(([name, n]) => ({
    name,
    dsnEnv: n.dsnEnv,
    ...(n.concurrency !== undefined ? { concurrency: n.concurrency } : {}),
  }));
  const nodeNames = new Set(nodes.map((n) => n.name));

  const databases: ShardTarget[] = [];
  const nodeOf = new Map<string, string>();
  for (const [database, node] of Object.entries(env.databases)) {
    if (!nodeNames.has(node)) {
      problems.push({
        path: dotted([...envPath, 'databases', database]),
        message: `database "${database}" is on node "${node}", which is not declared`,
        hint: nodes.length ? `declare it under nodes, or use one of: ${[...nodeNames].join(', ')}` : 'declare the node under nodes',
        ...at([...envPath, 'databases', database]),
      });
      continue;
    }
    databases.push({ node, database });
    nodeOf.set(database, node);
  }

  const tables: Record<string, LogicalTable> = {};
  // physical "db.table" -> the logical table that claimed it first
  const claimedBy = new Map<string, string>();
  const claim = (logical: string, ref: PhysicalTableRef, path: readonly PropertyKey[]): boolean => {
    const key = `${ref.database}.${ref.physicalTable}`;
    const owner = claimedBy.get(key);
    if (owner !== undefined) {
      problems.push({
        path: dotted(path),
        message: `physical table ${key} is claimed twice (by "${owner}" and "${logical}")`,
        hint: 'each physical table belongs to exactly one logical table: fix the expression or the table name',
        ...at(path),
      });
      return false;
    }
    claimedBy.set(key, logical);
    return true;
  };
  const needDatabase = (database: string, path: readonly PropertyKey[]): string | undefined => {
    const node = nodeOf.get(database);
    if (node === undefined && !(database in env.databases)) {
      problems.push({
        path: dotted(path),
        message: `database "${database}" has no node`,
        hint: `add "${database}: <node>" under ${dotted([...envPath, 'databases'])}`,
        ...at(path),
      });
    }
    return node;
  };

  // Single and sharded tables first, so that a broadcast table clashing with them is reported on the broadcast entry.
  const entries = Object.entries(env.tables).sort(([, a], [, b]) => Number(a.kind === 'broadcast') - Number(b.kind === 'broadcast'));
  for (const [name, table] of entries) {
    const tablePath = [...envPath, 'tables', name];
    if (table.kind === 'sharded') {
      const exprPath = [...tablePath, 'actualDataNodes'];
      let dataNodes;
      try {
        dataNodes = expandDataNodes(table.actualDataNodes);
      } catch (e) {
        if (!(e instanceof InlineExpressionError)) throw e;
        problems.push({ path: dotted(exprPath), message: e.message, ...at(exprPath) });
        continue;
      }
      if (dataNodes.length === 0) {
        problems.push({
          path: dotted(exprPath),
          message: `"${table.actualDataNodes}" expands to no physical table`,
          hint: 'an empty list ${[]} or range leaves the table nowhere',
          ...at(exprPath),
        });
        continue;
      }
      const physical: PhysicalTableRef[] = [];
      let missing = false;
      for (const dn of dataNodes) {
        const node = needDatabase(dn.database, exprPath);
        if (node === undefined) {
          missing = true;
          break;
        }
        const ref = { node, database: dn.database, physicalTable: dn.table };
        if (claim(name, ref, exprPath)) physical.push(ref);
      }
      if (missing) continue;
      const strategies: { databaseStrategy?: ShardingStrategy; tableStrategy?: ShardingStrategy } = {};
      let bad = false;
      for (const [key, own, fallback] of [
        ['databaseStrategy', table.databaseStrategy, env.defaultDatabaseStrategy],
        ['tableStrategy', table.tableStrategy, env.defaultTableStrategy],
      ] as const) {
        const strategy = own ?? fallback;
        if (!strategy) continue;
        const where = own ? [...tablePath, key] : [...envPath, key === 'databaseStrategy' ? 'defaultDatabaseStrategy' : 'defaultTableStrategy'];
        try {
          const algorithm = compileAlgorithm(strategy.algorithmExpression);
          const stray = algorithm.columns.find((c) => c !== strategy.shardingColumn);
          if (stray !== undefined) throw new ShardingAlgorithmError(`"${strategy.algorithmExpression}" reads ${stray}, not the sharding column ${strategy.shardingColumn}`);
        } catch (e) {
          if (!(e instanceof ShardingAlgorithmError)) throw e;
          problems.push({ path: dotted([...where, 'algorithmExpression']), message: e.message, ...at([...where, 'algorithmExpression']) });
          bad = true;
          continue;
        }
        strategies[key] = { shardingColumn: strategy.shardingColumn, algorithmExpression: strategy.algorithmExpression };
      }
      if (bad) continue;
      // A declared shardKey is constrained too (e.g. the column of a strategy shardship cannot evaluate).
      const columns = [...new Set([strategies.databaseStrategy?.shardingColumn, strategies.tableStrategy?.shardingColumn, table.shardKey].filter((c): c is string => c !== undefined))];
      const shardKey = table.shardKey ?? strategies.tableStrategy?.shardingColumn ?? strategies.databaseStrategy?.shardingColumn;
      if (shardKey === undefined) {
        problems.push({
          path: dotted(tablePath),
          message: `sharded table "${name}" says neither how rows are routed nor which column code must constrain`,
          hint: 'add databaseStrategy/tableStrategy { shardingColumn, algorithmExpression } (or the environment defaults), or at least shardKey',
          ...at(tablePath),
        });
        continue;
      }
      tables[name] = { name, kind: 'sharded', shardKey, ...strategies, shardingColumns: columns.length ? columns : [shardKey], physical };
    } else if (table.kind === 'single') {
      const node = needDatabase(table.database, [...tablePath, 'database']);
      if (node === undefined) continue;
      const ref = { node, database: table.database, physicalTable: name };
      claim(name, ref, tablePath);
      tables[name] = { name, kind: 'single', physical: [ref] };
    } else {
      const physical: PhysicalTableRef[] = [];
      for (const db of databases) {
        const ref = { ...db, physicalTable: name };
        if (claim(name, ref, tablePath)) physical.push(ref);
      }
      tables[name] = { name, kind: 'broadcast', physical };
    }
  }
  // Keep the config's order for people reading plans.
  const ordered: Record<string, LogicalTable> = {};
  for (const name of Object.keys(env.tables)) if (tables[name]) ordered[name] = tables[name];

  const bindingTables: string[][] = [];
  (env.bindingTables ?? []).forEach((group, i) => {
    const names = (Array.isArray(group) ? group : group.split(',')).map((n) => n.trim()).filter(Boolean);
    const path = [...envPath, 'bindingTables', i];
    const notSharded = names.find((n) => env.tables[n]?.kind !== 'sharded');
    if (notSharded !== undefined) {
      problems.push({ path: dotted(path), message: `binding table "${notSharded}" is not a sharded table of this environment`, hint: 'bindingTables groups sharded tables routed alike', ...at(path) });
      return;
    }
    const layouts = names.map((n) => tables[n]).filter((t): t is LogicalTable => t !== undefined);
    const first = layouts[0];
    const differs = first ? layouts.find((t) => !sameLayout(first, t)) : undefined;
    if (first && differs) {
      problems.push({
        path: dotted(path),
        message: `binding tables "${first.name}" and "${differs.name}" are not sharded alike`,
        hint: 'binding tables need the same databases, the same number of physical tables in each and the same sharding columns',
        ...at(path),
      });
      return;
    }
    bindingTables.push(names);
  });

  if (problems.length) throw new ConfigError(problems);
  return {
    environment,
    nodes,
    databases,
    tables: ordered,
    bindingTables,
    ...(env.capacityBytes !== undefined ? { capacityBytes: env.capacityBytes } : {}),
  };
}

/** Every physical table name that differs from its logical name (what code and migrations must not write). */
export function physicalShardNames(topology: Topology): Map<string, string> {
  const names = new Map<string, string>();
  for (const t of Object.values(topology.tables)) {
    if (t.kind !== 'sharded') continue;
    for (const p of t.physical) if (p.physicalTable !== t.name) names.set(p.physicalTable, t.name);
  }
  return names;
}

/** Physical copies of a logical table grouped by database, in order. */
export function copiesByDatabase(table: LogicalTable): Map<string, PhysicalTableRef[]> {
  const byDb = new Map<string, PhysicalTableRef[]>();
  for (const p of table.physical) {
    const list = byDb.get(p.database) ?? [];
    list.push(p);
    byDb.set(p.database, list);
  }
  return byDb;
}

/** Same databases, same number of copies in each, same sharding columns: shards pair by position. */
export function sameLayout(a: LogicalTable, b: LogicalTable): boolean {
  const la = copiesByDatabase(a);
  const lb = copiesByDatabase(b);
  if (la.size !== lb.size || ![...la].every(([db, list]) => lb.get(db)?.length === list.length)) return false;
  const cols = (t: LogicalTable) => [...(t.shardingColumns ?? [])].sort().join('|');
  return cols(a) === cols(b);
}

/** Whether two sharded tables are declared in one bindingTables group. */
export function areBound(topology: Topology, a: string, b: string): boolean {
  return topology.bindingTables.some((g) => g.includes(a) && g.includes(b));
}
