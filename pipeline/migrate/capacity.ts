// The capacity cap: every physical database stays small enough to move and restore fast.
import type { ShardConnection } from '../core/shards.js';

export async function databaseSizeBytes(conn: ShardConnection): Promise<number> {
  const [row] = await conn.query<{ bytes: string | number | null }>(
    'SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [conn.target.database],
  );
  return Number(row?.bytes ?? 0);
}

export interface CapacityVerdict {
  bytes: number;
  capBytes?: number;
  /** Share of the cap in use, 0..1+ */
  used?: number;
  over: boolean;
}

export function capacityVerdict(bytes: number, capBytes: number | undefined): CapacityVerdict {
  if (!capBytes) return { bytes, over: false };
  return { bytes, capBytes, used: bytes / capBytes, over: bytes > capBytes };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}
