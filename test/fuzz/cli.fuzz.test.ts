// The CLI on random argument vectors and random config files: every outcome is one of the
// documented exit codes (0-4), never "internal error" or a stack trace without --debug, and
// never slower than a bound. Services are pointed at nowhere so nothing is reached.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../pipeline/cli/main.js';
import { memoryOutput } from '../../pipeline/core/output.js';
import { removeDir, tempDir } from '../support/service.js';
import { HOSTILE_CHARS, runs } from './settings.js';

const dir = tempDir('cli-fuzz');
afterAll(() => removeDir(dir));

// Long-running modes (a resident lint server, watch loops) are left out: they wait by design.
const COMMANDS = ['config', 'validate', 'schema', 'gate', 'build', 'migrate', 'plan', 'apply', 'status', 'verify', 'repair', 'import-shardingsphere', 'lint', 'release', 'start', 'promote', 'abort', 'pause', 'resume', 'retry', 'history', 'run', 'pre-receive', 'help', 'nope'];
const FLAGS = ['--json', '--dry-run', '--github', '--staged', '--all-lines', '--offline', '--no-push', '--no-cache', '--full', '--force', '--once', '-c', '--config', '--app', '--env', '--event', '--payload', '--base', '--head', '--from', '--to', '--timeout', '--poll', '--pr', '--build-arg', '--image', '--strategy', '--sarif', '--markdown', '--commit-msg', '--repo', '--kubeconfig', '--token-env', '--until', '--lock-timeout', '--help', '-h', '--version', '--', '-'];
const VALUES = ['web', 'shardship.yaml', 'nope.yaml', '.', '..', '/', 'HEAD', 'HEAD~1', '-1', '0', '1e400', '10m', '-5s', 'push', 'pull_request', 'issue_comment', 'x=y', 'A=', '=', 'production', "'; rm -rf /", '$(id)', '--', ''];
const word = fc.oneof(fc.constantFrom(...COMMANDS), fc.constantFrom(...FLAGS), fc.constantFrom(...VALUES), fc.array(fc.constantFrom(...HOSTILE_CHARS), { maxLength: 5 }).map((xs) => xs.join('')));
const argv = fc.tuple(fc.constantFrom(...COMMANDS), fc.array(word, { maxLength: 6 })).map(([c, rest]) => [c, ...rest]);

const value: fc.Arbitrary<unknown> = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.constant(Infinity), fc.constant(['x']));
const configText = fc.oneof(
  fc.constant('version: 1\n'),
  fc.constant('version: 1\nbuild:\n  repository: 127.0.0.1:5000/x\nmigrate:\n  environments:\n    production:\n      nodes: { n1: { dsnEnv: N1_DSN } }\n      databases: { loan_0: n1 }\n      tables: { t: { kind: broadcast } }\nrelease:\n  apps:\n    web: {}\n'),
  fc.record({ version: fc.oneof(fc.constant(1), value), gate: fc.dictionary(fc.constantFrom('rules', 'commit', 'diff'), value, { maxKeys: 2 }), migrate: fc.dictionary(fc.constantFrom('environments', 'lockRetries'), value, { maxKeys: 2 }), timeouts: fc.dictionary(fc.constantFrom('github', 'docker'), value, { maxKeys: 1 }) }, { requiredKeys: [] }).map((d) => stringify(d)),
  fc.array(fc.constantFrom(...HOSTILE_CHARS, '&a ', '*a', ': ', '- ', 'version: 1\n'), { maxLength: 30 }).map((xs) => xs.join('')),
);

// Nothing reachable: no Docker socket, no kubeconfig, no token, no MySQL.
const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock', KUBECONFIG: join(dir, 'no-kubeconfig'), PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' };
const BOUND_MS = 30_000;

describe('the CLI under fuzzing', () => {
  it('random argv and config: exit 0-4, no "internal error" or stack trace, within a bound', async () => {
    await fc.assert(
      fc.asyncProperty(argv, configText, async (args, config) => {
        fc.pre(!args.includes('--debug'));
        writeFileSync(join(dir, 'shardship.yaml'), config);
        const output = memoryOutput();
        const t0 = Date.now();
        const code = await main(args, { cwd: dir, env, output, stdin: Readable.from([]) });
        const ms = Date.now() - t0;
        const all = [...output.stdout, ...output.stderr].join('\n');
        expect([0, 1, 2, 3, 4], `${JSON.stringify(args)} -> ${code}\n${all}`).toContain(code);
        expect(all, JSON.stringify(args)).not.toContain('internal error');
        expect(all, JSON.stringify(args)).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m);
        expect(ms, JSON.stringify(args)).toBeLessThan(BOUND_MS);
      }),
      runs(60),
    );
  });
});
