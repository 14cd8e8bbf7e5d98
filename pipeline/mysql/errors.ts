// mysql2 errors translated once into the shard port's `ShardError` (pipeline/core/shards.ts):
// server errnos and socket codes become the `kind` the stages decide on.
import { ShardError, type ShardErrorKind } from '../core/shards.js';

const BY_ERRNO: Record<number, ShardErrorKind> = {
  1205: 'lock-wait-timeout', // ER_LOCK_WAIT_TIMEOUT (also metadata locks under lock_wait_timeout)
  1213: 'deadlock', // ER_LOCK_DEADLOCK
  1045: 'access-denied', // ER_ACCESS_DENIED_ERROR
  1044: 'access-denied', // ER_DBACCESS_DENIED_ERROR
  1049: 'unknown-database', // ER_BAD_DB_ERROR
  1845: 'algorithm-not-supported', // ER_ALTER_OPERATION_NOT_SUPPORTED
  1846: 'algorithm-not-supported', // ER_ALTER_OPERATION_NOT_SUPPORTED_REASON
  1060: 'duplicate-column', // ER_DUP_FIELDNAME
  1061: 'duplicate-key-name', // ER_DUP_KEYNAME
  1050: 'table-exists', // ER_TABLE_EXISTS_ERROR
  1146: 'no-such-table', // ER_NO_SUCH_TABLE
  1064: 'syntax', // ER_PARSE_ERROR
  2013: 'connection-lost',
  2006: 'connection-lost',
};

const BY_CODE: Record<string, ShardErrorKind> = {
  ECONNREFUSED: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENOTFOUND: 'unreachable',
  ECONNRESET: 'connection-lost',
  EPIPE: 'connection-lost',
  PROTOCOL_CONNECTION_LOST: 'connection-lost',
  PROTOCOL_SEQUENCE_TIMEOUT: 'connection-lost',
  ER_CANT_CREATE_HANDLER_FILE: 'other',
};

interface VendorError {
  code?: string;
  errno?: number;
  sqlMessage?: string;
  message?: string;
}

const HINTS: Partial<Record<ShardErrorKind, string>> = {
  unreachable: 'is the node up and is the DSN in its env var right?',
  'access-denied': 'check the user and password in the node DSN env var and its grants',
  'unknown-database': 'create the physical database on its node (see the topology), then re-run',
  'lock-wait-timeout': 'a long transaction holds a lock on the table; retry later or end that transaction',
};

export function translateMysqlError(e: unknown, node: string, what: string): ShardError {
  if (e instanceof ShardError) return e;
  const v = (e ?? {}) as VendorError;
  // mysql2 reports server errors with a numeric errno; socket errors carry a string code.
  // A refused connect arrives as an AggregateError (IPv4 + IPv6) with the code on it.
  const kind = (v.errno !== undefined && v.errno > 0 ? BY_ERRNO[v.errno] : undefined) ?? (v.code ? BY_CODE[v.code] : undefined) ?? 'other';
  const detail = v.sqlMessage ?? v.message ?? String(e);
  const hint = HINTS[kind];
  return new ShardError(kind, node, v.errno, `${what}: ${detail || v.code || 'error'}`, { cause: e, ...(hint ? { hint } : {}) });
}
