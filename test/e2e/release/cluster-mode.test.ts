// The opt-in real-cluster mode, proven without a real cluster: the simulator runs as a
// separate process started the way a user would (`npm run sim:kube`, which prints a
// kubeconfig path), and a child vitest runs release scenarios with only
// KUBECONFIG=<that path> SHARDSHIP_E2E_CLUSTER=1 — no in-process simulator, no sim knobs.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBinary, removeDir, tempDir } from '../../support/service.js';
import { onCluster } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// A representative subset: blue-green, gray on both routers, the service router, watch,
// a user-owned VirtualService, and an analysis resumed across runners.
const FILES = ['test/e2e/release/strategies.test.ts', 'test/e2e/release/analysis-resume.test.ts'];
// The scenarios of those files that need the simulator's fault knobs or traffic.
const SIM_ONLY = ['never-ready pods abort the release at the progress deadline', 'crash-looping pods abort the release', "agrees with the simulator's own traffic routing (weights, header and hash cohorts, replica ratios)"];

let sim: ChildProcess | undefined;
let child: ChildProcess | undefined;
const dir = tempDir('release-cluster-mode');
afterAll(() => {
  if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
  // npm -> sh -> tsx -> node: the simulator runs in the process group we created.
  if (sim?.pid && sim.exitCode === null) process.kill(-sim.pid, 'SIGTERM');
  removeDir(dir);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function startSim(): Promise<{ kubeconfig: string; metrics: string }> {
  // Traffic on every Service, so the metrics show which namespaces the child really used.
  sim = spawn('npm', ['run', '--silent', 'sim:kube', '--', '--traffic-rps', '20', '--ready-delay-ms', '150'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim:kube printed no kubeconfig in 60s:\n${out}\n${err}`)), 60_000);
    sim!.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    sim!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const k = /^kubeconfig: (\S+)$/m.exec(out);
      const m = /^metrics: +(\S+)$/m.exec(out);
      if (k && m) {
        clearTimeout(timer);
        resolve({ kubeconfig: k[1]!, metrics: m[1]! });
      }
    });
    sim!.on('exit', (code) => reject(new Error(`sim:kube exited with ${code}:\n${out}\n${err}`)));
  });
}

function childVitest(env: NodeJS.ProcessEnv, outputFile: string): Promise<Run> {
  // The child must not think it is a worker of this vitest run.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'));
  const proc = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...FILES, '--reporter=json', `--outputFile=${outputFile}`], {
    cwd: ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => proc.on('close', (code) => resolve({ code, stdout, stderr })));
}

interface JsonReport {
  numFailedTests: number;
  numFailedTestSuites: number;
  numPassedTests: number;
  testResults: { name: string; message?: string; assertionResults: { title: string; status: string; failureMessages?: string[] }[] }[];
}

describe('release e2e against a cluster named by KUBECONFIG (opt-in mode)', () => {
  // Running this inside a cluster run would recurse; it is the CI proof of that mode.
  it.skipIf(onCluster)('runs the scenarios through the kubeconfig of a separately started simulator, skipping only the sim-only ones', async () => {
    const kubectl = ensureBinary('kubectl', ['kubectl']);
    const { kubeconfig, metrics } = await startSim();
    const outputFile = join(dir, 'report.json');
    // As on a real cluster: one image pinned by digest, a distinct reference per test version.
    const image = `registry.example.com/e2e-app@sha256:${'ab'.repeat(32)}`;
    const run = await childVitest({ KUBECONFIG: kubeconfig, SHARDSHIP_E2E_CLUSTER: '1', SHARDSHIP_E2E_IMAGE: image }, outputFile);
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as JsonReport;
    const results = report.testResults.flatMap((f) => f.assertionResults);
    const failures = report.testResults.map((f) => f.message ?? '').concat(results.flatMap((r) => r.failureMessages ?? []));
    expect(run.code, `${run.stderr.slice(-2000)}\n${failures.join('\n').slice(0, 4000)}`).toBe(0);
    expect(report.numFailedTests + report.numFailedTestSuites).toBe(0);
    expect(results.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(7);
    expect(results.filter((r) => r.status !== 'passed').map((r) => r.title).sort()).toEqual([...SIM_ONLY].sort());

    // Each test file's harness ran in cluster mode, in its own fresh namespace...
    const namespaces = [...run.stderr.matchAll(/^shardship-e2e: mode=cluster namespace=(shardship-e2e-[0-9a-f]{8}) kubeconfig=(\S+)$/gm)];
    expect(namespaces).toHaveLength(FILES.length);
    for (const m of namespaces) expect(m[2]).toBe(kubeconfig);
    // ...which it created and deleted again in the separate simulator (through kubectl)...
    const left = execFileSync(kubectl, ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8' });
    for (const m of namespaces) expect(left).not.toContain(`namespace/${m[1]}`);
    // ...and the releases' objects lived there: the simulator served their traffic.
    const text = await (await fetch(metrics)).text();
    for (const m of namespaces) expect(text).toMatch(new RegExp(`shardship_sim_requests_total\\{namespace="${m[1]}",host="[a-z-]+",deployment="[a-z-]+-(canary|stable|blue|green)"`));
  }, 180_000);
});
