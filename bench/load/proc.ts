// CPU time of a process from /proc/<pid>/stat (utime + stime, in clock ticks): the steadiest
// per-request cost figure on a shared 2-core machine.
import { readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // Linux USER_HZ

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the comm field: state(0) ... utime is field 14 overall (index 11 here), stime 15 (12)
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}
