// The simulator's pure parts, checked without a server: patch flavours and selectors.
import { describe, expect, it } from 'vitest';
import { jsonPatch, mergePatch, strategicMergePatch, PatchError } from '../../support/kube-sim/patch.js';
import { matchesFields, matchesRequirements, parseFieldSelector, parseLabelSelector, SelectorError } from '../../support/kube-sim/selectors.js';

describe('patches', () => {
  it('merge patch replaces lists and deletes keys set to null', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] })).toEqual({ a: 1, b: { d: 3, e: 4 }, l: [3] });
  });

  it('strategic merge patch merges containers by name and honours $patch: delete', () => {
    const target = { containers: [{ name: 'app', image: 'a:1', env: [{ name: 'X', value: '1' }] }, { name: 'side', image: 's:1' }] };
    const out = strategicMergePatch(target, {
      containers: [{ name: 'app', env: [{ name: 'Y', value: '2' }] }, { name: 'side', $patch: 'delete' }, { name: 'new', image: 'n:1' }],
    });
    expect(out).toEqual({ containers: [{ name: 'app', image: 'a:1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }, { name: 'new', image: 'n:1' }] });
  });

  it('JSON patch supports add/replace/remove/move/copy/test and fails cleanly', () => {
    const doc = { a: [1, 2], b: { c: 'x' } };
    expect(
      jsonPatch(doc, [
        { op: 'add', path: '/a/-', value: 3 },
        { op: 'replace', path: '/b/c', value: 'y' },
        { op: 'copy', from: '/b/c', path: '/d' },
        { op: 'move', from: '/a/0', path: '/e' },
        { op: 'remove', path: '/b' },
        { op: 'test', path: '/d', value: 'y' },
      ]),
    ).toEqual({ a: [2, 3], d: 'y', e: 1 });
    expect(doc).toEqual({ a: [1, 2], b: { c: 'x' } });
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/missing/x', value: 1 }])).toThrow(PatchError);
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/b/c', value: 'nope' }])).toThrow(/testing value/);
  });
});

describe('selectors', () => {
  const labels = { app: 'web', track: 'canary', tier: 'front' };
  it('parses equality, set-based and existence requirements', () => {
    expect(matchesRequirements(labels, parseLabelSelector('app=web,track!=stable'))).toBe(true);
    expect(matchesRequirements(labels, parseLabelSelector('app==web,track in (stable, preview)'))).toBe(false);
    expect(matchesRequirements(labels, parseLabelSelector('tier notin (back),!missing,app'))).toBe(true);
    expect(matchesRequirements(labels, parseLabelSelector(''))).toBe(true);
    expect(() => parseLabelSelector('a b c')).toThrow(SelectorError);
  });

  it('matches field selectors on nested fields', () => {
    const pod = { metadata: { name: 'p1', namespace: 'shop' }, status: { phase: 'Running' } };
    expect(matchesFields(pod, parseFieldSelector('metadata.name=p1,status.phase!=Pending'))).toBe(true);
    expect(matchesFields(pod, parseFieldSelector('metadata.namespace=other'))).toBe(false);
  });
});
