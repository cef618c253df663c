import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second for /proc times (USER_HZ: 100 on Linux). */
const HZ = 100;

interface ProcStat {
  comm: string;
  ticks: number;
  childTicks: number;
}

function procStat(pid: number | string): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    // Fields after the command name, from field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
    const f = raw
      .slice(close + 2)
      .split(' ')
      .map(Number);
    return { comm, ticks: f[11] + f[12], childTicks: f[13] + f[14] };
  } catch {
    return undefined;
  }
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * CPU seconds used so far by the processes under test, by name, and by the machine as a whole: a snapshot to diff
 * around each part of the bench, to see where the time goes on a small machine. PostgreSQL counts every backend that
 * is alive plus those already ended (reaped by the postmaster); nats-server is found by its configuration path.
 */
export class CpuMeter {
  /**
   * `databases`, when given: PostgreSQL counts only the backends connected to these databases (their process title
   * names the database), each by its own increase between two snapshots — on a server shared with other work (tests
   * running beside the bench) the machine-wide sum would count the neighbours. The server's shared processes (WAL
   * writer, checkpointer) are then left out, and so is a backend that ended between the two snapshots.
   */
  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    private readonly natsMarker: string,
    private readonly databases?: readonly string[],
  ) {}

  snapshot(): CpuSnapshot {
    const perProcess: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      const s = pid ? procStat(pid) : undefined;
      if (s) perProcess[name] = s.ticks / HZ;
    }
    let postgres = 0;
    let nats = 0;
    const backends: Record<string, number> | undefined = this.databases ? {} : undefined;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const s = procStat(pid);
      if (!s) continue;
      if (s.comm === 'postgres' && backends && this.databases) {
        const words = cmdline(pid).split(' ');
        if (this.databases.some((db) => words.includes(db))) backends[pid] = s.ticks / HZ;
      } else if (s.comm === 'postgres') {
        postgres += s.ticks;
        // The postmaster's children are the backends: count the ones it has already reaped.
        if (procStat(readPpid(pid))?.comm !== 'postgres') postgres += s.childTicks;
      } else if (s.comm === 'nats-server' && cmdline(pid).includes(this.natsMarker)) {
        nats += s.ticks;
      }
    }
    perProcess.postgres = postgres / HZ;
    perProcess['nats-server'] = nats / HZ;
    const self = process.cpuUsage();
    perProcess.bench = (self.user + self.system) / 1e6;
    return { at: Date.now(), perProcess, machine: machineTimes(), ...(backends ? { backends } : {}) };
  }
}

function readPpid(pid: string): string {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ')[1];
  } catch {
    return '0';
  }
}

function machineTimes(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / HZ, total: total / HZ };
}

export interface CpuSnapshot {
  at: number;
  perProcess: Record<string, number>;
  machine: { busy: number; total: number };
  /** CPU seconds so far of each PostgreSQL backend of the run's databases, by pid (a CpuMeter given `databases`). */
  backends?: Record<string, number>;
}

export interface CpuUse {
  /** Share of all the machine's CPUs busy during the interval (100% = every core busy). */
  machineBusyPct: number;
  /** CPU seconds each process used during the interval; `other`: the rest of the machine (kernel, other work). */
  cpuSeconds: Record<string, number>;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const cpuSeconds: Record<string, number> = {};
  for (const [name, v] of Object.entries(b.perProcess)) {
    cpuSeconds[name] = Math.round((v - (a.perProcess[name] ?? 0)) * 100) / 100;
  }
  if (a.backends && b.backends) {
    const before = a.backends;
    const used = Object.entries(b.backends).reduce((sum, [pid, v]) => sum + Math.max(0, v - (before[pid] ?? 0)), 0);
    cpuSeconds.postgres = Math.round(used * 100) / 100;
  }
  const total = b.machine.total - a.machine.total;
  const measured = Object.values(cpuSeconds).reduce((x, y) => x + y, 0);
  cpuSeconds.other = Math.max(0, Math.round((b.machine.busy - a.machine.busy - measured) * 100) / 100);
  return {
    machineBusyPct: total > 0 ? Math.round(((b.machine.busy - a.machine.busy) / total) * 1000) / 10 : 0,
    cpuSeconds,
  };
}

/** Share of the machine busy over `ms`, in percent: is something else running? */
export async function machineBusyPct(ms: number): Promise<number> {
  const a = machineTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = machineTimes();
  const total = b.total - a.total;
  return total > 0 ? Math.round(((b.busy - a.busy) / total) * 1000) / 10 : 0;
}
