// The environment's DB Mesh front: ShardingSphere-Proxy configured from the environment's
// topology (migrate/shardingsphere-export.ts), with one data source per environment database
// at the node's address and the credentials from the environment's Secret, rendered into its
// ConfigMap + Deployment + Service (proxy.ts). Pure.
import type { KubeObject } from '../core/cluster.js';
import { exportShardingSphere } from '../migrate/shardingsphere-export.js';
import type { Topology } from '../migrate/topology.js';
import { CREDENTIALS_SECRET, environmentLabels, logicalDatabaseName } from './objects.js';
import type { EnvironmentPlan } from './plan.js';
import type { NodeAddress } from './ports.js';
import { renderProxyObjects } from './proxy.js';

/** Env vars of the proxy pod holding the environment's database login (from the Secret). */
export const DATA_SOURCE_USER_ENV = 'SHARDSHIP_DB_USER';
export const DATA_SOURCE_PASSWORD_ENV = 'SHARDSHIP_DB_PASSWORD';

export function renderMesh(plan: EnvironmentPlan, topology: Topology, addresses: Record<string, NodeAddress>, image?: string): KubeObject[] {
  const dataSources = Object.fromEntries(
    topology.databases.map((d) => {
      const a = addresses[d.node];
      return [d.database, { url: `jdbc:mysql://${a?.host ?? d.node}:${a?.port ?? 3306}/${d.database}`, usernameEnv: DATA_SOURCE_USER_ENV, passwordEnv: DATA_SOURCE_PASSWORD_ENV }];
    }),
  );
  const config = exportShardingSphere(topology, { databaseName: logicalDatabaseName(plan), dataSources });
  return renderProxyObjects({ namespace: plan.namespace, labels: environmentLabels(plan), config, credentialsSecret: CREDENTIALS_SECRET, ...(image ? { image } : {}) });
}
