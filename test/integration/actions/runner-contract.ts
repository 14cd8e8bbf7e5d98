// Runs a bundled action exactly as a GitHub runner does: `node actions/<step>/dist/index.js`
// with INPUT_* variables, GITHUB_EVENT_PATH pointing at a payload file, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, and GITHUB_API_URL pointing at the contract server.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { webhookExample } from '../../support/github-server/examples.js';

const root = new URL('../../..', import.meta.url).pathname;

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export async function runBundledAction(
  step: string,
  opts: { event: string; payload: unknown; inputs: Record<string, string>; apiUrl: string; workspace: string; sha?: string; env?: Record<string, string> },
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'shardship-runner-'));
  try {
    const eventPath = join(dir, 'event.json');
    const outputFile = join(dir, 'output');
    const summaryFile = join(dir, 'summary.md');
    writeFileSync(eventPath, JSON.stringify(opts.payload));
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? dir,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: opts.event,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: (opts.payload as { repository: { full_name: string } }).repository.full_name,
      GITHUB_SHA: opts.sha ?? '0'.repeat(40),
      GITHUB_REF: 'refs/heads/main',
      GITHUB_API_URL: opts.apiUrl,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: '4242',
      GITHUB_WORKSPACE: opts.workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: dir,
      ...opts.env,
    };
    // The runner upper-cases input names and keeps dashes: INPUT_WORKING-DIRECTORY.
    for (const [k, v] of Object.entries(opts.inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('node', [join(root, 'actions', step, 'dist', 'index.js')], { env, cwd: opts.workspace, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (err, so, se) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: so, stderr: se }),
      );
    });
    return { code, stdout, stderr, outputs: parseOutputFile(readFileSync(outputFile, 'utf8')), summary: readFileSync(summaryFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT as @actions/core writes it: `name<<DELIM\nvalue\nDELIM`. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    out[m[1]!] = value.join('\n');
  }
  return out;
}
