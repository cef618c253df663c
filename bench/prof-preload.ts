/**
 * Preloaded (NODE_OPTIONS=--require …) into the services when BENCH_CPU_PROF=1. `--cpu-prof` itself is not allowed
 * in NODE_OPTIONS, so this starts V8's sampling profiler through the inspector, and on SIGUSR2 writes the profile to
 * $BENCH_PROF_DIR/<BENCH_PROF_NAME>-<pid>.cpuprofile (open it in Chrome DevTools) and exits.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_PROF_DIR ?? '.';
const name = process.env.BENCH_PROF_NAME ?? 'node';
const session = new Session();
session.connect();
session.post('Profiler.enable', () => session.post('Profiler.start'));
process.on('SIGUSR2', () => {
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    process.exit(0);
  });
});
