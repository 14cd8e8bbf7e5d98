// `migrate repair`: the deliberate way out of a refusal. It realigns the recorded checksum of
// applied migrations with the files, and clears failed rows that ran nothing, printing each change.
import pLimit from 'p-limit';
import type { ShardConnection, ShardConnector, ShardTarget } from '../core/shards.js';
import { HISTORY_TABLE, readHistory, type HistoryRow } from './history.js';
import type { MigrationPlan } from './plan-types.js';

export type RepairChange =
  | { kind: 'checksum'; target: ShardTarget; version: string; from: string; to: string }
  | { kind: 'cleared'; target: ShardTarget; version: string; state: string }
  | { kind: 'kept'; target: ShardTarget; version: string; reason: string };

/** Decide the changes for one database. Pure. */
export function planRepair(plan: MigrationPlan, target: ShardTarget, rows: HistoryRow[]): RepairChange[] {
  const files = new Map(plan.migrations.map((m) => [m.version, m]));
  const out: RepairChange[] = [];
  for (const r of rows) {
    const file = files.get(r.version);
    if (r.state !== 'success') {
      if (r.statementsDone === 0) out.push({ kind: 'cleared', target, version: r.version, state: r.state });
      else
        out.push({
          kind: 'kept',
          target,
          version: r.version,
          reason: `${r.state} after ${r.statementsDone}/${r.statementCount} statements: \`apply\` resumes it at statement ${r.statementsDone + 1}`,
        });
      if (r.statementsDone > 0 && file && file.checksum !== r.checksum) out.push({ kind: 'checksum', target, version: r.version, from: r.checksum, to: file.checksum });
      continue;
    }
    if (file && file.checksum !== r.checksum) out.push({ kind: 'checksum', target, version: r.version, from: r.checksum, to: file.checksum });
  }
  return out;
}

export async function repairHistory(plan: MigrationPlan, opts: { connections: ShardConnector; dryRun?: boolean }): Promise<{ changes: RepairChange[]; errors: string[] }> {
  const changes: RepairChange[] = [];
  const errors: string[] = [];
  const limit = pLimit(8);
  await Promise.all(
    plan.databases.map((db) =>
      limit(async () => {
        let conn: ShardConnection | undefined;
        try {
          conn = await opts.connections.connect(db.target);
          const planned = planRepair(plan, db.target, (await readHistory(conn)) ?? []);
          for (const c of planned) {
            if (opts.dryRun) continue;
            if (c.kind === 'checksum') await conn.execute(`UPDATE ${HISTORY_TABLE} SET checksum = ? WHERE version = ?`, [c.to, c.version]);
            if (c.kind === 'cleared') await conn.execute(`DELETE FROM ${HISTORY_TABLE} WHERE version = ? AND state <> 'success'`, [c.version]);
          }
          changes.push(...planned);
        } catch (e) {
          errors.push(`${db.target.node}/${db.target.database}: ${e instanceof Error ? e.message : String(e)}`);
        } finally {
          await conn?.close();
        }
      }),
    ),
  );
  return { changes, errors };
}

export function formatRepairChange(c: RepairChange): string {
  const where = `${c.target.node}/${c.target.database} V${c.version}`;
  if (c.kind === 'checksum') return `${where}: checksum ${c.from.slice(0, 12)} -> ${c.to.slice(0, 12)}`;
  if (c.kind === 'cleared') return `${where}: cleared ${c.state} row (no statement had run)`;
  return `${where}: kept: ${c.reason}`;
}
