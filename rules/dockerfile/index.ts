// The dockerfile rules the gate runs on Dockerfiles a change adds or modifies. Each policy
// is one file in this folder, listed here (a test checks every file is registered).
import type { GateRule } from '../../pipeline/gate/types.js';
import type { DockerfilePolicy } from './policy.js';
import { baseImageTag, dockerfileBaseImageTag } from './base-image-tag.js';
import { baseImageDigest, dockerfileBaseImageDigest } from './base-image-digest.js';
import { nonRootUser, dockerfileNonRootUser } from './non-root-user.js';
import { noSecretValues, dockerfileNoSecretValues } from './no-secret-values.js';
import { copyNotAdd, dockerfileCopyNotAdd } from './copy-not-add.js';
import { packageCache, dockerfilePackageCache } from './package-cache.js';
import { healthcheck, dockerfileHealthcheck } from './healthcheck.js';

/** The catalogue as pure policies (Dockerfile in, findings out): for `lintDockerfile` and tests. */
export const dockerfilePolicies: DockerfilePolicy[] = [baseImageTag, baseImageDigest, nonRootUser, noSecretValues, copyNotAdd, packageCache, healthcheck];

export const dockerfileRules: GateRule[] = [
  dockerfileBaseImageTag,
  dockerfileBaseImageDigest,
  dockerfileNonRootUser,
  dockerfileNoSecretValues,
  dockerfileCopyNotAdd,
  dockerfilePackageCache,
  dockerfileHealthcheck,
];
