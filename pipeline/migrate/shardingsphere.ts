// Import a ShardingSphere-JDBC/Proxy YAML (dataSources + `!SHARDING` / `!BROADCAST` /
// `!SINGLE` rules) into shardship's topology, so a team keeps one source of truth.
// ShardingSphere names data sources (ds_0) where shardship names physical databases
// (from the JDBC URL); data sources on one host:port become one node. Credentials are
// never copied: each node gets an env var name for its DSN.
import { isMap, isSeq, LineCounter, parseDocument, stringify, type CollectionTag, type Node } from 'yaml';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import { MigrateConfig, type EnvironmentTopology } from '../config/migrate.js';
import { expandInlineExpression, InlineExpressionError } from './inline-expression.js';
import { resolveTopology } from './topology.js';

const RULE_TAGS = [
  'SHARDING',
  'BROADCAST',
  'SINGLE',
  'READWRITE_SPLITTING',
  'ENCRYPT',
  'MASK',
  'SHADOW',
  'DB_DISCOVERY',
  'SQL_PARSER',
  'SQL_FEDERATION',
  'SQL_TRANSLATOR',
  'TRANSACTION',
  'AUTHORITY',
  'GLOBAL_CLOCK',
  'LOGGING',
  'TRAFFIC',
];

// Keep the tagged collections as they are; the tag tells which rule a block is.
const customTags: CollectionTag[] = RULE_TAGS.flatMap((name): CollectionTag[] => [
  { tag: `!${name}`, collection: 'map', resolve: (value) => value },
  { tag: `!${name}`, collection: 'seq', resolve: (value) => value },
]);

export interface ShardingSphereImport {
  environment: string;
  topology: EnvironmentTopology;
  /** Things people must know (skipped rules, guesses); printed as YAML comments. */
  notes: string[];
  /** node -> host:port and data sources, for the header comment. */
  nodes: { name: string; address: string; dataSources: string[]; dsnEnv: string }[];
}

type Json = Record<string, unknown>;

export function importShardingSphere(file: string, text: string, opts: { environment?: string } = {}): ShardingSphereImport {
  const environment = opts.environment ?? 'production';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, customTags, prettyErrors: false });
  const at = (node: unknown): { position?: { file: string; line: number; column: number } } => {
    const range = (node as Node | undefined)?.range;
    if (!range) return {};
    const p = lines.linePos(range[0]);
    return { position: { file, line: p.line, column: p.col } };
  };
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const p = lines.linePos(e.pos[0]);
        return { path: '', message: e.message.split('\n')[0] ?? e.message, position: { file, line: p.line, column: p.col } };
      }),
    );
  }
  const problems: ConfigProblem[] = [];
  const notes: string[] = [];

  // ---- data sources -> physical databases and nodes
  const dsNode = doc.get('dataSources', true);
  if (!isMap(dsNode)) throw new ConfigError([{ path: 'dataSources', message: 'no dataSources map', ...at(doc.contents), hint: 'is this a ShardingSphere config file?' }]);
  const dsDatabase = new Map<string, string>();
  const byAddress = new Map<string, string[]>();
  const databaseAddress = new Map<string, string>();
  for (const pair of dsNode.items) {
    const ds = String((pair.key as { value?: unknown })?.value ?? pair.key);
    const value = (isMap(pair.value) ? pair.value.toJSON() : {}) as Json;
    const password = value.password;
    if (typeof password === 'string' && password) registerSecret(password);
    const url = [value.url, value.jdbcUrl, value.jdbc_url, value.URL].find((u): u is string => typeof u === 'string');
    const m = url ? /^jdbc:(?:mysql|mariadb):(?:loadbalance:|replication:)?\/\/([^/?,]+)[^/?]*\/([^?;]+)/i.exec(url) : null;
    if (!m) {
      problems.push({
        path: `dataSources.${ds}`,
        message: `data source "${ds}" has no jdbc:mysql://host:port/database url`,
        hint: 'shardship manages MySQL/MariaDB shards; set url or jdbcUrl',
        ...at(pair.value ?? pair.key),
      });
      continue;
    }
    const hostPort = m[1]!.replace(/^[^@]*@/, '');
    const address = hostPort.includes(':') ? hostPort : `${hostPort}:3306`;
    const database = decodeURIComponent(m[2]!);
    const seen = databaseAddress.get(database);
    if (seen !== undefined && seen !== address) {
      problems.push({
        path: `dataSources.${ds}`,
        message: `database "${database}" exists on both ${seen} and ${address}`,
        hint: 'shardship names physical databases uniquely per environment',
        ...at(pair.key),
      });
      continue;
    }
    databaseAddress.set(database, address);
    dsDatabase.set(ds, database);
    byAddress.set(address, [...(byAddress.get(address) ?? []), ds]);
  }
  const nodes = [...byAddress].map(([address, dataSources], i) => ({
    name: `node${i + 1}`,
    address,
    dataSources,
    dsnEnv: `SHARD_NODE${i + 1}_DSN`,
  }));
  const nodeOfAddress = new Map(nodes.map((n) => [n.address, n.name]));

  // ---- rules
  const rulesNode = doc.get('rules', true);
  const rules: { tag: string; node: Node; value: Json }[] = [];
  if (isSeq(rulesNode)) {
    for (const item of rulesNode.items) {
      const tag = (item as Node).tag ?? '';
      rules.push({ tag: tag.replace(/^!/, ''), node: item as Node, value: (isMap(item) ? item.toJSON() : {}) as Json });
    }
  } else if (isMap(doc.get('shardingRule', true))) {
    // ShardingSphere 4.x: one untagged shardingRule block (tables, broadcastTables, default strategies).
    const legacy = doc.get('shardingRule', true) as Node;
    rules.push({ tag: 'SHARDING', node: legacy, value: (legacy as unknown as { toJSON(): Json }).toJSON() });
  } else {
    notes.push('no rules list found: only nodes and databases were imported');
  }

  // readwrite-splitting groups stand for their write data source
  for (const r of rules.filter((x) => x.tag === 'READWRITE_SPLITTING')) {
    const groups = (r.value.dataSources ?? r.value.dataSourceGroups ?? {}) as Record<string, Json>;
    for (const [group, g] of Object.entries(groups)) {
      const write = (g.writeDataSourceName ?? (g.staticStrategy as Json | undefined)?.writeDataSourceName) as string | undefined;
      const db = write ? dsDatabase.get(write) : undefined;
      if (db) dsDatabase.set(group, db);
    }
  }
  for (const r of rules) {
    if (!['SHARDING', 'BROADCAST', 'SINGLE', 'READWRITE_SPLITTING'].includes(r.tag)) notes.push(`rule !${r.tag || '(untagged)'} ignored (not about table placement)`);
  }

  const tables: EnvironmentTopology['tables'] = {};
  const databaseOf = (ds: string): string | undefined => dsDatabase.get(ds);
  const topologyExtras: Pick<EnvironmentTopology, 'defaultDatabaseStrategy' | 'defaultTableStrategy' | 'bindingTables'> = {};
  const allDataSources = [...dsDatabase.keys()];
  for (const r of rules.filter((x) => x.tag === 'SHARDING')) {
    const algorithms = (r.value.shardingAlgorithms ?? {}) as Record<string, Json>;
    const read = (owner: string, kind: 'databaseStrategy' | 'tableStrategy', node: unknown, dataSources: string[]) =>
      readStrategy(owner, kind, node, algorithms, kind === 'databaseStrategy' ? (expr) => translateDatabaseAlgorithm(expr, dataSources, databaseOf) : (expr) => expr, notes);
    const defaultDb = read('default', 'databaseStrategy', r.value.defaultDatabaseStrategy, allDataSources);
    const defaultTable = read('default', 'tableStrategy', r.value.defaultTableStrategy, allDataSources);
    if (defaultDb) topologyExtras.defaultDatabaseStrategy = defaultDb;
    if (defaultTable) topologyExtras.defaultTableStrategy = defaultTable;
    const tableMap = (r.value.tables ?? {}) as Record<string, Json>;
    const tablesNode = isMap(r.node) ? r.node.get('tables', true) : undefined;
    for (const [name, t] of Object.entries(tableMap)) {
      const where = at(isMap(tablesNode) ? tablesNode.get(name, true) : r.node);
      const expr = typeof t.actualDataNodes === 'string' ? t.actualDataNodes : undefined;
      if (!expr) {
        notes.push(`table ${name}: no actualDataNodes, skipped (declare it by hand)`);
        continue;
      }
      let dataSources: string[] = [];
      try {
        dataSources = [...new Set(expandInlineExpression(expr).map((n) => n.split('.')[0]!))];
      } catch {
        // reported below by translateDataNodes
      }
      const databaseStrategy = read(`table ${name}`, 'databaseStrategy', t.databaseStrategy, dataSources);
      const tableStrategy = read(`table ${name}`, 'tableStrategy', t.tableStrategy, dataSources);
      const routed = databaseStrategy ?? tableStrategy ?? defaultDb ?? defaultTable;
      // A strategy that could not be imported still names a column code must constrain.
      const lost = (!tableStrategy && shardingColumn(t.tableStrategy)) || (!databaseStrategy && shardingColumn(t.databaseStrategy)) || undefined;
      const key = lost ?? (routed ? undefined : (shardingColumn(r.value.defaultTableStrategy) ?? shardingColumn(r.value.defaultDatabaseStrategy)));
      if (!routed && !key) notes.push(`table ${name}: no sharding column found; shardKey set to "id", check it`);
      try {
        tables[name] = {
          kind: 'sharded',
          actualDataNodes: translateDataNodes(expr, databaseOf),
          ...(routed && !key ? {} : { shardKey: key ?? 'id' }),
          ...(databaseStrategy ? { databaseStrategy } : {}),
          ...(tableStrategy ? { tableStrategy } : {}),
        };
      } catch (e) {
        if (!(e instanceof InlineExpressionError)) throw e;
        problems.push({ path: `rules.SHARDING.tables.${name}.actualDataNodes`, message: e.message, ...where });
      }
    }
    const groups = bindingGroups(r.value.bindingTables);
    if (groups.length) topologyExtras.bindingTables = [...(topologyExtras.bindingTables ?? []), ...groups];
    if (r.value.autoTables && typeof r.value.autoTables === 'object') {
      for (const name of Object.keys(r.value.autoTables)) notes.push(`auto table ${name} skipped: its physical tables are chosen by ShardingSphere at runtime`);
    }
    for (const name of asStrings(r.value.broadcastTables)) tables[name] ??= { kind: 'broadcast' };
  }
  for (const r of rules.filter((x) => x.tag === 'BROADCAST')) {
    for (const name of asStrings(r.value.tables)) tables[name] ??= { kind: 'broadcast' };
  }
  for (const r of rules.filter((x) => x.tag === 'SINGLE')) {
    for (const entry of asStrings(r.value.tables)) {
      const [ds, table] = entry.split('.');
      if (!ds || !table || ds === '*' || table === '*') {
        notes.push(`single table pattern ${entry} skipped: list single tables one by one`);
        continue;
      }
      const db = databaseOf(ds);
      if (!db) {
        problems.push({ path: 'rules.SINGLE.tables', message: `single table ${entry}: unknown data source ${ds}`, ...at(r.node) });
        continue;
      }
      tables[table] ??= { kind: 'single', database: db };
    }
  }
  if (problems.length) throw new ConfigError(problems);

  const topology: EnvironmentTopology = {
    nodes: Object.fromEntries(nodes.map((n) => [n.name, { dsnEnv: n.dsnEnv }])),
    databases: Object.fromEntries([...databaseAddress].map(([db, address]) => [db, nodeOfAddress.get(address)!])),
    ...topologyExtras,
    tables,
  };
  // The result must be a valid topology (no table claimed twice, every database on a node).
  resolveTopology(MigrateConfig.parse({ environments: { [environment]: topology } }), environment);
  return { environment, topology, notes, nodes };
}

type Strategy = { shardingColumn: string; algorithmExpression: string };

/**
 * A ShardingSphere strategy (`standard: { shardingColumn, shardingAlgorithmName }` with an INLINE
 * algorithm, or 4.x `inline: { shardingColumn, algorithmExpression }`) as shardship's; anything
 * else (none, complex, hint, class-based algorithms) is a note.
 */
function readStrategy(owner: string, kind: string, node: unknown, algorithms: Record<string, Json>, translate: (expr: string) => string | undefined, notes: string[]): Strategy | undefined {
  if (!node || typeof node !== 'object') return undefined;
  for (const [style, body] of Object.entries(node as Record<string, unknown>)) {
    if (style === 'none' || !body || typeof body !== 'object') continue;
    const o = body as Json;
    const column = typeof o.shardingColumn === 'string' ? o.shardingColumn : undefined;
    if (!column) {
      notes.push(`${owner}: ${kind} ${style} (several columns) not imported: declare it by hand`);
      continue;
    }
    let expression: string | undefined;
    if (typeof o.algorithmExpression === 'string') expression = o.algorithmExpression;
    else if (typeof o.shardingAlgorithmName === 'string') {
      const algorithm = algorithms[o.shardingAlgorithmName];
      const type = typeof algorithm?.type === 'string' ? algorithm.type : 'unknown';
      const props = (algorithm?.props ?? {}) as Json;
      if (type.toUpperCase() !== 'INLINE' || typeof props['algorithm-expression'] !== 'string') {
        notes.push(`${owner}: ${kind} algorithm ${o.shardingAlgorithmName} is ${type}, not INLINE: not imported (DML on it is refused until a strategy is declared)`);
        continue;
      }
      expression = props['algorithm-expression'];
    }
    if (!expression) continue;
    const translated = translate(expression);
    if (translated === undefined) {
      notes.push(`${owner}: ${kind} "${expression}" names data sources that are not renamed uniformly to databases: declare it by hand`);
      continue;
    }
    return { shardingColumn: column, algorithmExpression: translated };
  }
  return undefined;
}

/** `ds_${user_id % 2}` over data sources renamed to databases (ds_0 -> demo_ds_0): `demo_ds_${user_id % 2}`. */
function translateDatabaseAlgorithm(expression: string, dataSources: string[], databaseOf: (ds: string) => string | undefined): string | undefined {
  const literal = /^[^$]*/.exec(expression)![0];
  if (dataSources.every((d) => databaseOf(d) === d)) return expression;
  let prefix: string | undefined;
  for (const d of dataSources) {
    const db = databaseOf(d);
    if (!db || !d.startsWith(literal)) return undefined;
    const suffix = d.slice(literal.length);
    if (!db.endsWith(suffix)) return undefined;
    const p = db.slice(0, db.length - suffix.length);
    if (prefix !== undefined && p !== prefix) return undefined;
    prefix = p;
  }
  return prefix === undefined ? undefined : prefix + expression.slice(literal.length);
}

/** bindingTables: `- t_order,t_order_item` (one group per item) or nested lists. */
function bindingGroups(value: unknown): string[][] {
  if (!Array.isArray(value)) return [];
  const groups = value.map((g) => (Array.isArray(g) ? g.map(String) : String(g).split(',')).map((n) => n.trim()).filter(Boolean));
  // `[t_order, t_order_item]` read as one-table groups means nothing: it is one group.
  if (groups.length > 1 && groups.every((g) => g.length === 1)) return [groups.flat()];
  return groups.filter((g) => g.length > 1);
}

function shardingColumn(strategy: unknown): string | undefined {
  if (!strategy || typeof strategy !== 'object') return undefined;
  for (const s of Object.values(strategy as Record<string, unknown>)) {
    if (!s || typeof s !== 'object') continue;
    const o = s as Json;
    if (typeof o.shardingColumn === 'string') return o.shardingColumn;
    if (typeof o.shardingColumns === 'string') return o.shardingColumns.split(',')[0]!.trim();
  }
  return undefined;
}

function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Rewrite an actualDataNodes expression from data source names to database names. When
 * the databases are the data source names with another prefix (ds_0 -> loan_ds_0) the
 * expression keeps its compact form; otherwise it is written out in full.
 */
export function translateDataNodes(expression: string, databaseOf: (ds: string) => string | undefined): string {
  const alternatives = splitAlternatives(expression);
  const out: string[] = [];
  for (const alt of alternatives) {
    const dot = topLevelDot(alt);
    if (dot < 0) throw new InlineExpressionError(`"${alt}" is not dataSource.table`);
    const dsPart = alt.slice(0, dot);
    const tablePart = alt.slice(dot + 1);
    const dsNames = expandInlineExpression(dsPart);
    const missing = dsNames.find((d) => !databaseOf(d));
    if (missing) throw new InlineExpressionError(`data source "${missing}" (from "${expression}") is not declared under dataSources`);
    if (dsNames.every((d) => databaseOf(d) === d)) {
      out.push(alt);
      continue;
    }
    const literal = /^[^$]*/.exec(dsPart)![0];
    let prefix: string | undefined;
    const compact = dsNames.every((d) => {
      const db = databaseOf(d)!;
      const suffix = d.slice(literal.length);
      if (!d.startsWith(literal) || !db.endsWith(suffix)) return false;
      const p = db.slice(0, db.length - suffix.length);
      prefix ??= p;
      return p === prefix;
    });
    if (compact && prefix !== undefined) out.push(prefix + dsPart.slice(literal.length) + '.' + tablePart);
    else for (const name of expandInlineExpression(alt)) out.push(`${databaseOf(name.split('.')[0]!)!}.${name.split('.')[1]}`);
  }
  return out.join(',');
}

function splitAlternatives(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of expression) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts;
}

function topLevelDot(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}') depth--;
    else if (s[i] === '.' && depth === 0) return i;
  }
  return -1;
}

/** The YAML to paste into shardship.yaml, with the env vars to set as comments. */
export function renderImportYaml(result: ShardingSphereImport, source: string): string {
  const header = [
    `# Imported from ${source} by \`shardship migrate import-shardingsphere\`.`,
    '# Set one env var per node to mysql://USER:PASSWORD@HOST:PORT (credentials are not copied):',
    ...result.nodes.map((n) => `#   ${n.dsnEnv}  ->  ${n.address}  (data sources: ${n.dataSources.join(', ')})`),
    ...result.notes.map((n) => `# NOTE: ${n}`),
  ];
  const body = stringify({ migrate: { environments: { [result.environment]: result.topology } } }, { lineWidth: 0 });
  return header.join('\n') + '\n' + body;
}
