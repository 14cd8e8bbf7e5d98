// .dockerignore read as the engine reads it on Linux: bad patterns are config errors that
// name the line, matching is case-sensitive, regexp characters are literal.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goPatternError, matcherFor, parseDockerignore } from '../../../pipeline/build/dockerignore.js';
import { listContext } from '../../../pipeline/build/context.js';
import { ConfigError } from '../../../pipeline/core/errors.js';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { removeDir, tempDir } from '../../support/service.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function tree(files: Record<string, string>): string {
  const d = tempDir('dockerignore');
  dirs.push(d);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(d, p, '..'), { recursive: true });
    writeFileSync(join(d, p), text);
  }
  return d;
}

function problemsOf(text: string): string[] {
  try {
    parseDockerignore(text);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.position?.file}:${p.position?.line}: ${p.message}`);
  }
  return [];
}

describe('.dockerignore parsing', () => {
  it('a bad pattern is a config error naming .dockerignore:LINE, every bad line listed', () => {
    const problems = problemsOf('node_modules\n[\n# fine\nok/*.log\nfoo\\\n!\n[]\n[z-a]\n');
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^\.dockerignore:2: bad pattern "\[": unclosed/);
    expect(problems[1]).toMatch(/^\.dockerignore:5: bad pattern "foo\\\\": trailing backslash/);
    expect(problems[2]).toMatch(/^\.dockerignore:6: illegal exclusion pattern/);
    expect(problems[3]).toMatch(/^\.dockerignore:7: /);
    expect(problems[4]).toMatch(/^\.dockerignore:8: /);
  });

  it('accepts what filepath.Match accepts', () => {
    for (const p of ['a[bc]d', '[^a]*', '[a-z]?', 'x\\[y', '**/*.go', '[\\]]', 'a]b', 'a+b', '(x)', '{a,b}', 'a|b']) expect(goPatternError(p), p).toBeUndefined();
    for (const p of ['[', 'a[b', '[]', '[-a]', '[a-]', 'a\\', '[a\\']) expect(goPatternError(p), p).toBeDefined();
  });

  it('matches case-sensitively, as the engine on Linux', () => {
    const ig = matcherFor(['README.MD', '*.LOG']);
    expect(ig.ignores('README.md')).toBe(false);
    expect(ig.ignores('README.MD')).toBe(true);
    expect(ig.ignores('debug.log')).toBe(false);
  });

  it('treats regexp characters as literal, as filepath.Match does', () => {
    const ig = matcherFor(['a+b', 'c(d)', 'e{2}', 'f|g', '^{c}W(', '[^x]y']);
    // Found by the fuzzer (test/fuzz/dockerignore.fuzz.test.ts): `^` outside a class was an anchor.
    expect(ig.ignores('^{c}W(')).toBe(true);
    expect(ig.ignores('ay')).toBe(true);
    expect(ig.ignores('xy')).toBe(false);
    expect(ig.ignores('a+b')).toBe(true);
    expect(ig.ignores('aab')).toBe(false);
    expect(ig.ignores('c(d)')).toBe(true);
    expect(ig.ignores('cd')).toBe(false);
    expect(ig.ignores('e{2}')).toBe(true);
    expect(ig.ignores('ee')).toBe(false);
    expect(ig.ignores('f|g')).toBe(true);
    expect(ig.ignores('f')).toBe(false);
  });

  it('a file named like an Object.prototype member can be ignored (found by the fuzzer)', () => {
    const ig = matcherFor(['constructor', 'toString', '__proto__']);
    for (const name of ['constructor', 'toString', '__proto__']) expect(ig.ignores(name), name).toBe(true);
    expect(matcherFor(['!x', 'hasOwnProperty']).ignores('hasOwnProperty')).toBe(true);
  });

  it('a # is a comment only in the first column; a BOM is dropped', () => {
    expect(parseDockerignore('\uFEFF# c\n  #keep\n').map((p) => p.pattern)).toEqual(['#keep']);
    expect(matcherFor(['#keep']).ignores('#keep')).toBe(true);
  });

  it('listContext keeps README.md when .dockerignore says README.MD', async () => {
    const d = tree({ 'Dockerfile': 'FROM scratch\n', '.dockerignore': 'README.MD\n', 'README.md': 'r' });
    const { entries } = await listContext(d, { dockerfile: 'Dockerfile' });
    expect(entries.map((e) => e.path)).toContain('README.md');
  });
});

describe('shardship build with a malformed .dockerignore', () => {
  it('exits 2 naming .dockerignore:LINE before asking the engine, no stack trace', async () => {
    const d = tree({ 'Dockerfile': 'FROM scratch\n', '.dockerignore': 'node_modules\n[\n', 'shardship.yaml': 'version: 1\nbuild:\n  repository: 127.0.0.1:5000/x\n' });
    const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e', PATH: process.env.PATH };
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: d });
    execFileSync('git', ['add', '-A'], { cwd: d });
    execFileSync('git', ['commit', '-q', '-m', 'feat: x'], { cwd: d, env });
    for (const argv of [['build', '--dry-run'], ['build']]) {
      const output = memoryOutput();
      const code = await main(argv, { cwd: d, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, output });
      const err = output.stderr.join('\n');
      expect(code, err).toBe(2);
      expect(err).toContain('.dockerignore:2:1: bad pattern "["');
      expect(err).not.toMatch(/internal error|SyntaxError|\n\s+at /);
    }
  });
});
