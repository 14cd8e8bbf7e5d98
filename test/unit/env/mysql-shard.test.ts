import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../pipeline/config/load.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { ANNOTATION_DATABASES, ANNOTATION_NODE, DEFAULT_MYSQL_IMAGE, renderShardHostObjects, shardHostAddress, shardHostName } from '../../../pipeline/env/mysql-shard.js';
import type { KubeObject } from '../../../pipeline/core/cluster.js';
import { resolveTopology, type Topology } from '../../../pipeline/migrate/topology.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const example = (): Topology => resolveTopology(parseConfig('shardship.yaml', readFileSync(join(ROOT, 'examples/loan-service/shardship.yaml'), 'utf8')).migrate!, 'production');

type Sts = KubeObject & {
  spec: {
    serviceName: string;
    selector: { matchLabels: Record<string, string> };
    persistentVolumeClaimRetentionPolicy: { whenDeleted: string; whenScaled: string };
    template: { metadata: { labels: Record<string, string> }; spec: { affinity: { podAntiAffinity: Record<string, unknown> }; containers: { image: string; startupProbe: { failureThreshold: number; exec: { command: string[] } }; readinessProbe: { exec: { command: string[] } }; lifecycle: { preStop: { exec: { command: string[] } } } }[] } };
    volumeClaimTemplates: { spec: { storageClassName?: string; resources: { requests: { storage: string } } } }[];
  };
};

describe('renderShardHostObjects', () => {
  it('a headless Service and a StatefulSet per node of the example topology, holding its databases', () => {
    const objs = renderShardHostObjects({ topology: example(), namespace: 'pr-7', labels: { 'shardship.dev/environment': 'pr-7' }, rootPassword: { secret: 'mysql-root', key: 'password' }, ephemeral: true, storage: '2Gi', storageClassName: 'fast' });
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Service/mysql-n1', 'StatefulSet/mysql-n1', 'Service/mysql-n2', 'StatefulSet/mysql-n2']);
    const [svc, sts] = objs as [KubeObject & { spec: { clusterIP: string; publishNotReadyAddresses: boolean; selector: Record<string, string> } }, Sts];
    expect(svc.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(sts.metadata.annotations).toEqual({ [ANNOTATION_NODE]: 'n1', [ANNOTATION_DATABASES]: 'loan_0,loan_1' });
    expect(sts.spec.serviceName).toBe('mysql-n1');
    expect(svc.spec.selector).toEqual(sts.spec.selector.matchLabels);
    expect(sts.spec.template.metadata.labels).toMatchObject({ ...sts.spec.selector.matchLabels, 'shardship.dev/environment': 'pr-7' });
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Delete', whenScaled: 'Delete' });
    expect(Object.keys(sts.spec.template.spec.affinity.podAntiAffinity)).toEqual(['preferredDuringSchedulingIgnoredDuringExecution']);
    const mysql = sts.spec.template.spec.containers[0]!;
    expect(mysql.image).toBe(DEFAULT_MYSQL_IMAGE);
    expect(mysql.startupProbe.failureThreshold).toBeGreaterThanOrEqual(60);
    expect(mysql.readinessProbe.exec.command.slice(0, 2)).toEqual(['mysqladmin', 'ping']);
    expect(mysql.lifecycle.preStop.exec.command.join(' ')).toMatch(/mysqladmin .*shutdown/);
    expect(sts.spec.volumeClaimTemplates[0]!.spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } });
  });

  it('a long-lived environment keeps its volumes and requires its hosts on separate machines', () => {
    const sts = renderShardHostObjects({ topology: example(), namespace: 'prod', labels: {}, rootPassword: { secret: 's', key: 'k' } })[1] as Sts;
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(Object.keys(sts.spec.template.spec.affinity.podAntiAffinity)).toEqual(['requiredDuringSchedulingIgnoredDuringExecution']);
  });

  it('names every node with a DNS-1123 name of at most 52 characters, distinct for distinct nodes', () => {
    const nodes = ['n1', 'N1', 'db_host.1', 'x'.repeat(80), 'x'.repeat(81), '---', 'ünï'];
    const names = nodes.map(shardHostName);
    for (const n of names) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$/);
    expect(new Set(names).size).toBe(nodes.length);
    expect(shardHostName('n1')).toBe('mysql-n1');
    expect(shardHostAddress('n1', 'pr-7')).toBe('mysql-n1-0.mysql-n1.pr-7.svc:3306');
  });

  it('refuses a storage size that is not a quantity', () => {
    expect(() => renderShardHostObjects({ topology: example(), namespace: 'n', labels: {}, rootPassword: { secret: 's', key: 'k' }, storage: '10 GB' })).toThrow(ConfigError);
  });
});
