// Create-or-update of the environment's objects: a re-run of `up` (a new image, the rest of a
// failed run) writes the same objects again. Through the EnvironmentCluster port.
import { ConflictError, refOf, type KubeObject } from '../core/cluster.js';
import type { EnvironmentCluster } from './ports.js';

/** Create; when it exists, replace it at its current resourceVersion. */
export async function applyObject(cluster: EnvironmentCluster, obj: KubeObject): Promise<void> {
  try {
    await cluster.create(obj);
    return;
  } catch (e) {
    if (!(e instanceof ConflictError)) throw e;
  }
  const current = await cluster.get(refOf(obj));
  if (!current) {
    await cluster.create(obj);
    return;
  }
  // A Namespace is never replaced (its spec.finalizers belong to the API server): its labels and annotations are.
  const next = obj.kind === 'Namespace' ? { ...current, metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...obj.metadata.labels }, annotations: { ...current.metadata.annotations, ...obj.metadata.annotations } } } : obj;
  await cluster.replace({ ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } });
}
