import { z } from 'zod';
import { Duration, EnvVarName } from './common.js';

export const BuildConfig = z
  .strictObject({
    context: z.string().default('.').describe('Build context directory, relative to the repository root.'),
    dockerfile: z.string().default('Dockerfile').describe('Dockerfile path, relative to the context.'),
    target: z.string().optional().describe('Stage to build (--target).'),
    repository: z
      .string()
      .min(1)
      .describe('Image repository to push to, without a tag, e.g. 127.0.0.1:5000/loan-service (tags are computed from the commit).'),
    args: z.record(z.string(), z.string()).default({}).describe('Build args (values of secret-looking names are never printed).'),
    allowSecretArgs: z
      .boolean()
      .default(false)
      .describe('Build even when a secret-named build arg is declared by an ARG (its value is then stored in the image history); default: refuse.'),
    defaultBranch: z.string().default('main').describe('Branch whose builds are also tagged latest.'),
    title: z.string().optional().describe('org.opencontainers.image.title; default: the last part of the repository.'),
    description: z.string().optional().describe('org.opencontainers.image.description.'),
    url: z.string().optional().describe('org.opencontainers.image.url; default: the source URL.'),
    licenses: z.string().optional().describe('org.opencontainers.image.licenses, an SPDX expression.'),
    labels: z.record(z.string(), z.string()).default({}).describe('Extra labels; they override the computed OCI labels.'),
    cacheFrom: z.boolean().default(true).describe("Use the branch's previous image (and the default branch's) as build cache when the registry has it."),
    stallTimeout: Duration.default('5m').describe('Fail the build when the engine prints nothing for this long.'),
    auth: z
      .strictObject({ usernameEnv: EnvVarName, passwordEnv: EnvVarName })
      .optional()
      .describe('Explicit registry credentials by env var; default is ~/.docker/config.json (credential helpers included).'),
  })
  .describe('Container image build and push.');
export type BuildConfig = z.infer<typeof BuildConfig>;
