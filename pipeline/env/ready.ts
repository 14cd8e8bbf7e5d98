// Waiting for the environment's Deployments (proxy, apps) to be available, polling the API.
import type { KubeObject } from '../core/cluster.js';
import type { EnvironmentCluster } from './ports.js';

interface DeploymentStatus {
  spec?: { replicas?: number };
  status?: { availableReplicas?: number; observedGeneration?: number };
}

/** What is still not available when `timeoutMs` runs out (empty: all available). */
export async function waitForDeployments(cluster: EnvironmentCluster, namespace: string, objects: readonly KubeObject[], timeoutMs: number, pollMs = 1000): Promise<string[]> {
  let waiting = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const next: string[] = [];
    for (const name of waiting) {
      const d = await cluster.get<KubeObject & DeploymentStatus>({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name });
      if (!d || (d.status?.availableReplicas ?? 0) < (d.spec?.replicas ?? 1)) next.push(name);
    }
    waiting = next;
    if (!waiting.length) return [];
    if (Date.now() >= deadline) return waiting.map((n) => `Deployment ${namespace}/${n}: not available after ${Math.round(timeoutMs / 1000)}s`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
