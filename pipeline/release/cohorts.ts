// Cohorts as request matches. Pure: each cohort becomes one header match that Istio and
// the Gateway API can both express (exact value or RE2 regular expression).
import type { Cohort } from '../config/release.js';

export interface HeaderMatch {
  name: string;
  exact?: string;
  regex?: string;
}

export function cohortMatch(c: Cohort): HeaderMatch {
  if ('header' in c) return { name: c.header.name.toLowerCase(), exact: c.header.value };
  if ('cookie' in c) {
    return { name: 'cookie', regex: `^(.*;\\s*)?${escapeRegex(c.cookie.name)}=${escapeRegex(c.cookie.value)}(;.*)?$` };
  }
  if ('userIds' in c) return { name: c.userIds.header.toLowerCase(), regex: `^(${c.userIds.ids.map(escapeRegex).join('|')})$` };
  return { name: c.hashPercent.header.toLowerCase(), regex: bucketRegex(c.hashPercent.percent, c.hashPercent.idFormat) };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A percentage of users as a regex on the last two characters of their id: ids that are
 * hashes or UUIDs (hex) or uniformly numbered (decimal) fall evenly into 256 or 100 buckets,
 * and the first `percent` of the buckets go to the new version. Meshes cannot hash a
 * header themselves, but every one of them can match a regex, and a user stays in the
 * same bucket on every request.
 */
export function bucketRegex(percent: number, idFormat: 'hex' | 'decimal'): string {
  const digits = idFormat === 'hex' ? '0123456789abcdef' : '0123456789';
  const base = digits.length;
  const buckets = Math.round((percent / 100) * base * base);
  if (buckets <= 0) return '^$x'; // matches nothing
  if (buckets >= base * base) return '^.*$';
  // A class of digits[from..to), with upper-case hex letters too (UUIDs come in both cases).
  const set = (from: number, to: number): string => {
    const chars = digits.slice(from, to);
    const all = idFormat === 'hex' ? chars + chars.replace(/[0-9]/g, '').toUpperCase() : chars;
    return all.length === 1 ? all : `[${all}]`;
  };
  const full = Math.floor(buckets / base);
  const rest = buckets % base;
  const alts: string[] = [];
  if (full > 0) alts.push(`${set(0, full)}${set(0, base)}`);
  if (rest > 0) alts.push(`${set(full, full + 1)}${set(0, rest)}`);
  return `^.*(${alts.join('|')})$`;
}

/** The bucket a given id falls in, for tests and explanations. */
export function bucketOf(id: string, idFormat: 'hex' | 'decimal'): number | undefined {
  const tail = id.slice(-2).toLowerCase();
  const digits = idFormat === 'hex' ? '0123456789abcdef' : '0123456789';
  const a = digits.indexOf(tail[0] ?? '');
  const b = digits.indexOf(tail[1] ?? '');
  if (a < 0 || b < 0 || tail.length < 2) return undefined;
  return a * digits.length + b;
}
