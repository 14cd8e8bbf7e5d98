import { describe, expect, it } from 'vitest';
import { expandDataNodes, expandInlineExpression, InlineExpressionError } from '../../../pipeline/migrate/inline-expression.js';

describe('ShardingSphere inline expressions', () => {
  it('expands a range', () => {
    expect(expandInlineExpression('t_order_${0..3}')).toEqual(['t_order_0', 't_order_1', 't_order_2', 't_order_3']);
  });

  it('takes the cartesian product across segments, left to right', () => {
    const names = expandInlineExpression('loan_${0..1}.t_order_${0..2}');
    expect(names).toEqual(['loan_0.t_order_0', 'loan_0.t_order_1', 'loan_0.t_order_2', 'loan_1.t_order_0', 'loan_1.t_order_1', 'loan_1.t_order_2']);
    expect(expandInlineExpression('loan_${0..3}.t_order_${0..15}')).toHaveLength(64);
  });

  it('keeps zero padding written in the bounds', () => {
    const names = expandInlineExpression('t_${00..11}');
    expect(names[0]).toBe('t_00');
    expect(names[9]).toBe('t_09');
    expect(names[11]).toBe('t_11');
    expect(expandInlineExpression('t_${000..2}')).toEqual(['t_000', 't_001', 't_002']);
    expect(expandInlineExpression('t_${0..10}')[0]).toBe('t_0');
  });

  it('expands number and string lists', () => {
    expect(expandInlineExpression('ds_${[0,2]}')).toEqual(['ds_0', 'ds_2']);
    expect(expandInlineExpression("t_${['a', 'b']}")).toEqual(['t_a', 't_b']);
    expect(expandInlineExpression('t_${["x"]}_${[1, 2]}')).toEqual(['t_x_1', 't_x_2']);
  });

  it('accepts the $->{..} spelling and descending ranges', () => {
    expect(expandInlineExpression('ds_$->{0..1}.t_$->{[5,6]}')).toEqual(['ds_0.t_5', 'ds_0.t_6', 'ds_1.t_5', 'ds_1.t_6']);
    expect(expandInlineExpression('t_${2..0}')).toEqual(['t_2', 't_1', 't_0']);
  });

  it('joins comma-separated alternatives at the top level only', () => {
    expect(expandInlineExpression('ds_0.t_${[0,1]},ds_1.t_${2..3}')).toEqual(['ds_0.t_0', 'ds_0.t_1', 'ds_1.t_2', 'ds_1.t_3']);
  });

  it('returns nothing for an empty list, and a plain name as itself', () => {
    expect(expandInlineExpression('t_${[]}')).toEqual([]);
    expect(expandInlineExpression('loan_0.t_order')).toEqual(['loan_0.t_order']);
  });

  it('refuses Groovy code and broken syntax rather than guessing', () => {
    expect(() => expandInlineExpression('t_${(0..3).collect{it*2}}')).toThrow(InlineExpressionError);
    expect(() => expandInlineExpression('t_${0..3')).toThrow(/unclosed/);
    expect(() => expandInlineExpression('t_${a..b}')).toThrow(/unsupported placeholder/);
  });

  it('splits data nodes into database and table', () => {
    expect(expandDataNodes('loan_${0..1}.t_${[7]}')).toEqual([
      { database: 'loan_0', table: 't_7' },
      { database: 'loan_1', table: 't_7' },
    ]);
    expect(() => expandDataNodes('t_order_${0..1}')).toThrow(/not database.table/);
  });
});
