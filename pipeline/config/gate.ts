import { z } from 'zod';
import { boundedInt, RuleSetting } from './common.js';
import { GATE_GROUPS } from './groups.js';
export { GATE_GROUPS, type GateGroup } from './groups.js';

/** Package-manager lockfiles: text (even when .gitattributes says -diff), and routinely over 1 MB. */
export const DEFAULT_LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'composer.lock', 'Cargo.lock', 'poetry.lock', 'Gemfile.lock', 'go.sum'];
const DEFAULT_FORBIDDEN = ['.env', '**/.env', '**/*.pem', '**/id_rsa'];

export const GateConfig = z
  .strictObject({
    /** Rule id -> severity or { severity, options }; rules not named keep their defaults. */
    rules: z.record(z.string(), RuleSetting).default({}),
    groups: z.array(z.enum(GATE_GROUPS)).min(1).optional().describe('Run only the rules of these groups (e.g. [commit] for a messages-only job); `gate --only` overrides it.'),
    commit: z
      .strictObject({
        merges: z.enum(['allow', 'skip', 'reject']).default('skip').describe('Merge commits: lint them, skip them, or reject them.'),
        issueKey: z.string().optional().describe('A regular expression every message must match, e.g. "[A-Z]+-\\d+".'),
        signOff: z.boolean().default(false).describe('Require a Signed-off-by trailer.'),
        // commitlint's parser is cubic in a line's length: longer input is refused before parsing.
        maxLineLength: z.number().int().positive().default(200).describe('Longest message line (subject or body) the gate parses; a longer one fails commit/message.'),
        maxMessageLength: z.number().int().positive().default(20_000).describe('Longest commit message (characters) the gate parses; a longer one fails commit/message.'),
      })
      .default({ merges: 'skip', signOff: false, maxLineLength: 200, maxMessageLength: 20_000 }),
    diff: z
      .strictObject({
        maxFileBytes: boundedInt(1, 1_000_000_000).default(1_000_000),
        binaryAllowed: z.array(z.string()).default([]).describe('Globs where binary files may be added.'),
        forbiddenPaths: z.array(z.string()).default(DEFAULT_FORBIDDEN),
        lockfiles: z.array(z.string()).default(DEFAULT_LOCKFILES).describe('Globs of lockfiles, held to lockfileMaxBytes instead of maxFileBytes.'),
        lockfileMaxBytes: z.number().int().positive().default(20_000_000).describe('Size limit for lockfiles (a 1.4 MB package-lock.json is normal).'),
      })
      .default({ maxFileBytes: 1_000_000, binaryAllowed: [], forbiddenPaths: DEFAULT_FORBIDDEN, lockfiles: DEFAULT_LOCKFILES, lockfileMaxBytes: 20_000_000 }),
    code: z
      .strictObject({
        extensions: z.array(z.string()).default(['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']),
        allLines: z.boolean().default(false).describe('Fail on findings anywhere in changed files, not only on changed lines.'),
      })
      .default({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'], allLines: false }),
    baseline: z.string().default('.shardship/baseline.json'),
  })
  .describe('The commit quality gate.');
export type GateConfig = z.infer<typeof GateConfig>;
