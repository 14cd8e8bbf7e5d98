// migrate.onlineSchemaChange: pt-osc on real MariaDB shards with the real pt-online-schema-change:
// an ALTER that only a table copy can do (a column type change) on every physical t_order, one of
// them 200k rows under a concurrent writer. Every write the writer committed must be in the table
// afterwards: it mirrors each write into a table pt-osc never touches, in the same transaction, and
// the two checksums must agree. Then the same with the runner killed -9 in the middle of the copy.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { PtOscConfig } from '../../../pipeline/config/migrate.js';
import { applyMigrations, type ProgressEvent } from '../../../pipeline/migrate/apply.js';
import { PtOnlineSchemaChange } from '../../../pipeline/pt-osc/pt-online-schema-change.js';
import { rootQuery, type ShardNode } from '../../support/mariadb.js';
import { ensureBinary, removeDir, tempDir } from '../../support/service.js';
import { topologyYaml } from '../../support/shards.js';
import { connector, execConfig, handPlan, historyRows, SHARDS_PER_DB, useShardFixture } from '../migrate/exec-fixture.js';

const ROWS = 200_000;
const ALTER = 'ALTER TABLE t_order MODIFY amount DECIMAL(14,2) NOT NULL';
// Fixed 2,000-row chunks with a pause after each: the 200k-row copy takes seconds, long enough
// to write into and to kill in the middle of.
const THROTTLE = { chunkTime: '0s', chunkSize: 2000, sleep: '50ms' } as const;

ensureBinary('pt-online-schema-change', ['percona-toolkit']);
const f = useShardFixture({ restartStopped: true });

/** loan_0.t_order_0 (on n1) gets 200k rows, and a mirror in writer_log that pt-osc never touches. */
async function bigTable(n1: ShardNode): Promise<void> {
  await rootQuery(
    n1,
    [
      `INSERT INTO loan_0.t_order_0 SELECT seq + 100, seq % 97, seq / 4 FROM loan_0.seq_1_to_${ROWS}`,
      'DROP DATABASE IF EXISTS writer_log',
      'CREATE DATABASE writer_log',
      'CREATE TABLE writer_log.t_order_0 LIKE loan_0.t_order_0',
      'INSERT INTO writer_log.t_order_0 SELECT * FROM loan_0.t_order_0',
    ].join(';'),
  );
}

interface Writer {
  stop(): Promise<{ committed: number; retried: number; inserted: Map<number, string> }>;
  /** Resolves once `n` more writes have committed. */
  waitFor(n: number): Promise<void>;
}

/** Inserts, updates and deletes on loan_0.t_order_0, each mirrored in the same transaction. */
async function startWriter(n1: ShardNode): Promise<Writer> {
  const c: Connection = await createConnection({ host: '127.0.0.1', port: n1.port, user: 'root' });
  await c.query('SET SESSION innodb_lock_wait_timeout = 5');
  let running = true;
  let committed = 0;
  let retried = 0;
  const inserted = new Map<number, string>();
  const waiters: { at: number; resolve: () => void }[] = [];
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const id = 1_000_000 + i;
      const amount = `${i}.25`;
      const victim = ((i * 7919) % ROWS) + 100;
      const op = i % 3 === 0 ? ['INSERT INTO %T (id, user_id, amount) VALUES (?, ?, ?)', [id, i % 97, amount]] : i % 3 === 1 ? ['UPDATE %T SET amount = amount + 1 WHERE id = ?', [victim]] : ['DELETE FROM %T WHERE id = ?', [victim + 1]];
      for (;;) {
        try {
          await c.query('START TRANSACTION');
          for (const table of ['loan_0.t_order_0', 'writer_log.t_order_0']) await c.query((op[0] as string).replace('%T', table), op[1] as unknown[]);
          await c.query('COMMIT');
          break;
        } catch {
          // A lock wait or deadlock against the copy's chunks: nothing of it committed; again.
          await c.query('ROLLBACK').catch(() => undefined);
          retried++;
        }
      }
      if (i % 3 === 0) inserted.set(id, amount);
      committed++;
      for (const w of waiters.splice(0)) if (committed >= w.at) w.resolve();
      else waiters.push(w);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await c.end();
      return { committed, retried, inserted };
    },
    waitFor: (n) => new Promise((resolve) => waiters.push({ at: committed + n, resolve })),
  };
}

async function checksum(n1: ShardNode, table: string): Promise<{ n: number; s: string }> {
  const rows = (await rootQuery(n1, `SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CRC32(CONCAT_WS('#', id, user_id, amount))), 0) AS CHAR) AS s FROM ${table}`)) as { n: number; s: string }[];
  return rows[0]!;
}

/** pt-osc's triggers and shadow tables anywhere in the fixture's databases. */
async function leftoversEverywhere(): Promise<string[]> {
  const found: string[] = [];
  for (const node of f.nodes) {
    const t = (await rootQuery(node, "SELECT CONCAT(TRIGGER_SCHEMA, '.', TRIGGER_NAME) AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA LIKE 'loan\\_%'")) as { n: string }[];
    const tb = (await rootQuery(node, "SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'loan\\_%' AND TABLE_NAME LIKE '\\_%'")) as { n: string }[];
    found.push(...t.map((r) => `trigger ${r.n}`), ...tb.map((r) => `table ${r.n}`));
  }
  return found;
}

async function amountTypes(): Promise<string[]> {
  const types: string[] = [];
  for (const db of f.databases) {
    const node = f.nodes.find((n) => n.name === db.node)!;
    const rows = (await rootQuery(node, "SELECT TABLE_NAME AS t, COLUMN_TYPE AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 't\\_order\\_%' AND COLUMN_NAME = 'amount' ORDER BY TABLE_NAME", [db.database])) as { t: string; c: string }[];
    types.push(...rows.map((r) => `${db.database}.${r.t} ${r.c}`));
  }
  return types;
}

const everyShard = () => f.databases.flatMap((d) => Array.from({ length: SHARDS_PER_DB }, (_, k) => `${d.database}.t_order_${k} decimal(14,2)`));

async function expectWritesKept(n1: ShardNode, w: Awaited<ReturnType<Writer['stop']>>): Promise<void> {
  expect(w.committed).toBeGreaterThan(30);
  expect(await checksum(n1, 'loan_0.t_order_0')).toEqual(await checksum(n1, 'writer_log.t_order_0'));
  const ids = [...w.inserted.keys()];
  const rows = (await rootQuery(n1, `SELECT id, CAST(amount AS CHAR) AS amount FROM loan_0.t_order_0 WHERE id IN (${ids.join(',')}) ORDER BY id`)) as { id: number; amount: string }[];
  expect(rows.map((r) => [Number(r.id), r.amount])).toEqual(ids.map((id) => [id, w.inserted.get(id)]));
}

describe('migrate.onlineSchemaChange: pt-osc on real MariaDB shards', () => {
  it('a copy-only ALTER runs through pt-osc on every shard while a writer writes: every committed write is kept, nothing left behind', async () => {
    const n1 = f.nodes[0]!;
    await bigTable(n1);
    const plan = handPlan(f, [{ version: '1', description: 'wider_amount', statements: [ALTER] }]);
    const endpoints = Object.fromEntries(f.nodes.map((n) => [n.name, { host: '127.0.0.1', port: n.port, user: 'shardship', password: new URL(n.dsn).password }]));
    const osc = new PtOnlineSchemaChange(endpoints, PtOscConfig.parse(THROTTLE));
    const conns = connector(f);
    const events: ProgressEvent[] = [];
    const writer = await startWriter(n1);
    let writesDuringCopy: Promise<void> | undefined;
    try {
      const run = await applyMigrations(plan, {
        connections: conns,
        config: execConfig(),
        appliedBy: 't',
        onlineSchemaChange: osc,
        onProgress: (e) => {
          events.push(e);
          // Writes that land while the big table is being copied (they go through pt-osc's triggers).
          if (e.type === 'copy' && e.progress.table === 't_order_0' && e.progress.target.database === 'loan_0') writesDuringCopy ??= writer.waitFor(20);
        },
      });
      expect(run.ok, JSON.stringify(run.databases.map((d) => d.error).filter(Boolean))).toBe(true);
      expect(writesDuringCopy).toBeDefined();
      await writesDuringCopy;
      const w = await writer.stop();
      // Every physical table went through pt-osc (no online algorithm can change a column type).
      expect(run.databases.reduce((n, d) => n + (d.algorithms.PT_OSC ?? 0), 0)).toBe(f.databases.length * SHARDS_PER_DB);
      expect(run.verifyAfter?.ok).toBe(true);
      const copy = events.filter((e) => e.type === 'copy').map((e) => e.progress.percent);
      expect(copy.some((p) => p > 0 && p < 100)).toBe(true);
      expect(await amountTypes()).toEqual(everyShard());
      await expectWritesKept(n1, w);
      expect(await leftoversEverywhere()).toEqual([]);
      for (const db of f.databases) {
        const hist = await historyRows(f.nodes.find((n) => n.name === db.node)!, db.database);
        expect(hist.map((h) => [h.version, h.state, h.statements_done])).toEqual([['1', 'success', SHARDS_PER_DB]]);
      }
    } finally {
      await writer.stop().catch(() => undefined);
      await conns.end();
    }
  });

  it("a table pt-osc cannot copy fails its database with pt-osc's reason, the statement's line and table, no password, nothing left behind", async () => {
    // No primary or unique key: pt-osc's delete trigger could not find the row in the copy.
    for (const db of f.databases) {
      const node = f.nodes.find((n) => n.name === db.node)!;
      await rootQuery(node, Array.from({ length: SHARDS_PER_DB }, (_, k) => `CREATE TABLE ${db.database}.t_order_item_${k} (order_id BIGINT NOT NULL, qty DECIMAL(8,2) NOT NULL) ENGINE=InnoDB`).join(';'));
    }
    const plan = handPlan(f, [{ version: '1', description: 'wider_qty', statements: ['ALTER TABLE t_order_item MODIFY qty DECIMAL(12,2) NOT NULL'] }]);
    const endpoints = Object.fromEntries(f.nodes.map((n) => [n.name, { host: '127.0.0.1', port: n.port, user: 'shardship', password: new URL(n.dsn).password }]));
    const conns = connector(f);
    try {
      const run = await applyMigrations(plan, { connections: conns, config: execConfig(), appliedBy: 't', onlineSchemaChange: new PtOnlineSchemaChange(endpoints, PtOscConfig.parse({})), verify: 'off' });
      expect(run.ok).toBe(false);
      for (const d of run.databases) {
        expect(d.outcome).toBe('failed');
        // Located as every statement error is: file:line and database.table (statement-errors.ts).
        expect(d.error).toMatch(/statement 1 \([^,]+:1, \w+\.t_order_item_0[^)]*\): pt-online-schema-change: .*t_order_item_0: exited \d+: .*does not have a PRIMARY KEY or a unique index.*was not altered/);
        expect(d.failedStatement).toMatchObject({ physicalTable: 't_order_item_0', sourceLine: 1 });
        for (const n of f.nodes) expect(d.error).not.toContain(new URL(n.dsn).password);
      }
      expect(await leftoversEverywhere()).toEqual([]);
      const hist = await historyRows(f.nodes[0]!, 'loan_0');
      expect(hist.map((h) => [h.state, h.statements_done])).toEqual([['failed', 0]]);
    } finally {
      await conns.end();
    }
  });

  it('kill -9 of `migrate apply` mid-copy: the copy dies with it; the next apply drops its triggers and shadow table and finishes, every write kept', async () => {
    const n1 = f.nodes[0]!;
    await bigTable(n1);
    const cwd = tempDir('ptosc-cli');
    const writer = await startWriter(n1);
    try {
      mkdirSync(join(cwd, 'migrations'));
      writeFileSync(join(cwd, 'migrations', 'V1__wider_amount.sql'), `${ALTER};\n`);
      writeFileSync(
        join(cwd, 'shardship.yaml'),
        topologyYaml({ environment: 'test', tables: ['t_order'], migrate: ['onlineSchemaChange: pt-osc', `ptOsc: { chunkTime: ${THROTTLE.chunkTime}, chunkSize: ${THROTTLE.chunkSize}, sleep: ${THROTTLE.sleep} }`] }),
      );
      // The real CLI in its own process (one process: tsx registered in-process), killed -9 once
      // the copy of the big table has reported progress.
      const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'shardship.js'), 'migrate', 'apply', '--env', 'test'], {
        cwd,
        env: { ...process.env, ...f.env, SHARDSHIP_FROM_SOURCE: '1', CI: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (/n1\/loan_0\s+copying t_order_0 ([1-9]|[1-8]\d)%/.test(stderr)) resolve();
        });
        void exited.then(() => reject(new Error(`apply ended before the copy could be killed:\n${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await writer.waitFor(10);

      // pt-osc died with the runner (its sessions are gone) and left its triggers and shadow table.
      const ptSessions = async () => ((await rootQuery(n1, "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = 'shardship'")) as { n: number }[])[0]!.n;
      for (let i = 0; i < 50 && (await ptSessions()) > 0; i++) await new Promise((r) => setTimeout(r, 200));
      expect(await ptSessions()).toBe(0);
      const left = await leftoversEverywhere();
      expect(left).toContain('table loan_0._t_order_0_new');
      expect(left.filter((l) => l.startsWith('trigger loan_0.pt_osc_loan_0_t_order_0_'))).toHaveLength(3);
      const before = (await rootQuery(n1, 'SELECT COUNT(*) AS n FROM loan_0._t_order_0_new')) as { n: number }[];
      expect(before[0]!.n).toBeLessThan(ROWS);

      const output = memoryOutput();
      const code = await main(['migrate', 'apply', '--env', 'test'], { cwd, env: { ...f.env, CI: '1' }, output });
      expect(code, output.stderr.join('\n')).toBe(0);
      await writer.waitFor(10);
      const w = await writer.stop();
      expect(await leftoversEverywhere()).toEqual([]);
      expect(await amountTypes()).toEqual(everyShard());
      await expectWritesKept(n1, w);
      const hist = await historyRows(n1, 'loan_0');
      expect(hist.map((h) => [h.version, h.state, h.statements_done])).toEqual([['1', 'success', SHARDS_PER_DB]]);
      expect(output.stderr.join('\n')).toMatch(/verify after: no drift/);
    } finally {
      await writer.stop().catch(() => undefined);
      removeDir(cwd);
    }
  });
});
