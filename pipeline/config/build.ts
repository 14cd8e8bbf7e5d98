import { z } from 'zod';
import { Duration, EnvVarName } from './common.js';

export const BuildConfig = z
  .strictObject({
    context: z.string().default('.'),
    dockerfile: z.string().default('Dockerfile'),
    target: z.string().optional(),
    repository: z.string().describe('Image repository to push to, e.g. 127.0.0.1:5000/loan-service.'),
    args: z.record(z.string(), z.string()).default({}).describe('Build args (values that look secret are never printed).'),
    defaultBranch: z.string().default('main'),
    labels: z.record(z.string(), z.string()).default({}),
    stallTimeout: Duration.default('5m'),
    auth: z
      .strictObject({ usernameEnv: EnvVarName.optional(), passwordEnv: EnvVarName.optional() })
      .optional()
      .describe('Explicit registry credentials by env var; default is ~/.docker/config.json.'),
  })
  .describe('Container image build and push.');
export type BuildConfig = z.infer<typeof BuildConfig>;
