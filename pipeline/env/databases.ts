// The environment's side of each shard node, over the ShardConnection port: its databases and
// its MySQL user (created idempotently, dropped exactly by name), the seed (in one transaction
// with its marker, so a re-run never seeds twice), and sizes for `env list`.
import type { ShardConnection, ShardConnector } from '../core/shards.js';
import { quoteIdentifier } from '../migrate/history.js';

/** Every server has it: a session that is in no environment database (before they exist). */
const ADMIN_DATABASE = 'information_schema';
export const SEED_MARKER_TABLE = 'shardship_environment_seed';

async function onNode<T>(shards: ShardConnector, node: string, fn: (conn: ShardConnection) => Promise<T>): Promise<T> {
  const conn = await shards.connect({ node, database: ADMIN_DATABASE });
  try {
    return await fn(conn);
  } finally {
    await conn.close();
  }
}

function account(user: string): string {
  return `${quoteString(user)}@'%'`;
}

function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The user (its password set to `password`) and the databases, each granted to it only. */
export async function prepareNode(shards: ShardConnector, node: string, user: string, password: string, databases: readonly string[]): Promise<void> {
  await onNode(shards, node, async (conn) => {
    await conn.execute(`CREATE USER IF NOT EXISTS ${account(user)} IDENTIFIED BY ?`, [password]);
    await conn.execute(`ALTER USER ${account(user)} IDENTIFIED BY ?`, [password]);
    for (const db of databases) {
      await conn.execute(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)} CHARACTER SET utf8mb4`);
      await conn.execute(`GRANT ALL PRIVILEGES ON ${quoteIdentifier(db)}.* TO ${account(user)}`);
    }
  });
}

/** Drop exactly these databases and the user; absent ones are fine (idempotent). */
export async function removeFromNode(shards: ShardConnector, node: string, user: string, databases: readonly string[]): Promise<void> {
  await onNode(shards, node, async (conn) => {
    for (const db of databases) await conn.execute(`DROP DATABASE IF EXISTS ${quoteIdentifier(db)}`);
    await conn.execute(`DROP USER IF EXISTS ${account(user)}`);
  });
}

/** Bytes per database (data + indexes); databases that do not exist are absent from the map. */
export async function databaseSizes(shards: ShardConnector, node: string, databases: readonly string[]): Promise<Map<string, number>> {
  if (!databases.length) return new Map();
  return onNode(shards, node, async (conn) => {
    const rows = await conn.query<{ db: string; bytes: string | number | null }>(
      `SELECT s.SCHEMA_NAME AS db, COALESCE(SUM(t.DATA_LENGTH + t.INDEX_LENGTH), 0) AS bytes FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME WHERE s.SCHEMA_NAME IN (${databases.map(() => '?').join(', ')}) GROUP BY s.SCHEMA_NAME`,
      [...databases],
    );
    return new Map(rows.map((r) => [r.db, Number(r.bytes ?? 0)]));
  });
}

/** Run the seed statements and record `checksum`, in one transaction; false when it already ran. */
export async function seedDatabase(shards: ShardConnector, target: { node: string; database: string }, checksum: string, statements: readonly string[]): Promise<boolean> {
  const conn = await shards.connect(target);
  try {
    await conn.execute(`CREATE TABLE IF NOT EXISTS ${SEED_MARKER_TABLE} (checksum CHAR(64) NOT NULL PRIMARY KEY, seeded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB`);
    const done = await conn.query(`SELECT 1 FROM ${SEED_MARKER_TABLE} WHERE checksum = ?`, [checksum]);
    if (done.length) return false;
    await conn.execute('START TRANSACTION');
    try {
      for (const sql of statements) await conn.execute(sql);
      await conn.execute(`INSERT INTO ${SEED_MARKER_TABLE} (checksum) VALUES (?)`, [checksum]);
      await conn.execute('COMMIT');
    } catch (e) {
      await conn.execute('ROLLBACK').catch(() => undefined);
      throw e;
    }
    return true;
  } finally {
    await conn.close();
  }
}
