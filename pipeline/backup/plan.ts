// Pure decisions of the backup stage: what a backup takes, how a topology is recorded and
// compared, and which backups retention keeps. Plain data in, plain data out.
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.js';
import type { ShardTarget } from '../core/shards.js';
import type { Topology } from '../migrate/topology.js';
import type { ListedBackup, TopologySnapshot } from './manifest.js';

/** Tables shardship keeps for itself that a backup never takes (a restore must not roll them back). */
export const BACKUP_HISTORY_TABLE = 'shardship_backup_history';
export const SNAPSHOT_REGISTRY_TABLE = 'shardship_snapshots';
export const SNAPSHOT_TABLE_PREFIX = '_shardship_snap_';

export function isOwnTable(table: string): boolean {
  return table === BACKUP_HISTORY_TABLE || table === SNAPSHOT_REGISTRY_TABLE || table.startsWith(SNAPSHOT_TABLE_PREFIX);
}

export interface DatabaseJob {
  target: ShardTarget;
  /** Physical tables to take; null: every table of the database. */
  tables: string[] | null;
}

export interface BackupPlan {
  environment: string;
  logicalTables: string[] | null;
  databases: DatabaseJob[];
}

/** Every physical database of the topology, or only the physical copies of `logicalTables`. */
export function planBackup(topology: Topology, logicalTables?: string[]): BackupPlan {
  if (!logicalTables || logicalTables.length === 0) return { environment: topology.environment, logicalTables: null, databases: topology.databases.map((target) => ({ target, tables: null })) };
  const unknown = logicalTables.filter((t) => !topology.tables[t]);
  if (unknown.length) throw new UsageError(`unknown logical table(s): ${unknown.join(', ')}`, { hint: `tables of ${topology.environment}: ${Object.keys(topology.tables).join(', ')}` });
  const byDb = new Map<string, string[]>();
  for (const t of logicalTables) for (const p of topology.tables[t]!.physical) byDb.set(p.database, [...(byDb.get(p.database) ?? []), p.physicalTable]);
  return {
    environment: topology.environment,
    logicalTables: [...logicalTables],
    databases: topology.databases.filter((d) => byDb.has(d.database)).map((target) => ({ target, tables: [...new Set(byDb.get(target.database))] })),
  };
}

export function topologySnapshot(topology: Topology): TopologySnapshot {
  const tables: TopologySnapshot['tables'] = {};
  for (const name of Object.keys(topology.tables).sort()) {
    const t = topology.tables[name]!;
    tables[name] = { kind: t.kind, physical: t.physical.map((p) => `${p.database}.${p.physicalTable}`) };
  }
  return { environment: topology.environment, nodes: topology.nodes.map((n) => n.name), databases: topology.databases.map((d) => ({ node: d.node, database: d.database })), tables };
}

/** sha256 of the snapshot's canonical JSON (keys sorted): equal digests, same layout. */
export function topologyDigest(s: TopologySnapshot): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canon({ ...s, environment: undefined }))).digest('hex');
}

/** What differs between the topology a backup recorded and today's, in words. Empty: the same. */
export function diffTopology(then: TopologySnapshot, now: TopologySnapshot): string[] {
  const out: string[] = [];
  const nodeThen = new Map(then.databases.map((d) => [d.database, d.node]));
  const nodeNow = new Map(now.databases.map((d) => [d.database, d.node]));
  for (const [db, node] of nodeThen) {
    const n = nodeNow.get(db);
    if (n === undefined) out.push(`database ${db} (on ${node} in the backup) is no longer in the topology`);
    else if (n !== node) out.push(`database ${db} moved from node ${node} to ${n}`);
  }
  for (const db of nodeNow.keys()) if (!nodeThen.has(db)) out.push(`database ${db} was added since the backup`);
  for (const [name, t] of Object.entries(then.tables)) {
    const cur = now.tables[name];
    if (!cur) {
      out.push(`logical table ${name} is no longer in the topology`);
      continue;
    }
    if (cur.kind !== t.kind) out.push(`logical table ${name} was ${t.kind}, is now ${cur.kind}`);
    const before = new Set(t.physical);
    const after = new Set(cur.physical);
    const added = cur.physical.filter((p) => !before.has(p));
    const gone = t.physical.filter((p) => !after.has(p));
    if (added.length) out.push(`logical table ${name} gained ${added.length} physical table(s): ${added.slice(0, 4).join(', ')}${added.length > 4 ? ', ...' : ''}`);
    if (gone.length) out.push(`logical table ${name} lost ${gone.length} physical table(s): ${gone.slice(0, 4).join(', ')}${gone.length > 4 ? ', ...' : ''}`);
  }
  for (const name of Object.keys(now.tables)) if (!then.tables[name]) out.push(`logical table ${name} was added since the backup`);
  return out;
}

/** `20261204T213000Z-prod-1a2b`: sorts by time, names the environment, never collides in practice. */
export function newBackupId(environment: string, now: Date, random = randomBytes(2).toString('hex')): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const env = environment.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${stamp}-${env}-${random}`;
}

export type Keep = { kind: 'age'; ms: number; text: string } | { kind: 'count'; n: number };

/** `--keep 7d` (age: s, m, h, d, w) or `--keep 10` (the newest N complete backups). */
export function parseKeep(text: string): Keep {
  const n = /^\d+$/.exec(text);
  if (n) {
    const count = Number(text);
    if (count < 1) throw new UsageError('--keep N must keep at least one backup');
    return { kind: 'count', n: count };
  }
  const m = /^(\d+)(s|m|h|d|w)$/.exec(text);
  if (!m) throw new UsageError(`--keep takes an age like 7d or 12h, or a count like 10; got ${text}`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return { kind: 'age', ms: Number(m[1]) * unit, text };
}

export interface PrunePlan {
  keep: string[];
  remove: { id: string; reason: string }[];
}

/**
 * Which backups to delete. Complete backups beyond the count or older than the age go; an
 * incomplete one goes once it is older than the newest complete backup (it can no longer be
 * resumed usefully). The newest complete backup is always kept.
 */
export function planPrune(backups: ListedBackup[], keep: Keep, now: Date): PrunePlan {
  const complete = backups.filter((b) => b.complete && b.manifest).sort((a, b) => (a.manifest!.finishedAt < b.manifest!.finishedAt ? 1 : -1));
  const out: PrunePlan = { keep: [], remove: [] };
  complete.forEach((b, i) => {
    const age = now.getTime() - Date.parse(b.manifest!.finishedAt);
    if (i === 0) out.keep.push(b.id);
    else if (keep.kind === 'count' && i >= keep.n) out.remove.push({ id: b.id, reason: `beyond the newest ${keep.n}` });
    else if (keep.kind === 'age' && age > keep.ms) out.remove.push({ id: b.id, reason: `older than ${keep.text}` });
    else out.keep.push(b.id);
  });
  const newest = complete[0]?.manifest?.startedAt;
  for (const b of backups.filter((x) => !x.complete)) {
    if (newest && b.id < newest.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')) out.remove.push({ id: b.id, reason: 'incomplete, and a newer complete backup exists' });
    else out.keep.push(b.id);
  }
  return out;
}
