// Failure and recovery against real MariaDB nodes: a node killed mid-apply, a shard whose table
// is locked by a long transaction, and a statement interrupted between its DDL and its history row.
import { describe, expect, it } from 'vitest';
import { createConnection } from 'mysql2/promise';
import { applyMigrations, type ProgressEvent } from '../../../pipeline/migrate/apply.js';
import { rootQuery } from '../../support/mariadb.js';
import { connector, execConfig, handPlan, historyRows, planned, SHARDS_PER_DB, useShardFixture, type HandMigration } from './exec-fixture.js';
import { columns, indexes } from '../../support/shards.js';

const V1: HandMigration = { version: '1', description: 'add_note', statements: ['ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note)'] };
const V2: HandMigration = { version: '2', description: 'seed', statements: ["INSERT INTO t_config (k, v) VALUES ('feature.x', 'on')"] };
const PER_DB = SHARDS_PER_DB + 1;

const f = useShardFixture({ restartStopped: true });

async function holdTableLock(port: number, table: string) {
  const c = await createConnection({ host: '127.0.0.1', port, user: 'root' });
  await c.query('START TRANSACTION');
  await c.query(`SELECT * FROM ${table} LIMIT 1`);
  return c;
}

describe('migrate apply recovery on real MariaDB shards', () => {
  it('kill -9 of one node mid-apply: the others complete, its databases are reported; after restart apply finishes only the rest, each statement once', async () => {
    // Big tables on n2 make its ADD INDEX slow enough to be killed in the middle.
    const n2 = f.nodes[1]!;
    await rootQuery(n2, ['loan_2', 'loan_3'].flatMap((db) => Array.from({ length: SHARDS_PER_DB }, (_, k) => `INSERT INTO ${db}.t_order_${k} SELECT seq + 1000, seq % 97, seq FROM ${db}.seq_1_to_50000`)).join(';'));
    const plan = handPlan(f, [V1, V2]);
    const conns = connector(f, 2);
    let killed: Promise<void> | undefined;
    const onProgress = (e: ProgressEvent) => {
      if (!killed && e.type === 'statement' && e.target.node === 'n2') killed = n2.stop('SIGKILL');
    };
    try {
      const first = await applyMigrations(plan, { connections: conns, config: execConfig({ nodeConcurrency: 2 }), appliedBy: 't', onProgress });
      await killed;
      expect(killed).toBeDefined();
      expect(first.ok).toBe(false);
      const byDb = Object.fromEntries(first.databases.map((d) => [d.target.database, d]));
      expect(byDb.loan_0!.outcome).toBe('applied');
      expect(byDb.loan_1!.outcome).toBe('applied');
      for (const db of ['loan_2', 'loan_3']) {
        expect(['unreachable', 'failed']).toContain(byDb[db]!.outcome);
        expect(byDb[db]!.error).toMatch(/mysql n2/);
      }

      await n2.start();
      // What the history recorded as done when the node died (progress of DDL is written in batches).
      const recorded: Record<string, number> = {};
      for (const db of ['loan_2', 'loan_3']) {
        const rows = await historyRows(n2, db).catch(() => []);
        recorded[db] = rows.reduce((n, r) => n + r.statements_done, 0);
      }
      const second = await applyMigrations(plan, { connections: conns, config: execConfig(), appliedBy: 't' });
      expect(second.ok).toBe(true);
      const again = Object.fromEntries(second.databases.map((d) => [d.target.database, d]));
      expect(again.loan_0!.outcome).toBe('up-to-date');
      expect(again.loan_1!.outcome).toBe('up-to-date');
      for (const db of ['loan_2', 'loan_3']) {
        // Recorded + found already in effect + run now = the plan: nothing ran twice (a second
        // ADD COLUMN/INDEX would fail), nothing was left out.
        const alreadyApplied = again[db]!.migrations.reduce((n, m) => n + m.statementsAlreadyApplied, 0);
        expect(recorded[db]! + alreadyApplied + again[db]!.statementsRun).toBe(PER_DB);
        expect(byDb[db]!.statementsRun).toBeGreaterThanOrEqual(recorded[db]!);
        // The first run's completed statements plus at most the one in flight when the node died.
        expect(recorded[db]! + alreadyApplied - byDb[db]!.statementsRun).toBeLessThanOrEqual(1);
        expect(again[db]!.statementsRun).toBeGreaterThan(0);
        const hist = await historyRows(n2, db);
        expect(hist.map((h) => [h.version, h.state, h.statements_done])).toEqual([
          ['1', 'success', SHARDS_PER_DB],
          ['2', 'success', 1],
        ]);
        for (let k = 0; k < SHARDS_PER_DB; k++) {
          expect(await columns(n2, db, `t_order_${k}`)).toEqual(['id', 'user_id', 'amount', 'note']);
          expect(await indexes(n2, db, `t_order_${k}`)).toEqual(['PRIMARY', 'idx_note']);
        }
        expect(await rootQuery(n2, `SELECT COUNT(*) AS n FROM ${db}.t_config`)).toEqual([{ n: 1 }]);
      }
      expect(second.verifyAfter?.ok).toBe(true);
    } finally {
      await conns.end();
    }
  });

  it('a long transaction on one shard table: that shard retries within bounds and gives up, the rest complete, readers do not pile up', async () => {
    const n1 = f.nodes[0]!;
    const holder = await holdTableLock(n1.port, 'loan_1.t_order_0');
    const conns = connector(f);
    try {
      const plan = handPlan(f, [V1]);
      const t0 = Date.now();
      const running = applyMigrations(plan, { connections: conns, config: execConfig({ lockWaitTimeout: '1s', lockRetries: 2 }), appliedBy: 't', verify: 'off' });
      // A reader arriving while the ALTER waits queues behind it: bounded by lock_wait_timeout.
      await new Promise((r) => setTimeout(r, 300));
      const r0 = Date.now();
      await rootQuery(n1, 'SELECT COUNT(*) FROM loan_1.t_order_0');
      expect(Date.now() - r0).toBeLessThan(2500);
      const run = await running;
      const elapsed = Date.now() - t0;
      const locked = run.databases.find((d) => d.target.database === 'loan_1')!;
      expect(locked.outcome).toBe('failed');
      expect(locked.lockRetries).toBe(2);
      expect(locked.error).toMatch(/waited for a table lock 3 times \(1s each\)/);
      expect(locked.failedStatement).toMatchObject({ version: '1', index: 0, physicalTable: 't_order_0' });
      expect(elapsed).toBeLessThan(3 * 1000 + 600 + 4000);
      expect(run.databases.filter((d) => d.outcome === 'applied').map((d) => d.target.database)).toEqual(['loan_0', 'loan_2', 'loan_3']);
      expect(await columns(n1, 'loan_1', 't_order_0')).toEqual(['id', 'user_id', 'amount']);
      const hist = await historyRows(n1, 'loan_1');
      expect(hist).toMatchObject([{ version: '1', state: 'failed', statements_done: 0 }]);

      // The transaction ends while the next run waits: it retries and succeeds.
      const holder2 = await holdTableLock(n1.port, 'loan_1.t_order_1');
      await holder.query('COMMIT');
      setTimeout(() => void holder2.query('COMMIT'), 1500);
      const retry = await applyMigrations(plan, { connections: conns, config: execConfig({ lockWaitTimeout: '1s', lockRetries: 3 }), appliedBy: 't' });
      expect(retry.ok).toBe(true);
      const resumed = retry.databases.find((d) => d.target.database === 'loan_1')!;
      expect(resumed.outcome).toBe('applied');
      expect(resumed.lockRetries).toBeGreaterThanOrEqual(1);
      expect(resumed.statementsRun).toBe(SHARDS_PER_DB);
      await holder2.end();
    } finally {
      await holder.end();
      await conns.end();
    }
  });

  it('a statement that took effect before its history update is recognised and not run again; a half-done one stops with a repair hint', async () => {
    const n1 = f.nodes[0]!;
    const m = planned(V1);
    // Simulate a crash right after the first DDL on loan_0: schema changed, history says 0 done.
    await rootQuery(n1, 'ALTER TABLE loan_0.t_order_0 ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note)');
    // And on loan_1 someone added only the column by hand (an ALTER cannot half-apply on its own).
    await rootQuery(n1, 'ALTER TABLE loan_1.t_order_0 ADD COLUMN note VARCHAR(64) NULL');
    const conns = connector(f);
    try {
      // An earlier migration creates the history tables; then write the "interrupted" rows.
      const pre = await applyMigrations(handPlan(f, [{ version: '0', description: 'init', statements: ['CREATE TABLE t_marker (id INT PRIMARY KEY)'] }]), { connections: conns, config: execConfig(), appliedBy: 't', verify: 'off' });
      expect(pre.ok).toBe(true);
      for (const db of ['loan_0', 'loan_1']) {
        await rootQuery(n1, `INSERT INTO ${db}.shardship_schema_history (version, description, checksum, statement_count, statements_done, state, started_at, applied_by) VALUES (?, ?, ?, ?, 0, 'running', NOW(3), 'crashed-runner')`, [m.version, m.description, m.checksum, SHARDS_PER_DB]);
      }
      const run = await applyMigrations(handPlan(f, [V1]), { connections: conns, config: execConfig(), appliedBy: 't', verify: 'off' });
      const loan0 = run.databases.find((d) => d.target.database === 'loan_0')!;
      expect(loan0.outcome).toBe('applied');
      expect(loan0.migrations[0]).toMatchObject({ action: 'resumed', statementsAlreadyApplied: 1, statementsRun: SHARDS_PER_DB - 1 });
      const loan1 = run.databases.find((d) => d.target.database === 'loan_1')!;
      expect(loan1.outcome).toBe('failed');
      expect(loan1.error).toMatch(/statement 1 .*t_order_0.* only part of its effect is present.*migrate repair/);
      expect(run.databases.filter((d) => d.outcome === 'applied')).toHaveLength(3);
      expect(await historyRows(n1, 'loan_0')).toMatchObject([{ version: '0' }, { version: '1', state: 'success', statements_done: SHARDS_PER_DB }]);
    } finally {
      await conns.end();
    }
  });

  it('DML waiting on a row lock is bounded too, rolled back, and runs exactly once when retried', async () => {
    const n1 = f.nodes[0]!;
    const holder = await createConnection({ host: '127.0.0.1', port: n1.port, user: 'root' });
    await holder.query('START TRANSACTION');
    await holder.query("INSERT INTO loan_1.t_config (k, v) VALUES ('feature.x', 'held')");
    const conns = connector(f);
    try {
      const plan = handPlan(f, [V2]);
      const run = await applyMigrations(plan, { connections: conns, config: execConfig({ lockWaitTimeout: '1s', lockRetries: 1 }), appliedBy: 't', verify: 'off' });
      const blocked = run.databases.find((d) => d.target.database === 'loan_1')!;
      expect(blocked.outcome).toBe('failed');
      expect(blocked.lockRetries).toBe(1);
      expect(await historyRows(n1, 'loan_1')).toMatchObject([{ version: '2', state: 'failed', statements_done: 0 }]);
      await holder.query('ROLLBACK');
      const retry = await applyMigrations(plan, { connections: conns, config: execConfig({ lockWaitTimeout: '1s', lockRetries: 1 }), appliedBy: 't', verify: 'off' });
      expect(retry.ok).toBe(true);
      for (const db of f.databases) {
        const node = f.nodes.find((n) => n.name === db.node)!;
        expect(await rootQuery(node, `SELECT v FROM ${db.database}.t_config`)).toEqual([{ v: 'on' }]);
      }
    } finally {
      await holder.end();
      await conns.end();
    }
  });
});
