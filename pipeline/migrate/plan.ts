// The migration plan: topology + migration files (+ what each database already applied)
// -> per database, the physical statements still to run. Every statement is parsed and
// routed before anything is returned, so a bad statement or an unknown table stops the
// whole plan (file:line) before any shard is touched.
import { resolve } from 'node:path';
import type { MigrateConfig } from '../config/migrate.js';
import type { ShardshipConfig } from '../config/schema.js';
import type { YamlSource } from '../config/yaml-source.js';
import { ConfigError, type ConfigProblem } from '../core/errors.js';
import { sqlLintRules } from '../../rules/sql/index.js';
import { addTopology, lintMigrations, type LintTopology, type SqlLintRule } from './lint.js';
import { readMigrations, type MigrationFile } from './migration-files.js';
import type { DatabasePlan, MigrationPlan, PhysicalStatement, PlannedMigration } from './plan-types.js';
import { analyzeStatement, routeStatement, type RoutedStatement } from './rewrite.js';
import { resolveTopology, type Topology } from './topology.js';

export interface PlanInput {
  cwd: string;
  /** The `migrate` section, or the whole shardship.yaml. */
  config: MigrateConfig | ShardshipConfig;
  /** The parsed shardship.yaml, for file:line in topology errors. */
  configSource?: YamlSource;
  environment: string;
  /** database -> versions already applied there (from its history table). */
  applied?: Map<string, Set<string>>;
}

/** Resolve the migrate section whichever config shape was passed. */
export function migrateSection(config: MigrateConfig | ShardshipConfig): MigrateConfig {
  if ('version' in config) {
    if (!config.migrate) {
      throw new ConfigError([{ path: 'migrate', message: 'shardship.yaml has no migrate section', hint: 'add migrate.environments.<env> with nodes, databases and tables' }]);
    }
    return config.migrate;
  }
  return config;
}

export async function planMigrations(input: PlanInput): Promise<MigrationPlan> {
  const migrate = migrateSection(input.config);
  const topology = resolveTopology(migrate, input.environment, input.configSource);
  const files = await readMigrations(resolve(input.cwd, migrate.directory), { cwd: input.cwd });
  return buildPlan(topology, files, { ...(input.applied ? { applied: input.applied } : {}), settings: migrate.rules });
}

export interface BuildPlanOptions {
  applied?: Map<string, Set<string>>;
  settings?: MigrateConfig['rules'];
  rules?: readonly SqlLintRule[];
}

/** Pure: the plan for files already read. */
export function buildPlan(topology: Topology, files: readonly MigrationFile[], opts: BuildPlanOptions = {}): MigrationPlan {
  const applied = opts.applied ?? new Map<string, Set<string>>();
  const pendingIn = (db: string, version: string): boolean => !applied.get(db)?.has(version);
  const pending = files.filter((f) => topology.databases.some((d) => pendingIn(d.database, f.version)));

  // Analyse and route everything first; collect every problem so one run shows them all.
  const problems: ConfigProblem[] = [];
  const routed = new Map<MigrationFile, { number: number; line: number; kind: 'ddl' | 'dml'; byDb: Map<string, RoutedStatement[]> }[]>();
  for (const file of pending) {
    const list = [];
    for (const st of file.statements) {
      try {
        const analyzed = analyzeStatement(file.file, st);
        list.push({ number: st.number, line: st.line, kind: analyzed.kind, byDb: routeStatement(analyzed, topology) });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems.push(...e.problems);
      }
    }
    routed.set(file, list);
  }
  if (problems.length) throw new ConfigError(problems, { hint: 'nothing was planned or applied; fix the migrations above' });

  const planned = (f: MigrationFile): PlannedMigration => ({ version: f.version, description: f.description, file: f.file, checksum: f.checksum });
  const databases: DatabasePlan[] = topology.databases.map((target) => ({
    target,
    migrations: pending
      .filter((f) => pendingIn(target.database, f.version))
      .map((f) => {
        const statements: PhysicalStatement[] = [];
        for (const r of routed.get(f) ?? []) {
          for (const s of r.byDb.get(target.database) ?? []) {
            statements.push({ index: statements.length, ...s, sourceStatement: r.number, sourceLine: r.line, kind: r.kind });
          }
        }
        return { migration: planned(f), statements };
      }),
  }));

  const lintTopology: LintTopology = { tables: {}, physicalNames: new Map() };
  addTopology(lintTopology, topology);
  const findings = lintMigrations(files, {
    rules: opts.rules ?? sqlLintRules,
    settings: opts.settings ?? {},
    topology: lintTopology,
    only: new Set(pending.map((f) => f.file)),
  });
  return { environment: topology.environment, migrations: pending.map(planned), databases, findings };
}

/** Totals for summaries. */
export function planCounts(plan: MigrationPlan): { databases: number; nodes: number; statements: number; pendingDatabases: number } {
  const nodes = new Set(plan.databases.map((d) => d.target.node));
  let statements = 0;
  let pendingDatabases = 0;
  for (const d of plan.databases) {
    const n = d.migrations.reduce((sum, m) => sum + m.statements.length, 0);
    statements += n;
    if (d.migrations.length) pendingDatabases++;
  }
  return { databases: plan.databases.length, nodes: nodes.size, statements, pendingDatabases };
}
