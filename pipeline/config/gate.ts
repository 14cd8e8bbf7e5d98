import { z } from 'zod';
import { boundedInt, RuleSetting } from './common.js';

export const GateConfig = z
  .strictObject({
    /** Rule id -> severity or { severity, options }; rules not named keep their defaults. */
    rules: z.record(z.string(), RuleSetting).default({}),
    commit: z
      .strictObject({
        merges: z.enum(['allow', 'skip', 'reject']).default('skip').describe('Merge commits: lint them, skip them, or reject them.'),
        issueKey: z.string().optional().describe('A regular expression every message must match, e.g. "[A-Z]+-\\d+".'),
        signOff: z.boolean().default(false).describe('Require a Signed-off-by trailer.'),
      })
      .default({ merges: 'skip', signOff: false }),
    diff: z
      .strictObject({
        maxFileBytes: boundedInt(1, 1_000_000_000).default(1_000_000),
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
