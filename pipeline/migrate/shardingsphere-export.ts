// Export a resolved topology as ShardingSphere-Proxy 5.x configuration (`global.yaml` and
// `database-sharding.yaml`), the inverse of `importShardingSphere`: importing the output gives
// back the same tables, kinds, physical copies, strategies, binding tables, broadcast and
// single tables (test/unit/migrate/shardingsphere-export.test.ts, test/fuzz/migrate.fuzz.test.ts).
// Pure: no I/O, no credentials. Data sources are named after their physical database, so the
// importer's data source -> database translation is the identity.
import { Document, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { copiesByDatabase, type LogicalTable, type ShardingStrategy, type Topology } from './topology.js';

export interface ProxyDataSource {
  /** jdbc:mysql://host:port/database (the database must be the physical database it serves). */
  url: string;
  /** Env var of the proxy pod holding the user name (from the environment's Secret). */
  usernameEnv?: string;
  /** Env var of the proxy pod holding the password (from the environment's Secret). */
  passwordEnv?: string;
}

export interface ShardingSphereExportOptions {
  /** The logical database clients connect to (`USE <databaseName>` on the proxy). */
  databaseName: string;
  /** Physical database -> how the proxy reaches it. Every database of the topology needs one. */
  dataSources: Record<string, ProxyDataSource>;
}

export interface ShardingSphereConfig {
  globalYaml: string;
  databaseShardingYaml: string;
}

/** Env vars of the proxy pod with the proxy's own login (authority.users in global.yaml). */
export const PROXY_USER_ENV = 'SHARDSHIP_PROXY_USER';
export const PROXY_PASSWORD_ENV = 'SHARDSHIP_PROXY_PASSWORD';

/**
 * A value the proxy pod fills from its environment before the proxy starts, in ShardingSphere's
 * own dynamic placeholder syntax `$${NAME::default}`. ShardingSphere resolves that syntax only in
 * the JDBC driver (`jdbc:shardingsphere:...?placeholder-type=environment`, documented in
 * docs/document/content/user-manual/shardingsphere-jdbc/yaml-config/jdbc-driver/known-implementation,
 * 5.4.x on); ShardingSphere-Proxy reads conf/*.yaml with no substitution (apache/shardingsphere
 * issue #35192), so the init container of deploy-templates/shardingsphere-proxy resolves these
 * placeholders from the Kubernetes Secret's env (pipeline/env/proxy.ts). Always single-quoted,
 * so the resolver only has to double `'` in the value.
 */
export function envPlaceholder(name: string, fallback = ''): Scalar {
  const s = new Scalar(`$\${${name}::${fallback}}`);
  s.type = 'QUOTE_SINGLE';
  return s;
}

/** `$${NAME::default}` as written by envPlaceholder (the resolver's pattern). */
export const ENV_PLACEHOLDER = /\$\$\{([A-Za-z_][A-Za-z0-9_]*)::([^}']*)\}/g;

// Characters that are structure in ShardingSphere's inline expressions, `ds.table` names and
// comma-joined bindingTables: a name holding one cannot be written so that both ShardingSphere
// and the importer read it back, so it is refused instead of guessed.
const STRUCTURAL = /[.,${}'"`\s\\]/;

/** Refuse, before anything is written, names that ShardingSphere's expressions cannot carry. */
function checkNames(topology: Topology, opts: ShardingSphereExportOptions): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bad = (what: string, name: string, path: string): void => {
    if (name === '' || STRUCTURAL.test(name)) {
      problems.push({
        path,
        message: `${what} ${JSON.stringify(name)} cannot be written into a ShardingSphere rule`,
        hint: 'ShardingSphere reads . , $ { } quotes, backslashes and spaces in names as syntax: rename it',
      });
    }
  };
  for (const db of topology.databases) {
    bad('database', db.database, `databases.${db.database}`);
    const ds = opts.dataSources[db.database];
    if (!ds) {
      problems.push({ path: `dataSources.${db.database}`, message: `no data source for database "${db.database}"`, hint: 'pass a jdbc:mysql://host:port/database url for every physical database of the topology' });
      continue;
    }
    const m = /^jdbc:(?:mysql|mariadb):\/\/[^/?,]+\/([^?;]+)/i.exec(ds.url);
    if (!m || decodeURIComponent(m[1]!) !== db.database) {
      problems.push({ path: `dataSources.${db.database}.url`, message: `url "${ds.url}" does not name database "${db.database}"`, hint: `write jdbc:mysql://host:port/${db.database}` });
    }
    for (const env of [ds.usernameEnv, ds.passwordEnv]) {
      if (env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) problems.push({ path: `dataSources.${db.database}`, message: `"${env}" is not an env var name` });
    }
  }
  for (const t of Object.values(topology.tables)) {
    bad('table', t.name, `tables.${t.name}`);
    for (const p of t.physical) if (p.physicalTable !== t.name) bad('physical table', p.physicalTable, `tables.${t.name}`);
  }
  return problems;
}

/** `topology` as ShardingSphere-Proxy's global.yaml and database-sharding.yaml. */
export function exportShardingSphere(topology: Topology, opts: ShardingSphereExportOptions): ShardingSphereConfig {
  const problems = checkNames(topology, opts);
  if (problems.length) throw new ConfigError(problems);
  return { globalYaml: renderGlobal(), databaseShardingYaml: renderDatabase(topology, opts) };
}

function renderGlobal(): string {
  const doc = new Document({
    mode: { type: 'Standalone', repository: { type: 'JDBC' } },
    authority: {
      users: [{ user: 'USER', password: 'PASSWORD' }],
      privilege: { type: 'ALL_PERMITTED' },
    },
    props: { 'sql-show': false, 'proxy-frontend-database-protocol-type': 'MySQL' },
  });
  const user = doc.getIn(['authority', 'users', 0], true) as YAMLMap;
  const login = envPlaceholder(PROXY_USER_ENV, 'shardship');
  login.value = `${String(login.value)}@%`;
  user.set('user', login);
  user.set('password', envPlaceholder(PROXY_PASSWORD_ENV));
  doc.commentBefore = ` Generated by shardship (pipeline/migrate/shardingsphere-export.ts). $\${NAME::default} values are\n filled from the proxy pod's env (its Secret) by the pod's init container before the proxy starts.`;
  return doc.toString({ lineWidth: 0 });
}

type Routing = { databaseStrategy?: RuleStrategy; tableStrategy?: RuleStrategy };
type RuleStrategy = { shardingColumn: string; algorithm: { type: 'INLINE'; expression: string } | { type: 'MOD'; count: number } };

const sameStrategy = (a?: ShardingStrategy, b?: ShardingStrategy): boolean =>
  a !== undefined && b !== undefined && a.shardingColumn === b.shardingColumn && a.algorithmExpression === b.algorithmExpression;

function renderDatabase(topology: Topology, opts: ShardingSphereExportOptions): string {
  const doc = new Document();
  const root = new YAMLMap();
  root.set('databaseName', opts.databaseName);
  const dataSources = new YAMLMap();
  for (const { database } of topology.databases) {
    const ds = opts.dataSources[database]!;
    const entry = new YAMLMap();
    entry.set('url', ds.url);
    if (ds.usernameEnv) entry.set('username', envPlaceholder(ds.usernameEnv));
    if (ds.passwordEnv) entry.set('password', envPlaceholder(ds.passwordEnv));
    entry.set('connectionTimeoutMilliseconds', 30000);
    entry.set('maxPoolSize', 16);
    dataSources.set(database, entry);
  }
  root.set('dataSources', dataSources);

  const tables = Object.values(topology.tables);
  const sharded = tables.filter((t) => t.kind === 'sharded');
  const notes: string[] = [];
  // One strategy shared by every sharded table is written once, as ShardingSphere's default.
  const shared = (key: 'databaseStrategy' | 'tableStrategy'): ShardingStrategy | undefined => {
    const first = sharded[0]?.[key];
    return sharded.length > 1 && first && sharded.every((t) => sameStrategy(t[key], first)) ? first : undefined;
  };
  const defaults = { databaseStrategy: shared('databaseStrategy'), tableStrategy: shared('tableStrategy') };

  const algorithms = new Map<string, RuleStrategy['algorithm']>();
  const algorithmName = (base: string, algorithm: RuleStrategy['algorithm']): string => {
    let name = base;
    for (let i = 2; algorithms.has(name); i++) name = `${base}_${i}`;
    algorithms.set(name, algorithm);
    return name;
  };
  const strategyNode = (s: RuleStrategy, name: string): YAMLMap => {
    const standard = new YAMLMap();
    standard.set('shardingColumn', s.shardingColumn);
    standard.set('shardingAlgorithmName', algorithmName(name, s.algorithm));
    const node = new YAMLMap();
    node.set('standard', standard);
    return node;
  };
  const inline = (s: ShardingStrategy): RuleStrategy => ({ shardingColumn: s.shardingColumn, algorithm: { type: 'INLINE', expression: s.algorithmExpression } });

  const sharding = new YAMLMap();
  sharding.tag = '!SHARDING';
  const tablesNode = new YAMLMap();
  for (const t of sharded) {
    const entry = new YAMLMap();
    entry.set('actualDataNodes', dataNodesExpression(t));
    let routing: Routing = {
      ...(t.databaseStrategy && !defaults.databaseStrategy ? { databaseStrategy: inline(t.databaseStrategy) } : {}),
      ...(t.tableStrategy && !defaults.tableStrategy ? { tableStrategy: inline(t.tableStrategy) } : {}),
    };
    if (!t.databaseStrategy && !t.tableStrategy) {
      const generated = modRouting(t);
      if (generated) {
        routing = generated;
        notes.push(`${t.name}: no strategy in the topology; rows are routed by ${t.shardKey} with ShardingSphere's MOD algorithm`);
      } else notes.push(`${t.name}: no strategy in the topology and no numbered shards to route to; ShardingSphere sends its statements to every shard`);
    }
    if (routing.databaseStrategy) entry.set('databaseStrategy', strategyNode(routing.databaseStrategy, `${t.name}_database_${routing.databaseStrategy.algorithm.type.toLowerCase()}`));
    if (routing.tableStrategy) entry.set('tableStrategy', strategyNode(routing.tableStrategy, `${t.name}_table_${routing.tableStrategy.algorithm.type.toLowerCase()}`));
    tablesNode.set(t.name, entry);
  }
  if (sharded.length) sharding.set('tables', tablesNode);
  if (topology.bindingTables.length) sharding.set('bindingTables', topology.bindingTables.map((g) => g.join(',')));
  if (defaults.databaseStrategy) sharding.set('defaultDatabaseStrategy', strategyNode(inline(defaults.databaseStrategy), 'default_database_inline'));
  if (defaults.tableStrategy) sharding.set('defaultTableStrategy', strategyNode(inline(defaults.tableStrategy), 'default_table_inline'));
  if (algorithms.size) {
    const node = new YAMLMap();
    for (const [name, a] of algorithms) {
      node.set(name, a.type === 'INLINE' ? { type: 'INLINE', props: { 'algorithm-expression': a.expression } } : { type: 'MOD', props: { 'sharding-count': a.count } });
    }
    sharding.set('shardingAlgorithms', node);
  }

  const rules = new YAMLSeq();
  if (sharded.length) rules.add(sharding);
  const broadcast = tables.filter((t) => t.kind === 'broadcast').map((t) => t.name);
  if (broadcast.length) {
    const rule = new YAMLMap();
    rule.tag = '!BROADCAST';
    rule.set('tables', broadcast);
    rules.add(rule);
  }
  const single = tables.filter((t) => t.kind === 'single').map((t) => `${t.physical[0]!.database}.${t.name}`);
  if (single.length) {
    const rule = new YAMLMap();
    rule.tag = '!SINGLE';
    rule.set('tables', single);
    rules.add(rule);
  }
  root.set('rules', rules);
  doc.contents = root;
  doc.commentBefore = [
    ` Generated by shardship from the topology of one environment (pipeline/migrate/shardingsphere-export.ts);`,
    ` \`shardship migrate import-shardingsphere\` reads it back to the same topology.`,
    ...notes.map((n) => ` NOTE: ${n.replace(/[\r\n]/g, ' ')}`),
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

/**
 * The physical copies as an inline expression: `db_${0..3}.t_${0..15}` when they are exactly
 * that cross product in that order (unpadded numbers: ShardingSphere's Groovy ranges drop
 * leading zeros), otherwise every `db.table` written out.
 */
function dataNodesExpression(t: LogicalTable): string {
  const byDb = [...copiesByDatabase(t)];
  const dbs = numbered(byDb.map(([db]) => db));
  const tableNames = byDb[0]![1].map((p) => p.physicalTable);
  const sameTables = byDb.every(([, list]) => list.length === tableNames.length && list.every((p, i) => p.physicalTable === tableNames[i]));
  const inOrder = t.physical.every((p, i) => p.database === byDb[Math.floor(i / tableNames.length)]?.[0]);
  const tbls = numbered(tableNames);
  if (sameTables && inOrder && (dbs || byDb.length === 1) && (tbls || tableNames.length === 1)) {
    const part = (names: string[], n: ReturnType<typeof numbered>): string => (names.length === 1 || !n ? names[0]! : `${n.prefix}\${${n.from}..${n.from + names.length - 1}}`);
    return `${part(byDb.map(([db]) => db), dbs)}.${part(tableNames, tbls)}`;
  }
  return t.physical.map((p) => `${p.database}.${p.physicalTable}`).join(',');
}

/** `x_3, x_4, x_5` -> { prefix: 'x_', from: 3 }: one prefix, consecutive unpadded numbers. */
function numbered(names: string[]): { prefix: string; from: number } | undefined {
  if (names.length < 2) return undefined;
  const parts = names.map((n) => /^(.*?)(0|[1-9]\d{0,8})$/.exec(n));
  const first = parts[0];
  if (!first) return undefined;
  const prefix = first[1]!;
  const from = Number(first[2]);
  return parts.every((m, i) => m && m[1] === prefix && Number(m[2]) === from + i) ? { prefix, from } : undefined;
}

/**
 * Routing for a sharded table the topology gives only a shard key: ShardingSphere's MOD
 * algorithm on that key picks `<prefix><key % count>`, so it needs databases (and tables in
 * each) numbered 0..count-1. The importer reads MOD as "not INLINE" and keeps only the column,
 * which is exactly what the topology held.
 */
function modRouting(t: LogicalTable): Routing | undefined {
  const key = t.shardKey;
  if (key === undefined) return undefined;
  const byDb = [...copiesByDatabase(t)];
  const tableNames = byDb[0]![1].map((p) => p.physicalTable);
  const sameTables = byDb.every(([, list]) => list.length === tableNames.length && list.every((p, i) => p.physicalTable === tableNames[i]));
  // ShardingSphere finds the target as <name without trailing digits> + <key % count>, so the prefix must not end in a digit.
  const fromZero = (names: string[]): boolean => {
    const n = names.length > 1 ? numbered(names) : undefined;
    return n !== undefined && n.from === 0 && !/\d$/.test(n.prefix);
  };
  const dbRouted = fromZero(byDb.map(([db]) => db));
  const tableRouted = sameTables && fromZero(tableNames);
  if ((byDb.length > 1 && !dbRouted) || (tableNames.length > 1 && !tableRouted) || !sameTables || (!dbRouted && !tableRouted)) return undefined;
  return {
    ...(dbRouted ? { databaseStrategy: { shardingColumn: key, algorithm: { type: 'MOD', count: byDb.length } } } : {}),
    ...(tableRouted ? { tableStrategy: { shardingColumn: key, algorithm: { type: 'MOD', count: tableNames.length } } } : {}),
  };
}

/** What a topology says about placement and routing, without node names (the importer names nodes by address). */
export function placementOf(topology: Topology): unknown {
  const byNode = new Map<string, string[]>();
  for (const d of topology.databases) byNode.set(d.node, [...(byNode.get(d.node) ?? []), d.database]);
  return {
    databases: topology.databases.map((d) => d.database),
    databasesSharingANode: [...byNode.values()].map((g) => g.join(',')).sort(),
    tables: Object.values(topology.tables)
      .map((t) => ({
        name: t.name,
        kind: t.kind,
        ...(t.shardKey !== undefined ? { shardKey: t.shardKey } : {}),
        ...(t.databaseStrategy ? { databaseStrategy: t.databaseStrategy } : {}),
        ...(t.tableStrategy ? { tableStrategy: t.tableStrategy } : {}),
        ...(t.shardingColumns ? { shardingColumns: [...t.shardingColumns].sort() } : {}),
        physical: t.physical.map((p) => `${p.database}.${p.physicalTable}`),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    bindingTables: topology.bindingTables.map((g) => [...g].sort().join(',')).sort(),
  };
}
