// mysql2 behind the ShardConnection port: one pool per shard node, built from the DSN held in
// the env var the topology names. The password is registered as a secret before anything can
// print it, and DSNs are never echoed.
import { createPool, type Pool, type PoolConnection } from 'mysql2/promise';
import { ConfigError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { Row, ShardConnection, ShardConnector, ShardError, ShardTarget } from '../core/shards.js';
import { translateMysqlError } from './errors.js';

export interface NodeEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Parse `mysql://user:pass@host:port` without ever putting the DSN in an error. */
export function parseDsn(dsn: string, where: { node: string; dsnEnv: string; path: string }): NodeEndpoint {
  let url: URL;
  try {
    url = new URL(dsn.trim());
  } catch (e) {
    throw new ConfigError([{ path: where.path, message: `env var ${where.dsnEnv} does not hold a valid URL`, hint: 'write mysql://user:password@host:port' }], { cause: e });
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new ConfigError([{ path: where.path, message: `env var ${where.dsnEnv} must be a mysql:// URL` }]);
  }
  registerSecret(url.password);
  // A raw `%` in the user or password is not valid percent-encoding: say how to fix it, never what it is.
  const decode = (part: 'user' | 'password', text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch (e) {
      throw new ConfigError(
        [
          {
            path: where.path,
            message: `env var ${where.dsnEnv}: the ${part} in the DSN is not percent-encoded`,
            hint: 'percent-encode it: write % as %25 (and @ : / # ? as %40 %3A %2F %23 %3F), e.g. with encodeURIComponent',
          },
        ],
        { cause: e },
      );
    }
  };
  const password = decode('password', url.password);
  registerSecret(password);
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    user: decode('user', url.username) || 'root',
    password,
  };
}

export interface NodeSpec {
  dsnEnv: string;
  concurrency?: number | undefined;
}

export interface ConnectorOptions {
  environment: string;
  nodes: Record<string, NodeSpec>;
  env: NodeJS.ProcessEnv;
  /** Connections per node when the node does not set its own. */
  nodeConcurrency: number;
  /** timeouts.mysqlConnect: TCP connect and handshake (default 5s). */
  connectTimeoutMs?: number;
  /** timeouts.mysqlQuery: one statement (default 1h); a node that stops answering mid-statement fails instead of hanging. */
  queryTimeoutMs?: number;
}

/** Default timeouts.mysqlQuery. */
export const MYSQL_QUERY_TIMEOUT_MS = 3_600_000;

/** Read every node's DSN now, so a missing env var is a config error before any shard is touched. */
export function createShardConnector(opts: ConnectorOptions): ShardConnector {
  const problems = [];
  const endpoints = new Map<string, { endpoint: NodeEndpoint; limit: number }>();
  for (const [node, spec] of Object.entries(opts.nodes)) {
    const path = `migrate.environments.${opts.environment}.nodes.${node}.dsnEnv`;
    const dsn = opts.env[spec.dsnEnv];
    if (!dsn) {
      problems.push({ path, message: `env var ${spec.dsnEnv} (DSN of node ${node}) is not set`, hint: `export ${spec.dsnEnv}=mysql://user:password@host:port` });
      continue;
    }
    endpoints.set(node, { endpoint: parseDsn(dsn, { node, dsnEnv: spec.dsnEnv, path }), limit: spec.concurrency ?? opts.nodeConcurrency });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return new PoolConnector(endpoints, opts.connectTimeoutMs ?? 5000, opts.queryTimeoutMs ?? MYSQL_QUERY_TIMEOUT_MS);
}

class PoolConnector implements ShardConnector {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly endpoints: Map<string, { endpoint: NodeEndpoint; limit: number }>,
    private readonly connectTimeoutMs: number,
    private readonly queryTimeoutMs: number,
  ) {}

  get nodes(): string[] {
    return [...this.endpoints.keys()];
  }

  private pool(node: string): Pool {
    let pool = this.pools.get(node);
    if (pool) return pool;
    const spec = this.endpoints.get(node);
    if (!spec) throw new ConfigError([{ path: 'migrate', message: `node ${node} is not in the topology` }]);
    pool = createPool({
      ...spec.endpoint,
      // +1: the lock/history session of a database may overlap its statement session.
      connectionLimit: spec.limit + 1,
      maxIdle: spec.limit + 1,
      connectTimeout: this.connectTimeoutMs,
      multipleStatements: false,
      supportBigNumbers: true,
      dateStrings: true,
      charset: 'utf8mb4_general_ci',
    });
    // An idle pooled connection that dies (node restart) must not crash the process.
    pool.on('connection', (c) => {
      c.on('error', () => undefined);
    });
    this.pools.set(node, pool);
    return pool;
  }

  async connect(target: ShardTarget): Promise<ShardConnection> {
    let conn: PoolConnection;
    try {
      conn = await this.pool(target.node).getConnection();
    } catch (e) {
      throw translateMysqlError(e, target.node, `cannot connect (database ${target.database})`);
    }
    const session = new PooledSession(target, conn, this.queryTimeoutMs);
    try {
      await session.execute(`USE ${quoteIdent(target.database)}`);
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  async end(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }
}

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

class PooledSession implements ShardConnection {
  private readonly locks = new Set<string>();
  private broken = false;
  private closed = false;

  constructor(
    readonly target: ShardTarget,
    private readonly conn: PoolConnection,
    private readonly queryTimeoutMs: number,
  ) {}

  get threadId(): number {
    return this.conn.threadId;
  }

  private fail(e: unknown, what: string): ShardError {
    const timedOut = (e as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT';
    const err = translateMysqlError(e, this.target.node, `${this.target.database}: ${what}${timedOut ? ` (no answer within ${this.queryTimeoutMs / 1000}s, timeouts.mysqlQuery)` : ''}`);
    if (err.nodeDown) this.broken = true;
    return err;
  }

  async query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]> {
    try {
      const [rows] = await this.conn.query({ sql, timeout: this.queryTimeoutMs }, params);
      return rows as T[];
    } catch (e) {
      throw this.fail(e, 'query failed');
    }
  }

  async execute(sql: string, params?: unknown[]): Promise<{ affectedRows: number }> {
    try {
      const [res] = await this.conn.query({ sql, timeout: this.queryTimeoutMs }, params);
      const affected = (res as { affectedRows?: number }).affectedRows;
      return { affectedRows: typeof affected === 'number' ? affected : 0 };
    } catch (e) {
      throw this.fail(e, 'statement failed');
    }
  }

  async getLock(name: string, timeoutSeconds: number): Promise<boolean> {
    const rows = await this.query<{ got: number | null }>('SELECT GET_LOCK(?, ?) AS got', [name, timeoutSeconds]);
    const got = Number(rows[0]?.got) === 1;
    if (got) this.locks.add(name);
    return got;
  }

  async releaseLock(name: string): Promise<void> {
    this.locks.delete(name);
    await this.query('SELECT RELEASE_LOCK(?) AS released', [name]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.broken) {
      this.conn.destroy();
      return;
    }
    try {
      // A pooled session must never carry a lock or a session setting into its next use.
      if (this.locks.size > 0) await this.conn.query('SELECT RELEASE_ALL_LOCKS()');
      this.locks.clear();
      // Session settings (lock_wait_timeout) may carry over: every user sets what it needs.
      this.conn.release();
    } catch {
      this.conn.destroy();
    }
  }
}
