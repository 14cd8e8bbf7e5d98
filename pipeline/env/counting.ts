// Per-environment counters over the shared ports: API requests and SQL statements each
// environment cost (what `env up --json` and bench/env report). The ports are shared by a bulk
// `up`, so their own totals cannot tell environments apart.
import type { Row, ShardConnection, ShardConnector } from '../core/shards.js';
import type { EnvironmentCluster } from './ports.js';

export interface Counts {
  apiRequests: number;
  sqlStatements: number;
}

export function countingCluster(cluster: EnvironmentCluster, counts: Counts): EnvironmentCluster {
  const count = <T>(p: Promise<T>): Promise<T> => {
    counts.apiRequests++;
    return p;
  };
  return {
    get: (ref) => count(cluster.get(ref)),
    list: (apiVersion, kind, namespace, selector) => count(cluster.list(apiVersion, kind, namespace, selector)),
    create: (obj) => count(cluster.create(obj)),
    replace: (obj) => count(cluster.replace(obj)),
    delete: (ref) => count(cluster.delete(ref)),
    get stats() {
      return cluster.stats;
    },
  };
}

export function countingShards(shards: ShardConnector, counts: Counts): ShardConnector {
  return {
    get nodes() {
      return shards.nodes;
    },
    end: () => shards.end(),
    async connect(target) {
      const conn = await shards.connect(target);
      counts.sqlStatements++; // the USE the adapter sends
      const counted: ShardConnection = {
        target: conn.target,
        get threadId() {
          return conn.threadId;
        },
        query<T extends Row = Row>(sql: string, params?: unknown[]) {
          counts.sqlStatements++;
          return conn.query<T>(sql, params);
        },
        execute(sql, params) {
          counts.sqlStatements++;
          return conn.execute(sql, params);
        },
        getLock(name, timeout) {
          counts.sqlStatements++;
          return conn.getLock(name, timeout);
        },
        releaseLock(name) {
          counts.sqlStatements++;
          return conn.releaseLock(name);
        },
        close: () => conn.close(),
      };
      return counted;
    },
  };
}
