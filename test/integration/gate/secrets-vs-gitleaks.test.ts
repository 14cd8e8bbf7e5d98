// The gate's `diff/secrets` rule measured against gitleaks on the same files: our labelled corpus
// (real-looking tokens of each kind, true negatives) and gitleaks' own test data from its Go module.
// Prints found / missed / false positives for both; shardship must find everything gitleaks finds
// with no more false positives, and print no secret while doing it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../../pipeline/cli/main.js';
import { memoryOutput } from '../../../pipeline/core/output.js';
import type { GateJsonReport } from '../../../pipeline/gate/report/json.js';
import { gitleaksDir, gitleaksModuleDir, GITLEAKS_VERSION } from '../../support/gitleaks.js';
import { TempRepo } from '../../unit/gate/git-fixture.js';
import { gitleaksCorpus, ownCorpus, type CorpusFile } from './secret-corpus.js';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseGitleaksIgnore } from '../../../pipeline/gate/gitleaks-ignore.js';

let repo: TempRepo;
let corpus: CorpusFile[];
beforeAll(() => {
  corpus = [...ownCorpus(), ...gitleaksCorpus(gitleaksModuleDir())];
  repo = TempRepo.create({ prefix: 'secrets-corpus' });
  repo.commit('chore: start');
  repo.commit('feat: corpus', Object.fromEntries(corpus.map((f) => [f.path, f.text])));
}, 600_000);
afterAll(() => repo.remove());

type Tally = { found: Set<string>; missed: Set<string>; falsePositives: Set<string> };

function tally(hits: Set<string>, truth: Set<string>): Tally {
  return {
    found: new Set([...hits].filter((h) => truth.has(h))),
    missed: new Set([...truth].filter((t) => !hits.has(t))),
    falsePositives: new Set([...hits].filter((h) => !truth.has(h))),
  };
}

describe('diff/secrets against gitleaks', () => {
  it('finds everything gitleaks finds, with no more false positives, printing no secret', async () => {
    const leaks = gitleaksDir(repo.dir, join(repo.dir, '.git', 'gitleaks.json'));
    const gitleaksHits = new Set(leaks.map((l) => `${relative(repo.dir, l.File)}:${l.StartLine}`));

    const output = memoryOutput();
    const code = await main(['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json'], { cwd: repo.dir, output, env: { ...process.env }, stdin: Readable.from(['']) });
    expect(code).toBe(1);
    const report = JSON.parse(output.stdout.join('\n')) as GateJsonReport;
    const ours = new Set(report.findings.filter((f) => f.ruleId === 'diff/secrets').map((f) => `${f.file}:${f.line}`));

    // Truth: our labels; on gitleaks' own test data, what gitleaks reports there (its expected results).
    const truth = new Set<string>();
    for (const f of corpus) {
      if (f.secretLines) for (const l of f.secretLines) truth.add(`${f.path}:${l}`);
      else for (const h of gitleaksHits) if (h.startsWith(`${f.path}:`)) truth.add(h);
    }
    const rows = { shardship: tally(ours, truth), [`gitleaks ${GITLEAKS_VERSION}`]: tally(gitleaksHits, truth) };
    const table = [
      `secrets corpus: ${corpus.length} files, ${truth.size} secrets (${corpus.filter((f) => f.source === 'gitleaks').length} files from gitleaks' testdata)`,
      '| tool | found | missed | false positives |',
      '|---|---|---|---|',
      ...Object.entries(rows).map(([tool, t]) => `| ${tool} | ${t.found.size} | ${t.missed.size} | ${t.falsePositives.size} |`),
      ...Object.entries(rows).flatMap(([tool, t]) => [...[...t.missed].map((m) => `${tool} missed ${m}`), ...[...t.falsePositives].map((m) => `${tool} false positive ${m}`)]),
    ].join('\n');
    console.log(table);

    const g = rows[`gitleaks ${GITLEAKS_VERSION}`];
    expect([...g.found].filter((h) => !ours.has(h)), table).toEqual([]);
    expect(rows.shardship.falsePositives.size, table).toBeLessThanOrEqual(g.falsePositives.size);
    // Never a secret in the output: no labelled secret line's token appears.
    const printed = output.stdout.join('\n') + output.stderr.join('\n');
    for (const f of corpus.filter((c) => c.source === 'shardship')) {
      for (const l of f.secretLines ?? []) {
        const token = /[A-Za-z0-9_\-+/]{16,}/.exec(f.text.split('\n')[l - 1]!.replace(/^[^=:"]*[=:"]\s*/, ''))?.[0];
        if (token) expect(printed, `${f.path}:${l}`).not.toContain(token);
      }
    }
  }, 600_000);

  it('.gitleaksignore fingerprints allow known false positives, by file and line (and commit when given)', async () => {
    const head = repo.head();
    const gate = async () => {
      const output = memoryOutput();
      await main(['gate', '--from', 'HEAD~1', '--to', 'HEAD', '--json'], { cwd: repo.dir, output, env: { ...process.env }, stdin: Readable.from(['']) });
      return (JSON.parse(output.stdout.join('\n')) as GateJsonReport).findings.filter((f) => f.ruleId === 'diff/secrets').map((f) => `${f.file}:${f.line}`);
    };
    const before = await gate();
    expect(before).toContain('src/billing.rb:1');
    expect(before).toContain('src/maps.kt:1');
    writeFileSync(join(repo.dir, '.gitleaksignore'), `# reviewed\nsrc/billing.rb:stripe-access-token:1\n${head}:src/maps.kt:gcp-api-key:1\n${'0'.repeat(40)}:src/gitlab.py:gitlab-pat:1\n`);
    try {
      const after = await gate();
      expect(after).not.toContain('src/billing.rb:1');
      expect(after).not.toContain('src/maps.kt:1');
      // A fingerprint of another commit allows nothing here.
      expect(after).toContain('src/gitlab.py:1');
      expect(after.length).toBe(before.length - 2);
    } finally {
      rmSync(join(repo.dir, '.gitleaksignore'));
    }
  });

  it('reads gitleaks’ own .gitleaksignore test file', () => {
    const text = readFileSync(join(gitleaksModuleDir(), 'testdata', 'repos', 'small', '.gitleaksignore'), 'utf8');
    expect(parseGitleaksIgnore(text)).toEqual([
      { file: 'api/ignoreGlobal.go', line: 20 },
      { commit: '53cd7a3c6eb4937f413e3c25e4a9f39289afa69e', file: 'api/ignoreCommit.go', line: 20 },
    ]);
  });
});
