import {
  cannotConnect,
  connecting,
  etaMs,
  EXIT,
  exitCodesHelp,
  formatDuration,
  HELP_OPTION,
  parseCommandLine,
  parseDuration,
  Progress,
  progressText,
  ratePerSecond,
  runTool,
  UnreachableError,
  UsageError,
  wantsHelp,
} from './cli';

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t) },
  };
}

describe('runTool', () => {
  const USAGE = 'usage: npm run thing -- [--flag]';

  it.each([['--help'], ['-h'], ['list', '--help'], ['--bogus', '-h']])(
    '%s: the usage on stdout, exit 0, nothing run',
    async (...argv) => {
      const { out, io: sink } = io();
      const run = jest.fn(async () => 0);
      expect(await runTool('thing', USAGE, argv, run, sink)).toBe(0);
      expect(run).not.toHaveBeenCalled();
      expect(out.stdout).toBe(`${USAGE}\n`);
      expect(out.stderr).toBe('');
    },
  );

  it('does not take a --help after -- for its own', () => {
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });

  it('bad arguments: 2, the message and the usage on stderr', async () => {
    const { out, io: sink } = io();
    const code = await runTool(
      'thing',
      USAGE,
      ['--bogus'],
      (argv) => {
        parseCommandLine(argv, { options: { flag: { type: 'boolean' }, ...HELP_OPTION } });
        return 0;
      },
      sink,
    );
    expect(code).toBe(EXIT.usage);
    expect(out.stderr).toMatch(/^thing: Unknown option '--bogus'.*\n\n/);
    expect(out.stderr.endsWith(`\n\n${USAGE}\n`)).toBe(true);
    expect(out.stdout).toBe('');
  });

  it('cannot connect: 3, one line', async () => {
    const { out, io: sink } = io();
    const code = await runTool(
      'thing',
      USAGE,
      [],
      () =>
        connecting(
          () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
          (err) => `PostgreSQL: ${(err as Error).message}`,
        ),
      sink,
    );
    expect(code).toBe(EXIT.unreachable);
    expect(out.stderr).toBe('thing: PostgreSQL: connect ECONNREFUSED 127.0.0.1:1\n');
  });

  it('any other failure: 1, one line (an AggregateError with its reasons)', async () => {
    const { out, io: sink } = io();
    const err = new AggregateError([new Error('connect ECONNREFUSED ::1:5432'), new Error('timeout')], '');
    expect(await runTool('thing', USAGE, [], () => Promise.reject(err), sink)).toBe(EXIT.failed);
    expect(out.stderr).toBe('thing: connect ECONNREFUSED ::1:5432; timeout\n');
  });

  it("returns what the tool's run returns", async () => {
    const { io: sink } = io();
    expect(await runTool('thing', USAGE, [], () => 1, sink)).toBe(1);
    expect(await runTool('thing', USAGE, [], async () => 0, sink)).toBe(0);
  });

  it('the exit codes of a tool that connects to nothing leave out 3', () => {
    expect(exitCodesHelp('failed', { connects: false })).not.toContain('  3  ');
  });

  it('the exit codes, for every help text', () => {
    expect(exitCodesHelp('the two differ')).toBe(
      [
        'Exit codes:',
        '  0  done',
        '  1  the two differ',
        '  2  bad arguments (the usage is printed)',
        '  3  cannot connect: NATS or PostgreSQL not reachable, or the login refused',
      ].join('\n'),
    );
  });
});

describe('parseCommandLine', () => {
  const config = {
    options: { since: { type: 'string' }, 'dry-run': { type: 'boolean' }, ...HELP_OPTION },
    allowPositionals: true,
  } as const;

  it('parses options and positionals', () => {
    const { values, positionals } = parseCommandLine(['redrive', '12', '--since', '2h', '--dry-run'], config);
    expect(values).toEqual({ since: '2h', 'dry-run': true });
    expect(positionals).toEqual(['redrive', '12']);
  });

  it.each([
    [['--nope'], "Unknown option '--nope'"],
    [['--since'], "Option '--since <value>' argument missing"],
    [['--dry-run=yes'], "Option '--dry-run' does not take an argument"],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv, config)).toThrow(UsageError);
    expect(() => parseCommandLine(argv, config)).toThrow(message);
  });

  it('refuses positionals unless allowed', () => {
    expect(() => parseCommandLine(['extra'], { options: HELP_OPTION })).toThrow("Unexpected argument 'extra'");
  });

  it('reads durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration(' 2h ')).toBe(7_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('5w')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
  });
});

describe('cannotConnect', () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', '28P01', '28000', '3D000'])('%s: cannot connect', (code) => {
    expect(cannotConnect(withCode(code))).toBe(true);
    expect(cannotConnect(new Error('wrapped', { cause: withCode(code) }))).toBe(true);
    expect(cannotConnect(new AggregateError([withCode(code)], ''))).toBe(true);
  });

  it("NATS's connection and authorization errors", () => {
    expect(cannotConnect(Object.assign(new Error('connection refused'), { name: 'ConnectionError' }))).toBe(true);
    expect(
      cannotConnect(new Error('x', { cause: Object.assign(new Error('a'), { name: 'AuthorizationError' }) })),
    ).toBe(true);
  });

  it.each([withCode('23505'), withCode('42P01'), new Error('stream not found'), 'text', undefined])(
    '%p: something else',
    (err) => {
      expect(cannotConnect(err)).toBe(false);
    },
  );

  it('is exit 3 from runTool', async () => {
    const { io: sink } = io();
    expect(await runTool('t', 'u', [], () => Promise.reject(withCode('28P01')), sink)).toBe(EXIT.unreachable);
  });
});

describe('connecting', () => {
  it('passes the value through, and turns a failure into an UnreachableError with the cause', async () => {
    expect(await connecting(async () => 5)).toBe(5);
    const cause = new Error('nope');
    const err = await connecting(() => Promise.reject(cause)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe('nope');
    expect((err as Error).cause).toBe(cause);
  });
});

describe('rate and ETA', () => {
  it('rate: items per second over the time elapsed', () => {
    expect(ratePerSecond(500, 2000)).toBe(250);
    expect(ratePerSecond(3, 1500)).toBe(2);
    expect(ratePerSecond(10, 0)).toBe(0);
  });

  it('ETA: what is left at that rate', () => {
    expect(etaMs(1000, 5000, 250)).toBe(16_000);
    expect(etaMs(5000, 5000, 250)).toBe(0);
    expect(etaMs(6000, 5000, 250)).toBe(0);
    expect(etaMs(0, 5000, 0)).toBeUndefined();
    expect(etaMs(10, undefined, 5)).toBeUndefined();
  });

  it.each([
    [0, '0s'],
    [850, '1s'],
    [42_000, '42s'],
    [185_000, '3m05s'],
    [3_720_000, '1h02m'],
    [183_600_000, '2d03h'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('one line: count, share, rate, ETA (or the time so far without a total, or the time taken)', () => {
    const base = { label: 'replaying CTP_EVENTS', unit: 'events' };
    expect(progressText({ ...base, done: 1200, total: 5000, elapsedMs: 4000 })).toBe(
      'replaying CTP_EVENTS: 1200/5000 events (24%), 300/s, ETA 13s',
    );
    expect(progressText({ ...base, done: 1200, elapsedMs: 4000 })).toBe(
      'replaying CTP_EVENTS: 1200 events, 300/s, 4s so far',
    );
    expect(progressText({ ...base, done: 0, total: 5000, elapsedMs: 4000 })).toBe(
      'replaying CTP_EVENTS: 0/5000 events (0%), 0.00/s, 4s so far',
    );
    expect(progressText({ ...base, done: 5000, total: 5000, elapsedMs: 20_000, finished: true })).toBe(
      'replaying CTP_EVENTS: 5000/5000 events (100%), 250/s, took 20s',
    );
    expect(progressText({ label: 'x', done: 0, total: 0, elapsedMs: 10 })).toBe('x: 0/0 (100%), 0.00/s, ETA 0s');
    expect(progressText({ label: 'x', done: 15, elapsedMs: 1000 })).toBe('x: 15, 15.0/s, 1s so far');
  });
});

describe('Progress', () => {
  function clock() {
    let t = 1_000_000;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  }

  it('not a terminal: a plain line at the start, then every 5 s, and the last one', () => {
    const c = clock();
    const lines: string[] = [];
    const p = new Progress({
      label: 'redriving',
      unit: 'dead letters',
      total: 100,
      now: c.now,
      stream: { isTTY: false, write: (t: string) => lines.push(t) },
    });
    p.update(0);
    for (let i = 1; i <= 100; i++) {
      c.advance(100);
      p.add();
    }
    p.finish();
    expect(lines).toEqual([
      'redriving: 0/100 dead letters (0%), 0.00/s, 0s so far\n',
      'redriving: 50/100 dead letters (50%), 10.0/s, ETA 5s\n',
      'redriving: 100/100 dead letters (100%), 10.0/s, ETA 0s\n',
      'redriving: 100/100 dead letters (100%), 10.0/s, took 10s\n',
    ]);
    expect(lines.join('')).not.toContain('\r');
    expect(lines.join('')).not.toContain('\x1b');
  });

  it('a terminal: one line redrawn in place at most every 100 ms, a newline at the end', () => {
    const c = clock();
    const writes: string[] = [];
    const p = new Progress({
      label: 'replaying',
      total: 1000,
      now: c.now,
      stream: { isTTY: true, columns: 80, write: (t: string) => writes.push(t) },
    });
    p.update(0);
    for (let i = 1; i <= 10; i++) {
      c.advance(40);
      p.update(i * 100);
    }
    p.finish('done');
    expect(writes).toEqual([
      '\rreplaying: 0/1000 (0%), 0.00/s, 0s so far\x1b[K',
      '\rreplaying: 300/1000 (30%), 2500/s, ETA 0s\x1b[K',
      '\rreplaying: 600/1000 (60%), 2500/s, ETA 0s\x1b[K',
      '\rreplaying: 900/1000 (90%), 2500/s, ETA 0s\x1b[K',
      '\rreplaying: 1000/1000 (100%), 2500/s, took 0s — done\x1b[K',
      '\n',
    ]);
  });

  it('cuts the redrawn line to the terminal width', () => {
    const writes: string[] = [];
    const p = new Progress({
      label: 'x'.repeat(50),
      stream: { isTTY: true, columns: 20, write: (t) => writes.push(t) },
    });
    p.update(1);
    expect(writes[0]).toBe(`\r${'x'.repeat(19)}\x1b[K`);
  });

  it('says nothing about work that ends within quietForMs, and starts once it lasts longer', () => {
    const c = clock();
    const lines: string[] = [];
    const quick = new Progress({ label: 'q', quietForMs: 1000, now: c.now, stream: { write: (t) => lines.push(t) } });
    quick.update(1, 3);
    c.advance(500);
    quick.update(3);
    quick.finish();
    expect(lines).toEqual([]);
    const slow = new Progress({ label: 's', quietForMs: 1000, now: c.now, stream: { write: (t) => lines.push(t) } });
    slow.update(1, 300);
    c.advance(1000);
    slow.update(100);
    c.advance(2000);
    slow.update(300);
    slow.finish();
    expect(lines).toEqual(['s: 100/300 (33%), 100/s, ETA 2s\n', 's: 300/300 (100%), 100/s, took 3s\n']);
  });

  it('raises the total when more turns up, and writes nothing after finishing', () => {
    const c = clock();
    const lines: string[] = [];
    const p = new Progress({ label: 'n', now: c.now, stream: { write: (t: string) => lines.push(t) } });
    p.update(10, 50);
    c.advance(5000);
    p.update(60, 80);
    p.finish();
    p.update(70);
    p.finish();
    expect(lines).toEqual([
      'n: 10/50 (20%), 0.00/s, 0s so far\n',
      'n: 60/80 (75%), 12.0/s, ETA 2s\n',
      'n: 60/80 (75%), 12.0/s, took 5s\n',
    ]);
  });
});
