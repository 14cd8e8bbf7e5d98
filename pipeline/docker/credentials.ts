// Registry credentials the way the docker CLI finds them: explicit env vars first, then
// ~/.docker/config.json ($DOCKER_CONFIG): credHelpers for the host, the credsStore, and
// the base64 `auths` entries. Every secret found is registered for redaction.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError, ServiceError } from '../core/errors.js';
import { registerSecret } from '../core/redact.js';
import type { RegistryCredentials } from '../build/types.js';

/** The part of ~/.docker/config.json that holds credentials. */
export const DockerConfigFile = z.looseObject({
  auths: z.record(z.string(), z.looseObject({ auth: z.string().optional(), username: z.string().optional(), password: z.string().optional() })).optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});
export type DockerConfigFile = z.infer<typeof DockerConfigFile>;

/** `https://index.docker.io/v1/`, `http://127.0.0.1:5000/` and `127.0.0.1:5000` all name a host. */
export function registryHostOf(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').split('/')[0]!.toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export interface CredentialSources {
  env: NodeJS.ProcessEnv;
  /** build.auth: names of env vars holding username and password. */
  explicit?: { usernameEnv: string; passwordEnv: string };
  /** Folder holding config.json; default $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
}

function runHelper(helper: string, server: string, env: NodeJS.ProcessEnv): Promise<{ Username: string; Secret: string } | undefined> {
  const bin = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = execFile(bin, ['get'], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        const text = `${stdout}${stderr}`.trim();
        if (/credentials not found/i.test(text)) return resolve(undefined);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(new UsageError(`credential helper ${bin} is configured in docker's config.json but not installed`, { hint: `install ${bin}, or remove it from config.json` }));
        }
        return reject(new ServiceError('registry', `credential helper ${bin} failed: ${text || err.message}`, { cause: err }));
      }
      try {
        const parsed = z.object({ Username: z.string(), Secret: z.string() }).parse(JSON.parse(stdout));
        resolve(parsed);
      } catch (e) {
        reject(new ServiceError('registry', `credential helper ${bin} printed something that is not credentials`, { cause: e }));
      }
    });
    child.stdin?.end(server);
  });
}

/** Credentials for `registry`, or undefined to push anonymously. */
export async function resolveCredentials(registry: string, src: CredentialSources): Promise<RegistryCredentials | undefined> {
  if (src.explicit) {
    const username = src.env[src.explicit.usernameEnv];
    const password = src.env[src.explicit.passwordEnv];
    if (!username || !password) {
      throw new UsageError(`build.auth names ${src.explicit.usernameEnv} and ${src.explicit.passwordEnv} but ${!username ? src.explicit.usernameEnv : src.explicit.passwordEnv} is not set`, {
        hint: 'set both environment variables, or remove build.auth to use ~/.docker/config.json',
      });
    }
    registerSecret(password);
    return { username, password, serverAddress: registry, source: `env ${src.explicit.usernameEnv}/${src.explicit.passwordEnv}` };
  }
  const dir = src.dockerConfigDir ?? src.env.DOCKER_CONFIG ?? join(src.env.HOME ?? homedir(), '.docker');
  const file = join(dir, 'config.json');
  let cfg: DockerConfigFile;
  try {
    cfg = DockerConfigFile.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`, { hint: 'fix or remove the docker config file', cause: e });
  }
  const host = registryHostOf(registry);
  const helper = Object.entries(cfg.credHelpers ?? {}).find(([k]) => registryHostOf(k) === host)?.[1] ?? cfg.credsStore;
  const authKey = Object.keys(cfg.auths ?? {}).find((k) => registryHostOf(k) === host);
  if (helper) {
    const got = await runHelper(helper, authKey ?? registry, src.env);
    if (got) {
      registerSecret(got.Secret);
      return { username: got.Username, password: got.Secret, serverAddress: registry, source: `docker-credential-${helper}` };
    }
  }
  const entry = authKey ? cfg.auths?.[authKey] : undefined;
  if (!entry) return undefined;
  if (entry.auth) {
    registerSecret(entry.auth);
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new UsageError(`${file}: auths["${authKey}"].auth is not base64 of user:password`, { hint: `run \`docker login ${registry}\` again` });
    const password = decoded.slice(colon + 1);
    registerSecret(password);
    return { username: decoded.slice(0, colon), password, serverAddress: registry, source: file };
  }
  if (entry.username && entry.password) {
    registerSecret(entry.password);
    return { username: entry.username, password: entry.password, serverAddress: registry, source: file };
  }
  return undefined;
}
