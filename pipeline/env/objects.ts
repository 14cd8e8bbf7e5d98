// The environment's Kubernetes objects, rendered as plain data: its namespace (labelled as a
// shardship environment, annotated with owner, PR, created and expires-at), a ResourceQuota,
// the Secret with the database credentials, and the apps as the release stage renders a first
// deploy (release/render.ts), pointed at the environment's proxy. Pure.
import type { KubeObject } from '../core/cluster.js';
import { renderDeployment, renderService, type Templates } from '../release/render.js';
import type { ReleaseSpec } from '../release/types.js';
import type { EnvironmentPlan } from './plan.js';
import { LABEL_ENVIRONMENT } from './record.js';

export const LABEL_MANAGED = 'app.kubernetes.io/managed-by';
export const ANNOTATION = {
  owner: 'shardship.dev/owner',
  pr: 'shardship.dev/pull-request',
  created: 'shardship.dev/created-at',
  expires: 'shardship.dev/expires-at',
} as const;
export const CREDENTIALS_SECRET = 'shardship-database';
export const PROXY_SERVICE = 'shardingsphere-proxy';
export const PROXY_PORT = 3307;

export interface AppDeploy {
  spec: ReleaseSpec;
  templates: Templates;
}

export function environmentLabels(plan: Pick<EnvironmentPlan, 'namespace'>): Record<string, string> {
  return { [LABEL_MANAGED]: 'shardship', [LABEL_ENVIRONMENT]: plan.namespace };
}

export function renderNamespace(plan: EnvironmentPlan): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: plan.namespace,
      labels: environmentLabels(plan),
      annotations: {
        [ANNOTATION.owner]: plan.owner,
        ...(plan.pr !== undefined ? { [ANNOTATION.pr]: String(plan.pr) } : {}),
        [ANNOTATION.created]: plan.createdAt,
        [ANNOTATION.expires]: plan.expiresAt,
      },
    },
  };
}

export function renderQuota(plan: EnvironmentPlan, hard: Record<string, string | number>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'shardship-environment', namespace: plan.namespace, labels: environmentLabels(plan) },
    spec: { hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, String(v)])) },
  };
}

/** The credentials the proxy connects with (and the apps connect to the proxy with). */
export function renderCredentials(plan: EnvironmentPlan, password: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CREDENTIALS_SECRET, namespace: plan.namespace, labels: environmentLabels(plan) },
    type: 'Opaque',
    // Keys as the proxy pod's env (envFrom): its data sources' login and its own (the apps log in to the proxy as the same user).
    stringData: { username: plan.user, password, SHARDSHIP_DB_USER: plan.user, SHARDSHIP_DB_PASSWORD: password, SHARDSHIP_PROXY_USER: plan.user, SHARDSHIP_PROXY_PASSWORD: password },
  };
}

/** The name the apps use for the proxy's logical database. */
export function logicalDatabaseName(plan: Pick<EnvironmentPlan, 'from'>): string {
  return plan.from;
}

/** Each app's Deployment (1 replica: an environment is for trying, not for load) and Service, pointed at the proxy. */
export function renderApps(plan: EnvironmentPlan, apps: readonly AppDeploy[], image: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const { spec: base, templates } of apps) {
    const spec: ReleaseSpec = { ...base, namespace: plan.namespace };
    const track = spec.strategy === 'blueGreen' ? 'blue' : 'stable';
    const deployment = renderDeployment(templates, spec, track, image, 1, {}) as KubeObject & {
      spec: { template: { spec: { containers: { env?: unknown[] }[] } } };
    };
    deployment.metadata.labels = { ...deployment.metadata.labels, ...environmentLabels(plan) };
    const container = deployment.spec.template.spec.containers[0];
    if (container) {
      const secret = (key: string) => ({ valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key } } });
      container.env = [
        ...(container.env ?? []),
        { name: 'DATABASE_HOST', value: `${PROXY_SERVICE}.${plan.namespace}.svc` },
        { name: 'DATABASE_PORT', value: String(PROXY_PORT) },
        { name: 'DATABASE_NAME', value: logicalDatabaseName(plan) },
        { name: 'DATABASE_USER', ...secret('username') },
        { name: 'DATABASE_PASSWORD', ...secret('password') },
      ];
    }
    const service = renderService(templates, spec, spec.app);
    service.metadata.labels = { ...service.metadata.labels, ...environmentLabels(plan) };
    out.push(deployment, service);
  }
  return out;
}
