// SQL lint over migration files: parse every statement, track the schema that earlier
// migrations built (so a MODIFY can be compared with the column it replaces), run the
// rules in rules/sql, apply severities from `migrate.rules` and waivers
// (`-- shardship-disable-next-line RULE`). Pure: files in, findings out.
import type { RuleSetting } from '../config/common.js';
import type { MigrateConfig } from '../config/migrate.js';
import { ConfigError } from '../core/errors.js';
import type { MigrationFile } from './migration-files.js';
import { analyzeStatement, type AnalyzedStatement } from './rewrite.js';
import { alterExprs, columnName, columnTypeOf, createDefinitions, type ColumnType } from './sql-ast.js';
import { physicalShardNames, resolveTopology, type TableKind, type Topology } from './topology.js';


/** What earlier migrations built: table -> column -> type (only what could be read). */
export type SchemaState = Map<string, Map<string, ColumnType>>;

/** The topology facts rules need, merged over every environment. */
export interface LintTopology {
  tables: Record<string, { kind: TableKind; shardKey?: string; shardingColumns?: string[] }>;
  /** Physical table name -> its logical table (sharded tables whose names differ). */
  physicalNames: Map<string, string>;
}

export interface SqlLintContext {
  migration: MigrationFile;
  /** The statements that parsed (the others are reported as sql/syntax). */
  statements: AnalyzedStatement[];
  topology?: LintTopology;
  /** Schema before this migration. */
  schema: SchemaState;
  options: Record<string, unknown>;
}

export interface SqlRuleFinding {
  line: number;
  message: string;
}

export interface SqlLintRule {
  id: string;
  defaultSeverity: 'error' | 'warn' | 'off';
  /** One line for docs/rules.md. */
  description: string;
  check(ctx: SqlLintContext): SqlRuleFinding[];
}

export interface SqlFinding {
  ruleId: string;
  severity: 'error' | 'warn';
  file: string;
  line: number;
  message: string;
}

/** Not configurable: a statement that cannot be read or routed is always an error. */
export const SYNTAX_RULE = 'sql/syntax';
export const UNKNOWN_TABLE_RULE = 'sql/unknown-table';

export interface LintOptions {
  rules: readonly SqlLintRule[];
  settings?: Record<string, RuleSetting>;
  topology?: LintTopology;
  /** Lint only these files (by `file`); earlier files still build the schema. Default: all. */
  only?: ReadonlySet<string>;
}

/** Lint `files` (in version order). */
export function lintMigrations(files: readonly MigrationFile[], opts: LintOptions): SqlFinding[] {
  const schema: SchemaState = new Map();
  const findings: SqlFinding[] = [];
  for (const migration of files) {
    const statements: AnalyzedStatement[] = [];
    const fileFindings: SqlFinding[] = [];
    for (const st of migration.statements) {
      try {
        statements.push(analyzeStatement(migration.file, st));
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        for (const p of e.problems) {
          fileFindings.push({ ruleId: SYNTAX_RULE, severity: 'error', file: migration.file, line: p.position?.line ?? st.line, message: p.message });
        }
      }
    }
    const lintThis = !opts.only || opts.only.has(migration.file);
    if (lintThis) {
      if (opts.topology) {
        for (const st of statements) {
          for (const t of st.tables) {
            if (!opts.topology.tables[t]) {
              fileFindings.push({
                ruleId: UNKNOWN_TABLE_RULE,
                severity: 'error',
                file: migration.file,
                line: st.line,
                message: `statement ${st.number}: table "${t}" is not declared in the topology`,
              });
            }
          }
        }
      }
      for (const rule of opts.rules) {
        const { severity, options } = settingFor(rule, opts.settings);
        if (severity === 'off') continue;
        const ctx: SqlLintContext = { migration, statements, schema, options, ...(opts.topology ? { topology: opts.topology } : {}) };
        for (const f of rule.check(ctx)) fileFindings.push({ ruleId: rule.id, severity, file: migration.file, line: f.line, message: f.message });
      }
      findings.push(...applyWaivers(migration, fileFindings));
    }
    for (const st of statements) applyToSchema(schema, st);
  }
  return findings.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

function settingFor(rule: SqlLintRule, settings: Record<string, RuleSetting> | undefined): { severity: 'error' | 'warn' | 'off'; options: Record<string, unknown> } {
  const s = settings?.[rule.id] ?? settings?.[rule.id.replace(/^sql\//, '')];
  if (s === undefined) return { severity: rule.defaultSeverity, options: {} };
  if (typeof s === 'string') return { severity: s, options: {} };
  return { severity: s.severity ?? rule.defaultSeverity, options: s.options ?? {} };
}

const WAIVER = /shardship-disable-next-line\b(.*)$/;

/** A waiver on line L silences the named rules (or all, when none is named) for the statement covering line L+1. */
function applyWaivers(migration: MigrationFile, findings: SqlFinding[]): SqlFinding[] {
  const waivers: { line: number; rules: string[] }[] = [];
  for (const c of migration.comments) {
    const m = WAIVER.exec(c.text.replace(/\*\/\s*$/, ''));
    if (!m) continue;
    const rules = m[1]!
      .split(/[\s,]+/)
      .map((r) => r.trim())
      .filter((r) => r && r !== '--');
    waivers.push({ line: c.line, rules: rules.map((r) => (r.includes('/') ? r : `sql/${r}`)) });
  }
  if (!waivers.length) return findings;
  const spans = migration.statements.map((s) => ({ from: s.line, to: s.line + (s.sql.match(/\n/g)?.length ?? 0) }));
  return findings.filter((f) => {
    const span = spans.find((s) => f.line >= s.from && f.line <= s.to) ?? { from: f.line, to: f.line };
    return !waivers.some((w) => w.line + 1 >= span.from && w.line + 1 <= span.to && (w.rules.length === 0 || w.rules.includes(f.ruleId)));
  });
}

/** Merge the table facts of every environment that resolves (physical names differ per environment). */
export function lintTopologyFrom(config: MigrateConfig | undefined, environment?: string): LintTopology | undefined {
  if (!config) return undefined;
  const envs = environment ? [environment] : Object.keys(config.environments);
  if (!envs.length) return undefined;
  const merged: LintTopology = { tables: {}, physicalNames: new Map() };
  for (const env of envs) {
    let topo: Topology;
    try {
      topo = resolveTopology(config, env);
    } catch (e) {
      // An explicitly requested environment must resolve; with "all", a broken one is reported by `migrate plan`.
      if (environment) throw e;
      continue;
    }
    addTopology(merged, topo);
  }
  return merged;
}

export function addTopology(merged: LintTopology, topo: Topology): void {
  for (const t of Object.values(topo.tables)) {
    merged.tables[t.name] ??= { kind: t.kind, ...(t.shardKey ? { shardKey: t.shardKey } : {}), ...(t.shardingColumns ? { shardingColumns: t.shardingColumns } : {}) };
  }
  for (const [p, l] of physicalShardNames(topo)) if (!merged.tables[p]) merged.physicalNames.set(p, l);
}

// ---- schema tracking ----------------------------------------------------------------

function applyToSchema(schema: SchemaState, st: AnalyzedStatement): void {
  const table = st.tables[0]!;
  if (st.type === 'create' && st.keyword === 'table') {
    const cols = new Map<string, ColumnType>();
    for (const d of createDefinitions(st.ast)) {
      const name = d.resource === 'column' ? columnName(d.column) : undefined;
      const type = columnTypeOf(d.definition);
      if (name && type) cols.set(name, type);
    }
    schema.set(table, cols);
  } else if (st.type === 'drop' && st.keyword === 'table') {
    for (const t of st.tables) schema.delete(t);
  } else if (st.type === 'rename') {
    const pairs = Array.isArray(st.ast.table) ? (st.ast.table as { table: string }[][]) : [];
    for (const [from, to] of pairs) {
      const cols = from && schema.get(from.table);
      if (cols && to) {
        schema.delete(from.table);
        schema.set(to.table, cols);
      }
    }
  } else if (st.type === 'alter') {
    const cols = schema.get(table);
    if (!cols) return;
    for (const e of alterExprs(st.ast)) {
      if (e.resource !== 'column') {
        if (e.action === 'rename' && e.resource === 'table' && typeof e.table === 'string') {
          schema.delete(table);
          schema.set(e.table, cols);
        }
        continue;
      }
      const name = columnName(e.column);
      const type = columnTypeOf(e.definition);
      if (e.action === 'drop' && name) cols.delete(name);
      else if ((e.action === 'add' || e.action === 'modify') && name && type) cols.set(name, type);
      else if (e.action === 'change') {
        const old = columnName(e.old_column);
        if (old) cols.delete(old);
        if (name && type) cols.set(name, type);
      } else if (e.action === 'rename') {
        const old = columnName(e.old_column);
        const prev = old ? cols.get(old) : undefined;
        if (old && name && prev) {
          cols.delete(old);
          cols.set(name, prev);
        }
      }
    }
  }
}
