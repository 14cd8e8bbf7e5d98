import { z } from 'zod';
import { RuleSetting } from './common.js';
import { GATE_GROUPS } from './groups.js';
export { GATE_GROUPS, type GateGroup } from './groups.js';

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
        maxFileBytes: z.number().int().positive().default(1_000_000),
        binaryAllowed: z.array(z.string()).default([]).describe('Globs where binary files may be added.'),
        forbiddenPaths: z.array(z.string()).default(['.env', '**/.env', '**/*.pem', '**/id_rsa']),
      })
      .default({ maxFileBytes: 1_000_000, binaryAllowed: [], forbiddenPaths: ['.env', '**/.env', '**/*.pem', '**/id_rsa'] }),
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
