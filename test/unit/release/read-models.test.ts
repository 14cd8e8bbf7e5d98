// The Kubernetes objects the release reads are parsed for the fields it depends on: absent
// optional fields keep their API meaning, a field of the wrong shape is an error naming the object.
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../pipeline/core/errors.js';
import { DeploymentReadModel, PodReadModel, readModel } from '../../../pipeline/release/read-models.js';
import { parseHttpRoute, parseVirtualService, virtualServiceRoutePatch } from '../../../pipeline/release/render.js';
import { specFor, split } from './fixtures.js';

const meta = (kind: string, name: string) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop' } });

function refusal(f: () => unknown): ServiceError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ServiceError);
    return e as ServiceError;
  }
  throw new Error('accepted');
}

describe('release read models', () => {
  it('a Deployment without status (not yet seen by its controller) reads with the API defaults', () => {
    const d = readModel(DeploymentReadModel, { ...meta('Deployment', 'web-canary'), spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'web:2' }] } } } });
    expect(d.spec?.replicas).toBe(2);
    expect(d.status).toBeUndefined();
    expect(d.spec?.template?.spec?.containers?.[0]?.image).toBe('web:2');
  });

  it('a field of the wrong shape names the object, the field and how to look at it', () => {
    const e = refusal(() => readModel(DeploymentReadModel, { ...meta('Deployment', 'web-canary'), spec: { replicas: '2' } }));
    expect(e.message).toMatch(/^kubernetes: Deployment shop\/web-canary is not what shardship expects at spec\.replicas: /);
    expect(e.hint).toBe('check it with `kubectl get deployment -n shop web-canary -o yaml`');
    expect(refusal(() => readModel(PodReadModel, { ...meta('Pod', 'p1'), status: { containerStatuses: [{ restartCount: -1 }] } })).message).toMatch(
      /Pod shop\/p1 is not what shardship expects at status\.containerStatuses\.0\.restartCount: /,
    );
  });

  it('a VirtualService route without destinations or with a malformed one is an error naming it; user fields survive a rewrite', () => {
    const { spec } = specFor({ router: { istio: { mode: 'patch' } } });
    const redirect = { ...meta('VirtualService', 'web'), spec: { http: [{ name: 'primary', redirect: { uri: '/x' } }] } };
    expect(refusal(() => parseVirtualService(redirect, 'primary')).message).toBe(
      'kubernetes: VirtualService shop/web has an http route named "primary" without destinations (no route: a redirect or direct response cannot be steered)',
    );
    const noHost = { ...meta('VirtualService', 'web'), spec: { http: [{ name: 'primary', route: [{ destination: { subset: 'stable' } }] }] } };
    expect(refusal(() => parseVirtualService(noHost, 'primary')).message).toMatch(/VirtualService shop\/web is not what shardship expects at spec\.http\.0\.route\.0\.destination\.host: /);
    const user = { ...meta('VirtualService', 'web'), spec: { http: [{ name: 'primary', retries: { attempts: 3 }, route: [{ destination: { host: 'web', subset: 'stable' } }] }] } };
    const ops = virtualServiceRoutePatch(user, spec, split({ stable: 90, canary: 10 }), 'primary');
    expect(ops.find((o) => o.op === 'replace')?.value).toMatchObject({ name: 'primary', retries: { attempts: 3 } });
  });

  it('an HTTPRoute backendRef without a name is an error naming the route', () => {
    const route = { ...meta('HTTPRoute', 'web'), spec: { rules: [{ backendRefs: [{ weight: 100 }] }] } };
    expect(refusal(() => parseHttpRoute(route, 'web')).message).toMatch(/HTTPRoute shop\/web is not what shardship expects at spec\.rules\.0\.backendRefs\.0\.name: /);
  });
});
