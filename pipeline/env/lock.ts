// The environment's record is its lock: the `up` that creates it (or takes it over once the
// previous holder released it or went stale) is the only one writing until it releases it.
// Every write carries the resourceVersion it read, so a lost race is a 409, never a clobber.
import { ShardshipError, ExitCode } from '../core/errors.js';
import { ConflictError, type ObjectRef } from '../core/cluster.js';
import type { EnvironmentCluster } from './ports.js';
import { RECORD_NAMESPACE, recordFromConfigMap, recordObjectName, recordToConfigMap, type EnvironmentRecord } from './record.js';

/** Another `up` of the same environment is running. */
export class EnvironmentHeldError extends ShardshipError {
  readonly exitCode = ExitCode.CheckFailed;
  constructor(
    readonly environment: string,
    readonly holder: string,
    readonly since: string,
  ) {
    super(`environment ${environment} is held by ${holder} since ${since}`, { hint: 'another `env up` is building it; run again once it is done' });
  }
}

export function recordRef(namespace: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace: RECORD_NAMESPACE, name: recordObjectName(namespace) };
}

/** A held record and the resourceVersion of our last write. */
export class HeldRecord {
  constructor(
    private readonly cluster: EnvironmentCluster,
    public record: EnvironmentRecord,
    private resourceVersion: string | undefined,
  ) {}

  /** Write `next` (still ours: a 409 means someone took the environment over). */
  async write(next: EnvironmentRecord): Promise<void> {
    try {
      const written = await this.cluster.replace(recordToConfigMap(next, this.resourceVersion));
      this.resourceVersion = written.metadata.resourceVersion;
      this.record = next;
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      const now = await this.cluster.get(recordRef(next.namespace));
      const theirs = now ? recordFromConfigMap(now) : undefined;
      throw new EnvironmentHeldError(next.name, theirs?.lock?.holder ?? 'env down', theirs?.lock?.since ?? 'just now');
    }
  }
}

/**
 * Take the environment: create its record (the first `up`), or take over a record nobody holds
 * (or whose holder stopped renewing more than `staleMs` ago). `fresh` builds the record to
 * write from the previous one.
 */
export async function acquireRecord(
  cluster: EnvironmentCluster,
  namespace: string,
  fresh: (previous: EnvironmentRecord | undefined) => EnvironmentRecord,
  now: Date,
  staleMs: number,
): Promise<HeldRecord> {
  const first = fresh(undefined);
  try {
    const created = await cluster.create(recordToConfigMap(first));
    return new HeldRecord(cluster, first, created.metadata.resourceVersion);
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
  }
  const cm = await cluster.get(recordRef(namespace));
  if (!cm) return acquireRecord(cluster, namespace, fresh, now, staleMs);
  const previous = recordFromConfigMap(cm);
  if (previous.lock && now.getTime() - Date.parse(previous.lock.since) < staleMs) throw new EnvironmentHeldError(previous.name, previous.lock.holder, previous.lock.since);
  const next = fresh(previous);
  try {
    const written = await cluster.replace(recordToConfigMap(next, cm.metadata.resourceVersion));
    return new HeldRecord(cluster, next, written.metadata.resourceVersion);
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
    const theirs = await cluster.get(recordRef(namespace));
    const lock = theirs ? recordFromConfigMap(theirs).lock : undefined;
    throw new EnvironmentHeldError(previous.name, lock?.holder ?? 'another runner', lock?.since ?? now.toISOString());
  }
}
