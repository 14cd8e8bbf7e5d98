import { describe, expect, it } from 'vitest';
import { applyMigrations, type ProgressEvent } from '../../../pipeline/migrate/apply.js';
import { migrationStatus } from '../../../pipeline/migrate/status.js';
import { verifySchemas, copiesFromPlan, formatDrift } from '../../../pipeline/migrate/verify.js';
import { repairHistory, formatRepairChange } from '../../../pipeline/migrate/repair.js';
import { ShardError } from '../../../pipeline/core/shards.js';
import { freePort } from '../../support/service.js';
import { rootQuery } from '../../support/mariadb.js';
import { connector, execConfig, handPlan, historyRows, SHARDS_PER_DB, useShardFixture, type HandMigration } from './exec-fixture.js';
import { columns, indexes } from '../../support/shards.js';

const V1: HandMigration = {
  version: '1',
  description: 'add_note',
  statements: ['ALTER TABLE t_order ADD COLUMN note VARCHAR(64) NULL, ADD INDEX idx_note (note)', 'ALTER TABLE t_config ADD COLUMN updated_at DATETIME NULL'],
};
const V2: HandMigration = {
  version: '2',
  description: 'order_item',
  statements: ['CREATE TABLE t_order_item (id BIGINT NOT NULL PRIMARY KEY, order_id BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4'],
};
const V3: HandMigration = { version: '3', description: 'seed', statements: ["INSERT INTO t_config (k, v) VALUES ('feature.x', 'on')"] };

const f = useShardFixture();

describe('migrate apply on real MariaDB shards', () => {
  it('changes every physical table, records history, and a second apply is a no-op', async () => {
    const plan = handPlan(f, [V1, V2, V3]);
    const conns = connector(f);
    const events: ProgressEvent[] = [];
    try {
      const run = await applyMigrations(plan, { connections: conns, config: execConfig(), appliedBy: 'test@ci', onProgress: (e) => events.push(e) });
      expect(run.ok).toBe(true);
      expect(run.databases.map((d) => d.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
      expect(run.databases.map((d) => d.statementsRun)).toEqual(Array(4).fill(SHARDS_PER_DB + 1 + SHARDS_PER_DB + 1));
      expect(run.verifyBefore?.ok).toBe(true);
      expect(run.verifyAfter?.ok).toBe(true);
      expect(events.filter((e) => e.type === 'database-done')).toHaveLength(4);
      for (const db of f.databases) {
        const node = f.nodes.find((n) => n.name === db.node)!;
        for (let k = 0; k < SHARDS_PER_DB; k++) {
          expect(await columns(node, db.database, `t_order_${k}`)).toEqual(['id', 'user_id', 'amount', 'note']);
          expect(await indexes(node, db.database, `t_order_${k}`)).toEqual(['PRIMARY', 'idx_note']);
          expect(await columns(node, db.database, `t_order_item_${k}`)).toEqual(['id', 'order_id']);
        }
        expect(await columns(node, db.database, 't_config')).toContain('updated_at');
        expect(await rootQuery(node, `SELECT COUNT(*) AS n FROM ${db.database}.t_config`)).toEqual([{ n: 1 }]);
        const hist = await historyRows(node, db.database);
        expect(hist.map((h) => [h.version, h.state, h.statements_done, h.statement_count])).toEqual([
          ['1', 'success', SHARDS_PER_DB + 1, SHARDS_PER_DB + 1],
          ['2', 'success', SHARDS_PER_DB, SHARDS_PER_DB],
          ['3', 'success', 1, 1],
        ]);
      }

      const again = await applyMigrations(plan, { connections: conns, config: execConfig(), appliedBy: 'test@ci' });
      expect(again.ok).toBe(true);
      expect(again.databases.map((d) => d.outcome)).toEqual(Array(4).fill('up-to-date'));
      expect(again.databases.reduce((n, d) => n + d.statementsRun, 0)).toBe(0);
      // The seed row was not inserted twice.
      expect(await rootQuery(f.nodes[0]!, 'SELECT COUNT(*) AS n FROM loan_0.t_config')).toEqual([{ n: 1 }]);

      const status = await migrationStatus(plan, { connections: conns, capacityBytes: 1024 * 1024 * 1024 });
      expect(status.ok).toBe(true);
      expect(status.versions).toEqual(['1', '2', '3']);
      expect(status.databases.every((d) => Object.values(d.states).every((s) => s === 'success'))).toBe(true);
      expect(status.databases[0]!.capacity!.bytes).toBeGreaterThan(0);
      const tight = await migrationStatus(plan, { connections: conns, capacityBytes: 1000 });
      expect(tight.ok).toBe(false);
      expect(tight.problems[0]).toMatch(/n1\/loan_0: \d+ bytes is over the cap of 1000 bytes/);
    } finally {
      await conns.end();
    }
  });

  it('uses ALGORITHM=INSTANT for an instant column add and INPLACE, LOCK=NONE for an index (no copy)', async () => {
    const plan = handPlan(f, [{ version: '1', description: 'x', statements: ['ALTER TABLE t_order ADD COLUMN flag TINYINT NULL', 'CREATE INDEX idx_user ON t_order (user_id)'] }]);
    const conns = connector(f);
    try {
      const run = await applyMigrations(plan, { connections: conns, config: execConfig(), appliedBy: 't' });
      expect(run.ok).toBe(true);
      expect(run.databases.map((d) => d.algorithms)).toEqual(Array(4).fill({ INSTANT: SHARDS_PER_DB, INPLACE: SHARDS_PER_DB }));
      expect(await indexes(f.nodes[1]!, 'loan_3', 't_order_2')).toEqual(['PRIMARY', 'idx_user']);
      // A change that cannot be done online is refused unless copy ALTERs are allowed.
      const copy = handPlan(f, [{ version: '2', description: 'pk', statements: ['ALTER TABLE t_order MODIFY amount BIGINT NOT NULL'] }]);
      const refused = await applyMigrations(copy, { connections: conns, config: execConfig(), appliedBy: 't', verify: 'off' });
      expect(refused.ok).toBe(false);
      expect(refused.databases[0]!.error).toMatch(/would copy the table|ALGORITHM|allowCopyAlter/);
      expect(await rootQuery(f.nodes[0]!, "SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='loan_0' AND TABLE_NAME='t_order_0' AND COLUMN_NAME='amount'")).toEqual([{ t: 'decimal' }]);
      const allowed = await applyMigrations(copy, { connections: conns, config: execConfig({ allowCopyAlter: true }), appliedBy: 't', verify: 'off' });
      expect(allowed.ok).toBe(true);
      expect(await rootQuery(f.nodes[0]!, "SELECT DATA_TYPE AS t FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='loan_0' AND TABLE_NAME='t_order_0' AND COLUMN_NAME='amount'")).toEqual([{ t: 'bigint' }]);
    } finally {
      await conns.end();
    }
  });

  it('verify names a physical table altered by hand; status shows pending', async () => {
    const plan = handPlan(f, [V1]);
    const conns = connector(f);
    try {
      await applyMigrations(plan, { connections: conns, config: execConfig(), appliedBy: 't' });
      await rootQuery(f.nodes[1]!, 'ALTER TABLE loan_3.t_order_2 ADD COLUMN hotfix INT NULL');
      const report = await verifySchemas(copiesFromPlan(plan), { connections: conns });
      expect(report.ok).toBe(false);
      const order = report.tables.find((t) => t.logicalTable === 't_order')!;
      expect(order.drifting).toEqual([{ node: 'n2', database: 'loan_3', table: 't_order_2' }]);
      expect(report.tables.find((t) => t.logicalTable === 't_config')!.drifting).toEqual([]);
      const text = formatDrift(report).join('\n');
      expect(text).toContain('n2/loan_3.t_order_2');
      expect(text).toContain('hotfix');
      // AUTO_INCREMENT counters differ between copies without being drift.
      await rootQuery(f.nodes[0]!, 'ALTER TABLE loan_0.t_config AUTO_INCREMENT = 500');
      const pending = await migrationStatus(handPlan(f, [V1, V2]), { connections: conns });
      expect(pending.ok).toBe(true);
      expect(pending.databases.map((d) => d.states['2'])).toEqual(Array(4).fill('pending'));
    } finally {
      await conns.end();
    }
  });

  it('refuses an edited applied migration until repair, which prints what it changed', async () => {
    const conns = connector(f);
    try {
      expect((await applyMigrations(handPlan(f, [V1]), { connections: conns, config: execConfig(), appliedBy: 't' })).ok).toBe(true);
      const edited = handPlan(f, [{ ...V1, salt: ' -- edited' }, V2]);
      const run = await applyMigrations(edited, { connections: conns, config: execConfig(), appliedBy: 't' });
      expect(run.ok).toBe(false);
      expect(run.stopped).toMatch(/checksum/);
      expect(run.databases.every((d) => d.outcome === 'refused')).toBe(true);
      expect(run.databases[0]!.error).toMatch(/V1 was applied with checksum .* migrate repair/);
      // Nothing of V2 ran anywhere.
      expect(await columns(f.nodes[0]!, 'loan_0', 't_order_item_0')).toEqual([]);

      const status = await migrationStatus(edited, { connections: conns });
      expect(status.ok).toBe(false);
      expect(status.databases[0]!.states['1']).toBe('changed');

      const repaired = await repairHistory(edited, { connections: conns });
      expect(repaired.errors).toEqual([]);
      expect(repaired.changes).toHaveLength(4);
      expect(formatRepairChange(repaired.changes[0]!)).toMatch(/V1: checksum [0-9a-f]{12} -> [0-9a-f]{12}/);
      const after = await applyMigrations(edited, { connections: conns, config: execConfig(), appliedBy: 't' });
      expect(after.ok).toBe(true);
      expect(after.databases.map((d) => d.statementsRun)).toEqual(Array(4).fill(SHARDS_PER_DB));
    } finally {
      await conns.end();
    }
  });

  it('two concurrent applies never apply a migration twice', async () => {
    const plan = handPlan(f, [V1, V2, V3]);
    const a = connector(f);
    const b = connector(f);
    try {
      const [ra, rb] = await Promise.all([
        applyMigrations(plan, { connections: a, config: execConfig(), appliedBy: 'runner-a', lockTimeoutSeconds: 30 }),
        applyMigrations(plan, { connections: b, config: execConfig(), appliedBy: 'runner-b', lockTimeoutSeconds: 30 }),
      ]);
      expect(ra.ok && rb.ok).toBe(true);
      for (let i = 0; i < 4; i++) {
        // Exactly one runner ran each database's statements; the other found it up to date.
        const runs = [ra.databases[i]!.statementsRun, rb.databases[i]!.statementsRun].sort((x, y) => x - y);
        expect(runs).toEqual([0, 2 * SHARDS_PER_DB + 2]);
      }
      for (const db of f.databases) {
        const node = f.nodes.find((n) => n.name === db.node)!;
        expect(await rootQuery(node, `SELECT COUNT(*) AS n FROM ${db.database}.t_config`)).toEqual([{ n: 1 }]);
      }
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it('a second run waits a bounded time for the lock, then names who holds it', async () => {
    const plan = handPlan(f, [V1]);
    const conns = connector(f);
    const holder = await conns.connect({ node: 'n1', database: 'loan_0' });
    try {
      expect(await holder.getLock('shardship:loan_0', 1)).toBe(true);
      const t0 = Date.now();
      const run = await applyMigrations(plan, { connections: conns, config: execConfig(), appliedBy: 't', lockTimeoutSeconds: 1, verify: 'off' });
      expect(Date.now() - t0).toBeLessThan(10_000);
      const locked = run.databases.find((d) => d.target.database === 'loan_0')!;
      expect(locked.outcome).toBe('locked');
      expect(locked.error).toMatch(/loan_0 is locked by shardship@127\.0\.0\.1:\d+ \(connection \d+\); waited 1s/);
      expect(run.databases.filter((d) => d.outcome === 'applied')).toHaveLength(3);
    } finally {
      await holder.close();
      await conns.end();
    }
  });

  it('an unreachable node gives a clear error naming its databases; the others apply', async () => {
    const port = await freePort();
    const env = { ...f.env, SHARD_N2_DSN: `mysql://shardship:s3cret-pass@127.0.0.1:${port}` };
    const conns = connector(f, 4, env);
    try {
      const run = await applyMigrations(handPlan(f, [V1]), { connections: conns, config: execConfig(), appliedBy: 't' });
      expect(run.ok).toBe(false);
      const down = run.databases.filter((d) => d.outcome === 'unreachable').map((d) => d.target.database);
      expect(down).toEqual(['loan_2', 'loan_3']);
      const err = run.databases.find((d) => d.target.database === 'loan_2')!.error!;
      expect(err).toMatch(/mysql n2: cannot connect \(database loan_2\)/);
      expect(err).not.toContain('s3cret-pass');
      expect(run.databases.filter((d) => d.outcome === 'applied')).toHaveLength(2);
      const stop = await applyMigrations(handPlan(f, [V1, V2]), { connections: conns, config: execConfig(), appliedBy: 't', stopOnError: true });
      expect(stop.stopped).toBe('--stop-on-error: loan_2 unreachable, loan_3 unreachable before anything ran');
      expect(stop.databases.map((d) => d.outcome)).toEqual(['skipped', 'skipped', 'unreachable', 'unreachable']);
      expect(await columns(f.nodes[0]!, 'loan_0', 't_order_item_0')).toEqual([]);
    } finally {
      await conns.end();
    }
    const bad = connector(f, 4, { ...f.env, SHARD_N1_DSN: f.nodes[0]!.dsn.replace(/:pw-[^@]+@/, ':wrong-password@') });
    try {
      const e = await bad.connect({ node: 'n1', database: 'loan_0' }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(ShardError);
      expect((e as ShardError).kind).toBe('access-denied');
      expect((e as ShardError).hint).toMatch(/password/);
    } finally {
      await bad.end();
    }
  });
});
