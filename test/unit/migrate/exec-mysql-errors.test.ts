import { describe, expect, it } from 'vitest';
import { ShardError } from '../../../pipeline/core/shards.js';
import { translateMysqlError } from '../../../pipeline/mysql/errors.js';
import { parseDsn } from '../../../pipeline/mysql/pool.js';
import { ConfigError, ServiceError } from '../../../pipeline/core/errors.js';
import { redact } from '../../../pipeline/core/redact.js';

const vendor = (errno: number, code: string, sqlMessage: string) => Object.assign(new Error(sqlMessage), { errno, code, sqlMessage });

describe('mysql2 errors translated once, with cause', () => {
  it('maps server errors by errno', () => {
    const cases: [number, string, string][] = [
      [1205, 'ER_LOCK_WAIT_TIMEOUT', 'lock-wait-timeout'],
      [1213, 'ER_LOCK_DEADLOCK', 'deadlock'],
      [1045, 'ER_ACCESS_DENIED_ERROR', 'access-denied'],
      [1049, 'ER_BAD_DB_ERROR', 'unknown-database'],
      [1846, 'ER_ALTER_OPERATION_NOT_SUPPORTED_REASON', 'algorithm-not-supported'],
      [1845, 'ER_ALTER_OPERATION_NOT_SUPPORTED', 'algorithm-not-supported'],
      [1060, 'ER_DUP_FIELDNAME', 'duplicate-column'],
      [9999, 'ER_SOMETHING', 'other'],
    ];
    for (const [errno, code, kind] of cases) {
      const cause = vendor(errno, code, 'boom');
      const e = translateMysqlError(cause, 'n1', 'loan_0: statement failed');
      expect(e).toBeInstanceOf(ShardError);
      expect(e).toBeInstanceOf(ServiceError);
      expect(e.kind).toBe(kind);
      expect(e.cause).toBe(cause);
      expect(e.message).toBe('mysql n1: loan_0: statement failed: boom');
      expect(e.exitCode).toBe(1);
    }
  });

  it('maps socket errors and marks the node down', () => {
    const refused = translateMysqlError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'n2', 'cannot connect');
    expect(refused.kind).toBe('unreachable');
    expect(refused.nodeDown).toBe(true);
    expect(refused.hint).toMatch(/node up/);
    const lost = translateMysqlError(Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }), 'n2', 'x');
    expect(lost.kind).toBe('connection-lost');
    expect(translateMysqlError(vendor(1205, 'ER_LOCK_WAIT_TIMEOUT', 'x'), 'n', 'y').nodeDown).toBe(false);
  });

  it('parses a DSN, registers its password as a secret, and never echoes it in errors', () => {
    const ep = parseDsn('mysql://app:p%40ss-word-42@db.internal:3307', { node: 'n1', dsnEnv: 'SHARD_N1_DSN', path: 'migrate.environments.prod.nodes.n1.dsnEnv' });
    expect(ep).toEqual({ host: 'db.internal', port: 3307, user: 'app', password: 'p@ss-word-42' });
    expect(redact('password is p@ss-word-42')).toBe('password is ***');
    let err: unknown;
    try {
      parseDsn('postgres://u:topsecret99@h', { node: 'n1', dsnEnv: 'SHARD_N1_DSN', path: 'p' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('p: env var SHARD_N1_DSN must be a mysql:// URL');
  });
});
