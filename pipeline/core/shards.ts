// The shard ports, shared by the migrate and backup stages: one database session on one shard
// node (`ShardConnection`), the connector that opens them, and the one error a session throws.
// pipeline/mysql/ implements them over mysql2 and translates its errors into `ShardError`
// there, once; the stages decide on `kind` and never see the driver.
import { ServiceError } from './errors.js';

/** One physical database on one shard node. */
export interface ShardTarget {
  node: string;
  /** Physical database name. */
  database: string;
}

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

/** What the stages decide on: retry a lock wait, try the next ALTER algorithm, mark a node down. */
export type ShardErrorKind =
  | 'lock-wait-timeout'
  | 'deadlock'
  | 'unreachable'
  | 'connection-lost'
  | 'access-denied'
  | 'unknown-database'
  | 'algorithm-not-supported'
  | 'lock-not-supported'
  | 'duplicate-column'
  | 'duplicate-key-name'
  | 'table-exists'
  | 'no-such-table'
  | 'syntax'
  | 'other';

/** Every failure of a `ShardConnection` or `ShardConnector` call is one of these. */
export class ShardError extends ServiceError {
  constructor(
    readonly kind: ShardErrorKind,
    readonly node: string,
    /** The server's error number, when the server answered. */
    readonly errno: number | undefined,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(`mysql ${node}`, message, options);
  }

  /** The session is unusable (server gone or connection dropped). */
  get nodeDown(): boolean {
    return this.kind === 'unreachable' || this.kind === 'connection-lost';
  }
}
