// Secrets in added lines, found by secretlint (preset-recommend or the repo's .secretlintrc).
// Only the rule, file:line and a masked preview are ever printed: never the secret. Every added
// line is scanned, however long the file or the line: a file the diff capped is streamed again
// in bounded chunks, never skipped (a token on line 5,001 is a token).
import { maskPreview } from '../../pipeline/core/redact.js';
import { changeSets } from '../../pipeline/gate/changes.js';
import { scanText, secretlintConfig, type SecretHit } from '../../pipeline/gate/secretlint.js';
import { scanPatterns } from '../../pipeline/gate/secret-patterns.js';
import { isIgnored, readGitleaksIgnore } from '../../pipeline/gate/gitleaks-ignore.js';
import type { AddedLine, ChangedFile, GateRule, GateSubject, RuleFinding } from '../../pipeline/gate/types.js';

/** Lines per secretlint call, and the characters that end a chunk early (bounded memory per call). */
const CHUNK_LINES = 2000;
const CHUNK_CHARS = 1_000_000;
/** Lines carried into the next chunk, so a multi-line secret (a PEM key) across a boundary is still whole. */
const OVERLAP_LINES = 100;
/** A longer line is scanned in pieces that overlap by more than any token is long. */
const PIECE_CHARS = 100_000;
const PIECE_OVERLAP = 8_192;

/** A scanned line: an added line, or a piece of a very long one starting at `offset`. */
interface Piece {
  line: number;
  offset: number;
  text: string;
}

function* piecesOf(l: AddedLine): Generator<Piece> {
  if (l.text.length <= PIECE_CHARS) {
    yield { line: l.line, offset: 0, text: l.text };
    return;
  }
  for (let at = 0; at < l.text.length; at += PIECE_CHARS - PIECE_OVERLAP) {
    yield { line: l.line, offset: at, text: l.text.slice(at, at + PIECE_CHARS) };
    if (at + PIECE_CHARS >= l.text.length) return;
  }
}

type Config = Awaited<ReturnType<typeof secretlintConfig>>;

/** Scan every added line in chunks; hits keep their file line and column. */
async function scanLines(config: Config, path: string, lines: AsyncIterable<AddedLine> | Iterable<AddedLine>): Promise<(SecretHit & { offset: number })[]> {
  const hits = new Map<string, SecretHit & { offset: number }>();
  let chunk: Piece[] = [];
  let chars = 0;
  const flush = async () => {
    // Scanned line i is chunk piece i.
    const text = chunk.map((p) => p.text).join('\n');
    const fromSecretlint = await scanText(config, path, text);
    // shardship's own patterns (what gitleaks finds and secretlint does not); one finding per
    // line, secretlint's winning where both see the same line.
    const seen = new Set(fromSecretlint.map((h) => h.line));
    for (const hit of [...fromSecretlint, ...scanPatterns(text).filter((h) => !seen.has(h.line) && seen.add(h.line))]) {
      const piece = chunk[hit.line - 1];
      if (!piece) continue;
      const found = { ...hit, line: piece.line, column: piece.offset + hit.column, offset: piece.offset };
      // Overlaps find the same secret twice: once per position.
      hits.set(`${found.line}:${found.column}:${found.ruleId}`, found);
    }
    chunk = chunk.slice(-OVERLAP_LINES);
    chars = chunk.reduce((n, p) => n + p.text.length, 0);
  };
  let fresh = 0;
  for await (const l of lines) {
    for (const piece of piecesOf(l)) {
      chunk.push(piece);
      chars += piece.text.length;
      fresh++;
      if (chunk.length >= CHUNK_LINES || chars >= CHUNK_CHARS) {
        await flush();
        fresh = 0;
      }
    }
  }
  if (fresh > 0) await flush();
  return [...hits.values()].sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A file's added lines: as the diff kept them, or all of them again when the diff capped it. */
function addedLinesOf(subject: GateSubject, commit: string | undefined, file: ChangedFile): AsyncIterable<AddedLine> | Iterable<AddedLine> | undefined {
  if (!file.truncated) return file.addedLines;
  return subject.streamAddedLines?.(commit, file.path);
}

export const diffSecrets: GateRule = {
  id: 'diff/secrets',
  group: 'diff',
  defaultSeverity: 'error',
  description:
    "Added lines carry no secrets (secretlint preset-recommend, or the repository's .secretlintrc, plus shardship's own patterns for what gitleaks finds and secretlint does not); .gitleaksignore fingerprints are allowed; findings show a masked preview only.",
  async check({ subject }) {
    const sets = changeSets(subject);
    if (!sets.some((s) => s.files.some((f) => f.addedLines.length))) return [];
    const config = await secretlintConfig(subject.repoDir);
    const ignored = await readGitleaksIgnore(subject.repoDir);
    const findings: RuleFinding[] = [];
    for (const set of sets) {
      for (const file of set.files) {
        if (file.binary || file.submodule || !file.addedLines.length) continue;
        const lines = addedLinesOf(subject, set.commit, file);
        if (!lines) {
          // Nothing to read the rest from: fail closed rather than pass what was never scanned.
          findings.push({
            ruleId: 'diff/secrets',
            ...(set.commit ? { commit: set.commit } : {}),
            file: file.path,
            message: `${file.path} was not scanned past the diff limits (${file.addedLines.length} added lines kept, long lines cut): it may hide a secret`,
            hint: 'gate it where the repository is available (a range, --pr, --staged or the pre-receive hook), or split the change',
          });
          continue;
        }
        for (const hit of await scanLines(config, file.path, lines)) {
          if (isIgnored(ignored, { commit: set.commit, file: file.path, line: hit.line })) continue;
          findings.push({
            ruleId: 'diff/secrets',
            ...(set.commit ? { commit: set.commit } : {}),
            file: file.path,
            line: hit.line,
            column: hit.column,
            message: `possible secret (${hit.ruleId}${hit.messageId ? `/${hit.messageId}` : ''}): ${maskPreview(hit.match)}`,
            hint: 'remove it from every commit (git rebase -i) and rotate the credential; read it from the environment instead',
            secret: hit.match,
          });
        }
      }
    }
    return findings;
  },
};
