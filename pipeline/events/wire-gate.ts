// Wires the gate core into the stage port. One file per stage, so that each action bundles
// only the stages it runs. The gate core (ESLint, commitlint, secretlint) is imported on use,
// so a pipeline run that never gates never loads it.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { parseGateJsonReport } from '../gate/report/json.js';
import type { GateReport } from '../report/types.js';
import type { PipelineStages, WireOptions } from './stages.js';

export interface GateWiring {
  /** Report this `shardship gate --json` result instead of running the gate (e.g. from an earlier step). */
  findingsFile?: string;
  /** Also write SARIF 2.1.0 here, for code-scanning upload. */
  sarifFile?: string;
}

export async function readGateJson(file: string): Promise<GateReport> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the gate result ${file}: ${(e as Error).message}`, { hint: 'write it with `shardship gate --json > FILE`', cause: e });
  }
  const r = parseGateJsonReport(data, file);
  const drop = <T>(v: T | null | undefined): T | undefined => v ?? undefined;
  return {
    range: r.subjects.join(', ') || file,
    passed: r.passed,
    findings: r.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      message: f.message,
      commit: drop(f.commit),
      file: drop(f.file),
      line: drop(f.line),
      column: drop(f.column),
      hint: drop(f.hint),
      fingerprint: f.fingerprint,
    })),
  };
}

export function gateStage(opts: WireOptions, wiring: GateWiring = {}): Pick<PipelineStages, 'gate'> {
  return {
    gate: async ({ base, head, extraMessages, branchFrom }) => {
      if (wiring.findingsFile) return readGateJson(resolve(opts.repoDir, wiring.findingsFile));
      const [{ runGate }, { sarifReport }] = await Promise.all([import('../gate/run.js'), import('../gate/report/sarif.js')]);
      const title = extraMessages.find((m) => m.source === 'pull request title')?.message;
      // A new branch has no `before`: its commits not on the default branch (or all, from the root).
      const mode = base
        ? title !== undefined
          ? ({ kind: 'pr', base, head, title } as const)
          : ({ kind: 'range', from: base, to: head } as const)
        : ({ kind: 'new-branch', head, ...(branchFrom ? { branchFrom } : {}) } as const);
      const r = await runGate({ repoDir: opts.repoDir, config: opts.config, mode, env: opts.env });
      if (wiring.sarifFile) await writeFile(resolve(opts.repoDir, wiring.sarifFile), JSON.stringify(sarifReport(r, 'action'), null, 2) + '\n');
      return { range: r.subjects.join(', ') || `${base?.slice(0, 12) ?? ''}..${head.slice(0, 12)}`, findings: r.findings, passed: r.passed };
    },
  };
}
