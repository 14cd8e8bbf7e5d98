import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EnvConfig } from '../../../pipeline/config/env.js';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { ServiceError } from '../../../pipeline/core/errors.js';
import { ANNOTATION, CREDENTIALS_SECRET, renderApps, renderCredentials, renderNamespace, renderQuota } from '../../../pipeline/env/objects.js';
import { initialRecord, planEnvironment } from '../../../pipeline/env/plan.js';
import { EnvironmentRecord, LABEL_ENVIRONMENT, RECORD_NAMESPACE, recordFromConfigMap, recordToConfigMap } from '../../../pipeline/env/record.js';
import { resolveTopology } from '../../../pipeline/migrate/topology.js';
import { loadTemplates } from '../../../pipeline/release/render.js';
import { resolveSpec } from '../../../pipeline/release/spec.js';
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { topologyYaml } from '../../support/shards.js';

const topology = resolveTopology(ShardshipConfig.parse(parse(topologyYaml())).migrate!, 'prod');
const now = new Date('2026-12-06T10:00:00Z');
const plan = planEnvironment({ request: { name: 'pr-12', owner: 'alice', pr: 12, ttlMs: 72 * 3_600_000, now }, topology, config: EnvConfig.parse({}), existing: [] });

describe('environment objects', () => {
  it('the namespace is labelled as an environment and annotated with owner, PR, created and expires-at', () => {
    const ns = renderNamespace(plan);
    expect(ns.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'shardship', [LABEL_ENVIRONMENT]: 'env-pr-12' });
    expect(ns.metadata.annotations).toEqual({ [ANNOTATION.owner]: 'alice', [ANNOTATION.pr]: '12', [ANNOTATION.created]: '2026-12-06T10:00:00.000Z', [ANNOTATION.expires]: '2026-12-09T10:00:00.000Z' });
  });

  it('quota values are strings, as the API stores them', () => {
    expect(renderQuota(plan, { pods: 20, 'requests.cpu': '4' }).spec).toEqual({ hard: { pods: '20', 'requests.cpu': '4' } });
  });

  it('the Secret holds the user and password; the apps read them from it, never from their spec', async () => {
    const secret = renderCredentials(plan, 'pw-123');
    expect(secret.stringData).toMatchObject({ username: plan.user, password: 'pw-123', SHARDSHIP_DB_USER: plan.user, SHARDSHIP_DB_PASSWORD: 'pw-123' });
    const release = ReleaseConfig.parse({ namespace: 'loans', apps: { 'loan-service': { port: 8080, replicas: 4, router: { service: {} } } } });
    const [deployment, service] = renderApps(plan, [{ spec: resolveSpec(release, 'loan-service'), templates: await loadTemplates() }], 'reg/loan:1');
    expect(deployment).toMatchObject({ kind: 'Deployment', metadata: { name: 'loan-service-stable', namespace: 'env-pr-12' }, spec: { replicas: 1 } });
    const container = (deployment as unknown as { spec: { template: { spec: { containers: { image: string; env: { name: string; value?: string; valueFrom?: unknown }[] }[] } } } }).spec.template.spec.containers[0]!;
    expect(container.image).toBe('reg/loan:1');
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'DATABASE_HOST', value: 'shardingsphere-proxy.env-pr-12.svc' },
        { name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: 'password' } } },
      ]),
    );
    expect(JSON.stringify(deployment)).not.toContain('pw-123');
    expect(service).toMatchObject({ kind: 'Service', metadata: { name: 'loan-service', namespace: 'env-pr-12' } });
  });
});

describe('environment record', () => {
  it('round-trips through its ConfigMap in the records namespace', () => {
    const record = initialRecord(plan, 'runner-1', now);
    const cm = recordToConfigMap(record);
    expect(cm.metadata).toMatchObject({ name: 'env-pr-12', namespace: RECORD_NAMESPACE });
    expect(recordFromConfigMap(cm)).toEqual(EnvironmentRecord.parse(record));
    expect(record.databases.every((d) => d.state === 'pending')).toBe(true);
  });

  it('a record of another version is an error, never "no environment"', () => {
    const cm = recordToConfigMap(initialRecord(plan, 'r', now));
    cm.data = { 'record.json': JSON.stringify({ ...JSON.parse((cm.data as Record<string, string>)['record.json']!), schemaVersion: 2 }) };
    expect(() => recordFromConfigMap(cm)).toThrow(ServiceError);
    expect(() => recordFromConfigMap(cm)).toThrow(/not a version-1 record/);
  });
});
