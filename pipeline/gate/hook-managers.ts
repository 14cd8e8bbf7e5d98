// The hook managers teams already use: husky (.husky/), lefthook (lefthook.yml) and the
// pre-commit framework (.pre-commit-config.yaml). `hooks install` adds shardship to theirs
// instead of writing over core.hooksPath. Their files are committed and shared, so they call
// `shardship` by name (a devDependency or a global install), not by this machine's path.
// Planning is pure (file text in, file text out); installClientHooks writes the result.
import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';

export type HookManager = 'husky' | 'lefthook' | 'pre-commit';

/** Marks the lines shardship owns in a husky hook, so that a re-install finds and updates them. */
export const HUSKY_MARK = '# shardship hooks install';

export const LEFTHOOK_FILES = ['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'];
export const PRE_COMMIT_FILE = '.pre-commit-config.yaml';

/** What a manager's hook runs, per git hook. */
export const MANAGED_HOOKS = {
  'pre-commit': { name: 'shardship-gate', args: 'gate --staged', describe: 'shardship gate (staged changes)' },
  'commit-msg': { name: 'shardship-commit-msg', args: 'gate --commit-msg', describe: 'shardship gate (commit message)' },
} as const;
export type ManagedHook = keyof typeof MANAGED_HOOKS;
const HOOKS = Object.keys(MANAGED_HOOKS) as ManagedHook[];

/** One file a manager owns, before and after; unchanged when shardship is already in it. */
export interface ManagerEdit {
  manager: HookManager;
  /** Repository-relative path. */
  file: string;
  before: string | undefined;
  after: string;
}

/** Which managers the repository root shows: the files present, by name. */
export function detectManagers(rootFiles: ReadonlySet<string>): { manager: HookManager; file: string }[] {
  const found: { manager: HookManager; file: string }[] = [];
  if (rootFiles.has('.husky')) found.push({ manager: 'husky', file: '.husky' });
  const lefthook = LEFTHOOK_FILES.find((f) => rootFiles.has(f));
  if (lefthook) found.push({ manager: 'lefthook', file: lefthook });
  if (rootFiles.has(PRE_COMMIT_FILE)) found.push({ manager: 'pre-commit', file: PRE_COMMIT_FILE });
  return found;
}

/** A husky hook file (a plain `sh -e` script) with shardship's line added or brought up to date. */
export function huskyHook(hook: ManagedHook, before: string | undefined): string {
  const line = `shardship ${MANAGED_HOOKS[hook].args}${hook === 'commit-msg' ? ' "$1"' : ''} ${HUSKY_MARK}`;
  const lines = (before ?? '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const at = lines.findIndex((l) => l.includes(HUSKY_MARK));
  if (at >= 0) lines[at] = line;
  else lines.push(line);
  return lines.join('\n') + '\n';
}

/** lefthook's command: lefthook runs `run:` with the hook's arguments as {1}, without node_modules/.bin on PATH. */
export function lefthookCommand(hook: ManagedHook): string {
  return `npx --no-install shardship ${MANAGED_HOOKS[hook].args}${hook === 'commit-msg' ? ' {1}' : ''}`;
}

/** lefthook.yml with shardship in each hook: a `commands` entry, or a `jobs` entry where the hook uses jobs. Comments kept. */
export function lefthookConfig(before: string): string {
  const doc = parseDocument(before);
  if (doc.errors.length) throw new Error(doc.errors[0]!.message);
  if (!isMap(doc.contents) && doc.contents !== null) throw new Error('the top level is not a mapping');
  for (const hook of HOOKS) {
    const { name } = MANAGED_HOOKS[hook];
    const run = lefthookCommand(hook);
    const jobs = doc.getIn([hook, 'jobs']);
    if (isSeq(jobs)) {
      const mine = jobs.items.find((j) => isMap(j) && j.get('name') === name) as YAMLMap | undefined;
      if (mine) mine.set('run', run);
      else jobs.add(doc.createNode({ name, run }));
    } else {
      doc.setIn([hook, 'commands', name, 'run'], run);
    }
  }
  return String(doc);
}

/** One hook of pre-commit's manifest (.pre-commit-hooks.yaml) or of a `repo: local` entry. */
export interface PreCommitHook {
  id: string;
  name: string;
  entry: string;
  language: 'node' | 'system';
  pass_filenames?: boolean;
  always_run?: boolean;
  stages: string[];
}

/**
 * The hooks shardship ships for the pre-commit framework (.pre-commit-hooks.yaml): language
 * node, so pre-commit installs this package and puts its `shardship` bin on PATH.
 */
export function preCommitHooks(): PreCommitHook[] {
  return HOOKS.map((hook) => ({
    id: MANAGED_HOOKS[hook].name,
    name: MANAGED_HOOKS[hook].describe,
    entry: `shardship ${MANAGED_HOOKS[hook].args}`,
    language: 'node',
    // pre-commit passes a commit-msg hook the message file; the staged gate reads the index itself.
    ...(hook === 'pre-commit' ? { pass_filenames: false, always_run: true } : {}),
    stages: [hook],
  }));
}

/** .pre-commit-config.yaml with a `repo: local` entry running an installed shardship (language: system). */
export function preCommitConfig(before: string): string {
  const doc = parseDocument(before);
  if (doc.errors.length) throw new Error(doc.errors[0]!.message);
  if (!isSeq(doc.get('repos'))) doc.set('repos', doc.createNode([]));
  const repos = doc.get('repos');
  if (!isSeq(repos)) throw new Error('repos is not a list');
  const wanted = preCommitHooks().map((h): PreCommitHook => ({ ...h, language: 'system' }));
  const ids = new Set(wanted.map((h) => h.id));
  // Ours are found by id wherever they are; a re-install rewrites them in place.
  for (const repo of repos.items) {
    if (!isMap(repo)) continue;
    const hooks = repo.get('hooks');
    if (!isSeq(hooks)) continue;
    for (let i = 0; i < hooks.items.length; i++) {
      const h = hooks.items[i];
      const id = isMap(h) ? h.get('id') : undefined;
      if (typeof id !== 'string' || !ids.has(id)) continue;
      if (repo.get('repo') === 'local') hooks.items[i] = doc.createNode(wanted.find((w) => w.id === id));
      ids.delete(id);
    }
  }
  const missing = wanted.filter((h) => ids.has(h.id));
  if (missing.length) repos.add(doc.createNode({ repo: 'local', hooks: missing }));
  return String(doc);
}

/** What to tell the user after editing a manager's file: the step that makes git run it. */
export function managerNextStep(manager: HookManager): string {
  switch (manager) {
    case 'husky':
      return 'husky runs .husky/ hooks once `npx husky` has set core.hooksPath (the `prepare` script does it on npm install)';
    case 'lefthook':
      return 'run `npx lefthook install` so git calls lefthook for commit-msg too';
    case 'pre-commit':
      return 'run `pre-commit install --hook-type pre-commit --hook-type commit-msg`';
  }
}
