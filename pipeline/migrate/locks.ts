// One apply at a time per physical database: a named server lock (GET_LOCK) held by the session
// that applies. It dies with the session, so a crashed runner never leaves a stale lock.
import { createHash } from 'node:crypto';
import type { ShardConnection } from '../core/shards.js';
import { HISTORY_TABLE } from './history.js';

/** `shardship:<db>`; MariaDB caps lock names at 64 characters, so long names are hashed. */
export function lockName(database: string): string {
  const name = `shardship:${database}`;
  if (name.length <= 64) return name;
  return `shardship:${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
}

export interface LockHolder {
  connectionId: number | null;
  user?: string;
  host?: string;
  /** From the holder's `running` history row, when it has written one. */
  appliedBy?: string;
  version?: string;
}

export function describeHolder(database: string, h: LockHolder, waitedSeconds: number): string {
  const who = h.user ? `${h.user}@${h.host ?? '?'}` : 'another session';
  const conn = h.connectionId ? ` (connection ${h.connectionId})` : '';
  const what = h.appliedBy ? `, applying V${h.version} for ${h.appliedBy}` : '';
  return `${database} is locked by ${who}${conn}${what}; waited ${waitedSeconds}s. Another \`migrate apply\` is running: let it finish, or end that session`;
}

/** Who holds the lock right now (best effort: the holder may release it while we look). */
export async function findHolder(conn: ShardConnection, database: string): Promise<LockHolder> {
  const [used] = await conn.query<{ id: number | null }>('SELECT IS_USED_LOCK(?) AS id', [lockName(database)]);
  const id = used?.id === null || used?.id === undefined ? null : Number(used.id);
  const holder: LockHolder = { connectionId: id };
  if (id !== null) {
    const [p] = await conn.query<{ USER: string; HOST: string }>('SELECT USER, HOST FROM information_schema.PROCESSLIST WHERE ID = ?', [id]);
    if (p) {
      holder.user = p.USER;
      holder.host = p.HOST;
    }
  }
  try {
    const [row] = await conn.query<{ version: string; applied_by: string }>(`SELECT version, applied_by FROM ${HISTORY_TABLE} WHERE state = 'running' ORDER BY started_at DESC LIMIT 1`);
    if (row) {
      holder.appliedBy = row.applied_by;
      holder.version = row.version;
    }
  } catch {
    // No history table yet: the holder has not written anything.
  }
  return holder;
}

export type LockOutcome = { acquired: true } | { acquired: false; message: string; holder: LockHolder };

export async function acquireDatabaseLock(conn: ShardConnection, timeoutSeconds: number): Promise<LockOutcome> {
  const database = conn.target.database;
  if (await conn.getLock(lockName(database), timeoutSeconds)) return { acquired: true };
  const holder = await findHolder(conn, database);
  return { acquired: false, holder, message: describeHolder(database, holder, timeoutSeconds) };
}

export async function releaseDatabaseLock(conn: ShardConnection): Promise<void> {
  await conn.releaseLock(lockName(conn.target.database));
}
