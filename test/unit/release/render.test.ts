import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import {
  loadTemplates,
  parseHttpRoute,
  parseVirtualService,
  renderDeployment,
  renderDestinationRule,
  renderHttpRoute,
  renderService,
  renderVirtualService,
  virtualServiceRoutePatch,
} from '../../../pipeline/release/render.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { renderWatchObjects } from '../../../pipeline/release/watch.js';
import type { KubeObject } from '../../../pipeline/core/cluster.js';
import { specFor, split } from './fixtures.js';

// Every kind we render, validated against the official schema packages.
function validate(obj: KubeObject): void {
  const models: Record<string, new (o: never) => { validate(): void }> = {
    Deployment,
    Service,
    VirtualService,
    DestinationRule,
    HTTPRoute,
    ServiceAccount,
    Role,
    RoleBinding,
  };
  const Model = models[obj.kind];
  if (!Model) throw new Error(`no schema model for ${obj.kind}`);
  new Model(obj as never).validate();
}

const cohorts = [
  { header: { name: 'x-gray', value: 'true' } },
  { cookie: { name: 'gray', value: '1' } },
  { userIds: { header: 'x-user-id', ids: ['42', 'alice'] } },
  { hashPercent: { header: 'x-user-id', percent: 10, idFormat: 'hex' as const } },
];

describe('rendered objects are valid against kubernetes-models / istio / gateway-api schemas', () => {
  it('every object of every strategy and router', async () => {
    const t = await loadTemplates();
    let count = 0;
    for (const router of [{ istio: {} }, { gatewayApi: {} }, { gatewayApi: { parentRefs: [{ name: 'gw', namespace: 'infra' }], hostnames: ['shop.example'] } }, { istio: { gateways: ['mesh'], hosts: ['web', 'web.example'] } }, { service: {} }]) {
      const { spec } = specFor({ router });
      const objects: KubeObject[] = [
        renderDeployment(t, spec, 'stable', 'registry.local/web:1', 4, { 'testbed.shardship.dev/error-rate': '0.3' }),
        renderDeployment(t, spec, 'green', 'registry.local/web@sha256:' + 'a'.repeat(64), 0, {}),
        renderService(t, spec, 'web'),
        renderService(t, spec, 'web-canary', 'canary'),
        renderService(t, spec, 'web-preview', 'green'),
      ];
      const splits = [split({ stable: 100, canary: 0 }), split({ stable: 75, canary: 25 }, cohorts, 'canary'), split({ blue: 0, green: 100 })];
      if (spec.routerConfig.kind === 'istio') {
        objects.push(renderDestinationRule(t, spec, ['stable', 'canary']));
        for (const s of splits) objects.push(renderVirtualService(t, spec, s));
      }
      if (spec.routerConfig.kind === 'gatewayApi') for (const s of splits) objects.push(renderHttpRoute(t, spec, s));
      for (const o of objects) {
        expect(() => validate(o), `${o.kind} ${o.metadata.name} (${JSON.stringify(router)})`).not.toThrow();
        count++;
      }
    }
    expect(count).toBeGreaterThan(30);
  });

  it('the watch Deployment and its least-privilege RBAC', async () => {
    const objects = await renderWatchObjects({ image: 'registry.example.com/shardship:0.1.0', namespace: 'payments' });
    for (const obj of objects) {
      validate(obj);
      expect(obj.metadata.namespace).toBe('payments');
    }
    expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Role', 'RoleBinding', 'ServiceAccount']);
    const deployment = objects.find((o) => o.kind === 'Deployment') as KubeObject & { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } };
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ image: 'registry.example.com/shardship:0.1.0', args: expect.arrayContaining(['release', 'watch']) as unknown });
    const binding = objects.find((o) => o.kind === 'RoleBinding') as KubeObject & { subjects: { namespace: string }[] };
    expect(binding.subjects[0]!.namespace).toBe('payments');
    const role = objects.find((o) => o.kind === 'Role') as KubeObject & { rules?: { verbs: string[]; resources: string[] }[] };
    // Least privilege: no wildcards, and no delete anywhere.
    for (const r of role.rules!) {
      expect(r.verbs).not.toContain('*');
      expect(r.verbs).not.toContain('delete');
      expect(r.resources).not.toContain('*');
    }
  });

  it('the watch Deployment refuses to render without an image (shardship publishes none)', async () => {
    for (const image of [undefined, '', '  ', '${SHARDSHIP_IMAGE}']) {
      const e = await renderWatchObjects({ image, namespace: 'shop' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e, String(image)).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems[0]!.path).toBe('SHARDSHIP_IMAGE');
    }
    const e = (await renderWatchObjects({ image: undefined, namespace: 'shop' }).then(
      () => undefined,
      (err: unknown) => err,
    )) as ConfigError;
    expect(e.problems[0]!.hint).toMatch(/deploy-templates\/watch\/Dockerfile/);
    // The Dockerfile it points at exists and installs the packed shardship on Node 20.
    const dockerfile = readFileSync(new URL('../../../deploy-templates/watch/Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["shardship"\]$/m);
  });

  it('a broken template is reported with its file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardship-tpl-'));
    writeFileSync(join(dir, 'service.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ${nmae}\n');
    const t = await loadTemplates(dir);
    const { spec } = specFor({});
    try {
      renderService(t, spec, 'web');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems[0]).toMatchObject({ message: 'unknown template variable ${nmae}', position: { file: join(dir, 'service.yaml'), line: 4 } });
    }
    // Files the folder does not override come from deploy-templates/app.
    expect(t['deployment.yaml'].file).toMatch(/deploy-templates\/app\/deployment\.yaml$/);
  });

  it('a template with a YAML syntax error is a config error at its file and line, not an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardship-tpl-'));
    const file = join(dir, 'service.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  labels: {app: [unclosed\n');
    const render = async () => renderService(await loadTemplates(dir), specFor({}).spec, 'web');
    const error = await render().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems[0]!;
    expect(problem.position?.file).toBe(file);
    expect(problem.position?.line).toBeGreaterThanOrEqual(5);
    expect(problem.hint).toMatch(/YAML syntax/);
  });

  it('an overriding template keeps its own fields; shardship sets only what it steers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardship-tpl-'));
    writeFileSync(join(dir, 'deployment.yaml'), readFileSync(new URL('../../../deploy-templates/app/deployment.yaml', import.meta.url), 'utf8').replace('revisionHistoryLimit: 3', 'revisionHistoryLimit: 7'));
    const t = await loadTemplates(dir);
    const d = renderDeployment(t, specFor({}).spec, 'canary', 'web:9', 2, { a: 'b' }) as KubeObject & { spec: { revisionHistoryLimit: number; replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { annotations: Record<string, string> }; spec: { containers: { image: string }[] } } } };
    expect(d.spec.revisionHistoryLimit).toBe(7);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0]!.image).toBe('web:9');
    expect(d.spec.template.metadata.annotations).toEqual({ a: 'b' });
    expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'web', 'shardship.dev/track': 'canary' });
  });
});

describe('routing objects round-trip', () => {
  it('VirtualService and HTTPRoute read back the split they were written with', async () => {
    const t = await loadTemplates();
    const s = split({ stable: 80, canary: 20 }, cohorts.slice(0, 2), 'canary');
    const istio = specFor({ router: { istio: {} } }).spec;
    expect(parseVirtualService(renderVirtualService(t, istio, s), 'primary')).toMatchObject({ weights: { stable: 80, canary: 20 }, cohortTrack: 'canary', cohorts: { length: 2 } });
    const gw = specFor({ router: { gatewayApi: {} } }).spec;
    expect(parseHttpRoute(renderHttpRoute(t, gw, s), 'web')).toMatchObject({ weights: { stable: 80, canary: 20 }, cohortTrack: 'canary', cohorts: { length: 2 } });
  });

  it('an HTTPRoute as the API server stores it (matches defaulted to PathPrefix /) reads back the same split', async () => {
    const t = await loadTemplates();
    const gw = specFor({ router: { gatewayApi: {} } }).spec;
    for (const s of [split({ stable: 50, canary: 50 }), split({ stable: 100, canary: 0 }, cohorts.slice(0, 1), 'canary')]) {
      const stored = structuredClone(renderHttpRoute(t, gw, s)) as KubeObject & { spec: { rules: { matches?: unknown[]; backendRefs: Record<string, unknown>[] }[] } };
      // What a real API server adds: default matches, backendRef group and kind.
      for (const r of stored.spec.rules) {
        r.matches ??= [{ path: { type: 'PathPrefix', value: '/' } }];
        for (const b of r.backendRefs) Object.assign(b, { group: '', kind: 'Service' });
      }
      const back = parseHttpRoute(stored, 'web')!;
      expect(back.weights).toEqual(s.weights);
      expect(back.cohorts).toHaveLength(s.cohorts.length);
    }
  });

  it('patch mode rewrites only the named route of a user-owned VirtualService, in one JSON patch', () => {
    const spec = specFor({ router: { istio: { mode: 'patch', virtualService: 'edge', route: 'web' } } }).spec;
    const userVs: KubeObject = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'edge', namespace: 'shop' },
      spec: {
        hosts: ['edge'],
        http: [
          { name: 'admin', match: [{ uri: { prefix: '/admin' } }], route: [{ destination: { host: 'admin' } }] },
          { name: 'web', timeout: '5s', route: [{ destination: { host: 'web', subset: 'stable' }, weight: 100 }] },
        ],
      },
    };
    const ops = virtualServiceRoutePatch(userVs, spec, split({ stable: 90, canary: 10 }, [cohorts[0]!], 'canary'), 'web');
    expect(ops[0]).toEqual({ op: 'test', path: '/spec/http/1/name', value: 'web' });
    expect(ops.some((o) => o.path.startsWith('/spec/http/0'))).toBe(false);
    expect(ops).toContainEqual({ op: 'add', path: '/spec/http/1', value: expect.objectContaining({ name: 'web-cohort' }) });
    expect(ops).toContainEqual({ op: 'replace', path: '/spec/http/1', value: expect.objectContaining({ name: 'web', timeout: '5s' }) });
    expect(() => virtualServiceRoutePatch(userVs, spec, split({ stable: 100 }), 'nope')).toThrow(/no http route named "nope"/);
  });
});
