// A verdict must never depend on what was cached. A rule that reads other files (here a
// namespace-import check like import/namespace, and typescript-eslint's typed no-unsafe-call)
// changes its verdict on b.ts when only a.ts changes; ESLint's result cache, keyed by b.ts's
// own content, cannot know that. The sequence from issue 13, in-process and through the server.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../pipeline/core/package-root.js';
import { startLintServer, type LintServer } from '../../../pipeline/lint/server.js';
import { askLintServer } from '../../../pipeline/lint/server-client.js';
import { lintServerPaths } from '../../../pipeline/lint/server-protocol.js';
import { checkRange, git, useTempRepos, type TempRepo } from './git-subject.js';

const newRepo = useTempRepos('shardship-stale-cache-');
let serverDir: string;
const servers: LintServer[] = [];
beforeAll(() => {
  serverDir = mkdtempSync(join(tmpdir(), 'shardship-stale-sockets-'));
  process.env.SHARDSHIP_LINT_SERVER_DIR = serverDir;
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop('test over');
});
afterAll(() => {
  delete process.env.SHARDSHIP_LINT_SERVER_DIR;
  rmSync(serverDir, { recursive: true, force: true });
});

/** A cross-file rule as import/namespace works: it reads the imported module from disk. */
const NAMESPACE_RULE = `import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
export default {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const namespaces = new Map();
    return {
      ImportDeclaration(node) {
        for (const s of node.specifiers) if (s.type === 'ImportNamespaceSpecifier') namespaces.set(s.local.name, resolve(dirname(context.filename), node.source.value + '.ts'));
      },
      MemberExpression(node) {
        const file = node.object.type === 'Identifier' ? namespaces.get(node.object.name) : undefined;
        if (!file || node.property.type !== 'Identifier') return;
        const exported = new RegExp('export (const|function) ' + node.property.name + '\\\\b').test(readFileSync(file, 'utf8'));
        if (!exported) context.report({ node: node.property, message: "'" + node.property.name + "' not found in imported namespace 'dep'" });
      },
    };
  },
};
`;

function repoWithTsParser(config: string[], extra: Record<string, string> = {}): { r: TempRepo; root: string } {
  const r = newRepo();
  mkdirSync(join(r.dir, 'node_modules'));
  symlinkSync(join(packageRoot(), 'node_modules', 'typescript-eslint'), join(r.dir, 'node_modules', 'typescript-eslint'));
  r.write({ '.gitignore': 'node_modules/\n', 'package.json': '{ "type": "module" }\n', 'eslint.config.js': config.join('\n') + '\n', ...extra });
  return { r, root: r.commit('chore: eslint') };
}

const A_WITH_FOO = 'export function foo(): number {\n  return 1;\n}\nexport const bar = 2;\n';
const A_WITHOUT_FOO = 'export const bar = 2;\n';
const B = "import * as dep from './a';\nexport const x: number = dep.foo();\n";

/** Add a.ts exporting foo and b.ts using dep.foo (gate passes), then remove foo from a.ts: the gate must fail b.ts. */
async function staleSequence(r: TempRepo, root: string, gate: () => Promise<{ file?: string; message: string }[]>): Promise<void> {
  r.write({ 'src/a.ts': A_WITH_FOO, 'src/b.ts': B });
  r.commit('feat: a and b');
  expect(await gate()).toEqual([]);
  r.write({ 'src/a.ts': A_WITHOUT_FOO });
  r.commit('refactor: drop foo');
  expect(git(r.dir, 'diff', '--name-only', root, 'HEAD').trim().split('\n')).toEqual(['src/a.ts', 'src/b.ts']);
  const findings = await gate();
  expect(findings.map((f) => f.file)).toContain('src/b.ts');
}

const NAMESPACE_CONFIG = [
  "import tseslint from 'typescript-eslint';",
  "import namespace from './eslint/namespace.mjs';",
  "export default [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { local: { rules: { namespace } } }, rules: { 'local/namespace': 'error' } }];",
];

describe('a rule that reads other files never gets a cached verdict', () => {
  it('in-process: removing foo from a.ts fails b.ts, which the previous run passed', async () => {
    const { r, root } = repoWithTsParser(NAMESPACE_CONFIG, { 'eslint/namespace.mjs': NAMESPACE_RULE });
    await staleSequence(r, root, async () => {
      const findings = await checkRange(r, { options: { server: 'off' } }, root, 'HEAD');
      return findings;
    });
  });

  it('in-process with typed rules: no-unsafe-call sees the error type once foo is gone', async () => {
    const { r, root } = repoWithTsParser(
      [
        "import tseslint from 'typescript-eslint';",
        'export default [',
        "  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } }, plugins: { '@typescript-eslint': tseslint.plugin }, rules: { '@typescript-eslint/no-unsafe-call': 'error' } },",
        '];',
      ],
      { 'tsconfig.json': '{ "compilerOptions": { "strict": true, "module": "esnext", "moduleResolution": "bundler" }, "include": ["src"] }\n' },
    );
    await staleSequence(r, root, async () => checkRange(r, { options: { server: 'off' } }, root, 'HEAD'));
  });

  it('through the resident lint server: the same sequence, answered by the server', async () => {
    const { r, root } = repoWithTsParser(NAMESPACE_CONFIG, { 'eslint/namespace.mjs': NAMESPACE_RULE });
    servers.push(await startLintServer({ repoDir: r.dir, paths: lintServerPaths(r.dir), idleTimeoutMs: 60_000 }));
    await staleSequence(r, root, async () => checkRange(r, { options: { server: 'use' } }, root, 'HEAD'));
    const res = await askLintServer(lintServerPaths(r.dir).socket, { op: 'status' }, 5_000);
    // Both runs were the server's answers, not an in-process fallback.
    expect(res).toMatchObject({ kind: 'status', status: { served: 2, declined: 0 } });
  });
});
