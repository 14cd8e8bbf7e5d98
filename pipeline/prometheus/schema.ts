// The Prometheus HTTP API's query responses (/api/v1/query and /api/v1/query_range), as
// documented at prometheus.io/docs/prometheus/latest/querying/api: one schema, so that a body
// of another shape (a proxy's page, another API) is a clear error, never a misread number.
import { z } from 'zod';

/** A sample value: Prometheus sends floats as strings, including "NaN", "+Inf" and "-Inf". */
const SampleValue = z.string().transform((s, ctx) => {
  if (s === 'NaN') return Number.NaN;
  if (s === '+Inf' || s === 'Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  const n = s.trim() === '' ? Number.NaN : Number(s);
  if (Number.isNaN(n)) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a sample value` });
    return z.NEVER;
  }
  return n;
});

/** [unix time in seconds, value]. */
const SamplePair = z.tuple([z.number(), SampleValue]);
const Labels = z.record(z.string(), z.string());

export const PromQueryData = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('scalar'), result: SamplePair }),
  z.object({ resultType: z.literal('string'), result: z.tuple([z.number(), z.string()]) }),
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: Labels, value: SamplePair })) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: Labels, values: z.array(SamplePair) })) }),
]);
export type PromQueryData = z.output<typeof PromQueryData>;

export const PromQueryResponse = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), data: PromQueryData, warnings: z.array(z.string()).optional() }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);
export type PromQueryResponse = z.output<typeof PromQueryResponse>;
