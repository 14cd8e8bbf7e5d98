// Benchmark: `shardship backup create|restore|verify` vs (a) `mariadb-dump` of each database one
// after another and the `mariadb` CLI loading those dumps in turn (what a careful person scripts),
// and (b) `mydumper`/`myloader` per node, one node after another; plus the pre-migration snapshot
// of one 100k-row physical table and its `migrate undo`.
// 4 nodes x 4 databases x 16 t_order shards; BENCH_BACKUP_MB (default 1100) sets the data size,
// BENCH_NODES (default 4) the node count: `BENCH_BACKUP_MB=20 BENCH_NODES=2` is the smoke run.
import { spawn } from 'node:child_process';
import { createWriteStream, createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg, tmpdir } from 'node:os';
import { main as cli } from '../../pipeline/cli/main.js';
import { memoryOutput } from '../../pipeline/core/output.js';
import { ensureBinary, removeDir, tempDir } from '../../test/support/service.js';
import { rootQuery, startShardNodes, type ShardNode } from '../../test/support/mariadb.js';

const NODES = Number(process.env.BENCH_NODES ?? 4);
const DBS_PER_NODE = 4;
const SHARDS = 16;
const MB = Number(process.env.BENCH_BACKUP_MB ?? 1100);
const BIG_ROWS = 100_000;
// ~250 bytes per row on disk (payload 200 + key, amounts and row overhead).
const ROWS = Math.max(10, Math.round((MB * 1_000_000) / (NODES * DBS_PER_NODE * SHARDS * 250)));

const dbName = (i: number) => `shop_${i}`;
const dbsOf = (n: number) => Array.from({ length: DBS_PER_NODE }, (_, j) => dbName(n * DBS_PER_NODE + j));

function configYaml(): string {
  const total = NODES * DBS_PER_NODE;
  const dbs = Array.from({ length: total }, (_, i) => `        ${dbName(i)}: n${Math.floor(i / DBS_PER_NODE) + 1}`).join('\n');
  const nodes = Array.from({ length: NODES }, (_, i) => `        n${i + 1}: { dsnEnv: BENCH_N${i + 1}_DSN }`).join('\n');
  return `version: 1
backup:
  directory: backups
  concurrency: ${NODES * 2}
  nodeConcurrency: 2
  threads: 2
migrate:
  directory: migrations
  environments:
    bench:
      nodes:
${nodes}
      databases:
${dbs}
      tables:
        t_order: { kind: sharded, actualDataNodes: 'shop_\${0..${total - 1}}.t_order_\${0..${SHARDS - 1}}', shardKey: user_id }
        t_big: { kind: single, database: shop_0 }
`;
}

async function loadData(nodes: ShardNode[]): Promise<void> {
  // One node at a time: parallel bulk inserts thrash a 2-core machine and time nothing useful.
  for (const [n, node] of nodes.entries()) {
    for (const db of dbsOf(n)) {
      const sql = [`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`];
      for (let k = 0; k < SHARDS; k++) {
        sql.push(`CREATE TABLE ${db}.t_order_${k} (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL, payload VARCHAR(200) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
        sql.push(`INSERT INTO ${db}.t_order_${k} SELECT seq, seq % 997, seq / 100, REPEAT(MD5(seq), 6) FROM seq_1_to_${ROWS}`);
      }
      if (db === 'shop_0') {
        sql.push(`CREATE TABLE ${db}.t_big (id BIGINT NOT NULL PRIMARY KEY, note VARCHAR(64) NULL, v INT NOT NULL) ENGINE=InnoDB`);
        sql.push(`INSERT INTO ${db}.t_big SELECT seq, MD5(seq), seq FROM seq_1_to_${BIG_ROWS}`);
      }
      await rootQuery(node, sql.join(';\n'), [], 'mysql');
    }
  }
}

function run(cmd: string, args: string[], io: { stdin?: string; stdout?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [io.stdin ? 'pipe' : 'ignore', io.stdout ? 'pipe' : 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    if (io.stdin) createReadStream(io.stdin).pipe(child.stdin!);
    if (io.stdout) child.stdout!.pipe(createWriteStream(io.stdout));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-400)}`))));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  for (const b of ['mariadb-dump', 'mariadb', 'mydumper', 'myloader']) ensureBinary(b, [b.startsWith('my') ? 'mydumper' : 'mariadb-client']);
  const shards = await startShardNodes(NODES, { dataRoot: process.env.BENCH_DATA_ROOT ?? tmpdir() });
  const work = tempDir('bench-backup');
  try {
    const nodes = shards.nodes;
    const env: Record<string, string> = { CI: '1' };
    nodes.forEach((n, i) => (env[`BENCH_N${i + 1}_DSN`] = n.rootDsn));
    mkdirSync(join(work, 'migrations'));
    writeFileSync(join(work, 'shardship.yaml'), configYaml());
    const shardship = async (args: string[]) => {
      const output = memoryOutput();
      const code = await cli(args, { cwd: work, env, output });
      if (code !== 0) throw new Error(`shardship ${args.join(' ')} exited ${code}: ${output.stderr.join('\n')}`);
      return output.stdout.join('\n');
    };
    console.log(`loading ${NODES} nodes x ${DBS_PER_NODE} databases x ${SHARDS} shards x ${ROWS} rows (~${MB} MB) ...`);
    await loadData(nodes);
    const sizes = (await rootQuery(nodes[0]!, "SELECT SUM(DATA_LENGTH) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'shop\\_%'")) as { bytes: number }[];
    const dataGb = (Number(sizes[0]?.bytes ?? 0) * NODES) / 1e9;

    let id = '';
    const tCreate = await timed(async () => (id = JSON.parse(await shardship(['backup', 'create', '--json'])).id as string));
    const tVerify = await timed(() => shardship(['backup', 'verify', id]));
    const tRestore = await timed(() => shardship(['backup', 'restore', id, '--replace']));

    // (a) mariadb-dump of each database in turn, then the mariadb CLI loading each in turn.
    const dumps = join(work, 'dumps');
    mkdirSync(dumps);
    const root = (n: ShardNode) => ['--no-defaults', '-h', '127.0.0.1', '-P', String(n.port), '-u', 'root'];
    const tDumpA = await timed(async () => {
      for (const [i, n] of nodes.entries()) for (const db of dbsOf(i)) await run('mariadb-dump', [...root(n), '--single-transaction', '--databases', db], { stdout: join(dumps, `${db}.sql`) });
    });
    const tLoadA = await timed(async () => {
      for (const [i, n] of nodes.entries()) for (const db of dbsOf(i)) await run('mariadb', root(n), { stdin: join(dumps, `${db}.sql`) });
    });
    // (b) mydumper per node in turn, myloader per node in turn (each with its own 4 threads).
    const perNode: number[] = [];
    const perNodeLoad: number[] = [];
    for (const [i, n] of nodes.entries()) {
      const out = join(work, `mydumper-n${i + 1}`);
      const args = ['-h', '127.0.0.1', '-P', String(n.port), '-u', 'root'];
      perNode.push(await timed(() => run('mydumper', [...args, '--regex', '^shop_', '-o', out, '--threads', '4'])));
      perNodeLoad.push(await timed(() => run('myloader', [...args, '-d', out, '-o', '--threads', '4'])));
    }
    const tDumpB = perNode.reduce((a, b) => a + b, 0);
    const tLoadB = perNodeLoad.reduce((a, b) => a + b, 0);

    // Snapshot of one 100k-row table before a destructive migration, and its undo.
    writeFileSync(join(work, 'migrations', 'V1__drop_note.sql'), '-- shardship-disable-next-line sql/destructive-drop\nALTER TABLE t_big DROP COLUMN note;\n');
    const tApply = await timed(() => shardship(['migrate', 'apply']));
    const [snap] = (await rootQuery(nodes[0]!, "SELECT duration_ms AS ms FROM shop_0.shardship_snapshots WHERE physical_table = 't_big'")) as { ms: number }[];
    const tUndo = await timed(() => shardship(['migrate', 'undo', '1']));

    const gbMin = (s: number) => (dataGb / (s / 60)).toFixed(2);
    const slowestDump = Math.max(...perNode);
    const slowestLoad = Math.max(...perNodeLoad);
    const rows: [string, number, string][] = [
      ['shardship backup create', tCreate, `${(tDumpA / tCreate).toFixed(2)}x vs (a), ${(tCreate / slowestDump).toFixed(2)}x the slowest node's mydumper`],
      ['(a) mariadb-dump per database in turn', tDumpA, ''],
      ['(b) mydumper per node in turn', tDumpB, `slowest node ${slowestDump.toFixed(1)}s`],
      ['shardship backup restore', tRestore, `${(tLoadA / tRestore).toFixed(2)}x vs (a), ${(tRestore / slowestLoad).toFixed(2)}x the slowest node's myloader`],
      ['(a) mariadb CLI per database in turn', tLoadA, ''],
      ['(b) myloader per node in turn', tLoadB, `slowest node ${slowestLoad.toFixed(1)}s`],
      ['shardship backup verify', tVerify, ''],
    ];
    console.log(`\n${NODES} nodes x ${DBS_PER_NODE} databases x ${SHARDS} shards, ${dataGb.toFixed(2)} GB of InnoDB data; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    for (const [what, s, note] of rows) console.log(`${what.padEnd(40)} ${s.toFixed(1).padStart(7)}s  ${gbMin(s).padStart(6)} GB/min  ${note}`);
    console.log(`${'snapshot of t_big (100k rows)'.padEnd(40)} ${(Number(snap?.ms ?? NaN) / 1000).toFixed(2).padStart(7)}s  (inside migrate apply, ${tApply.toFixed(1)}s in all)`);
    console.log(`${'migrate undo 1'.padEnd(40)} ${tUndo.toFixed(2).padStart(7)}s`);
  } finally {
    await shards.stopAll();
    removeDir(work);
  }
}

await main();
