// Release state lives in the cluster, in a ConfigMap per app, written with the
// resourceVersion it was read at: a stale write fails with a ConflictError and the caller
// re-reads and re-plans. No runner keeps anything on its own disk.
import { currentActor } from '../core/actor.js';
import { ConflictError, type Cluster, type KubeObject } from '../core/cluster.js';
import { parseStoredState, storedStateText } from './state-schema.js';
import type { Actor, HistoryEntry, ReleaseState } from './types.js';

export const STATE_KEY = 'state.json';
const HISTORY_LIMIT = 100;

export function stateConfigMapName(app: string): string {
  return `shardship-release-${app}`;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface StoredState {
  state: ReleaseState | undefined;
  resourceVersion: string | undefined;
}

export async function readState(cluster: Cluster, namespace: string, app: string): Promise<StoredState> {
  const cm = await cluster.get<ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: stateConfigMapName(app) });
  if (!cm) return { state: undefined, resourceVersion: undefined };
  const text = cm.data?.[STATE_KEY];
  const state = text ? parseStoredState(text, { namespace, name: cm.metadata.name, key: STATE_KEY }) : undefined;
  return { state, resourceVersion: cm.metadata.resourceVersion };
}

/** Write the state; `resourceVersion` undefined means "create, and fail if someone else did". Returns the new resourceVersion. */
export async function writeState(cluster: Cluster, state: ReleaseState, resourceVersion: string | undefined): Promise<string | undefined> {
  const trimmed: ReleaseState = { ...state, history: state.history.slice(-HISTORY_LIMIT) };
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: stateConfigMapName(state.app),
      namespace: state.namespace,
      labels: { 'app.kubernetes.io/name': state.app, 'app.kubernetes.io/managed-by': 'shardship' },
      // A one-line summary for people using kubectl.
      annotations: { 'shardship.dev/phase': state.phase, 'shardship.dev/image': state.image, 'shardship.dev/revision': String(state.revision) },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    data: { [STATE_KEY]: storedStateText(trimmed) },
  };
  const saved = resourceVersion ? await cluster.replace(cm) : await cluster.create(cm);
  return saved.metadata?.resourceVersion;
}

/** Read-modify-write with optimistic concurrency, retried on conflicts. */
export async function mutateState(
  cluster: Cluster,
  namespace: string,
  app: string,
  change: (state: ReleaseState) => ReleaseState,
  attempts = 8,
): Promise<ReleaseState> {
  for (let i = 0; ; i++) {
    const { state, resourceVersion } = await readState(cluster, namespace, app);
    if (!state) throw new Error('no release state');
    const next = change(structuredClone(state));
    try {
      await writeState(cluster, next, resourceVersion);
      return next;
    } catch (e) {
      if (!(e instanceof ConflictError) || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(i, 5)));
    }
  }
}

/** The run's actor (pipeline/core/actor.ts), stamped with the time, as the state records it. */
export function actorFromEnv(env: NodeJS.ProcessEnv, now = new Date()): Actor {
  const { who, runId, workflow } = currentActor(env);
  return { who, at: now.toISOString(), ...(runId ? { runId } : {}), ...(workflow ? { workflow } : {}) };
}

export function historyEntry(state: ReleaseState, actor: Actor, action: HistoryEntry['action'], detail: string): HistoryEntry {
  return { ...actor, revision: state.revision, action, image: state.image, detail };
}

export function describeActor(a: Actor): string {
  return `${a.who} at ${a.at}${a.runId ? ` (workflow run ${a.runId}${a.workflow ? `, ${a.workflow}` : ''})` : ''}`;
}
