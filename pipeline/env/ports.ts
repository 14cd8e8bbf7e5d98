// The environments stage's ports: the Kubernetes verbs it needs (the kube adapter's Cluster
// implements them) and the shard nodes of the topology it copies (the mysql adapter's
// ShardConnector). Both are injected; nothing here imports a vendor client.
import type { Cluster } from '../core/cluster.js';
import type { ShardConnector } from '../core/shards.js';

/** Namespaces, ConfigMaps, Secrets, quotas and the apps' objects, created, read and deleted. */
export type EnvironmentCluster = Pick<Cluster, 'get' | 'list' | 'create' | 'replace' | 'delete' | 'stats'>;

/** Sessions on the nodes of the source topology: the same hosts (dsnEnv) the environment's databases go on. */
export type EnvironmentShards = ShardConnector;

/** Where the proxy reaches a node from inside the cluster. */
export interface NodeAddress {
  host: string;
  port: number;
}
