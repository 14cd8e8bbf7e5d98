// Reading the records: every environment the cluster knows, from the one namespace they live in.
import { ConflictError } from '../core/cluster.js';
import type { EnvironmentCluster } from './ports.js';
import { LABEL_ENVIRONMENT, RECORD_NAMESPACE, recordFromConfigMap, type EnvironmentRecord } from './record.js';
import { recordRef } from './lock.js';

const ensured = new WeakSet<object>();

/** The records' namespace, created on first use (once per cluster adapter). */
export async function ensureRecordNamespace(cluster: EnvironmentCluster): Promise<void> {
  if (ensured.has(cluster.stats)) return;
  try {
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: RECORD_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'shardship' } } });
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
  }
  ensured.add(cluster.stats);
}

export async function readRecords(cluster: EnvironmentCluster): Promise<EnvironmentRecord[]> {
  const items = await cluster.list('v1', 'ConfigMap', RECORD_NAMESPACE, LABEL_ENVIRONMENT);
  return items.map(recordFromConfigMap).sort((a, b) => a.name.localeCompare(b.name));
}

/** The record of environment NAME, looked up by name (the namespace is derived, but two names may map to one). */
export async function findRecord(cluster: EnvironmentCluster, namespace: string): Promise<{ record: EnvironmentRecord; resourceVersion?: string } | undefined> {
  const cm = await cluster.get(recordRef(namespace));
  if (!cm) return undefined;
  return { record: recordFromConfigMap(cm), ...(cm.metadata.resourceVersion ? { resourceVersion: cm.metadata.resourceVersion } : {}) };
}
