// The real CLI as child processes (`node bin/shardship.js release ...` with KUBECONFIG):
// exit codes, --json reports, and a runner killed mid-release that another process resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NS, generationOf, getObj, shares, startHarness, writeConfigFile, type DeploymentShape, type Harness, img } from './harness.js';
import { readState } from '../../../pipeline/release/state.js';
import { ReleaseConfig } from '../../../pipeline/config/release.js';
import { promoteRelease, startRelease } from '../../../pipeline/release/index.js';

// Each CLI start pays for tsx compiling the CLI: on a loaded 2-core machine that is many
// seconds, so set-up steps use the same API in-process and only the steps under test spawn.
const CLI_TEST_TIMEOUT = 400_000;

const BIN = fileURLToPath(new URL('../../../bin/shardship.js', import.meta.url));
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  writeConfigFile(h.dir, RELEASE);
});
const RELEASE = {
    namespace: NS,
    analysis: { health: { interval: '1s', count: 4, kubernetes: { maxRestarts: 0 } } },
    apps: {
      probe: { replicas: 2, router: { istio: {} }, strategy: { canary: { steps: [{ setWeight: 50 }, { analysis: { templates: ['health'] } }] } } },
      web: {
        replicas: 4,
        router: { istio: {} },
        strategy: { canary: { steps: [{ setWeight: 25 }, { pause: { duration: '8s' } }, { setWeight: 50 }, { pause: {} }] } },
      },
      slow: { replicas: 2, router: { gatewayApi: {} }, strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: '1h' } }] } } },
    },
};
const api = (app: string) => ({ cluster: h.cluster, config: ReleaseConfig.parse(RELEASE), app, env: { USER: 'api' }, pollMs: 50 });
afterAll(async () => {
  await h?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, 'release', ...args], {
    cwd: h.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: h.kubeconfigPath, USER: 'ci-runner-1', NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

const run = (args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) => cli(args, opts).done;

describe('shardship release (CLI)', () => {
  it('a runner killed mid-release is resumed by another process from the cluster state', async () => {
    expect(await startRelease({ ...api('web'), image: img('web:1') })).toMatchObject({ phase: 'Completed' });

    const gen = await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'web');
    const runner = cli(['start', '--app', 'web', '--image', img('web:2'), '--poll', '50ms'], { env: { GITHUB_RUN_ID: '1001' } });
    // Kill it while it sits in the 8s timed pause, after the 25% step. (Starting the CLI can
    // take long on a loaded machine: wait generously, but notice if it exits on its own.)
    let exited: Run | undefined;
    void runner.done.then((r) => (exited = r));
    const deadline = Date.now() + 240_000;
    for (;;) {
      const { state } = await readState(h.cluster, NS, 'web');
      if (state && state.revision === 2 && state.stepIndex >= 1) break;
      if (exited) throw new Error(`runner exited with ${exited.code} before the pause:\n${exited.stderr}`);
      if (Date.now() > deadline) throw new Error('runner never reached the pause');
      await new Promise((r) => setTimeout(r, 50));
    }
    runner.child.kill('SIGKILL');
    const killed = await runner.done;
    expect(killed.code).toBeNull();
    expect(await shares(h, 'web')).toEqual({ 'web-stable': 0.75, 'web-canary': 0.25 });

    // A different runner picks it up: no local state, only the ConfigMap in the cluster.
    const resumed = await run(['resume', '--app', 'web', '--json', '--poll', '50ms'], { env: { USER: 'ci-runner-2', GITHUB_RUN_ID: '1002' } });
    expect(resumed.code, resumed.stderr).toBe(3);
    const report = JSON.parse(resumed.stdout);
    expect(report).toMatchObject({ phase: 'Paused', desiredWeight: 50, confirmedWeight: 50, startedBy: { who: 'ci-runner-1', runId: '1001' } });
    // One VirtualService write per traffic step across both processes: 25% then 50%.
    expect((await generationOf(h, 'networking.istio.io/v1', 'VirtualService', 'web')) - gen).toBe(2);
    expect(await shares(h, 'web')).toEqual({ 'web-stable': 0.5, 'web-canary': 0.5 });

    const status = await run(['status', '--app', 'web', '--json']);
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'Paused', confirmedWeight: 50 });

    expect(await promoteRelease(api('web'))).toMatchObject({ phase: 'Completed' });
    expect((await getObj<DeploymentShape>(h, 'apps/v1', 'Deployment', 'web-stable')).spec.template.spec.containers[0]!.image).toBe(img('web:2'));

    const history = await run(['history', '--app', 'web', '--json']);
    const { schemaVersion, history: entries } = JSON.parse(history.stdout) as { schemaVersion: number; history: { who: string; action: string; runId?: string }[] };
    expect(schemaVersion).toBe(1);
    expect(entries.filter((e) => e.action === 'start').map((e) => e.runId)).toEqual([undefined, '1001']);
    expect(entries.find((e) => e.action === 'resume')).toMatchObject({ who: 'ci-runner-2', runId: '1002' });
  }, CLI_TEST_TIMEOUT);

  it('a runner SIGKILLed mid-analysis: the next run continues the count instead of starting over', async () => {
    expect(await startRelease({ ...api('probe'), image: img('probe:1') })).toMatchObject({ phase: 'Completed' });
    const runner = cli(['start', '--app', 'probe', '--image', img('probe:2'), '--poll', '50ms']);
    let exited: Run | undefined;
    void runner.done.then((r) => (exited = r));
    const deadline = Date.now() + 240_000;
    for (;;) {
      const { state } = await readState(h.observer, NS, 'probe');
      if ((state?.analysisProgress?.measurements.length ?? 0) >= 2) break;
      if (exited) throw new Error(`runner exited with ${exited.code} before the analysis:\n${exited.stderr}`);
      if (Date.now() > deadline) throw new Error('runner never got 2 measurements into the analysis');
      await new Promise((r) => setTimeout(r, 50));
    }
    runner.child.kill('SIGKILL');
    expect((await runner.done).code).toBeNull();
    const saved = (await readState(h.observer, NS, 'probe')).state!.analysisProgress!.measurements;

    const resumed = await run(['resume', '--app', 'probe', '--json', '--poll', '50ms'], { env: { USER: 'ci-runner-2' } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as { phase: string; analysis: { template: string; outcome: string; measurements: { at: string }[] }[] };
    expect(report.phase).toBe('Completed');
    const health = report.analysis.filter((a) => a.template === 'health');
    expect(health).toHaveLength(1);
    expect(health[0]!.outcome).toBe('Successful');
    // `count` (4) in all, the killed runner's first ones among them.
    expect(health[0]!.measurements).toHaveLength(4);
    expect(health[0]!.measurements.slice(0, saved.length)).toEqual(saved);
  }, CLI_TEST_TIMEOUT);

  it('exit 4 when a run times out (the release goes on later), exit 2 on usage errors', async () => {
    expect(await startRelease({ ...api('slow'), image: img('slow:1') })).toMatchObject({ phase: 'Completed' });
    const timedOut = await run(['start', '--app', 'slow', '--image', img('slow:2'), '--poll', '50ms', '--timeout', '6s', '--json']);
    expect(timedOut.code, timedOut.stderr).toBe(4);
    expect(JSON.parse(timedOut.stdout)).toMatchObject({ phase: 'Progressing', timedOut: true, desiredWeight: 50 });

    const [watch, text] = await Promise.all([run(['status', '--app', 'slow', '--watch', '--until', 'healthy', '--timeout', '500ms', '--poll', '100ms']), run(['status', '--app', 'slow'])]);
    expect(watch.code).toBe(4);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/weight\s+50% desired, 50% confirmed/);

    const refused = await run(['start', '--app', 'slow', '--image', img('slow:3')], { env: { USER: 'mallory' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already in progress .* started by ci-runner-1/);

    const [unknown, missingFlag] = await Promise.all([run(['status', '--app', 'nope']), run(['start', '--app', 'slow'])]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no app "nope"/);
    expect(missingFlag.code).toBe(2);

    const aborted = await run(['abort', '--app', 'slow', '--json']);
    expect(aborted.code).toBe(1);
    expect(JSON.parse(aborted.stdout)).toMatchObject({ phase: 'Aborted' });
  }, CLI_TEST_TIMEOUT);
});
