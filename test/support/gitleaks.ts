// gitleaks, the peer the secrets rule is measured against: built from its Go module at one exact
// release into ~/.cache/shardship/tools (never into the repository), and its own test data read
// from the Go module cache at run time (never copied into this repository).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const GITLEAKS_MODULE = 'github.com/zricethezav/gitleaks/v8';
export const GITLEAKS_VERSION = 'v8.30.1';
const CACHE = process.env.SHARDSHIP_TOOLS_CACHE ?? join(homedir(), '.cache', 'shardship');
const GO = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';

export function gitleaksBinary(): string {
  const dir = join(CACHE, 'tools', `gitleaks-${GITLEAKS_VERSION}`);
  const bin = join(dir, 'gitleaks');
  if (!existsSync(bin)) execFileSync(GO, ['install', `${GITLEAKS_MODULE}@${GITLEAKS_VERSION}`], { env: { ...process.env, GOBIN: dir }, cwd: tmpdir(), stdio: ['ignore', 'inherit', 'inherit'] });
  return bin;
}

/** The module's folder in the Go module cache (downloaded by `go mod download` when missing). */
export function gitleaksModuleDir(): string {
  const out = execFileSync(GO, ['mod', 'download', '-json', `${GITLEAKS_MODULE}@${GITLEAKS_VERSION}`], { cwd: tmpdir(), encoding: 'utf8' });
  const dir = (JSON.parse(out) as { Dir?: string }).Dir;
  if (!dir || !existsSync(dir)) throw new Error(`go mod download gave no folder for ${GITLEAKS_MODULE}@${GITLEAKS_VERSION}`);
  return dir;
}

export interface GitleaksFinding {
  RuleID: string;
  File: string;
  StartLine: number;
  Fingerprint: string;
}

/** `gitleaks dir` over a folder (its default rules), findings as JSON; secrets stay in the report file only. */
export function gitleaksDir(dir: string, reportPath: string): GitleaksFinding[] {
  execFileSync(gitleaksBinary(), ['dir', dir, '--no-banner', '--redact', '--report-format', 'json', '--report-path', reportPath, '--exit-code', '0', '--log-level', 'error'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(reportPath, 'utf8')) as GitleaksFinding[];
}
