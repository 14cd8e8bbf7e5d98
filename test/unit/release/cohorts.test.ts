import { describe, expect, it } from 'vitest';
import { bucketOf, bucketRegex, cohortMatch } from '../../../pipeline/release/cohorts.js';

describe('cohorts as header matches', () => {
  it('header, cookie and user ids', () => {
    expect(cohortMatch({ header: { name: 'X-Gray', value: 'true' } })).toEqual({ name: 'x-gray', exact: 'true' });
    const cookie = new RegExp(cohortMatch({ cookie: { name: 'gray', value: '1' } }).regex!);
    expect(cookie.test('a=b; gray=1; c=d')).toBe(true);
    expect(cookie.test('gray=10')).toBe(false);
    const ids = new RegExp(cohortMatch({ userIds: { header: 'x-user-id', ids: ['u1', 'u.2'] } }).regex!);
    expect(ids.test('u.2')).toBe(true);
    expect(ids.test('ux2')).toBe(false);
  });

  it('a hash percentage selects that share of uniformly spread ids, the same ids every time', () => {
    for (const [percent, format] of [[10, 'hex'], [25, 'decimal'], [50, 'hex'], [3, 'decimal']] as const) {
      const re = new RegExp(bucketRegex(percent, format));
      const digits = format === 'hex' ? 16 : 10;
      let hits = 0;
      for (let i = 0; i < digits * digits; i++) {
        const id = `user-${(i + 7919 * digits * digits).toString(digits).padStart(4, '0')}`;
        const inBucket = bucketOf(id, format)! < Math.round((percent / 100) * digits * digits);
        expect(re.test(id)).toBe(inBucket);
        if (inBucket) hits++;
      }
      expect(hits / (digits * digits)).toBeCloseTo(percent / 100, 1);
    }
    expect(new RegExp(bucketRegex(10, 'hex')).test('550E8400-E29B-41D4-A716-44665544000A')).toBe(true);
  });
});
