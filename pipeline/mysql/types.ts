// The ShardConnection port: one database session on one shard node. The migrate stage talks
// only to this interface; pipeline/mysql/pool.ts implements it over mysql2.
import type { ShardTarget } from '../migrate/plan-types.js';

export type Row = Record<string, unknown>;

export interface ShardConnection {
  readonly target: ShardTarget;
  /** Server thread id of this session (what IS_USED_LOCK and the processlist report). */
  readonly threadId: number;
  /** A statement that returns rows. */
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A statement that changes things; returns the affected row count. */
  execute(sql: string, params?: unknown[]): Promise<{ affectedRows: number }>;
  /** GET_LOCK(name, timeout): true when this session now holds it, false on timeout. */
  getLock(name: string, timeoutSeconds: number): Promise<boolean>;
  releaseLock(name: string): Promise<void>;
  /** Give the session back (releasing any lock it still holds). */
  close(): Promise<void>;
}

/** Opens sessions on the shard nodes of one environment; one pool per node. */
export interface ShardConnector {
  connect(target: ShardTarget): Promise<ShardConnection>;
  /** Node names this connector knows. */
  readonly nodes: string[];
  end(): Promise<void>;
}
