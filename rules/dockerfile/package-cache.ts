// Package-manager caches left in a layer ship in the image forever, even if a later layer
// deletes them: clean up in the same RUN. Only the stages the image is built from count.
import type { Instruction, Run } from 'dockerfile-ast';
import type { GateRule } from '../../pipeline/gate/types.js';
import { lineOf, shippedStages, policyRule, type DockerfilePolicy, type PolicyFinding } from './policy.js';

/** A RUN's command words, split into simple commands at && || ; | (shell form) — words, not regexes. */
export function simpleCommands(run: Instruction): string[][] {
  const words = (run as Run).getArguments().map((a) => a.getValue());
  // Exec form `RUN ["a", "b"]` is one command.
  if (words[0]?.startsWith('[')) {
    return [words.join(' ').replace(/^\[|\]$/g, '').split(',').map((w) => w.trim().replace(/^"|"$/g, ''))];
  }
  const commands: string[][] = [[]];
  for (let w of words) {
    let endsCommand = false;
    if (w.endsWith(';') && w !== ';') {
      w = w.slice(0, -1);
      endsCommand = true;
    }
    if (w === '&&' || w === '||' || w === ';' || w === '|' || w === '&') {
      commands.push([]);
      continue;
    }
    commands.at(-1)!.push(w.replace(/^['"]|['"]$/g, ''));
    if (endsCommand) commands.push([]);
  }
  return commands.filter((c) => c.length > 0);
}

/** Skip `sudo`, `env X=1` and VAR=value prefixes to find the program. */
function program(cmd: string[]): { name: string; args: string[] } {
  let i = 0;
  while (i < cmd.length && (cmd[i] === 'sudo' || cmd[i] === 'env' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd[i]!))) i++;
  const name = (cmd[i] ?? '').split('/').at(-1)!;
  return { name, args: cmd.slice(i + 1) };
}

interface Manager {
  label: string;
  installs(p: { name: string; args: string[] }): boolean;
  /** True when the same RUN (or the install command itself) leaves no cache behind. */
  cleaned(cmds: { name: string; args: string[] }[], install: { name: string; args: string[] }, env: Set<string>): boolean;
  hint: string;
}

const removes = (cmds: { name: string; args: string[] }[], path: string) => cmds.some((c) => c.name === 'rm' && c.args.some((a) => a.includes(path)));

const MANAGERS: Manager[] = [
  {
    label: 'apt-get',
    installs: (p) => (p.name === 'apt-get' || p.name === 'apt') && p.args.includes('install'),
    cleaned: (cmds) => removes(cmds, '/var/lib/apt/lists'),
    hint: 'end the same RUN with `&& rm -rf /var/lib/apt/lists/*`',
  },
  {
    label: 'apk',
    installs: (p) => p.name === 'apk' && p.args.includes('add'),
    cleaned: (cmds, install) => install.args.includes('--no-cache') || removes(cmds, '/var/cache/apk'),
    hint: 'use `apk add --no-cache ...`',
  },
  {
    label: 'yum/dnf',
    installs: (p) => ['yum', 'dnf', 'microdnf'].includes(p.name) && p.args.includes('install'),
    cleaned: (cmds) => cmds.some((c) => ['yum', 'dnf', 'microdnf'].includes(c.name) && c.args[0] === 'clean' && c.args.includes('all')) || removes(cmds, '/var/cache/yum') || removes(cmds, '/var/cache/dnf'),
    hint: 'end the same RUN with `&& yum clean all` (or `dnf clean all`)',
  },
  {
    label: 'pip',
    installs: (p) => (/^pip(3(\.\d+)?)?$/.test(p.name) && p.args.includes('install')) || (/^python(3(\.\d+)?)?$/.test(p.name) && p.args[0] === '-m' && p.args[1] === 'pip' && p.args.includes('install')),
    cleaned: (cmds, install, env) => install.args.includes('--no-cache-dir') || env.has('PIP_NO_CACHE_DIR') || removes(cmds, '.cache/pip'),
    hint: 'use `pip install --no-cache-dir ...` (or ENV PIP_NO_CACHE_DIR=1)',
  },
  {
    label: 'npm',
    installs: (p) => p.name === 'npm' && ['install', 'i', 'ci', 'add'].includes(p.args[0] ?? ''),
    cleaned: (cmds) => cmds.some((c) => c.name === 'npm' && c.args[0] === 'cache' && c.args[1] === 'clean') || removes(cmds, '.npm'),
    hint: 'end the same RUN with `&& npm cache clean --force`',
  },
];

export const packageCache: DockerfilePolicy = {
  id: 'dockerfile/package-cache',
  defaultSeverity: 'error',
  description: 'Package installs (apt-get, apk, yum/dnf, pip, npm) in shipped stages must clean their cache in the same RUN.',
  check(doc) {
    const out: PolicyFinding[] = [];
    for (const stage of shippedStages(doc)) {
      const env = new Set<string>();
      for (const ins of stage.instructions) {
        if (ins.getKeyword() === 'ENV') for (const a of ins.getArguments()) env.add(a.getValue().split('=')[0]!);
        if (ins.getKeyword() !== 'RUN') continue;
        // A cache mount lives outside the layer.
        if ((ins as Run).getFlags().some((f) => f.getName() === 'mount' && (f.getValue() ?? '').includes('type=cache'))) continue;
        const cmds = simpleCommands(ins).map(program);
        for (const m of MANAGERS) {
          const install = cmds.find((c) => m.installs(c));
          if (install && !m.cleaned(cmds, install, env)) {
            out.push({ ...lineOf(ins), message: `${m.label} install leaves its package cache in the layer`, hint: m.hint });
          }
        }
      }
    }
    return out;
  },
};

/** The gate rule: this policy on every Dockerfile the change adds or modifies. */
export const dockerfilePackageCache: GateRule = policyRule(packageCache);
