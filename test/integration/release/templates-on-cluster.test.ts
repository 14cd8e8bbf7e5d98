// Every template shardship renders (deploy-templates/app for each router, deploy-templates/watch)
// applied by kubectl of the API server's own version with strict server-side field validation:
// an unknown or misplaced field fails here, not in a user's cluster.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadTemplates, renderDeployment, renderDestinationRule, renderHttpRoute, renderService, renderVirtualService } from '../../../pipeline/release/render.js';
import { renderWatchObjects } from '../../../pipeline/release/watch.js';
import type { KubeObject } from '../../../pipeline/core/cluster.js';
import { kubectlRun } from '../../support/cluster/control-plane.js';
import { useTestNamespace } from '../../support/cluster/namespace.js';
import { specFor, split } from '../../unit/release/fixtures.js';

const ns = useTestNamespace('tpl');
const cohorts = [
  { header: { name: 'x-gray', value: 'true' } },
  { cookie: { name: 'gray', value: '1' } },
  { userIds: { header: 'x-user-id', ids: ['42', 'alice'] } },
  { hashPercent: { header: 'x-user-id', percent: 10, idFormat: 'hex' as const } },
];

async function applyStrict(objs: KubeObject[]): Promise<string> {
  const docs = objs.map((o) => stringify({ ...o, metadata: { ...o.metadata, namespace: ns.name } })).join('---\n');
  const r = await kubectlRun(ns.plane, ['apply', '--server-side', '--validate=strict', '--dry-run=server', '-f', '-'], docs);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('rendered templates on the real API server (strict field validation)', () => {
  it('deploy-templates/app: Deployments, Services, DestinationRule, VirtualService and HTTPRoute, with and without cohorts', async () => {
    const t = await loadTemplates();
    const istio = specFor({ router: { istio: {} } }).spec;
    const gw = specFor({ router: { gatewayApi: {} } }).spec;
    const weighted = split({ stable: 80, canary: 20 });
    const withCohorts = split({ stable: 100, canary: 0 }, cohorts, 'canary');
    const objs = [
      renderDeployment(t, istio, 'stable', 'registry.local/web:1', 4, { 'testbed.shardship.dev/error-rate': '0.1' }),
      renderDeployment(t, istio, 'canary', 'registry.local/web:2', 1, {}),
      renderService(t, istio, 'web'),
      renderService(t, istio, 'web-stable', 'stable'),
      renderService(t, istio, 'web-canary', 'canary'),
      renderDestinationRule(t, istio, ['stable', 'canary']),
      renderVirtualService(t, istio, weighted),
    ];
    const out = await applyStrict(objs);
    expect(out).toMatch(/virtualservice\.networking\.istio\.io\/web serverside-applied \(server dry run\)/);
    expect(await applyStrict([{ ...renderVirtualService(t, istio, withCohorts), metadata: { name: 'web-cohorts' } }])).toMatch(/serverside-applied/);
    expect(await applyStrict([renderHttpRoute(t, gw, weighted)])).toMatch(/httproute\.gateway\.networking\.k8s\.io\/\S+ serverside-applied/);
    expect(await applyStrict([{ ...renderHttpRoute(t, gw, withCohorts), metadata: { name: 'web-cohorts' } }])).toMatch(/serverside-applied/);
  });

  it('deploy-templates/watch: ServiceAccount, Role, RoleBinding and the watch Deployment', async () => {
    const objs = await renderWatchObjects({ image: `registry.example.com/shardship@sha256:${'d'.repeat(64)}`, namespace: ns.name });
    const out = await applyStrict(objs);
    for (const kind of ['serviceaccount', 'role.rbac.authorization.k8s.io', 'rolebinding.rbac.authorization.k8s.io', 'deployment.apps']) expect(out).toContain(kind);
  });
});
