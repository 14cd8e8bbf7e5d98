import { describe, expect, it } from 'vitest';
import { redact, registerSecret } from '../../../pipeline/core/redact.js';

describe('redact', () => {
  it('masks a short secret marked anyLength wherever it stands alone, not inside other words', () => {
    registerSecret('q7', { anyLength: true });
    expect(redact('pw=q7')).toBe('pw=***');
    expect(redact('q7')).toBe('***');
    expect(redact('"q7" and q7.')).toBe('"***" and ***.');
    expect(redact('aq7b q77')).toBe('aq7b q77');
  });

  it('ignores short values not marked anyLength (a 2-letter token would garble every line)', () => {
    registerSecret('zz');
    expect(redact('pw=zz')).toBe('pw=zz');
  });

  it('escapes regexp characters in short secrets', () => {
    registerSecret('.*', { anyLength: true });
    expect(redact('x .* y')).toBe('x *** y');
    expect(redact('abc')).toBe('abc');
  });
});
