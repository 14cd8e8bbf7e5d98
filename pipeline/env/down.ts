// `env down` and `env gc`: remove exactly what an environment's record lists (its databases
// and user on each node, its namespace), never anything found by matching names, and the
// record last, so that a `down` that fails halfway is finished by the next one. `gc` removes
// only environments whose expiry has passed: a failing API call makes it stop, never delete.
import pLimit from 'p-limit';
import { countingCluster, countingShards, type Counts } from './counting.js';
import { removeFromNode } from './databases.js';
import { recordRef } from './lock.js';
import { namespaceOf } from './plan.js';
import type { EnvironmentCluster, EnvironmentShards } from './ports.js';
import type { EnvConfig } from '../config/env.js';
import { findRecord, readRecords } from './records.js';
import type { EnvironmentRecord } from './record.js';

export interface DownOptions {
  cluster: EnvironmentCluster;
  /** Sessions on the nodes of the topology an environment was copied from (its record's `from`). */
  shards: (from: string) => Promise<EnvironmentShards>;
  config: Pick<EnvConfig, 'namespacePrefix' | 'concurrency'>;
  /** Wait until the namespace is gone (its controller deletes what is in it first); default 0: do not wait. */
  namespaceTimeoutMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface DownReport {
  name: string;
  namespace: string;
  /** Whether there was anything to remove. */
  existed: boolean;
  removed: { databases: string[]; namespace: boolean; record: boolean };
  /** What could not be removed (the record is kept so the next `down` finishes it). */
  failed: string[];
  apiRequests: number;
  sqlStatements: number;
  durationMs: number;
  exitCode: 0 | 1;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Remove the environment NAME. Unknown: nothing to do, exit 0 (a PR closed twice, a second `down`). */
export async function downEnvironment(name: string, opts: DownOptions): Promise<DownReport> {
  const namespace = namespaceOf(opts.config, name);
  const found = await findRecord(opts.cluster, namespace);
  // Another name mapping to the same namespace is another environment: not ours to remove.
  if (!found || found.record.name !== name) {
    return { name, namespace, existed: false, removed: { databases: [], namespace: false, record: false }, failed: [], apiRequests: 1, sqlStatements: 0, durationMs: 0, exitCode: 0 };
  }
  return removeEnvironment(found.record, opts);
}

/** Remove what `record` lists; the record goes last, and only when everything else is gone. */
export async function removeEnvironment(record: EnvironmentRecord, opts: DownOptions): Promise<DownReport> {
  const started = Date.now();
  const counts: Counts = { apiRequests: 1, sqlStatements: 0 };
  const cluster = countingCluster(opts.cluster, counts);
  const shards = countingShards(await opts.shards(record.from), counts);
  const failed: string[] = [];
  const removed: DownReport['removed'] = { databases: [], namespace: false, record: false };
  await Promise.all(
    record.nodes.map(async (node) => {
      const dbs = record.databases.filter((d) => d.node === node).map((d) => d.database);
      try {
        await removeFromNode(shards, node, record.user, dbs);
        removed.databases.push(...dbs);
      } catch (e) {
        failed.push(`node ${node} (${dbs.join(', ')}): ${message(e)}`);
      }
    }),
  );
  try {
    await cluster.delete({ apiVersion: 'v1', kind: 'Namespace', namespace: record.namespace, name: record.namespace });
    if (opts.namespaceTimeoutMs) await waitGone(cluster, record.namespace, opts.namespaceTimeoutMs);
    removed.namespace = true;
  } catch (e) {
    failed.push(`namespace ${record.namespace}: ${message(e)}`);
  }
  if (!failed.length) {
    try {
      await cluster.delete(recordRef(record.namespace));
      removed.record = true;
    } catch (e) {
      failed.push(`record ${record.namespace}: ${message(e)}`);
    }
  }
  opts.log?.(`${record.name}: ${failed.length ? `${failed.length} left (run env down again)` : 'removed'}`);
  return { name: record.name, namespace: record.namespace, existed: true, removed, failed, ...counts, durationMs: Date.now() - started, exitCode: failed.length ? 1 : 0 };
}

async function waitGone(cluster: EnvironmentCluster, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await cluster.get({ apiVersion: 'v1', kind: 'Namespace', namespace, name: namespace })) {
    if (Date.now() > deadline) throw new Error(`still terminating after ${Math.round(timeoutMs / 1000)}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface GcReport {
  /** Expired environments and what removing each did. */
  removed: DownReport[];
  kept: { name: string; expiresAt: string }[];
  exitCode: 0 | 1;
}

/**
 * Remove every expired environment. The list of records is the only input: if it cannot be
 * read, nothing is removed (the error propagates); an environment is never removed because
 * something about it could not be read.
 */
export async function gcEnvironments(opts: DownOptions): Promise<GcReport> {
  const now = (opts.now ?? (() => new Date()))();
  const records = await readRecords(opts.cluster);
  const expired = records.filter((r) => Date.parse(r.expiresAt) <= now.getTime());
  const kept = records.filter((r) => !expired.includes(r)).map((r) => ({ name: r.name, expiresAt: r.expiresAt }));
  const limit = pLimit(opts.config.concurrency);
  const removed = await Promise.all(expired.map((r) => limit(() => removeEnvironment(r, opts))));
  return { removed, kept, exitCode: removed.some((r) => r.exitCode) ? 1 : 0 };
}

/** Remove many by name (the bulk counterpart of `env up --count`). */
export async function downEnvironments(names: readonly string[], opts: DownOptions): Promise<{ environments: DownReport[]; durationMs: number; exitCode: 0 | 1 }> {
  const started = Date.now();
  const limit = pLimit(opts.config.concurrency);
  const environments = await Promise.all(names.map((n) => limit(() => downEnvironment(n, opts))));
  return { environments, durationMs: Date.now() - started, exitCode: environments.some((e) => e.exitCode) ? 1 : 0 };
}
