// In-cluster shard hosts for users who run MySQL in Kubernetes: per node of the topology a
// headless Service and a one-replica StatefulSet (deploy-templates/mysql-shard) holding that
// node's physical databases. Pure given the template texts. (On the test machine the databases
// run on local MariaDB hosts instead: KWOK pods run no containers; docs/environments.md.)
import { createHash } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import type { KubeObject } from '../core/cluster.js';
import type { Topology } from '../migrate/topology.js';
import { renderObject } from '../release/render.js';
import { readTemplates, type TemplateTexts } from './templates.js';

/** Pinned MySQL 8.4 LTS. */
export const DEFAULT_MYSQL_IMAGE = 'mysql:8.4.6';
export const MYSQL_PORT = 3306;
export const LABEL_SHARD_HOST = 'shardship.dev/shard-host';
/** Annotations: the topology's node name as written, and the physical databases the host holds. */
export const ANNOTATION_NODE = 'shardship.dev/node';
export const ANNOTATION_DATABASES = 'shardship.dev/databases';

const FILES = ['statefulset.yaml', 'service.yaml'] as const;
export type ShardTemplates = TemplateTexts<(typeof FILES)[number]>;

/** deploy-templates/mysql-shard, or a folder of the user's own with the same file names. */
export function shardTemplates(dir?: string): ShardTemplates {
  return readTemplates('mysql-shard', FILES, dir);
}

export interface ShardHostsInput {
  topology: Topology;
  namespace: string;
  /** Added to every object and pod template (e.g. the environment's labels). */
  labels: Record<string, string>;
  /** Secret key holding MySQL's root password. */
  rootPassword: { secret: string; key: string };
  image?: string;
  /** Size of each host's data volume (default 10Gi). */
  storage?: string;
  storageClassName?: string;
  /**
   * An environment that lives for days: its volumes go with the StatefulSet
   * (persistentVolumeClaimRetentionPolicy Delete) and hosts only prefer separate nodes, so a small
   * cluster still runs it. Otherwise volumes are retained and hosts require separate nodes.
   */
  ephemeral?: boolean;
  templates?: ShardTemplates;
}

// StatefulSet pods carry a controller-revision-hash label `<name>-<10 chars>` (63 at most).
const MAX_NAME = 52;

/** The DNS-1123 name of a node's StatefulSet and Service: mysql-<node>, with a hash when the node name had to change. */
export function shardHostName(node: string): string {
  const clean = node.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  const plain = `mysql-${clean}`.replace(/-$/, '');
  if (clean === node && plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(node).digest('hex').slice(0, 8);
  return `${plain.slice(0, MAX_NAME - 9).replace(/-$/, '')}-${hash}`;
}

/** host:port of a node's MySQL inside the cluster (its pod's stable name through the headless Service). */
export function shardHostAddress(node: string, namespace: string): string {
  const name = shardHostName(node);
  return `${name}-0.${name}.${namespace}.svc:${MYSQL_PORT}`;
}

type StatefulSet = KubeObject & {
  spec: {
    serviceName: string;
    selector: { matchLabels: Record<string, string> };
    persistentVolumeClaimRetentionPolicy?: { whenDeleted: string; whenScaled: string };
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { affinity?: unknown; containers: { image: string }[] } };
    volumeClaimTemplates?: { spec: { storageClassName?: string } }[];
  };
};

/** A headless Service and a StatefulSet per node of the topology, in apply order. */
export function renderShardHostObjects(input: ShardHostsInput): KubeObject[] {
  const t = input.templates ?? shardTemplates();
  const image = input.image ?? DEFAULT_MYSQL_IMAGE;
  const storage = input.storage ?? '10Gi';
  if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(storage)) {
    throw new ConfigError([{ path: 'storage', message: `"${storage}" is not a Kubernetes quantity`, hint: 'write e.g. 10Gi or 500Mi' }]);
  }
  const names = new Map<string, string>();
  for (const n of input.topology.nodes) {
    const name = shardHostName(n.name);
    const other = names.get(name);
    if (other !== undefined) throw new ConfigError([{ path: `nodes.${n.name}`, message: `nodes "${other}" and "${n.name}" would both be named ${name} in the cluster`, hint: 'rename one of them' }]);
    names.set(name, n.name);
  }
  const objects: KubeObject[] = [];
  for (const [name, node] of names) {
    const vars = { name, namespace: input.namespace, image, storage, secret: input.rootPassword.secret, secretKey: input.rootPassword.key };
    const selector = { 'app.kubernetes.io/name': 'mysql-shard', [LABEL_SHARD_HOST]: name };
    const annotations = {
      [ANNOTATION_NODE]: node,
      [ANNOTATION_DATABASES]: input.topology.databases
        .filter((d) => d.node === node)
        .map((d) => d.database)
        .join(','),
    };
    const own = (o: KubeObject): KubeObject => {
      o.metadata = { ...o.metadata, name, namespace: input.namespace, labels: { ...o.metadata.labels, ...input.labels, ...selector }, annotations: { ...o.metadata.annotations, ...annotations } };
      return o;
    };
    const service = own(renderObject(t['service.yaml'].file, t['service.yaml'].text, vars)) as KubeObject & { spec: { selector?: Record<string, string> } };
    service.spec.selector = selector;

    const sts = own(renderObject(t['statefulset.yaml'].file, t['statefulset.yaml'].text, vars)) as StatefulSet;
    sts.spec.serviceName = name;
    sts.spec.selector = { matchLabels: selector };
    const retain = input.ephemeral ? 'Delete' : 'Retain';
    sts.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: retain, whenScaled: retain };
    const tm = (sts.spec.template.metadata ??= {});
    tm.labels = { ...tm.labels, ...input.labels, ...selector };
    // Two shard hosts of one environment on one machine lose two shards with it.
    const term = { labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'mysql-shard' } }, topologyKey: 'kubernetes.io/hostname' };
    sts.spec.template.spec.affinity = {
      podAntiAffinity: input.ephemeral ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } : { requiredDuringSchedulingIgnoredDuringExecution: [term] },
    };
    for (const c of sts.spec.template.spec.containers) c.image = image;
    if (input.storageClassName) for (const v of sts.spec.volumeClaimTemplates ?? []) v.spec.storageClassName = input.storageClassName;
    objects.push(service, sts);
  }
  return objects;
}
