// The Kubernetes objects the release stage reads, as schemas of only the fields it depends on
// (everything else in the object is ignored). The API server defines most of them as optional
// (a new Deployment has no status yet), and so do these; a field of the wrong shape, or one the
// release cannot do without, is an error naming the object instead of a misread or a crash.
import { z } from 'zod';
import { ServiceError } from '../core/errors.js';
import type { KubeObject } from '../core/cluster.js';

const count = z.number().int().nonnegative();
const StringMap = z.record(z.string(), z.string());

export const DeploymentReadModel = z.object({
  metadata: z.object({ generation: z.number().int().optional() }),
  spec: z
    .object({
      replicas: count.optional(),
      template: z
        .object({
          metadata: z.object({ annotations: StringMap.optional() }).optional(),
          spec: z.object({ containers: z.array(z.object({ image: z.string().optional() })).optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
  status: z.object({ readyReplicas: count.optional(), updatedReplicas: count.optional(), observedGeneration: z.number().int().optional() }).optional(),
});

export const PodReadModel = z.object({
  status: z
    .object({
      containerStatuses: z
        .array(
          z.object({
            restartCount: count.optional(),
            ready: z.boolean().optional(),
            state: z.object({ waiting: z.object({ reason: z.string().optional() }).optional() }).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export const ServiceReadModel = z.object({ spec: z.object({ selector: StringMap.optional() }).optional() });

/**
 * An Istio http route. Loose: a user-owned route's other fields (retries, timeouts) are kept
 * when shardship rewrites its destinations. `route` is optional in Istio (a redirect has none).
 */
const IstioHttpRouteRead = z.looseObject({
  name: z.string().optional(),
  match: z.array(z.unknown()).optional(),
  route: z.array(z.looseObject({ destination: z.looseObject({ host: z.string(), subset: z.string().optional() }), weight: z.number().optional() })).optional(),
});
export const VirtualServiceReadModel = z.object({ spec: z.object({ http: z.array(IstioHttpRouteRead).optional() }).optional() });
export type IstioHttpRouteRead = z.output<typeof IstioHttpRouteRead>;

const HttpRouteMatch = z.object({
  headers: z.array(z.unknown()).optional(),
  path: z.object({ type: z.string().optional(), value: z.string().optional() }).optional(),
  method: z.string().optional(),
  queryParams: z.array(z.unknown()).optional(),
});
export type HttpRouteMatch = z.output<typeof HttpRouteMatch>;
export const HttpRouteReadModel = z.object({
  spec: z
    .object({
      rules: z.array(z.object({ matches: z.array(HttpRouteMatch).optional(), backendRefs: z.array(z.object({ name: z.string(), weight: z.number().optional() })).optional() })).optional(),
    })
    .optional(),
});

/** `Kind namespace/name`, as messages name an object. */
export function objectName(obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
}

/** The error for an object the release cannot use as it is. */
export function unusableObject(obj: Pick<KubeObject, 'kind' | 'metadata'>, problem: string): ServiceError {
  const ns = obj.metadata.namespace ? ` -n ${obj.metadata.namespace}` : '';
  return new ServiceError('kubernetes', `${objectName(obj)} ${problem}`, { hint: `check it with \`kubectl get ${obj.kind.toLowerCase()}${ns} ${obj.metadata.name} -o yaml\`` });
}

/** The fields of `obj` the release reads, checked against `model`. */
export function readModel<M extends z.ZodType>(model: M, obj: KubeObject): z.output<M> {
  const r = model.safeParse(obj);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw unusableObject(obj, `is not what shardship expects at ${issue.path.join('.')}: ${issue.message}`);
}
