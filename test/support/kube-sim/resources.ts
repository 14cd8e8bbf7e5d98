// The API resources the simulator serves, with their discovery data and schema
// validators from kubernetes-models / @kubernetes-models (the official OpenAPI schemas).
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Service } from 'kubernetes-models/v1/Service';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Event } from 'kubernetes-models/v1/Event';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { KObject } from './types.js';

export interface ResourceType {
  group: string; // '' for core
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  /** Has a /status subresource: writes to the main resource leave status alone. */
  status: boolean;
  /** Has a /scale subresource (autoscaling/v1 Scale). */
  scale: boolean;
  /** metadata.generation is maintained (bumped on every spec change). */
  generation: boolean;
  /** Built-in (typed) kinds: list items carry no apiVersion/kind, as on a real server. */
  builtin: boolean;
  /** Throws a kubernetes-models ValidationError when the object breaks the schema. */
  validate(obj: KObject): void;
}

type ModelCtor = new (data: never) => { validate(): void };

function rt(
  group: string,
  version: string,
  plural: string,
  kind: string,
  model: ModelCtor,
  opts: Partial<Pick<ResourceType, 'namespaced' | 'shortNames' | 'status' | 'scale' | 'generation'>> = {},
): ResourceType {
  return {
    group,
    version,
    plural,
    kind,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    status: opts.status ?? false,
    scale: opts.scale ?? false,
    generation: opts.generation ?? false,
    builtin: !group.includes('.') || (group.endsWith('.k8s.io') && !group.startsWith('gateway.')),
    validate(obj) {
      new model(obj as never).validate();
    },
  };
}

export const RESOURCES: ResourceType[] = [
  rt('', 'v1', 'namespaces', 'Namespace', Namespace, { namespaced: false, shortNames: ['ns'], status: true }),
  rt('', 'v1', 'pods', 'Pod', Pod, { shortNames: ['po'], status: true }),
  rt('', 'v1', 'services', 'Service', Service, { shortNames: ['svc'], status: true }),
  rt('', 'v1', 'configmaps', 'ConfigMap', ConfigMap, { shortNames: ['cm'] }),
  rt('', 'v1', 'secrets', 'Secret', Secret),
  rt('', 'v1', 'events', 'Event', Event, { shortNames: ['ev'] }),
  rt('', 'v1', 'serviceaccounts', 'ServiceAccount', ServiceAccount, { shortNames: ['sa'] }),
  rt('apps', 'v1', 'deployments', 'Deployment', Deployment, { shortNames: ['deploy'], status: true, scale: true, generation: true }),
  rt('apps', 'v1', 'replicasets', 'ReplicaSet', ReplicaSet, { shortNames: ['rs'], status: true, scale: true, generation: true }),
  rt('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', Role),
  rt('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', RoleBinding),
  rt('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', ClusterRole, { namespaced: false }),
  rt('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', ClusterRoleBinding, { namespaced: false }),
  rt('coordination.k8s.io', 'v1', 'leases', 'Lease', Lease),
  rt('networking.istio.io', 'v1', 'virtualservices', 'VirtualService', VirtualService, { shortNames: ['vs'], status: true, generation: true }),
  rt('networking.istio.io', 'v1', 'destinationrules', 'DestinationRule', DestinationRule, { shortNames: ['dr'], status: true, generation: true }),
  rt('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute', HTTPRoute, { status: true, generation: true }),
];

export function groupVersion(r: ResourceType): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** `deployments.apps`, as the real API names a resource in messages. */
export function qualifiedName(r: ResourceType): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

export function findResource(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}
