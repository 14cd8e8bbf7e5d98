// `release promote|abort --dry-run` on the real control plane: the transition and the engine's
// next round are printed (text and versioned JSON) and no object changes: the resourceVersion
// of the routing object, the state ConfigMap and both Deployments stay as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { startRelease } from '../../../pipeline/release/index.js';
import { stateConfigMapName } from '../../../pipeline/release/state.js';
import { NS, baseOptions, getObj, img, startHarness, writeConfigFile, type Harness } from './harness.js';

let h: Harness;
const RELEASE = {
  namespace: NS,
  apps: { web: { replicas: 4, router: { istio: {} }, strategy: { canary: { steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }] } } } },
};
beforeAll(async () => {
  h = await startHarness();
  writeConfigFile(h.dir, RELEASE);
});
afterAll(async () => {
  await h?.stop();
});

async function cli(args: string[]) {
  const output = memoryOutput();
  const code = await main(['release', ...args, '--app', 'web'], { cwd: h.dir, env: { KUBECONFIG: h.kubeconfigPath, USER: 'dry-runner', NO_COLOR: '1' }, output });
  return { code, stdout: output.stdout.join('\n'), stderr: output.stderr.join('\n') };
}

/** resourceVersion of every object a promote or abort writes. */
async function versions(): Promise<Record<string, string | undefined>> {
  const objects: [string, string, string][] = [
    ['networking.istio.io/v1', 'VirtualService', 'web'],
    ['v1', 'ConfigMap', stateConfigMapName('web')],
    ['apps/v1', 'Deployment', 'web-stable'],
    ['apps/v1', 'Deployment', 'web-canary'],
  ];
  const out: Record<string, string | undefined> = {};
  for (const [apiVersion, kind, name] of objects) out[`${kind}/${name}`] = (await getObj(h, apiVersion, kind, name)).metadata.resourceVersion;
  return out;
}

describe('release promote/abort --dry-run', () => {
  it('print the transition and the next round, and change no object', async () => {
    const opts = baseOptions(h, ReleaseConfig.parse(RELEASE), 'web');
    expect(await startRelease({ ...opts, image: img('registry.local/web:1') })).toMatchObject({ phase: 'Completed' });
    expect(await startRelease({ ...opts, image: img('registry.local/web:2') })).toMatchObject({ phase: 'Paused', desiredWeight: 25 });
    const before = await versions();
    expect(Object.values(before).every((v) => typeof v === 'string')).toBe(true);

    const promote = await cli(['promote', '--dry-run']);
    expect(promote.code).toBe(0);
    expect(promote.stdout.split('\n').slice(0, 4)).toEqual([
      'dry run of release promote for web: nothing was written',
      '  revision 2: Paused, step 2 (pause until promote) -> Progressing, step 3 (setWeight 50%)',
      '  message  promoted past step 2: pause until promote',
      '  history  + step: step 2: pause until promote skipped by promote',
    ]);
    expect(promote.stdout).toContain(`  would write the release state (ConfigMap ${NS}/shardship-release-web)`);
    expect(promote.stdout).toContain('  would then drive the release:\n    scale canary to 2');

    const abort = await cli(['abort', '--dry-run', '--json']);
    expect(abort.code).toBe(0);
    const preview = JSON.parse(abort.stdout);
    expect(preview).toMatchObject({
      schemaVersion: 1,
      app: 'web',
      command: 'abort',
      dryRun: true,
      from: { revision: 2, phase: 'Paused', stepIndex: 1 },
      to: { revision: 2, phase: 'Aborting', stepIndex: 1, message: 'aborting: aborted by dry-runner' },
      history: [{ action: 'abort', who: 'dry-runner', detail: 'aborted by dry-runner' }],
      effects: [{ type: 'writeState' }, { type: 'drive' }],
    });
    // Stable already serves at full size: the first thing an abort does is put all traffic back on it.
    expect(preview.next[0]).toMatchObject({ type: 'route', split: { weights: { stable: 100, canary: 0 } } });

    expect(await versions()).toEqual(before);
    const refused = await cli(['promote', '--dry-run', '--full']);
    expect(refused.code).toBe(0);
    expect(await versions()).toEqual(before);
  });
});
