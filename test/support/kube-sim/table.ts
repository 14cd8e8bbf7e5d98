// Server-side printing: kubectl asks for `as=Table` and prints the columns the server
// chooses. A few kinds get the columns a real server prints; the rest get Name and Age.
import type { ResourceType } from './resources.js';
import type { KObject } from './types.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  cell: (o: KObject) => unknown;
}

function age(o: KObject): string {
  const t = o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : Date.now();
  const s = Math.max(0, Math.floor((Date.now() - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

type Loose = Record<string, unknown>;
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((cur, p) => (cur !== null && typeof cur === 'object' ? (cur as Loose)[p] : undefined), o);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

interface ContainerStatus {
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string } };
}

const COLUMNS: Record<string, Column[]> = {
  Deployment: [
    { name: 'Ready', type: 'string', cell: (o) => `${num(get(o, 'status', 'readyReplicas'))}/${num(get(o, 'spec', 'replicas'))}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => num(get(o, 'status', 'updatedReplicas')) },
    { name: 'Available', type: 'integer', cell: (o) => num(get(o, 'status', 'availableReplicas')) },
  ],
  ReplicaSet: [
    { name: 'Desired', type: 'integer', cell: (o) => num(get(o, 'spec', 'replicas')) },
    { name: 'Current', type: 'integer', cell: (o) => num(get(o, 'status', 'replicas')) },
    { name: 'Ready', type: 'integer', cell: (o) => num(get(o, 'status', 'readyReplicas')) },
  ],
  Pod: [
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => {
        const cs = (get(o, 'status', 'containerStatuses') ?? []) as ContainerStatus[];
        return `${cs.filter((c) => c.ready).length}/${cs.length}`;
      },
    },
    {
      name: 'Status',
      type: 'string',
      cell: (o) => {
        const cs = (get(o, 'status', 'containerStatuses') ?? []) as ContainerStatus[];
        return cs.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason ?? get(o, 'status', 'phase') ?? 'Pending';
      },
    },
    { name: 'Restarts', type: 'integer', cell: (o) => ((get(o, 'status', 'containerStatuses') ?? []) as ContainerStatus[]).reduce((n, c) => n + (c.restartCount ?? 0), 0) },
  ],
  Service: [
    { name: 'Type', type: 'string', cell: (o) => get(o, 'spec', 'type') ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (o) => get(o, 'spec', 'clusterIP') ?? '<none>' },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    {
      name: 'Port(s)',
      type: 'string',
      cell: (o) => ((get(o, 'spec', 'ports') ?? []) as { port?: number; protocol?: string }[]).map((p) => `${p.port ?? ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>',
    },
  ],
  Namespace: [{ name: 'Status', type: 'string', cell: (o) => get(o, 'status', 'phase') ?? 'Active' }],
  Event: [
    { name: 'Type', type: 'string', cell: (o) => get(o, 'type') ?? '' },
    { name: 'Reason', type: 'string', cell: (o) => get(o, 'reason') ?? '' },
    { name: 'Object', type: 'string', cell: (o) => `${str(get(o, 'involvedObject', 'kind')).toLowerCase()}/${str(get(o, 'involvedObject', 'name'))}` },
    { name: 'Message', type: 'string', cell: (o) => get(o, 'message') ?? '' },
  ],
  ConfigMap: [{ name: 'Data', type: 'integer', cell: (o) => Object.keys((get(o, 'data') ?? {}) as object).length }],
};

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').includes('as=Table');
}

export function toTable(r: ResourceType, objects: KObject[], resourceVersion: string): Record<string, unknown> {
  const cols: Column[] = [
    { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name },
    ...(COLUMNS[r.kind] ?? []),
    { name: 'Age', type: 'string', cell: age },
  ];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.name, priority: 0 })),
    rows: objects.map((o) => ({
      cells: cols.map((c) => c.cell(o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
