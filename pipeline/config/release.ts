import { z } from 'zod';

// Placeholder the release stage refines: apps with strategy, router and analysis.
export const ReleaseConfig = z
  .strictObject({
    namespace: z.string().default('default'),
    apps: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  })
  .describe('Progressive delivery on Kubernetes.');
export type ReleaseConfig = z.infer<typeof ReleaseConfig>;
