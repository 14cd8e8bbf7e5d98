// The migrate stage's parsers: inline expressions, ShardingSphere import, the SQL tokenizer and
// splitter, and the logical -> physical rewrite.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '../../pipeline/core/errors.js';
import { expandInlineExpression, InlineExpressionError } from '../../pipeline/migrate/inline-expression.js';
import { importShardingSphere } from '../../pipeline/migrate/shardingsphere.js';
import { exportShardingSphere, placementOf } from '../../pipeline/migrate/shardingsphere-export.js';
import { resolveTopology, type Topology } from '../../pipeline/migrate/topology.js';
import { MigrateConfig } from '../../pipeline/config/migrate.js';
import { splitStatements, tokenize, TokenizeError } from '../../pipeline/migrate/sql-tokens.js';
import { rewriteTableNames } from '../../pipeline/migrate/rewrite.js';
import { parseMySql, SqlParseError } from '../../pipeline/migrate/sql-parser.js';
import { HOSTILE_CHARS, runs } from './settings.js';

const piece = fc.oneof(
  fc.constantFrom('loan_', 't_order_', 'ds', '.', ',', '$', '{', '}', '->', '..', '[', ']', "'a'", '"b"', ' ', '-', '0', '7', '00', '15'),
  fc.tuple(fc.integer({ min: -3, max: 99_999 }), fc.integer({ min: -3, max: 99_999 })).map(([a, b]) => `\${${a}..${b}}`),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }).map(String), fc.constantFrom("'x'", '"y"', 'z', '')), { maxLength: 4 }).map((xs) => `\${[${xs.join(',')}]}`),
);
const expression = fc.array(piece, { maxLength: 10 }).map((xs) => xs.join(''));

describe('ShardingSphere inline expressions under fuzzing', () => {
  it('expand to a bounded list or fail with InlineExpressionError, in bounded time', () => {
    fc.assert(
      fc.property(expression, (e) => {
        try {
          const names = expandInlineExpression(e);
          expect(names.length).toBeLessThanOrEqual(1_000_000);
        } catch (err) {
          if (!(err instanceof InlineExpressionError)) throw err;
        }
      }),
      runs(400),
    );
  });

  it('several large ranges in one name are refused, not expanded until memory runs out (found by the fuzzer)', () => {
    // The limit is on the product, counted before any name is made (docs/limits.md).
    expect(() => expandInlineExpression('t_${0..99999}_${0..99999}')).toThrow(/expands to 10,000,000,000 names, over the limit of 100,000/);
    expect(() => expandInlineExpression('t_${0..999}_${0..999}')).toThrow(/over the limit/);
    expect(expandInlineExpression('t_${0..99}_${0..999}')).toHaveLength(100_000);
    // A bound made of many digits: counted first, refused at once.
    expect(() => expandInlineExpression('t_${0..7001515151515}')).toThrow(/over the limit/);
    // Large ranges before an empty list: nothing to build, and nothing is built.
    expect(expandInlineExpression('${84084..28260}${28629..89976}${41394..30228}${["y"]}${[z]}${[]}')).toEqual([]);
    expect(() => expandInlineExpression('t_${0..99999999999999999999999}')).toThrow(/is too large/);
    expect(expandInlineExpression('t_${0..99999}')).toHaveLength(100_000);
  });
});

const ssValue = fc.oneof(fc.constantFrom('ds_${0..1}.t_order_${0..3}', 'ds_0', 'jdbc:mysql://127.0.0.1:3306/loan_0', '!SHARDING', '!BROADCAST', '', '${', 'x'), fc.string({ maxLength: 12 }));
const ssDoc = fc
  .record({
    ds: fc.array(fc.tuple(fc.constantFrom('ds_0', 'ds_1', 'ds_${0}'), ssValue), { maxLength: 3 }),
    tables: fc.array(fc.tuple(fc.constantFrom('t_order', 't_user', 'x y'), ssValue, fc.constantFrom('order_id', '', 'user_id')), { maxLength: 3 }),
    tag: fc.constantFrom('!SHARDING', '!BROADCAST', '!SINGLE', '!ENCRYPT', '!NOPE', ''),
    junk: fc.array(fc.constantFrom(...HOSTILE_CHARS), { maxLength: 6 }).map((xs) => xs.join('')),
  })
  .map(({ ds, tables, tag, junk }) =>
    [
      'dataSources:',
      ...ds.map(([n, url]) => `  ${n}:\n    url: ${JSON.stringify(url)}\n    username: root\n    password: ${JSON.stringify('pw')}`),
      'rules:',
      `- ${tag}`,
      '  tables:',
      ...tables.map(([t, nodes, col]) => `    ${t}:\n      actualDataNodes: ${JSON.stringify(nodes)}\n      tableStrategy:\n        standard:\n          shardingColumn: ${col || '""'}`),
      junk,
    ].join('\n'),
  );

describe('import-shardingsphere under fuzzing', () => {
  it('imports or fails with a ConfigError naming the file, never another exception', () => {
    fc.assert(
      fc.property(ssDoc, (text) => {
        try {
          importShardingSphere('config-sharding.yaml', text);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          for (const p of e.problems) if (p.position) expect(p.position.file).toBe('config-sharding.yaml');
        }
      }),
      runs(300),
    );
  });
});

const sqlPiece = fc.constantFrom('SELECT', ' ', '\n', ';', "'", "''", '"', '`', '``', '\\', '--', '-- c\n', '#', '# c\n', '/*', '*/', '/* c */', 'a', 't_order', '1', '.', ',', '(', ')', '@x', '$', 'é', '\u0000', '\r\n', 'DELIMITER');
const sqlText = fc.array(sqlPiece, { maxLength: 30 }).map((xs) => xs.join(''));

describe('the SQL tokenizer and splitter under fuzzing', () => {
  it('tokens cover the text exactly (no byte lost or invented), or a TokenizeError with a line', () => {
    fc.assert(
      fc.property(sqlText, (text) => {
        try {
          const tokens = tokenize(text);
          expect(tokens.map((t) => t.text).join('')).toBe(text);
          let at = 0;
          for (const t of tokens) {
            expect(t.start).toBe(at);
            at = t.end;
          }
          const lines = text.split('\n').length;
          for (const t of tokens) expect(t.line).toBeLessThanOrEqual(lines);
        } catch (e) {
          if (!(e instanceof TokenizeError)) throw e;
          expect(e.line).toBeGreaterThanOrEqual(1);
        }
      }),
      runs(500),
    );
  });

  it('statements are slices of the file at their offsets, in order', () => {
    fc.assert(
      fc.property(sqlText, (text) => {
        let split;
        try {
          split = splitStatements(text);
        } catch (e) {
          if (e instanceof TokenizeError) return;
          throw e;
        }
        let last = -1;
        for (const s of split.statements) {
          expect(text.slice(s.start, s.start + s.sql.length)).toBe(s.sql);
          expect(s.start).toBeGreaterThan(last);
          last = s.start;
        }
      }),
      runs(500),
    );
  });
});

// Statements that name the logical table in table positions, and the same word elsewhere
// (strings, comments, a column, a qualified column), where it must stay.
const T = 't_order';
const other = fc.constantFrom(`'${T}'`, `"${T} x"`, `/* ${T} */`, `-- ${T}\n`, `# ${T}\n`, '`note`', 'note');
const statement = fc.tuple(fc.integer({ min: 0, max: 7 }), other, other, fc.boolean()).map(([k, a, b, quote]) => {
  const t = quote ? `\`${T}\`` : T;
  switch (k) {
    case 0:
      return `CREATE TABLE ${t} (id BIGINT PRIMARY KEY, ${T} INT COMMENT ${a.startsWith("'") ? a : "'c'"}) ${b.startsWith('/*') ? b : ''}`;
    case 1:
      return `ALTER TABLE ${t} ADD COLUMN note VARCHAR(10) DEFAULT ${a.startsWith("'") ? a : "'x'"} ${b.startsWith('/*') ? b : ''}`;
    case 2:
      return `INSERT INTO ${t} (id, note) VALUES (1, ${a.startsWith("'") ? a : "'v'"})`;
    case 3:
      return `UPDATE ${t} SET note = ${a.startsWith("'") ? a : "'v'"} WHERE ${t}.id = 1`;
    case 4:
      return `DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE note = 'x')`;
    case 5:
      return `CREATE INDEX idx_note ON ${t} (note)`;
    case 6:
      return `DROP TABLE IF EXISTS ${t}`;
    default:
      return `RENAME TABLE ${t} TO ${T}_old`;
  }
});

describe('the logical -> physical rewrite under fuzzing', () => {
  it('changes only table names in table positions (strings, comments and columns keep their text), and the result re-parses', () => {
    const mapping = new Map([[T, 't_order_7']]);
    fc.assert(
      fc.property(statement, (sql) => {
        const out = rewriteTableNames(sql, mapping);
        const before = tokenize(sql);
        const after = tokenize(out);
        expect(after.length).toBe(before.length);
        before.forEach((b, i) => {
          const a = after[i]!;
          if (a.text === b.text) return;
          expect(b.value).toBe(T);
          expect(a.value).toBe('t_order_7');
          expect(a.type).toBe(b.type);
        });
        let parsed = true;
        try {
          parseMySql(sql);
        } catch (e) {
          if (!(e instanceof SqlParseError)) throw e;
          parsed = false;
        }
        if (parsed) expect(() => parseMySql(out)).not.toThrow();
      }),
      runs(200),
    );
  });
});

// ---- export-shardingsphere: random topologies survive export -> import unchanged.
// Names draw on characters YAML treats specially (# ! & * ? @ | > % : [ ] ...) and non-ASCII; the
// few that are ShardingSphere expression syntax (. , $ { } quotes spaces) are refused by the
// exporter and covered in test/unit/migrate/shardingsphere-export.test.ts.
const nameChar = fc.constantFrom('a', 'b', 'z', '_', '-', '#', '!', '&', '*', '?', '@', '|', '>', '%', ':', '[', ']', '~', '^', '(', ')', '+', '=', ';', 'é', '\u202e', '0', '7');
const ident = fc.tuple(fc.constantFrom('t', 'x', 'Q', '_'), fc.array(nameChar, { maxLength: 5 })).map(([h, xs]) => h + xs.join(''));
const column = fc.constantFrom('user_id', 'order_id', 'tenant');
const shardedTable = fc.record({
  name: ident,
  tablePrefix: ident,
  tables: fc.integer({ min: 1, max: 4 }),
  explicit: fc.boolean(),
  dbStrategy: fc.option(column, { nil: undefined }),
  tableStrategy: fc.option(column, { nil: undefined }),
});
const randomTopology = fc.record({
  dbPrefix: ident,
  databases: fc.integer({ min: 1, max: 4 }),
  nodes: fc.integer({ min: 1, max: 3 }),
  sharded: fc.array(shardedTable, { minLength: 0, maxLength: 3 }),
  broadcast: fc.array(ident, { maxLength: 2 }),
  single: fc.array(ident, { maxLength: 2 }),
  bind: fc.boolean(),
});

describe('export-shardingsphere under fuzzing', () => {
  it('export -> import gives back the same topology for random topologies with hostile names', () => {
    let checked = 0;
    fc.assert(
      fc.property(randomTopology, (r) => {
        const dbs = Array.from({ length: r.databases }, (_, i) => `${r.dbPrefix}_${i}`);
        const tables: Record<string, unknown> = {};
        for (const s of r.sharded) {
          const tNames = Array.from({ length: s.tables }, (_, i) => `${s.tablePrefix}_${i}`);
          const actualDataNodes = s.explicit
            ? dbs.flatMap((d) => tNames.map((t) => `${d}.${t}`)).join(',')
            : `${r.dbPrefix}_\${0..${r.databases - 1}}.${s.tablePrefix}_\${0..${s.tables - 1}}`;
          const routed = s.dbStrategy !== undefined || s.tableStrategy !== undefined;
          tables[s.name] = {
            kind: 'sharded',
            actualDataNodes,
            // A table routed by nothing keeps its shard key through ShardingSphere's MOD routing.
            ...(routed ? {} : { shardKey: 'user_id' }),
            ...(s.dbStrategy ? { databaseStrategy: { shardingColumn: s.dbStrategy, algorithmExpression: `${r.dbPrefix}_\${${s.dbStrategy} % ${r.databases}}` } } : {}),
            ...(s.tableStrategy ? { tableStrategy: { shardingColumn: s.tableStrategy, algorithmExpression: `${s.tablePrefix}_\${${s.tableStrategy} % ${s.tables}}` } } : {}),
          };
        }
        for (const b of r.broadcast) tables[b] ??= { kind: 'broadcast' };
        r.single.forEach((n, i) => (tables[n] ??= { kind: 'single', database: dbs[i % dbs.length] }));
        const sharded = r.sharded.map((s) => s.name).filter((n, i, all) => all.indexOf(n) === i);
        const environment = {
          nodes: Object.fromEntries(Array.from({ length: r.nodes }, (_, i) => [`n${i}`, { dsnEnv: `N${i}_DSN` }])),
          databases: Object.fromEntries(dbs.map((d, i) => [d, `n${i % r.nodes}`])),
          tables,
          ...(r.bind && sharded.length > 1 ? { bindingTables: [sharded.slice(0, 2)] } : {}),
        };
        let topology: Topology;
        try {
          topology = resolveTopology(MigrateConfig.parse({ environments: { prod: environment } }), 'prod');
        } catch (e) {
          if (e instanceof ConfigError) return; // a colliding random layout (two tables claiming one physical table, unlike binding tables)
          throw e;
        }
        // A single unrouted copy has no numbered shards for MOD: ShardingSphere has no place for its shard key.
        if (Object.values(topology.tables).some((t) => t.kind === 'sharded' && !t.databaseStrategy && !t.tableStrategy && t.physical.length < 2)) return;
        const dataSources = Object.fromEntries(topology.databases.map((d) => [d.database, { url: `jdbc:mysql://${d.node}:3306/${encodeURIComponent(d.database)}`, passwordEnv: 'PW' }]));
        const { databaseShardingYaml } = exportShardingSphere(topology, { databaseName: 'db', dataSources });
        const imported = importShardingSphere('database-sharding.yaml', databaseShardingYaml, { environment: 'prod' });
        const back = resolveTopology(MigrateConfig.parse({ environments: { prod: imported.topology } }), 'prod');
        expect(placementOf(back)).toEqual(placementOf(topology));
        checked++;
      }),
      runs(200),
    );
    // The property says something only if most random topologies were valid and checked.
    expect(checked).toBeGreaterThan(60);
  });
});
