// Benchmark: shardship migrate apply vs (a) the `mariadb` CLI fed each database's physical
// statements in one session, databases one after another (what a careful person scripts), and
// (b) a minimal mysql2 script with the same statements and concurrency and no bookkeeping (the floor).
// 4 nodes x 4 databases x 16 t_order shards = 256 physical tables, 1,000 rows each (the default;
// `-- --fleet` runs the fleet benchmark of fleet.ts instead).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, tmpdir } from 'node:os';
import { createConnection } from 'mysql2/promise';
import pLimit from 'p-limit';
import { parseConfig } from '../../pipeline/config/load.js';
import { applyMigrations } from '../../pipeline/migrate/apply.js';
import { planMigrations } from '../../pipeline/migrate/plan.js';
import type { MigrationPlan } from '../../pipeline/migrate/plan-types.js';
import { createShardConnector } from '../../pipeline/mysql/pool.js';
import { ensureBinary, removeDir, tempDir } from '../../test/support/service.js';
import { rootQuery, startShardNodes, type ShardNode } from '../../test/support/mariadb.js';

const NODES = Number(process.env.BENCH_NODES ?? 4);
const DBS_PER_NODE = 4;
const SHARDS = 16;
const ROWS = 1000;
const NODE_CONCURRENCY = 4;
const CONCURRENCY = NODES * NODE_CONCURRENCY;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const MIGRATION = `-- add a note to every order, and a table for order notes
ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note);
CREATE TABLE t_order_note (
  id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  body VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
`;

function configYaml(): string {
  const dbs = Array.from({ length: NODES * DBS_PER_NODE }, (_, i) => `        shop_${i}: n${Math.floor(i / DBS_PER_NODE) + 1}`).join('\n');
  const nodes = Array.from({ length: NODES }, (_, i) => `        n${i + 1}: { dsnEnv: BENCH_N${i + 1}_DSN }`).join('\n');
  const last = NODES * DBS_PER_NODE - 1;
  return `version: 1
migrate:
  directory: migrations
  concurrency: ${CONCURRENCY}
  nodeConcurrency: ${NODE_CONCURRENCY}
  environments:
    bench:
      nodes:
${nodes}
      databases:
${dbs}
      tables:
        t_order: { kind: sharded, actualDataNodes: 'shop_\${0..${last}}.t_order_\${0..${SHARDS - 1}}', shardKey: user_id }
        t_order_note: { kind: sharded, actualDataNodes: 'shop_\${0..${last}}.t_order_note_\${0..${SHARDS - 1}}', shardKey: user_id }
`;
}

async function resetSchema(nodes: ShardNode[]): Promise<void> {
  await Promise.all(
    nodes.map(async (node, n) => {
      const sql: string[] = [];
      for (let d = 0; d < DBS_PER_NODE; d++) {
        const db = `shop_${n * DBS_PER_NODE + d}`;
        sql.push(`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`);
        for (let k = 0; k < SHARDS; k++) {
          sql.push(`CREATE TABLE ${db}.t_order_${k} (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
          sql.push(`INSERT INTO ${db}.t_order_${k} SELECT seq, seq % 997, seq / 7 FROM ${db}.seq_1_to_${ROWS}`);
        }
      }
      await rootQuery(node, sql.join(';\n'));
    }),
  );
}

function hostOf(nodes: ShardNode[], name: string): ShardNode {
  return nodes.find((n) => n.name === name)!;
}

/** (a) one `mariadb` process per database, its statements in one session, databases in sequence. */
async function mariadbCli(plan: MigrationPlan, nodes: ShardNode[]): Promise<void> {
  for (const db of plan.databases) {
    const node = hostOf(nodes, db.target.node);
    const sql = db.migrations.flatMap((m) => m.statements.map((s) => s.sql + ';')).join('\n');
    await new Promise<void>((resolve, reject) => {
      const child = spawn('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(node.port), '-u', 'root', db.target.database], { stdio: ['pipe', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb exited ${code}`))));
      child.stdin.end(sql);
    });
  }
}

/** (b) the floor: mysql2, same statements, same per-node and global concurrency, no bookkeeping. */
async function mysql2Floor(plan: MigrationPlan, nodes: ShardNode[]): Promise<void> {
  const global = pLimit(CONCURRENCY);
  const perNode = new Map(nodes.map((n) => [n.name, pLimit(NODE_CONCURRENCY)]));
  await Promise.all(
    plan.databases.map((db) =>
      perNode.get(db.target.node)!(() =>
        global(async () => {
          const node = hostOf(nodes, db.target.node);
          const c = await createConnection({ host: '127.0.0.1', port: node.port, user: 'root', database: db.target.database });
          try {
            for (const m of db.migrations) for (const s of m.statements) await c.query(s.sql);
          } finally {
            await c.end();
          }
        }),
      ),
    ),
  );
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  ensureBinary('mariadb', ['mariadb-client']);
  const work = tempDir('bench-migrate');
  process.stderr.write(`starting ${NODES} MariaDB nodes...\n`);
  // Datadirs on the disk by default (real fsyncs, as production servers do); BENCH_DATA_ROOT=/dev/shm for RAM.
  const shards = await startShardNodes(NODES, { dataRoot: process.env.BENCH_DATA_ROOT ?? tmpdir() });
  try {
    mkdirSync(join(work, 'migrations'));
    writeFileSync(join(work, 'migrations', 'V1__order_note.sql'), MIGRATION);
    writeFileSync(join(work, 'shardship.yaml'), configYaml());
    const config = parseConfig('shardship.yaml', configYaml());
    const env = Object.fromEntries(shards.nodes.map((n, i) => [`BENCH_N${i + 1}_DSN`, n.dsn]));
    const plan = await planMigrations({ cwd: work, config, environment: 'bench' });
    const statements = plan.databases.reduce((n, d) => n + d.migrations.reduce((m, x) => m + x.statements.length, 0), 0);
    process.stderr.write(`${plan.databases.length} databases, ${statements} physical statements\n`);

    const results = { shardship: Infinity, cli: Infinity, floor: Infinity, plan: Infinity };
    // Rounds interleave the contenders so that load from elsewhere hits them alike; best of each.
    for (let round = 0; round < ROUNDS; round++) {
      await resetSchema(shards.nodes);
      results.cli = Math.min(results.cli, await timed(() => mariadbCli(plan, shards.nodes)));
      await resetSchema(shards.nodes);
      results.floor = Math.min(results.floor, await timed(() => mysql2Floor(plan, shards.nodes)));
      await resetSchema(shards.nodes);
      let fresh: MigrationPlan | undefined;
      results.plan = Math.min(results.plan, await timed(async () => (fresh = await planMigrations({ cwd: work, config, environment: 'bench' }))));
      const ms = await timed(async () => {
        // Everything `migrate apply` does after planning: connect, lock, history, online DDL, verify before/after.
        const connections = createShardConnector({ environment: 'bench', nodes: config.migrate!.environments.bench!.nodes, env, nodeConcurrency: NODE_CONCURRENCY });
        try {
          const run = await applyMigrations(fresh!, { connections, config: config.migrate!, appliedBy: 'bench' });
          if (!run.ok) throw new Error(`shardship apply failed: ${JSON.stringify(run.databases.filter((d) => d.outcome !== 'applied').slice(0, 2))}`);
        } finally {
          await connections.end();
        }
      });
      results.shardship = Math.min(results.shardship, ms);
      process.stderr.write(`round ${round + 1}: cli ${Math.round(results.cli)} ms, floor ${Math.round(results.floor)} ms, shardship ${Math.round(ms)} ms (best so far)\n`);
    }

    const s = results.shardship;
    const row = (name: string, ms: number, ratio: string, target: string) => `${name.padEnd(56)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${ratio.padStart(14)}  ${target}`;
    const lines = [
      `datadirs on ${process.env.BENCH_DATA_ROOT ?? tmpdir()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
      `migrate apply: ${NODES} nodes x ${DBS_PER_NODE} databases x ${SHARDS} shards = ${NODES * DBS_PER_NODE * SHARDS} tables, ${ROWS} rows each; ${statements} statements; best of ${ROUNDS}`,
      `${'contender'.padEnd(56)} ${'time'.padStart(9)}  ${'ratio'.padStart(14)}  target`,
      row('shardship migrate apply (lock+history+online DDL+verify)', s, '1.00', ''),
      row('(a) mariadb CLI, one session per DB, DBs in turn', results.cli, `${(results.cli / s).toFixed(2)}x slower`, `>= 1.80x  ${results.cli / s >= 1.8 ? 'MET' : 'MISSED'}`),
      row(`(b) mysql2 floor, ${NODE_CONCURRENCY}/node, ${CONCURRENCY} total, no bookkeeping`, results.floor, `${(s / results.floor).toFixed(2)}x of floor`, `<= 1.25x  ${s / results.floor <= 1.25 ? 'MET' : 'MISSED'}`),
      `per-statement overhead vs floor: ${((s - results.floor) / statements).toFixed(2)} ms`,
      `planning (parse + rewrite + lint, before any shard is touched): ${(results.plan / 1000).toFixed(2)} s; with it: ${((results.cli / (s + results.plan))).toFixed(2)}x faster than (a), ${((s + results.plan) / results.floor).toFixed(2)}x of (b)`,
    ];
    for (const l of lines) process.stdout.write(l + '\n');
  } finally {
    await shards.stopAll();
    removeDir(work);
  }
}

// --fleet: 8 hosts behind real network delay, 64 databases, 1,024 tables (bench/migrate/fleet.ts).
if (process.argv.includes('--fleet')) await (await import('./fleet.js')).runFleet(process.argv.slice(2));
else await main();
