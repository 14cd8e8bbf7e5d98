// The opt-in "any cluster" mode: a child vitest runs release scenarios with only
// KUBECONFIG=<a kubeconfig> SHARDSHIP_E2E_CLUSTER=1, as a user pointing them at their own
// cluster would — no test bed internals (no KWOK pod faults, no fault proxy). The cluster
// here is the test bed's control plane, reached only through its admin kubeconfig, which
// `npm run cluster:up` prints as its last line.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../support/service.js';
import { readState } from '../../support/cluster/control-plane.js';
import { onCluster } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// A representative subset: blue-green, gray on both routers, the service router, watch,
// a user-owned VirtualService, and an analysis resumed across runners.
const FILES = ['test/e2e/release/strategies.test.ts', 'test/e2e/release/analysis-resume.test.ts'];
// The scenarios of those files that need the test bed's KWOK pod faults.
const BED_ONLY = ['never-ready pods (KWOK) abort the release at the progress deadline', 'crash-looping pods (KWOK) abort the release'];

let child: ChildProcess | undefined;
const dir = tempDir('release-cluster-mode');
afterAll(() => {
  if (child?.pid && child.exitCode === null) child.kill('SIGKILL');
  removeDir(dir);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run cluster:up`, as a user runs it: the kubeconfig path is the last line it prints. */
function clusterUp(): Promise<string> {
  const up = spawn('npm', ['run', '--silent', 'cluster:up'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  up.stdout.on('data', (d: Buffer) => (out += d.toString()));
  up.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) =>
    up.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').pop()!) : reject(new Error(`cluster:up exited with ${code}:\n${out}\n${err}`)))),
  );
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
  it.skipIf(onCluster)('runs the scenarios through a kubeconfig alone, skipping only the test-bed-only ones', async () => {
    const kubeconfig = await clusterUp();
    expect(readFileSync(kubeconfig, 'utf8')).toContain('current-context');
    const outputFile = join(dir, 'report.json');
    // As on a real cluster: one image pinned by digest, a distinct reference per test version.
    const image = `registry.example.com/e2e-app@sha256:${'ab'.repeat(32)}`;
    const run = await childVitest({ KUBECONFIG: kubeconfig, SHARDSHIP_E2E_CLUSTER: '1', SHARDSHIP_E2E_IMAGE: image }, outputFile);
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as JsonReport;
    const results = report.testResults.flatMap((f) => f.assertionResults);
    const failures = report.testResults.map((f) => f.message ?? '').concat(results.flatMap((r) => r.failureMessages ?? []));
    expect(run.code, `${run.stderr.slice(-2000)}\n${failures.join('\n').slice(0, 4000)}`).toBe(0);
    expect(report.numFailedTests + report.numFailedTestSuites).toBe(0);
    expect(results.filter((r) => r.status === 'passed').length).toBeGreaterThanOrEqual(8);
    expect(results.filter((r) => r.status !== 'passed').map((r) => r.title).sort()).toEqual([...BED_ONLY].sort());

    // Each test file's harness ran in cluster mode, in its own fresh namespace...
    const namespaces = [...run.stderr.matchAll(/^shardship-e2e: mode=cluster namespace=(shardship-e2e-[0-9a-f]{8}) kubeconfig=(\S+)$/gm)];
    expect(namespaces).toHaveLength(FILES.length);
    for (const m of namespaces) expect(m[2]).toBe(kubeconfig);
    // ...which it deleted again (the namespace controller finishes that in the background).
    const left = JSON.parse(execFileSync(readState()!.kubectlPath, ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'json'], { encoding: 'utf8' })) as { items: { metadata: { name: string; deletionTimestamp?: string } }[] };
    for (const m of namespaces) {
      const ns = left.items.find((n) => n.metadata.name === m[1]);
      expect(ns === undefined || ns.metadata.deletionTimestamp !== undefined, `${m[1]} deleted`).toBe(true);
    }
  }, 300_000);
});
