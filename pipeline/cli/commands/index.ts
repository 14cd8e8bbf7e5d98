// Every CLI command, one file each, loaded on demand: a command's module pulls in its stage's
// vendor clients (ESLint, mysql2, dockerode, client-node...), and `shardship gate` in a hook
// must not pay for loading all of them. A new command adds one entry here.
import type { CommandModule } from '../context.js';

export const commandLoaders: Record<string, () => Promise<CommandModule[]>> = {
  config: async () => [(await import('./config.js')).registerConfig],
  gate: async () => [(await import('./gate.js')).registerGate],
  hooks: async () => [(await import('./hooks.js')).registerHooks],
  'lint-server': async () => [(await import('./lint-server.js')).registerLintServer],
  build: async () => [(await import('./build.js')).registerBuild],
  // `migrate apply|status|verify|repair` attach to the `migrate` command the planner creates.
  migrate: async () => [(await import('./migrate.js')).registerMigrate, (await import('./migrate-apply.js')).registerMigrateApply, (await import('./migrate-undo.js')).registerMigrateUndo],
  release: async () => [(await import('./release.js')).registerRelease],
  backup: async () => [(await import('./backup.js')).registerBackup],
  run: async () => [(await import('./run.js')).registerRun],
  // `env render-shards` (env-shards.ts) attaches to the `env` command.
  env: async () => [(await import('./env.js')).registerEnv, (await import('./env-shards.js')).registerEnvRenderShards],
};

/** The modules for `argv`: only the named command's, or all of them (help, unknown command). */
export async function loadCommands(argv: readonly string[]): Promise<CommandModule[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  const loaders = name && name in commandLoaders ? [commandLoaders[name]!] : Object.values(commandLoaders);
  return (await Promise.all(loaders.map((load) => load()))).flat();
}
