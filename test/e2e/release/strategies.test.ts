// Blue-green, gray and the no-mesh service router, end to end on the real control plane.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortRelease, continueRelease, promoteRelease, releaseStatus, startRelease } from '../../../pipeline/release/index.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { ANNOTATION } from '../../support/cluster/traffic.js';
import { NS, baseOptions, bedOnly, generationOf, getObj, releaseConfig, shares, startHarness, type DeploymentShape, type Harness, type ServiceShape, type VirtualServiceShape, img } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('blue-green', () => {
  it('brings up the new slot behind a preview Service, switches on promote in one write, scales the old slot down after the delay', async () => {
    const config = releaseConfig({
      bg: { replicas: 3, router: { istio: {} }, strategy: { blueGreen: { prePromotionAnalysis: { templates: ['pods'] }, scaleDownDelay: '500ms' } } },
    });
    const opts = baseOptions(h, config, 'bg');
    expect(await startRelease({ ...opts, image: img('bg:1') })).toMatchObject({ phase: 'Completed' });
    expect(await shares(h, 'bg')).toEqual({ 'bg-blue': 1 });

    const paused = await startRelease({ ...opts, image: img('bg:2') });
    expect(paused).toMatchObject({ phase: 'Paused', exitCode: 3, currentStep: 'pause until promote' });
    expect(paused.analysis).toEqual([expect.objectContaining({ template: 'pods', outcome: 'Successful' })]);
    // Preview serves the new slot; production still goes to the old one.
    expect(await shares(h, 'bg-preview')).toEqual({ 'bg-green': 1 });
    expect(await shares(h, 'bg')).toEqual({ 'bg-blue': 1 });

    const gen = await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'bg');
    const t0 = Date.now();
    const done = await promoteRelease(opts);
    expect(done).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(done.api!.routingWrites).toBe(1);
    expect((await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'bg')) - gen).toBe(1);
    expect(await shares(h, 'bg')).toEqual({ 'bg-green': 1 });
    expect((await getObj<DeploymentShape>(h, 'apps/v1', 'Deployment', 'bg-blue')).spec.replicas).toBe(0);

    // The next release goes to the other slot.
    const next = await startRelease({ ...opts, image: img('bg:3') });
    expect(next).toMatchObject({ phase: 'Paused' });
    expect(await shares(h, 'bg-preview')).toEqual({ 'bg-blue': 1 });
    expect(await shares(h, 'bg')).toEqual({ 'bg-green': 1 });
  });

  it('without a mesh, switches the Service selector (auto-promote)', async () => {
    const config = releaseConfig({ plain: { replicas: 2, router: { service: {} }, strategy: { blueGreen: { autoPromote: true, scaleDownDelay: '100ms' } } } });
    const opts = baseOptions(h, config, 'plain');
    await startRelease({ ...opts, image: img('p:1') });
    const switched = await startRelease({ ...opts, image: img('p:2') });
    expect(switched).toMatchObject({ phase: 'Completed' });
    // One write to the Service selector: the switch.
    expect(switched.api!.routingWrites).toBe(1);
    expect(await shares(h, 'plain')).toEqual({ 'plain-green': 1 });
    expect((await getObj<ServiceShape>(h, 'v1', 'Service', 'plain')).spec.selector['shardship.dev/track']).toBe('green');
  });
});

describe('gray', () => {
  for (const router of [{ istio: {} }, { gatewayApi: {} }]) {
    const name = 'istio' in router ? 'gray-istio' : 'gray-gw';
    it(`routes the x-gray cohort first, then ramps by weight with the cohort kept (${Object.keys(router)[0]})`, async () => {
      const config = releaseConfig({
        [name]: {
          replicas: 4,
          router,
          strategy: {
            gray: {
              cohorts: [{ header: { name: 'x-gray', value: 'true' } }, { userIds: { header: 'x-user-id', ids: ['vip-1', 'vip-2'] } }],
              cohortPause: {},
              ramp: [{ setWeight: 50 }, { pause: {} }],
            },
          },
        },
      });
      const opts = baseOptions(h, config, name);
      await startRelease({ ...opts, image: img('g:1') });
      const cohort = await startRelease({ ...opts, image: img('g:2') });
      expect(cohort).toMatchObject({ phase: 'Paused', cohorts: 2, desiredWeight: 0 });
      expect(await shares(h, name, { 'x-gray': 'true' })).toEqual({ [`${name}-canary`]: 1 });
      expect(await shares(h, name, { 'x-user-id': 'vip-2' })).toEqual({ [`${name}-canary`]: 1 });
      expect(await shares(h, name, { 'x-user-id': 'someone' })).toEqual({ [`${name}-stable`]: 1 });
      expect(await shares(h, name)).toEqual({ [`${name}-stable`]: 1 });

      const [apiVersion, kind] = 'istio' in router ? ['networking.istio.io/v1', 'VirtualService'] : ['gateway.networking.k8s.io/v1', 'HTTPRoute'];
      const gen = await generationOf(h, apiVersion, kind, name);
      const ramp = await promoteRelease(opts);
      expect(ramp).toMatchObject({ phase: 'Paused', desiredWeight: 50, cohorts: 2 });
      expect(ramp.api!.routingWrites).toBe(1);
      expect((await generationOf(h, apiVersion, kind, name)) - gen).toBe(1);
      expect(await shares(h, name, { 'x-gray': 'true' })).toEqual({ [`${name}-canary`]: 1 });
      const rest = await shares(h, name);
      expect(rest[`${name}-canary`]).toBeCloseTo(0.5, 2);

      expect(await promoteRelease(opts)).toMatchObject({ phase: 'Completed' });
      expect(await shares(h, name, { 'x-gray': 'true' })).toEqual({ [`${name}-stable`]: 1 });
    });
  }
});

describe('service router (no mesh): canary by replica ratio', () => {
  it('refuses a weight the replica count cannot reach, before touching anything', async () => {
    const config = releaseConfig({ ratio: { replicas: 2, router: { service: {} }, strategy: { canary: { steps: [{ setWeight: 70 }] } } } });
    const opts = baseOptions(h, config, 'ratio');
    await startRelease({ ...opts, image: img('ratio:1') });
    const writes = h.cluster.stats.writes;
    const e = await startRelease({ ...opts, image: img('ratio:2') }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toMatch(/2 replicas can only reach 0, 50, 100%: step 1 setWeight 70% would really get 50%/);
    expect((e as ConfigError).problems[0]!.hint).toMatch(/e\.g\. 10.*router\.service\.scaleUp: true/);
    expect(h.cluster.stats.writes).toBe(writes);
    expect((await releaseStatus(opts)).phase).toBe('Completed');
  });

  it('with scaleUp runs with enough replicas to give the weights exactly, and says so', async () => {
    const config = releaseConfig({ ratio2: { replicas: 2, router: { service: { scaleUp: true } }, strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }] } } } });
    const opts = baseOptions(h, config, 'ratio2');
    await startRelease({ ...opts, image: img('r2:1') });
    const r = await startRelease({ ...opts, image: img('r2:2') });
    expect(r.notes[0]).toMatch(/^scaling to 4 replicas: 2 can only reach 0, 50, 100%/);
    expect(r).toMatchObject({ phase: 'Paused', desiredWeight: 25, confirmedWeight: 25 });
    expect(await shares(h, 'ratio2')).toEqual({ 'ratio2-stable': 0.75, 'ratio2-canary': 0.25 });
    expect((await releaseStatus(opts)).confirmedWeight).toBe(25);
    const aborted = await abortRelease(opts);
    expect(aborted.phase).toBe('Aborted');
    expect(aborted.message).toContain(`${img('r2:1')} serves 100%`);
    expect(await shares(h, 'ratio2')).toEqual({ 'ratio2-stable': 1 });
  });
});

describe('release watch', () => {
  it('a run that timed out (exit 4) is carried on by the watch loop from the cluster state', async () => {
    const config = releaseConfig({ later: { replicas: 2, router: { gatewayApi: {} }, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '4s' } }] } } } });
    const opts = baseOptions(h, config, 'later');
    await startRelease({ ...opts, image: img('later:1') });
    const first = await startRelease({ ...opts, image: img('later:2'), timeoutMs: 1500 });
    expect(first).toMatchObject({ phase: 'Progressing', timedOut: true, exitCode: 4 });
    const watched = await continueRelease(opts);
    expect(watched).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await shares(h, 'later')).toEqual({ 'later-stable': 1 });
    expect(await continueRelease(opts)).toMatchObject({ phase: 'Completed' });
  });
});

describe('istio: patching a user-owned VirtualService', () => {
  it('changes only the named route and leaves the rest alone', async () => {
    await h.cluster.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'edge', namespace: NS },
      spec: {
        hosts: ['shopfront'],
        http: [
          { name: 'admin', match: [{ headers: { 'x-admin': { exact: '1' } } }], route: [{ destination: { host: 'admin' } }] },
          { name: 'shopfront', timeout: '5s', route: [{ destination: { host: 'shopfront', subset: 'stable' }, weight: 100 }] },
        ],
      },
    });
    const config = releaseConfig({
      shopfront: { replicas: 2, router: { istio: { mode: 'patch', virtualService: 'edge', route: 'shopfront' } }, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: {} }] } } },
    });
    const opts = baseOptions(h, config, 'shopfront');
    await startRelease({ ...opts, image: img('sf:1') });
    expect(await startRelease({ ...opts, image: img('sf:2') })).toMatchObject({ phase: 'Paused', confirmedWeight: 50 });
    const vs = await getObj<VirtualServiceShape>(h, 'networking.istio.io/v1', 'VirtualService', 'edge');
    expect(vs.spec.http[0]).toEqual({ name: 'admin', match: [{ headers: { 'x-admin': { exact: '1' } } }], route: [{ destination: { host: 'admin' } }] });
    expect(vs.spec.http[1]).toMatchObject({ name: 'shopfront', timeout: '5s' });
    expect(vs.spec.http[1]!.route.map((r) => r.weight)).toEqual([50, 50]);
    expect(await shares(h, 'shopfront')).toEqual({ 'shopfront-stable': 0.5, 'shopfront-canary': 0.5 });
  });
});

describe('unhealthy new versions', () => {
  bedOnly('never-ready pods (KWOK) abort the release at the progress deadline', async () => {
    const config = releaseConfig({ slow: { replicas: 2, progressDeadline: '1500ms', router: { istio: {} }, strategy: { canary: { steps: [{ setWeight: 50 }] } } } });
    const opts = baseOptions(h, config, 'slow');
    await startRelease({ ...opts, image: img('slow:1') });
    const r = await startRelease({ ...opts, image: img('slow:2'), podAnnotations: { [ANNOTATION.neverReady]: 'true' } });
    expect(r).toMatchObject({ phase: 'Aborted', exitCode: 1 });
    expect(r.message).toMatch(/slow-canary has 0\/1 ready replicas after/);
    expect(await shares(h, 'slow')).toEqual({ 'slow-stable': 1 });
  });

  bedOnly('crash-looping pods (KWOK) abort the release', async () => {
    const config = releaseConfig({ crashy: { replicas: 2, router: { gatewayApi: {} }, strategy: { canary: { steps: [{ setWeight: 50 }] } } } });
    const opts = baseOptions(h, config, 'crashy');
    await startRelease({ ...opts, image: img('c:1') });
    const r = await startRelease({ ...opts, image: img('c:2'), podAnnotations: { [ANNOTATION.crashLoop]: 'true' } });
    expect(r).toMatchObject({ phase: 'Aborted', exitCode: 1 });
    expect(r.message).toMatch(/CrashLoopBackOff/);
    expect(await shares(h, 'crashy')).toEqual({ 'crashy-stable': 1 });
  });
});

describe('traffic follows the routing objects', () => {
  it('the traffic generator serves each version the share the routing objects give it (weights, header and hash cohorts, replica ratios)', async () => {
    const gray = (router: unknown) => ({
      replicas: 4,
      router,
      strategy: {
        gray: {
          cohorts: [{ header: { name: 'x-gray', value: 'true' } }, { hashPercent: { header: 'x-user-id', percent: 50, idFormat: 'hex' } }],
          cohortPause: {},
          ramp: [{ setWeight: 30 }, { pause: {} }],
        },
      },
    });
    const config = releaseConfig({
      'agree-istio': gray({ istio: {} }),
      'agree-gw': gray({ gatewayApi: {} }),
      'agree-svc': { replicas: 4, router: { service: {} }, strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }] } } },
    });
    for (const app of ['agree-istio', 'agree-gw', 'agree-svc']) {
      const opts = baseOptions(h, config, app);
      await startRelease({ ...opts, image: img(`${app}:1`) });
      expect((await startRelease({ ...opts, image: img(`${app}:2`) })).phase).toBe('Paused');
      if (app !== 'agree-svc') expect(await promoteRelease(opts)).toMatchObject({ phase: 'Paused', desiredWeight: 30 });
    }
    expect(await shares(h, 'agree-istio', { 'x-user-id': 'user-0a' })).toEqual({ 'agree-istio-canary': 1 });
    expect(await shares(h, 'agree-istio', { 'x-gray': 'true' })).toEqual({ 'agree-istio-canary': 1 });
    expect(await shares(h, 'agree-gw')).toEqual({ 'agree-gw-stable': 0.7, 'agree-gw-canary': 0.3 });
    expect(await shares(h, 'agree-svc')).toEqual({ 'agree-svc-stable': 0.75, 'agree-svc-canary': 0.25 });

    // Requests the generator sends land where the objects in the API server say.
    for (const host of ['agree-istio', 'agree-gw', 'agree-svc']) h.traffic.set({ namespace: NS, host, rps: 10_000 });
    await h.traffic.tick();
    await new Promise((r) => setTimeout(r, 300));
    await h.traffic.tick();
    for (const host of ['agree-istio', 'agree-gw', 'agree-svc']) {
      h.traffic.set({ namespace: NS, host, rps: 0 });
      const served = h.traffic.counters().filter((c) => c.namespace === NS && c.host === host);
      const total = served.reduce((n, c) => n + c.value, 0);
      expect(total).toBeGreaterThan(500);
      const expected = await shares(h, host);
      for (const [deployment, share] of Object.entries(expected)) {
        const got = served.filter((c) => c.deployment === deployment).reduce((n, c) => n + c.value, 0) / total;
        expect(got, `${host} -> ${deployment}`).toBeCloseTo(share, 1);
      }
    }
    expect(await shares(h, 'nothing-here')).toEqual({ none: 1 });
  });
});
