// Lints what shardship ships for GitHub Actions with the ecosystem's own tools, in CI (.ci/run):
// - actionlint (built from its Go module at a pinned version into ~/.cache/shardship/tools, with
//   Debian's shellcheck on PATH so `run:` blocks are checked too) on the example workflow and on
//   every workflow snippet in docs/ (each ```yaml block with a top-level `jobs:`), extracted to a
//   temp folder and reported against its doc's file:line;
// - @action-validator/cli (npm, pinned, same cache) on every actions/*/action.yml.
// Any finding exits 1. Extra workflow files to lint may be passed as arguments.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';
export const ACTION_VALIDATOR = '@action-validator/cli@0.6.0';
/** The JavaScript runtimes an action may name. */
export const RUNTIMES = ['node24'];
const CACHE = process.env.SHARDSHIP_TOOLS_CACHE ?? join(homedir(), '.cache', 'shardship');

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).status === 0;
}

/** actionlint at the pinned version, built once with `go install` (the Go module proxy). */
export function actionlintBinary() {
  const version = ACTIONLINT.split('@')[1];
  const dir = join(CACHE, 'tools', `actionlint-${version}`);
  const bin = join(dir, 'actionlint');
  if (!existsSync(bin)) {
    const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
    execFileSync(go, ['install', ACTIONLINT], { env: { ...process.env, GOBIN: dir }, stdio: ['ignore', 'inherit', 'inherit'], cwd: tmpdir() });
  }
  return bin;
}

/** action-validator from npm at the pinned version, installed once into the tools cache. */
export function actionValidatorBinary() {
  const dir = join(CACHE, 'npm', ACTION_VALIDATOR.replace(/[/@]/g, '_'));
  const bin = join(dir, 'node_modules', '.bin', 'action-validator');
  if (!existsSync(join(dir, '.complete'))) {
    const tmp = `${dir}.${process.pid}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'package.json'), '{ "private": true }\n');
    execFileSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ACTION_VALIDATOR], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
    writeFileSync(join(tmp, '.complete'), ACTION_VALIDATOR + '\n');
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return bin;
}

/** Every ```yaml block of a markdown file that is a workflow (a top-level `jobs:`), with its line. */
export function workflowSnippets(markdown) {
  const out = [];
  const re = /^```ya?ml\n([\s\S]*?)^```/gm;
  for (let m; (m = re.exec(markdown)); ) {
    if (/^jobs:/m.test(m[1])) out.push({ line: markdown.slice(0, m.index).split('\n').length + 1, text: m[1] });
  }
  return out;
}

export function lintWorkflows(extra = []) {
  if (!onPath('shellcheck')) throw new Error('shellcheck is not installed (apt-get install shellcheck): actionlint would skip run: blocks');
  const scratch = mkdtempSync(join(tmpdir(), 'shardship-workflows-'));
  try {
    const files = [join(ROOT, 'examples', 'loan-service', '.github', 'workflows', 'shardship.yml'), ...extra];
    const origin = new Map();
    for (const doc of readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'))) {
      for (const s of workflowSnippets(readFileSync(join(ROOT, 'docs', doc), 'utf8'))) {
        const file = join(scratch, `${doc.replace(/\.md$/, '')}-${s.line}.yml`);
        writeFileSync(file, s.text);
        files.push(file);
        origin.set(file, { doc: `docs/${doc}`, line: s.line });
      }
    }
    // The snippet's findings name the doc and its line, not the temp file.
    const r = spawnSync(actionlintBinary(), ['-shellcheck', 'shellcheck', '-format', '{{range $err := .}}{{$err.Filepath}}:{{$err.Line}}:{{$err.Column}}: {{$err.Message}} [{{$err.Kind}}]\n{{end}}', ...files], { encoding: 'utf8' });
    const findings = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const m = /^(.*?):(\d+):(.*)$/.exec(l);
        const o = m && origin.get(m[1]);
        return o ? `${o.doc}:${o.line + Number(m[2]) - 1}:${m[3]}` : l.replace(ROOT + '/', '');
      });
    if (r.status !== 0 && r.status !== 1) throw new Error(`actionlint failed: ${r.stderr}`);
    const actions = readdirSync(join(ROOT, 'actions')).map((a) => join(ROOT, 'actions', a, 'action.yml')).filter(existsSync);
    for (const a of actions) {
      // action-validator 0.6.0 (the newest on npm) bundles a schema whose runs.using enum stops
      // at node20: it validates everything else from a copy saying node20, and `using` is
      // checked here against what GitHub runners run today.
      const text = readFileSync(a, 'utf8');
      const using = /^\s+using:\s*['"]?([\w-]+)/m.exec(text)?.[1];
      if (!RUNTIMES.includes(using)) findings.push(`${relative(ROOT, a)}: runs.using is ${using}, runners run ${RUNTIMES.join(', ')} (Node 20 is end of life)`);
      const copy = join(scratch, `${relative(ROOT, a).replace(/\//g, '-')}`);
      writeFileSync(copy, text.replace(/^(\s+using:\s*['"]?)node24/m, '$1node20'));
      const v = spawnSync(actionValidatorBinary(), [copy], { encoding: 'utf8' });
      if (v.status !== 0) findings.push(`${relative(ROOT, a)}: action-validator: ${(v.stdout + v.stderr).trim()}`);
    }
    return { findings, linted: files.map((f) => (origin.has(f) ? `${origin.get(f).doc}:${origin.get(f).line}` : relative(ROOT, f))), actions: actions.map((a) => relative(ROOT, a)) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { findings, linted, actions } = lintWorkflows(process.argv.slice(2));
  for (const f of findings) console.error(f);
  console.log(`actionlint: ${linted.length} workflow(s) (${linted.join(', ')}); action-validator: ${actions.length} action.yml; ${findings.length} problem(s)`);
  process.exitCode = findings.length ? 1 : 0;
}
