import { resolve } from 'node:path';
import { versioned } from '../../core/output.js';
import type { CommandModule } from '../context.js';
import { GitRepo } from '../../git/repo.js';
import { installHooks, preReceiveHookScript } from '../../gate/hooks.js';

export const registerHooks: CommandModule = (program, ctx) => {
  const hooks = program.command('hooks').description('install git hooks that run the gate');
  hooks
    .command('install')
    .description('add the gate to husky, lefthook or pre-commit when the repository uses one; else install commit-msg and pre-commit hooks (honours core.hooksPath)')
    .option('--repo <dir>', 'repository directory', '.')
    .option('--force', 'replace hooks that shardship did not install')
    .option('--json', 'print the installed hooks as JSON')
    .action(async (opts: { repo: string; force?: boolean; json?: boolean }) => {
      const repo = new GitRepo(resolve(ctx.cwd, opts.repo), ctx.env);
      const { installed, managed } = await installHooks(repo, { force: Boolean(opts.force) });
      if (opts.json) ctx.output.json(versioned({ installed, managed }));
      else {
        for (const h of installed) ctx.output.out(`${h.replaced ? 'replaced' : 'installed'} ${h.name} hook: ${h.path}`);
        for (const m of managed) ctx.output.out(`${m.manager}: ${m.change === 'unchanged' ? 'shardship already in' : `${m.change} shardship in`} ${m.file}`);
        for (const next of new Set(managed.map((m) => m.next))) ctx.output.out(`next: ${next}`);
        ctx.output.out('tip: `shardship lint-server start` keeps ESLint loaded between hook runs (or set gate.rules.code/eslint.options.server: auto)');
      }
    });
  hooks
    .command('pre-receive')
    .description('print a server-side pre-receive hook script that runs the gate on every push')
    .option('-c, --config <file>', 'server-side shardship.yaml (default: the one on the repository HEAD)')
    .action((opts: { config?: string }) => {
      ctx.output.out(preReceiveHookScript(opts.config ? { config: resolve(ctx.cwd, opts.config) } : {}).trimEnd());
    });
};
