// Check runs within GitHub's limits: annotations go 50 per request (the create, then as many
// updates as needed) and the summary is packed under 65,535 characters with an explicit
// "N more omitted" line. When the token may not write checks (403), the same findings are
// written as workflow-command annotations and the missing permission is said plainly.
import type { Annotation, CheckConclusion, GitHubApi } from '../events/github-api.js';
import { GitHubPermissionError } from './errors.js';
import type { Runner } from './runner.js';

export const ANNOTATIONS_PER_REQUEST = 50;
export const MAX_CHECK_TEXT = 65_535;

/**
 * Join `lines` under `limit` characters. When they don't all fit, keep as many as fit and end
 * with a line saying how many were left out (the count is the number of `lines` dropped).
 */
export function packLines(lines: string[], limit: number = MAX_CHECK_TEXT, what = 'lines'): string {
  const full = lines.join('\n');
  if (full.length <= limit) return full;
  const omittedLine = (n: number) => `\n\n**${n} more ${what} omitted** (GitHub limits this text to ${limit} characters; see the job summary).`;
  // The omitted line's own length grows with N's digits; reserve for the largest.
  const reserve = omittedLine(lines.length).length;
  let used = 0;
  let kept = 0;
  for (const line of lines) {
    const add = (kept ? 1 : 0) + line.length;
    if (used + add + reserve > limit) break;
    used += add;
    kept++;
  }
  const head = lines.slice(0, kept).join('\n');
  return head + omittedLine(lines.length - kept);
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length ? out : [[]];
}

export interface CheckReport {
  name: string;
  headSha: string;
  title: string;
  /** Summary as lines (table rows...): packed with an omitted-count line when too long. */
  summaryLines: string[];
  conclusion: CheckConclusion;
  annotations: Annotation[];
  detailsUrl?: string;
}

export type CheckPublication =
  | { kind: 'check-run'; id: number; requests: number }
  | { kind: 'annotations-fallback'; missingPermission: string; message: string };

/** Plan the requests for one check run: plain data, asserted on by unit tests. */
export function planCheckRequests(report: CheckReport): { annotations: Annotation[]; summary: string }[] {
  const summary = packLines(report.summaryLines, MAX_CHECK_TEXT, 'summary lines');
  return chunk(report.annotations, ANNOTATIONS_PER_REQUEST).map((annotations) => ({ annotations, summary }));
}

export async function publishCheckRun(api: GitHubApi, runner: Runner, report: CheckReport): Promise<CheckPublication> {
  const requests = planCheckRequests(report);
  const output = (i: number) => ({ title: report.title, summary: requests[i]!.summary, annotations: requests[i]!.annotations });
  try {
    const single = requests.length === 1;
    const { id } = await api.createCheckRun({
      name: report.name,
      headSha: report.headSha,
      status: single ? 'completed' : 'in_progress',
      conclusion: single ? report.conclusion : undefined,
      detailsUrl: report.detailsUrl,
      output: output(0),
    });
    for (let i = 1; i < requests.length; i++) {
      const last = i === requests.length - 1;
      await api.updateCheckRun(id, { output: output(i), ...(last ? { status: 'completed', conclusion: report.conclusion } : {}) });
    }
    return { kind: 'check-run', id, requests: requests.length };
  } catch (e) {
    if (!(e instanceof GitHubPermissionError)) throw e;
    const message = `cannot publish check run "${report.name}": ${e.message}. Findings are reported as annotations in the workflow log instead.`;
    runner.warning(message);
    for (const a of report.annotations) {
      runner.annotate(a.level === 'failure' ? 'error' : a.level, a.message, { file: a.path, line: a.startLine, endLine: a.endLine, title: a.title });
    }
    return { kind: 'annotations-fallback', missingPermission: e.permission, message };
  }
}
