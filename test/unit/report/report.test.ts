import { describe, expect, it } from 'vitest';
import { cell, gateSummaryLines, migrationMatrixLines, pipelineSummary, releaseSummaryLines } from '../../../pipeline/report/markdown.js';
import { rolloutChartSvg } from '../../../pipeline/report/svg.js';
import { htmlReport } from '../../../pipeline/report/html.js';
import type { MigrationStageReport, ReleaseStageReport } from '../../../pipeline/report/types.js';

const migration: MigrationStageReport = {
  environment: 'prod',
  plan: {
    environment: 'prod',
    migrations: ['0001', '0002'].map((version) => ({ version, description: 'd', file: `migrations/${version}.sql`, checksum: 'c' })),
    databases: [
      { target: { node: 'n1', database: 'loan_0' }, migrations: [] },
      { target: { node: 'n2', database: 'loan_1' }, migrations: [] },
    ],
    findings: [],
  },
  results: [
    { node: 'n1', database: 'loan_0', version: '0001', status: 'applied' },
    { node: 'n1', database: 'loan_0', version: '0002', status: 'applied' },
    { node: 'n2', database: 'loan_1', version: '0001', status: 'applied' },
    { node: 'n2', database: 'loan_1', version: '0002', status: 'failed', error: 'Lock wait timeout' },
  ],
};

const release: ReleaseStageReport = {
  app: 'loan-service',
  state: 'rolled-back',
  steps: [
    { name: 'canary 10%', weight: 10, status: 'done' },
    { name: 'canary 50%', weight: 50, status: 'failed', note: 'error rate 7% > 5%' },
  ],
  samples: [
    { t: 1_000_000, weight: 10, errorRate: 0.01 },
    { t: 1_030_000, weight: 50, errorRate: 0.07 },
    { t: 1_060_000, weight: 0, errorRate: 0.0 },
  ],
  maxErrorRate: 0.05,
};

describe('markdown', () => {
  it('escapes untrusted text in cells: no table breaks, HTML, or mentions', () => {
    expect(cell('a|b\n<script>@team `x`')).toBe('a\\|b &lt;script&gt;@\u200bteam \'x\'');
  });

  it('renders the gate findings table', () => {
    const lines = gateSummaryLines({ range: 'abc..def', passed: false, findings: [{ ruleId: 'diff/forbidden-path', severity: 'error', message: 'adds .env', file: '.env', line: 1 }] });
    expect(lines[0]).toBe('### Gate ❌ failed — abc..def');
    expect(lines).toContain('| error | diff/forbidden-path | .env:1 | adds .env |');
  });

  it('renders one row per shard and one column per migration', () => {
    const lines = migrationMatrixLines(migration);
    expect(lines).toContain('| node | database | 0001 | 0002 |');
    expect(lines).toContain('| n1 | loan_0 | ✅ applied | ✅ applied |');
    expect(lines).toContain('| n2 | loan_1 | ✅ applied | ❌ failed: Lock wait timeout |');
  });

  it('renders release steps with weights and embeds the chart', () => {
    const lines = releaseSummaryLines(release);
    expect(lines).toContain('| 2 | canary 50% | 50% | failed | error rate 7% &gt; 5% |');
    const img = lines.find((l) => l.startsWith('<img'))!;
    const svg = Buffer.from(/base64,([^"]+)/.exec(img)![1]!, 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg /);
    const mermaid = lines.slice(lines.indexOf('```mermaid'));
    expect(mermaid).toContain('  x-axis "seconds" [0, 30, 60]');
    expect(mermaid).toContain('  line [10, 50, 0]');
    expect(mermaid).toContain('  line [1, 7, 0]');
  });

  it('puts the sections together', () => {
    const md = pipelineSummary({ title: 'shardship: push', migrations: [migration], releases: [release], notes: ['gate skipped'] });
    expect(md.indexOf('### Migrations')).toBeLessThan(md.indexOf('### Release'));
    expect(md).toContain('> gate skipped');
  });
});

describe('rolloutChartSvg', () => {
  it('draws weight as steps on 0..100% and error rate against its own axis, with the threshold', () => {
    const svg = rolloutChartSvg(release.samples, { width: 640, height: 280, maxErrorRate: 0.05, title: 'a <b>' });
    expect(svg).toContain('a &lt;b&gt;');
    const weight = /class="weight" d="([^"]+)"/.exec(svg)![1]!;
    // margins: top 36, plot height 204 -> 10% is y=219.6, 50% is y=138, 0% is y=240; x spans 52..584
    expect(weight).toBe('M52,219.6H318V138H584V240');
    const error = /class="error-rate" d="([^"]+)"/.exec(svg)![1]!;
    expect(error.split(/[ML]/).filter(Boolean)).toHaveLength(3);
    expect(svg).toContain('class="threshold"');
    const numbers = [...svg.matchAll(/[MLHV](-?[\d.]+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...numbers)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...numbers)).toBeLessThanOrEqual(640);
  });

  it('says so when there are no samples', () => {
    expect(rolloutChartSvg([])).toContain('no samples');
  });
});

describe('htmlReport', () => {
  it('is self-contained and escapes everything', () => {
    const html = htmlReport({
      title: 'demo <run>',
      gate: { range: 'x', passed: false, findings: [{ ruleId: 'r', severity: 'error', message: '<img src=x onerror=alert(1)>' }] },
      migrations: [migration],
      releases: [release],
    });
    expect(html).not.toMatch(/<script|<img src=x|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<svg');
    expect(html).toContain('<td>failed</td>');
  });
});
