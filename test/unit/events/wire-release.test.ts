// The release wiring's notes go through Output to stderr: `shardship run --json` keeps stdout
// a single JSON document. No cluster is contacted: the options are built, not used.
import { describe, expect, it } from 'vitest';
import { ShardshipConfig } from '../../../pipeline/config/schema.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import { releaseSessionFor } from '../../../pipeline/events/wire-release.js';

describe('release wiring', () => {
  it('writes the release notes to the Output stderr, nothing to stdout', () => {
    const output = memoryOutput();
    const options = releaseSessionFor({ repoDir: '/nowhere', config: ShardshipConfig.parse({ version: 1 }), env: {}, input: () => '', output }).options('web');
    options.log?.('web: created the canary Deployment');
    expect(output.stderr.join('\n')).toContain('web: created the canary Deployment');
    expect(output.stdout).toEqual([]);
  });
});
