// CPU time of a process from /proc/<pid>/stat (utime + stime, in clock ticks): the steadiest
// per-request cost figure on a shared 2-core machine.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_S = 100; // Linux USER_HZ

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after the comm field: state(0) ... utime is field 14 overall (index 11 here), stime 15 (12)
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** CPU time of the threads of `pid` named `comm` (e.g. the acceptor thread, `agw-acceptor`). */
export function threadCpuSeconds(pid: number, comm: string): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() !== comm) continue;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}
