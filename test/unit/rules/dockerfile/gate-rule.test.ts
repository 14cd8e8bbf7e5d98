import { describe, expect, it } from 'vitest';
import { dockerfileRules } from '../../../../rules/dockerfile/index.js';
import { isDockerfilePath } from '../../../../rules/dockerfile/policy.js';
import { parseConfig } from '../../../../pipeline/config/load.js';
import type { ChangedFile, GateSubject, RuleContext } from '../../../../pipeline/gate/types.js';

function subject(files: Record<string, { status: ChangedFile['status']; text?: string }>): GateSubject {
  const net: ChangedFile[] = Object.entries(files).map(([path, f]) => ({ path, status: f.status, binary: false, submodule: false, addedLines: [] }));
  return {
    repoDir: '/nowhere',
    commits: [],
    net,
    readAtHead: (path) => Promise.resolve(files[path]?.text === undefined ? undefined : Buffer.from(files[path].text)),
    listAtBase: () => Promise.resolve([]),
  };
}

describe('dockerfile gate rules', () => {
  it('run on added and modified Dockerfiles only, reporting file and line', async () => {
    const bad = 'FROM debian:latest\nADD app.js /app/\n';
    const s = subject({
      'Dockerfile': { status: 'added', text: bad },
      'svc/api.Dockerfile': { status: 'modified', text: bad },
      'old/Dockerfile': { status: 'deleted' },
      'src/app.ts': { status: 'modified', text: 'FROM debian:latest' },
    });
    const config = parseConfig('shardship.yaml', 'version: 1\n');
    const ctx: RuleContext = { subject: s, config, gate: config.gate, options: {}, allLines: false };
    const all = (await Promise.all(dockerfileRules.map(async (r) => r.check(ctx)))).flat();
    const tag = all.filter((f) => f.ruleId === 'dockerfile/base-image-tag');
    expect(tag.map((f) => [f.file, f.line])).toEqual([
      ['Dockerfile', 1],
      ['svc/api.Dockerfile', 1],
    ]);
    expect(all.filter((f) => f.ruleId === 'dockerfile/copy-not-add').map((f) => f.line)).toEqual([2, 2]);
    expect(all.every((f) => f.file !== 'src/app.ts' && f.file !== 'old/Dockerfile')).toBe(true);
  });

  it('recognises Dockerfile names', () => {
    expect(['Dockerfile', 'a/Dockerfile.prod', 'api.Dockerfile', 'Containerfile'].every(isDockerfilePath)).toBe(true);
    expect(['Dockerfilex', 'docker-compose.yml', 'src/dockerfile.ts'].some(isDockerfilePath)).toBe(false);
  });
});
