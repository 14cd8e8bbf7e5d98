// `npm run bench:migrate -- --fleet`: shardship migrate apply at fleet scale. 8 MariaDB hosts, each
// behind a real network delay (5 ms round trip; one straggler at 50 ms), 64 databases, 1,024
// physical t_order tables; one migration (ADD COLUMN + ADD INDEX + CREATE TABLE). From one run:
// shardship vs the straggler host alone (the fleet should finish when its slowest host does), vs
// (a) the `mariadb` CLI per database in turn, (b) a bare mysql2 script at the same concurrency,
// (c) Skeema `push --concurrent-instances`. Sizes are flags (a smoke run: --hosts 3 --dbs-per-host 2 --shards 2).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createConnection } from 'mysql2/promise';
import pLimit from 'p-limit';
import { parseConfig } from '../../pipeline/config/load.js';
import { applyMigrations, type ProgressEvent } from '../../pipeline/migrate/apply.js';
import { planMigrations } from '../../pipeline/migrate/plan.js';
import type { MigrationPlan } from '../../pipeline/migrate/plan-types.js';
import { createShardConnector } from '../../pipeline/mysql/pool.js';
import { rootQuery, startShardNodes, type ShardNode } from '../../test/support/mariadb.js';
import { ensureBinary, removeDir, tempDir } from '../../test/support/service.js';
import { netemInNamespaces, startToxiproxy, TOXIPROXY_VERSION, type DelayedEndpoint } from '../../test/support/toxiproxy.js';

const MIGRATION = `-- a note on every order, and a table for order notes
ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note);
CREATE TABLE t_order_note (
  id BIGINT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  body VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
`;

interface Size {
  hosts: number;
  dbsPerHost: number;
  shards: number;
  rows: number;
  rounds: number;
  concurrency: number;
  nodeConcurrency: number;
  rttMs: number;
  stragglerRttMs: number;
  skeema: boolean;
}

function size(argv: string[]): Size {
  const { values } = parseArgs({
    args: argv,
    options: {
      fleet: { type: 'boolean' },
      hosts: { type: 'string', default: '8' },
      'dbs-per-host': { type: 'string', default: '8' },
      shards: { type: 'string', default: '16' },
      rows: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '16' },
      'node-concurrency': { type: 'string', default: '4' },
      rtt: { type: 'string', default: '5' },
      'straggler-rtt': { type: 'string', default: '50' },
      'no-skeema': { type: 'boolean' },
    },
  });
  const n = (k: keyof typeof values) => {
    const v = Number(values[k]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} takes a positive integer, got ${String(values[k])}`);
    return v;
  };
  return {
    hosts: n('hosts'),
    dbsPerHost: n('dbs-per-host'),
    shards: n('shards'),
    rows: n('rows'),
    rounds: n('rounds'),
    concurrency: n('concurrency'),
    nodeConcurrency: n('node-concurrency'),
    rttMs: n('rtt'),
    stragglerRttMs: n('straggler-rtt'),
    skeema: !values['no-skeema'],
  };
}

const dbName = (s: Size, host: number, d: number) => `shop_${host * s.dbsPerHost + d}`;

function configYaml(s: Size): string {
  const dbs = Array.from({ length: s.hosts * s.dbsPerHost }, (_, i) => `        shop_${i}: h${Math.floor(i / s.dbsPerHost) + 1}`).join('\n');
  const nodes = Array.from({ length: s.hosts }, (_, i) => `        h${i + 1}: { dsnEnv: FLEET_H${i + 1}_DSN }`).join('\n');
  const last = s.hosts * s.dbsPerHost - 1;
  return `version: 1
migrate:
  directory: migrations
  concurrency: ${s.concurrency}
  nodeConcurrency: ${s.nodeConcurrency}
  environments:
    fleet:
      nodes:
${nodes}
      databases:
${dbs}
      tables:
        t_order: { kind: sharded, actualDataNodes: 'shop_\${0..${last}}.t_order_\${0..${s.shards - 1}}', shardKey: user_id }
        t_order_note: { kind: sharded, actualDataNodes: 'shop_\${0..${last}}.t_order_note_\${0..${s.shards - 1}}', shardKey: user_id }
`;
}

/** Fresh databases, straight to each server (not through the delay). */
async function resetSchema(s: Size, servers: ShardNode[]): Promise<void> {
  await Promise.all(
    servers.map(async (node, h) => {
      const sql: string[] = [];
      for (let d = 0; d < s.dbsPerHost; d++) {
        const db = dbName(s, h, d);
        sql.push(`DROP DATABASE IF EXISTS ${db}`, `CREATE DATABASE ${db}`);
        for (let k = 0; k < s.shards; k++) {
          sql.push(`CREATE TABLE ${db}.t_order_${k} (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT NOT NULL, amount DECIMAL(12,2) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
          sql.push(`INSERT INTO ${db}.t_order_${k} SELECT seq, seq % 997, seq / 7 FROM ${db}.seq_1_to_${s.rows}`);
        }
      }
      await rootQuery(node, sql.join(';\n'));
    }),
  );
}

interface HostTimeline {
  /** [start, end] of each database job, ms from the run's start. */
  jobs: [number, number][];
  open: Map<string, number>;
}

/** Per host: busy time (some database running), idle while it still had databases left, done-early time. */
function idleTimes(timeline: Map<string, HostTimeline>, runMs: number): Map<string, { busy: number; idleWithWork: number; doneAt: number }> {
  const out = new Map<string, { busy: number; idleWithWork: number; doneAt: number }>();
  for (const [host, t] of timeline) {
    const jobs = [...t.jobs].sort((a, b) => a[0] - b[0]);
    let busy = 0;
    let cur: [number, number] | undefined;
    for (const j of jobs) {
      if (!cur || j[0] > cur[1]) {
        if (cur) busy += cur[1] - cur[0];
        cur = [j[0], j[1]];
      } else cur[1] = Math.max(cur[1], j[1]);
    }
    if (cur) busy += cur[1] - cur[0];
    const doneAt = jobs.length ? Math.max(...jobs.map((j) => j[1])) : runMs;
    out.set(host, { busy, idleWithWork: doneAt - busy, doneAt });
  }
  return out;
}

async function shardshipApply(plan: MigrationPlan, s: Size, config: ReturnType<typeof parseConfig>, env: Record<string, string>) {
  const timeline = new Map<string, HostTimeline>();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const at = () => performance.now() - t0;
  const onProgress = (e: ProgressEvent) => {
    if (e.type === 'database-start') {
      const t = timeline.get(e.target.node) ?? { jobs: [], open: new Map() };
      timeline.set(e.target.node, t);
      t.open.set(e.target.database, at());
    } else if (e.type === 'database-done') {
      const t = timeline.get(e.report.target.node)!;
      t.jobs.push([t.open.get(e.report.target.database)!, at()]);
    }
  };
  const connections = createShardConnector({ environment: 'fleet', nodes: config.migrate!.environments.fleet!.nodes, env, nodeConcurrency: s.nodeConcurrency });
  try {
    const run = await applyMigrations(plan, { connections, config: config.migrate!, appliedBy: 'bench', onProgress });
    if (!run.ok) throw new Error(`shardship apply failed: ${JSON.stringify(run.databases.filter((d) => d.outcome !== 'applied').slice(0, 2))}`);
  } finally {
    await connections.end();
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, idle: idleTimes(timeline, ms) };
}

/** (a) one `mariadb` process per database, its statements in one session, databases in turn. */
async function mariadbCli(plan: MigrationPlan, port: (host: string) => number): Promise<void> {
  for (const db of plan.databases) {
    const sql = db.migrations.flatMap((m) => m.statements.map((st) => st.sql + ';')).join('\n');
    await new Promise<void>((resolve, reject) => {
      const child = spawn('mariadb', ['--no-defaults', '-h', '127.0.0.1', '-P', String(port(db.target.node)), '-u', 'root', db.target.database], { stdio: ['pipe', 'ignore', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mariadb exited ${code}`))));
      child.stdin.end(sql);
    });
  }
}

/** (b) the floor: mysql2, the same statements under the same global and per-node limits, nothing else. */
async function mysql2Floor(plan: MigrationPlan, s: Size, port: (host: string) => number): Promise<void> {
  const global = pLimit(s.concurrency);
  const perNode = new Map<string, ReturnType<typeof pLimit>>();
  const limit = (n: string) => perNode.get(n) ?? perNode.set(n, pLimit(s.nodeConcurrency)).get(n)!;
  await Promise.all(
    plan.databases.map((db) =>
      limit(db.target.node)(() =>
        global(async () => {
          const c = await createConnection({ host: '127.0.0.1', port: port(db.target.node), user: 'root', database: db.target.database });
          try {
            for (const m of db.migrations) for (const st of m.statements) await c.query(st.sql);
          } finally {
            await c.end();
          }
        }),
      ),
    ),
  );
}

/** Skeema's tree: one dir per host (its delayed port), one per database with its tables' CREATE files, as the servers show them after the migration. */
async function writeSkeemaTree(root: string, s: Size, servers: ShardNode[], proxies: DelayedEndpoint[]): Promise<void> {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, '.skeema'), '[fleet]\nuser=root\n');
  for (let h = 0; h < s.hosts; h++) {
    const hostDir = join(root, `h${h + 1}`);
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(hostDir, '.skeema'), `[fleet]\nhost=127.0.0.1\nport=${proxies[h]!.port}\n`);
    for (let d = 0; d < s.dbsPerHost; d++) {
      const db = dbName(s, h, d);
      mkdirSync(join(hostDir, db), { recursive: true });
      writeFileSync(join(hostDir, db, '.skeema'), `schema=${db}\n`);
      for (const base of ['t_order', 't_order_note']) {
        for (let k = 0; k < s.shards; k++) {
          const rows = (await rootQuery(servers[h]!, `SHOW CREATE TABLE ${db}.${base}_${k}`)) as Record<string, string>[];
          const ddl = rows[0]!['Create Table']!.replace(/ AUTO_INCREMENT=\d+/, '');
          writeFileSync(join(hostDir, db, `${base}_${k}.sql`), `${ddl};\n`);
        }
      }
    }
  }
}

/** (c) `skeema push` over every host at once (`--concurrent-instances`); undefined with why if it cannot. */
function skeemaPush(root: string, s: Size): Promise<{ ok: true } | { ok: false; why: string }> {
  return new Promise((resolve) => {
    let err = '';
    const child = spawn('skeema', ['push', 'fleet', `--concurrent-instances=${s.hosts}`, '--skip-lint', '--skip-verify'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => resolve({ ok: false, why: e.message }));
    child.on('exit', (code) => resolve(code === 0 ? { ok: true } : { ok: false, why: `exit ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}` }));
  });
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function runFleet(argv: string[]): Promise<void> {
  const s = size(argv);
  ensureBinary('mariadb', ['mariadb-client']);
  if (s.skeema) ensureBinary('skeema', ['skeema']);
  const netem = netemInNamespaces();
  // Namespaces + netem would be the first choice; this kernel decides (the line below says which ran).
  const network = `Toxiproxy ${TOXIPROXY_VERSION} latency toxics on 127.0.0.1 (netem: ${netem.reason})`;
  const work = tempDir('bench-fleet');
  process.stderr.write(`starting ${s.hosts} MariaDB hosts...\n`);
  const servers = await startShardNodes(s.hosts, { dataRoot: process.env.BENCH_DATA_ROOT ?? tmpdir() });
  const toxi = await startToxiproxy();
  try {
    const straggler = `h${s.hosts}`;
    const proxies: DelayedEndpoint[] = [];
    for (let h = 0; h < s.hosts; h++) proxies.push(await toxi.delay(`h${h + 1}`, servers.nodes[h]!.port, h === s.hosts - 1 ? s.stragglerRttMs : s.rttMs));
    const port = (host: string) => proxies[Number(host.slice(1)) - 1]!.port;
    const env = Object.fromEntries(servers.nodes.map((n, h) => [`FLEET_H${h + 1}_DSN`, n.dsn.replace(`:${n.port}`, `:${proxies[h]!.port}`)]));

    mkdirSync(join(work, 'migrations'));
    writeFileSync(join(work, 'migrations', 'V1__order_note.sql'), MIGRATION);
    writeFileSync(join(work, 'shardship.yaml'), configYaml(s));
    const config = parseConfig('shardship.yaml', configYaml(s));
    const plan = await planMigrations({ cwd: work, config, environment: 'fleet' });
    const share: MigrationPlan = { ...plan, databases: plan.databases.filter((d) => d.target.node === straggler) };
    const statements = plan.databases.reduce((n, d) => n + d.migrations.reduce((m, x) => m + x.statements.length, 0), 0);
    process.stderr.write(`${plan.databases.length} databases, ${statements} physical statements; ${network}\n`);

    const best = { fleet: Infinity, alone: Infinity, cli: Infinity, floor: Infinity, skeema: Infinity };
    let fleetRun: Awaited<ReturnType<typeof shardshipApply>> | undefined;
    let skeemaNote = s.skeema ? '' : 'not run (--no-skeema)';
    const skeemaDir = join(work, 'skeema');
    // Warm-up, not counted: the first apply in a process pays JIT and pool start-up, which would
    // otherwise land on whichever contender runs first (the fleet run).
    await resetSchema(s, servers.nodes);
    await shardshipApply(share, s, config, env);
    // Rounds interleave the contenders so that load from elsewhere hits them alike; best of each.
    for (let round = 0; round < s.rounds; round++) {
      await resetSchema(s, servers.nodes);
      const r = await shardshipApply(plan, s, config, env);
      if (r.ms < best.fleet) [best.fleet, fleetRun] = [r.ms, r];
      if (round === 0 && s.skeema) await writeSkeemaTree(skeemaDir, s, servers.nodes, proxies);
      await resetSchema(s, servers.nodes);
      best.alone = Math.min(best.alone, (await shardshipApply(share, s, config, env)).ms);
      await resetSchema(s, servers.nodes);
      best.floor = Math.min(best.floor, await timed(() => mysql2Floor(plan, s, port)));
      await resetSchema(s, servers.nodes);
      best.cli = Math.min(best.cli, await timed(() => mariadbCli(plan, port)));
      if (s.skeema && !skeemaNote) {
        await resetSchema(s, servers.nodes);
        const t0 = performance.now();
        const res = await skeemaPush(skeemaDir, s);
        if (res.ok) best.skeema = Math.min(best.skeema, performance.now() - t0);
        else skeemaNote = `does not work here (${res.why})`;
      }
      process.stderr.write(`round ${round + 1}: fleet ${Math.round(r.ms)} ms, straggler alone ${Math.round(best.alone)} ms, floor ${Math.round(best.floor)} ms, cli ${Math.round(best.cli)} ms, skeema ${skeemaNote || Math.round(best.skeema) + ' ms'} (best so far)\n`);
    }

    const f = best.fleet;
    const row = (name: string, ms: number, ratio: string, target: string) => `${name.padEnd(60)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${ratio.padStart(16)}  ${target}`;
    const met = (ok: boolean) => (ok ? 'MET' : 'MISSED');
    const lines = [
      `network: ${network}`,
      `datadirs on ${process.env.BENCH_DATA_ROOT ?? tmpdir()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
      `fleet: ${s.hosts} hosts (${s.hosts - 1} at ${s.rttMs} ms RTT, ${straggler} at ${s.stragglerRttMs} ms) x ${s.dbsPerHost} databases x ${s.shards} shards = ${plan.databases.length} databases, ${plan.databases.length * s.shards} t_order tables, ${s.rows} rows each; ${statements} statements; concurrency ${s.concurrency}, ${s.nodeConcurrency}/host; best of ${s.rounds}`,
      `${'contender'.padEnd(60)} ${'time'.padStart(9)}  ${'ratio'.padStart(16)}  target`,
      row('shardship migrate apply, whole fleet', f, '1.00', ''),
      row(`shardship migrate apply, ${straggler} alone (its ${s.dbsPerHost} databases)`, best.alone, `${(f / best.alone).toFixed(2)}x of it`, `fleet <= 1.20x  ${met(f / best.alone <= 1.2)}`),
      row('(a) mariadb CLI, one session per database, in turn', best.cli, `${(best.cli / f).toFixed(2)}x slower`, `>= 10x  ${met(best.cli / f >= 10)}`),
      row(`(b) mysql2 floor, ${s.nodeConcurrency}/host, ${s.concurrency} total, no bookkeeping`, best.floor, `${(f / best.floor).toFixed(2)}x of floor`, `<= 1.25x  ${met(f / best.floor <= 1.25)}`),
      skeemaNote
        ? `(c) skeema push --concurrent-instances=${s.hosts}: ${skeemaNote}`
        : row(`(c) skeema push --concurrent-instances=${s.hosts} (--skip-lint --skip-verify)`, best.skeema, `${(best.skeema / f).toFixed(2)}x slower`, `>= 1.00x  ${met(best.skeema >= f)}`),
      `shardship CPU: ${fleetRun!.cpuMs.toFixed(0)} ms for ${statements} statements = ${(fleetRun!.cpuMs / statements).toFixed(3)} ms per statement (planning excluded)`,
      `${'host'.padEnd(6)} ${'RTT'.padStart(6)} ${'busy'.padStart(8)} ${'idle, work left'.padStart(16)} ${'done at'.padStart(9)} ${'idle after'.padStart(11)}`,
      ...[...fleetRun!.idle]
        .sort((a, b) => Number(a[0].slice(1)) - Number(b[0].slice(1)))
        .map(([h, t]) => `${h.padEnd(6)} ${`${proxies[Number(h.slice(1)) - 1]!.rttMs}ms`.padStart(6)} ${(t.busy / 1000).toFixed(2).padStart(7)}s ${(t.idleWithWork / 1000).toFixed(2).padStart(15)}s ${(t.doneAt / 1000).toFixed(2).padStart(8)}s ${((f - t.doneAt) / 1000).toFixed(2).padStart(10)}s`),
    ];
    for (const l of lines) process.stdout.write(l + '\n');
  } finally {
    await toxi.stop();
    await servers.stopAll();
    removeDir(work);
  }
}
