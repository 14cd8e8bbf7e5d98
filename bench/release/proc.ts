// CPU time and memory of processes, from /proc (Linux): the Argo controller's over a time
// window, and each shardship CLI run's as GNU time reports it when the process ends.
import { readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat (USER_HZ; 100 on every Linux this runs on). */
const TICKS = 100;

export interface CpuSample {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
}

export function cpuOf(pid: number): CpuSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the "(comm)" that may hold spaces: utime and stime are the 14th and 15th.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { cpuSeconds: (Number(rest[11]) + Number(rest[12])) / TICKS };
}

/** Peak resident memory (VmHWM) in MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Reset the peak-RSS counter, so VmHWM covers what follows only (needs root or the owner). */
export function resetPeakRss(pid: number): boolean {
  try {
    // "5" resets the peak resident set size (Documentation/filesystems/proc.rst, clear_refs).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false; // then the peak covers the whole life of the process
  }
}
