import { describe, expect, it } from 'vitest';
import { ANNOTATIONS_PER_REQUEST, MAX_CHECK_TEXT, chunk, packLines, planCheckRequests } from '../../../pipeline/github/checks.js';
import type { Annotation } from '../../../pipeline/events/github-api.js';

const annotation = (i: number): Annotation => ({ path: `src/f${i}.ts`, startLine: i + 1, endLine: i + 1, level: 'warning', message: `finding ${i}` });

describe('packLines', () => {
  it('keeps text that fits unchanged', () => {
    expect(packLines(['a', 'b'], 10)).toBe('a\nb');
  });

  it('stays under the limit and says exactly how many lines were left out', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `| row ${i} | ${'x'.repeat(40)} |`);
    const packed = packLines(lines, MAX_CHECK_TEXT, 'rows');
    expect(packed.length).toBeLessThanOrEqual(MAX_CHECK_TEXT);
    const kept = packed.split('\n').filter((l) => l.startsWith('| row ')).length;
    const m = /\*\*(\d+) more rows omitted\*\*/.exec(packed);
    expect(m).not.toBeNull();
    expect(kept + Number(m![1])).toBe(5000);
    expect(kept).toBeGreaterThan(1000);
  });

  it('handles a single line longer than the limit', () => {
    const packed = packLines(['y'.repeat(500)], 200);
    expect(packed.length).toBeLessThanOrEqual(200);
    expect(packed).toContain('1 more lines omitted');
  });
});

describe('planCheckRequests', () => {
  it('sends at most 50 annotations per request, all of them across requests', () => {
    const annotations = Array.from({ length: 137 }, (_, i) => annotation(i));
    const reqs = planCheckRequests({ name: 'n', headSha: 'a'.repeat(40), title: 't', summaryLines: ['s'], conclusion: 'failure', annotations });
    expect(reqs.map((r) => r.annotations.length)).toEqual([50, 50, 37]);
    expect(reqs.flatMap((r) => r.annotations.map((a) => a.message))).toEqual(annotations.map((a) => a.message));
    expect(Math.max(...reqs.map((r) => r.annotations.length))).toBeLessThanOrEqual(ANNOTATIONS_PER_REQUEST);
  });

  it('makes one request when there are no annotations', () => {
    expect(chunk([], 50)).toEqual([[]]);
  });
});
