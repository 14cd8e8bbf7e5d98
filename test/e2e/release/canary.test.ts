// Canary releases end to end on the real control plane (test/support/cluster), with analysis
// by a real Prometheus scraping the traffic generator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortRelease, pauseRelease, promoteRelease, releaseHistory, releaseStatus, resumeRelease, retryRelease, startRelease } from '../../../pipeline/release/index.js';
import { ForbiddenError } from '../../../pipeline/core/cluster.js';
import { ServiceError, UsageError } from '../../../pipeline/core/errors.js';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { connectCluster } from '../../../pipeline/kube/client.js';
import { ANNOTATION } from '../../support/cluster/traffic.js';
import { serviceAccountKubeconfig, type PolicyRule } from '../../support/cluster/rbac.js';
import { NS, baseOptions, bedOf, bedOnly, generationOf, getObj, releaseConfig, shares, startHarness, type DeploymentShape, type Harness, img } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ prometheus: true });
});
afterAll(async () => {
  await h?.stop();
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const istioCanary = (steps: unknown[]) => ({ replicas: 4, router: { istio: {} }, strategy: { canary: { steps } } });

describe('canary on istio', () => {
  it('pauses indefinitely (exit 3) with the weight visible, and promote runs it to completion', async () => {
    const config = releaseConfig({ web: istioCanary([{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: '200ms' } }]) });
    const opts = baseOptions(h, config, 'web');
    const first = await startRelease({ ...opts, image: img('registry.local/web:1') });
    expect(first).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await shares(h, 'web')).toEqual({ 'web-stable': 1 });

    const r = await startRelease({ ...opts, image: img('registry.local/web:2') });
    expect(r).toMatchObject({ phase: 'Paused', exitCode: 3, desiredWeight: 25, confirmedWeight: 25, previousImage: img('registry.local/web:1') });
    expect(await shares(h, 'web')).toEqual({ 'web-stable': 0.75, 'web-canary': 0.25 });

    const status = await releaseStatus(opts);
    expect(status).toMatchObject({ phase: 'Paused', exitCode: 3, confirmedWeight: 25, currentStep: 'pause until promote', startedBy: { who: 'e2e-tester', runId: '4242' } });

    const done = await promoteRelease(opts);
    expect(done).toMatchObject({ phase: 'Completed', exitCode: 0, image: img('registry.local/web:2') });
    expect(await shares(h, 'web')).toEqual({ 'web-stable': 1 });
    const stable = await getObj<DeploymentShape>(h, 'apps/v1', 'Deployment', 'web-stable');
    const canary = await getObj<DeploymentShape>(h, 'apps/v1', 'Deployment', 'web-canary');
    expect(stable.spec.template.spec.containers[0]!.image).toBe(img('registry.local/web:2'));
    expect(canary.spec.replicas).toBe(0);
    const history = await releaseHistory(opts);
    expect(history.history!.map((e) => e.action)).toEqual(expect.arrayContaining(['start', 'promote', 'complete']));
    expect(history.history!.find((e) => e.action === 'promote')).toMatchObject({ who: 'e2e-tester', runId: '4242', revision: 2 });
  });

  it('aborts by itself when Prometheus shows a high error rate: stable back to 100% in one write, exit 1', async () => {
    const config = releaseConfig(
      { bad: istioCanary([{ setWeight: 50 }, { pause: { duration: '4s' } }, { analysis: { templates: ['error-rate'] } }, { setWeight: 100 }]) },
      h.promUrl,
    );
    const opts = baseOptions(h, config, 'bad', { analysisIntervalMs: 1000 });
    h.traffic.set({ namespace: NS, host: 'bad', rps: 200 });
    await startRelease({ ...opts, image: img('registry.local/bad:1') });
    const gen = await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'bad');
    const r = await startRelease({ ...opts, image: img('registry.local/bad:2'), podAnnotations: { [ANNOTATION.errorRate]: '0.3' } });
    expect(r).toMatchObject({ phase: 'Aborted', exitCode: 1 });
    const failed = r.analysis.find((a) => a.outcome === 'Failed')!;
    expect(failed.template).toBe('error-rate');
    expect(failed.measurements.at(-1)!.value).toBeGreaterThan(0.2);
    expect(await shares(h, 'bad')).toEqual({ 'bad-stable': 1 });
    // Two writes to the VirtualService in the whole release: 50% in, 100% back — the rollback is one.
    expect((await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'bad')) - gen).toBe(2);
    expect(r.api!.routingWrites).toBe(2);
    const canary = await getObj<DeploymentShape>(h, 'apps/v1', 'Deployment', 'bad-canary');
    expect(canary.spec.replicas).toBe(0);
    expect(r.message).toMatch(/aborted: analysis error-rate failed/);
  });

  it('after an irreversible step a failed analysis freezes the release instead of reverting', async () => {
    const config = releaseConfig(
      { contract: istioCanary([{ setWeight: 25, irreversible: true }, { pause: { duration: '4s' } }, { analysis: { templates: ['error-rate'] } }]) },
      h.promUrl,
    );
    const opts = baseOptions(h, config, 'contract', { analysisIntervalMs: 1000 });
    h.traffic.set({ namespace: NS, host: 'contract', rps: 200 });
    await startRelease({ ...opts, image: img('contract:1') });
    const r = await startRelease({ ...opts, image: img('contract:2'), podAnnotations: { [ANNOTATION.errorRate]: '0.5' } });
    expect(r).toMatchObject({ phase: 'Frozen', exitCode: 1 });
    expect(r.message).toMatch(/not reverting because an irreversible step already ran/);
    expect((await shares(h, 'contract'))['contract-canary']).toBeCloseTo(0.25, 2);
    await expect(abortRelease(opts)).rejects.toThrow(/irreversible step/);
    expect(await abortRelease({ ...opts, force: true })).toMatchObject({ phase: 'Aborted' });
    expect(await shares(h, 'contract')).toEqual({ 'contract-stable': 1 });
  });

  it('pause holds a release, resume continues it, retry re-runs an aborted one with no change', async () => {
    const config = releaseConfig({ again: istioCanary([{ setWeight: 50 }, { pause: {} }]) });
    const opts = baseOptions(h, config, 'again');
    await startRelease({ ...opts, image: img('a:1') });
    expect(await startRelease({ ...opts, image: img('a:2') })).toMatchObject({ phase: 'Paused' });
    expect(await abortRelease(opts)).toMatchObject({ phase: 'Aborted', exitCode: 1 });
    const retried = await retryRelease(opts);
    expect(retried).toMatchObject({ phase: 'Paused', exitCode: 3, revision: 3, image: img('a:2'), confirmedWeight: 50 });
    expect(await pauseRelease(opts)).toMatchObject({ phase: 'Paused', exitCode: 3, message: 'paused by e2e-tester' });
    await expect(promoteRelease(opts)).rejects.toThrow(/paused by e2e-tester/);
    expect(await resumeRelease(opts)).toMatchObject({ phase: 'Paused', currentStep: 'pause until promote' });
    expect(await promoteRelease(opts)).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await shares(h, 'again')).toEqual({ 'again-stable': 1 });
  });

  it('a user abort moves traffic back in exactly one routing write', async () => {
    const config = releaseConfig({ manual: istioCanary([{ setWeight: 30 }, { pause: {} }]) });
    const opts = baseOptions(h, config, 'manual');
    await startRelease({ ...opts, image: img('m:1') });
    expect((await startRelease({ ...opts, image: img('m:2') })).exitCode).toBe(3);
    const gen = await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'manual');
    const r = await abortRelease(opts);
    expect(r).toMatchObject({ phase: 'Aborted', exitCode: 1 });
    expect(r.api!.routingWrites).toBe(1);
    expect((await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'manual')) - gen).toBe(1);
    expect(await shares(h, 'manual')).toEqual({ 'manual-stable': 1 });
  });

  it('refuses a second start while one is in progress, naming who started it', async () => {
    const config = releaseConfig({ busy: istioCanary([{ setWeight: 10 }, { pause: {} }]) });
    const opts = baseOptions(h, config, 'busy');
    await startRelease({ ...opts, image: img('b:1') });
    expect((await startRelease({ ...opts, image: img('b:2') })).exitCode).toBe(3);
    const other = baseOptions(h, config, 'busy', { env: { USER: 'someone-else' } });
    await expect(startRelease({ ...other, image: img('b:3') })).rejects.toThrow(UsageError);
    await expect(startRelease({ ...other, image: img('b:3') })).rejects.toThrow(new RegExp(`already in progress \\(revision 2, ${escapeRegExp(img('b:2'))}, Paused\\), started by e2e-tester at .* \\(workflow run 4242\\)`));
  });

  it('two starts racing: exactly one wins', async () => {
    const config = releaseConfig({ race: istioCanary([{ setWeight: 10 }, { pause: {} }]) });
    await startRelease({ ...baseOptions(h, config, 'race'), image: img('r:1') });
    const results = await Promise.allSettled([
      startRelease({ ...baseOptions(h, config, 'race', { env: { USER: 'alice' } }), image: img('r:2') }),
      startRelease({ ...baseOptions(h, config, 'race', { env: { USER: 'bob' } }), image: img('r:3') }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(String((lost[0] as PromiseRejectedResult).reason)).toMatch(/already in progress .* started by (alice|bob)/);
  });
});

describe('the Prometheus adapter against the real Prometheus', () => {
  it('reads scalars and vectors, reports no data, and translates PromQL errors', async () => {
    const { prometheusSource } = await import('../../../pipeline/prometheus/client.js');
    const prom = prometheusSource(h.promUrl!);
    expect(await prom.query('scalar(vector(2))')).toEqual({ value: 2, series: 1 });
    expect(await prom.query('vector(0.25)')).toEqual({ value: 0.25, series: 1 });
    expect(await prom.query('istio_requests_total{destination_workload="does-not-exist"}')).toEqual({ value: undefined, series: 0 });
    await expect(prom.query('sum(rate(x[1m]')).rejects.toThrow(/^prometheus: query failed \(bad_data\)/);
    await expect(prometheusSource('http://127.0.0.1:1').query('up')).rejects.toThrow(ServiceError);
  });
});

describe('API errors', () => {
  it('403 from real RBAC names the verb and resource that is missing', async () => {
    const config = releaseConfig({ locked: istioCanary([{ setWeight: 10 }]) });
    const opts = baseOptions(h, config, 'locked');
    await startRelease({ ...opts, image: img('l:1') });
    // The shipped least-privilege Role, less one verb: patch on VirtualServices.
    const role = parseAllDocuments(readFileSync('deploy-templates/watch/rbac.yaml', 'utf8'))
      .map((d) => d.toJSON() as { kind: string; rules?: PolicyRule[] })
      .find((d) => d.kind === 'Role')!;
    const rules = role.rules!.flatMap((r): PolicyRule[] =>
      r.resources.includes('virtualservices')
        ? [{ ...r, resources: ['virtualservices'], verbs: r.verbs.filter((v) => v !== 'patch') }, { ...r, resources: r.resources.filter((x) => x !== 'virtualservices') }]
        : [r],
    );
    const kubeconfigPath = await serviceAccountKubeconfig(h.plane ?? bedOf(h).plane, { namespace: NS, name: 'no-vs-patch', rules, dir: h.dir });
    const limited = { ...opts, cluster: connectCluster({ kubeconfigPath, backoffMs: 50 }) };
    const e = await startRelease({ ...limited, image: img('l:2') }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ForbiddenError);
    expect((e as Error).message).toBe(`kubernetes: forbidden: cannot patch virtualservices.networking.istio.io in namespace "${NS}"`);
    expect((e as ForbiddenError).hint).toMatch(/grant the role verb "patch" on resource "virtualservices.networking.istio.io"/);
    // The state was left consistent: the release is still there, and a run with the right rights finishes it.
    const status = await releaseStatus(opts);
    expect(status).toMatchObject({ phase: 'Progressing', confirmedWeight: 0 });
    expect(await resumeRelease(opts)).toMatchObject({ phase: 'Completed' });
  });

  bedOnly('500s from the API server are retried with backoff; a lasting outage fails cleanly with the state intact', async () => {
    const { proxy } = bedOf(h);
    const config = releaseConfig({ flaky: istioCanary([{ setWeight: 20 }, { pause: {} }]) });
    const opts = baseOptions(h, config, 'flaky');
    await startRelease({ ...opts, image: img('f:1') });
    proxy.apiError({ status: 500, count: 3, verb: 'patch', pathIncludes: '/virtualservices/flaky' });
    expect(await startRelease({ ...opts, image: img('f:2') })).toMatchObject({ phase: 'Paused', confirmedWeight: 20 });
    expect(proxy.requests().filter((r) => r.status === 500 && r.path.includes('/virtualservices/flaky'))).toHaveLength(3);
    proxy.clear();
    proxy.apiError({ status: 503, count: 50, pathIncludes: '/virtualservices/flaky' });
    try {
      await expect(abortRelease(opts)).rejects.toThrow(ServiceError);
      await expect(abortRelease(opts)).rejects.toThrow(/API server error 503 after 5 attempts/);
    } finally {
      proxy.clear();
    }
    expect(await abortRelease(opts)).toMatchObject({ phase: 'Aborted' });
    expect(await shares(h, 'flaky')).toEqual({ 'flaky-stable': 1 });
  });

  bedOnly('409s from a real concurrent writer of the state are re-read and re-planned', async () => {
    const { proxy } = bedOf(h);
    const config = releaseConfig({ storm: istioCanary([{ setWeight: 40 }, { pause: { duration: '1s' } }, { setWeight: 80 }, { pause: { duration: '1s' } }]) });
    const opts = baseOptions(h, config, 'storm');
    await startRelease({ ...opts, image: img('s:1') });
    proxy.reset();
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'shardship-release-storm' };
    // Another writer changes the state ConfigMap right after the release has read it, so the
    // release's next write carries a stale resourceVersion: a real 409 from the API server.
    let writes = 0;
    const stopListening = proxy.onRequest((x) => {
      if (x.verb === 'get' && x.status === 200 && x.path.includes('/configmaps/shardship-release-storm') && writes < 4) {
        writes++;
        void h.observer.patch(ref, { metadata: { annotations: { 'e2e.shardship.dev/touch': String(writes) } } }, 'merge').catch(() => undefined);
      }
    });
    const r = await startRelease({ ...opts, image: img('s:2') }).finally(stopListening);
    expect(r).toMatchObject({ phase: 'Completed', image: img('s:2') });
    expect(writes).toBe(4);
    const conflicts = proxy.requests().filter((x) => x.status === 409 && x.path.includes('/configmaps/shardship-release-storm'));
    expect(conflicts.length, 'the concurrent writer really caused conflicts').toBeGreaterThan(0);
  });
});
