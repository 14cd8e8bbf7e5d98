// The environment's record: what `env up` created (namespace, databases per node, the MySQL
// user), who owns it and until when, kept in the cluster as a ConfigMap in one fixed namespace
// so that any runner can read it, `env down` can remove exactly that, and creating it is the
// lock two concurrent `up`s race for. One zod schema: type, validation, stored shape.
import { z } from 'zod';
import { ServiceError } from '../core/errors.js';
import type { KubeObject } from '../core/cluster.js';

export const RECORD_NAMESPACE = 'shardship-environments';
export const RECORD_KEY = 'record.json';
export const LABEL_ENVIRONMENT = 'shardship.dev/environment';
export const RECORD_VERSION = 1;

export const EnvironmentDatabase = z.strictObject({
  node: z.string(),
  /** The environment's physical database. */
  database: z.string(),
  /** The database of the source topology it copies. */
  source: z.string(),
  state: z.enum(['pending', 'migrated', 'ready', 'failed']),
  error: z.string().optional(),
});
export type EnvironmentDatabase = z.infer<typeof EnvironmentDatabase>;

export const EnvironmentStatus = z.enum(['creating', 'ready', 'incomplete']);
export type EnvironmentStatus = z.infer<typeof EnvironmentStatus>;

export const EnvironmentRecord = z.strictObject({
  schemaVersion: z.literal(RECORD_VERSION),
  name: z.string(),
  namespace: z.string(),
  /** migrate environment whose topology this copies. */
  from: z.string(),
  owner: z.string(),
  pr: z.number().int().positive().optional(),
  image: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: EnvironmentStatus,
  /** Held while an `up` runs; a second `up` refuses until it is released or stale. */
  lock: z.strictObject({ holder: z.string(), since: z.string() }).optional(),
  /** The MySQL user the proxy connects as, on each node. */
  user: z.string(),
  nodes: z.array(z.string()),
  databases: z.array(EnvironmentDatabase),
  /** What is still missing after the last `up` (empty when ready). */
  missing: z.array(z.string()).default([]),
  /** Set when the seed ran in every database. */
  seeded: z.boolean().default(false),
});
export type EnvironmentRecord = z.infer<typeof EnvironmentRecord>;

export function recordObjectName(namespace: string): string {
  return namespace;
}

export function recordToConfigMap(record: EnvironmentRecord, resourceVersion?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: recordObjectName(record.namespace),
      namespace: RECORD_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'shardship', [LABEL_ENVIRONMENT]: record.namespace },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: { [RECORD_KEY]: JSON.stringify(record) },
  };
}

/** The record in a ConfigMap; a record this version cannot read is an error, never "no environment". */
export function recordFromConfigMap(cm: KubeObject): EnvironmentRecord {
  const text = (cm.data as Record<string, string> | undefined)?.[RECORD_KEY];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch (e) {
    throw new ServiceError('kubernetes', `environment record ${RECORD_NAMESPACE}/${cm.metadata.name} is not JSON`, { cause: e, hint: 'inspect it with kubectl; remove it only once its namespace and databases are gone' });
  }
  const r = EnvironmentRecord.safeParse(parsed);
  if (!r.success) {
    throw new ServiceError('kubernetes', `environment record ${RECORD_NAMESPACE}/${cm.metadata.name} is not a version-${RECORD_VERSION} record: ${r.error.issues[0]?.message ?? ''}`, {
      hint: 'it was written by another shardship version; use that version to remove it',
    });
  }
  return r.data;
}
