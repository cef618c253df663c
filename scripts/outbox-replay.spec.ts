import { runTool, ToolIo, UsageError } from './cli';
import { parseReplayArgs, parseSince, run, USAGE } from './outbox-replay';

describe('parseSince', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it.each([
    ['30s', '2026-11-26T11:59:30.000Z'],
    ['30m', '2026-11-26T11:30:00.000Z'],
    ['2h', '2026-11-26T10:00:00.000Z'],
    ['7d', '2026-11-19T12:00:00.000Z'],
    ['2026-11-25T08:00:00Z', '2026-11-25T08:00:00.000Z'],
  ])('%s → %s', (input, expected) => {
    expect(parseSince(input, now).toISOString()).toBe(expected);
  });

  it.each(['yesterday', '5w', ''])('rejects %j with the accepted forms', (input) => {
    expect(() => parseSince(input, now)).toThrow(/ISO time or a duration/);
  });
});

describe('outbox:replay command line', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');

  it('reads the service, the time and --dry-run', () => {
    expect(parseReplayArgs(['--service', 'hub-eur', '--since', '2h'], now)).toEqual({
      service: 'hub-eur',
      since: new Date('2026-11-26T10:00:00Z'),
      dryRun: false,
    });
    expect(parseReplayArgs(['--dry-run', '--service=partner-liaison', '--since', '2026-11-25T08:00:00Z'], now)).toEqual(
      { service: 'partner-liaison', since: new Date('2026-11-25T08:00:00Z'), dryRun: true },
    );
  });

  it.each([
    [[], '--service is required'],
    [['--service', 'hub-eur'], '--since is required'],
    [['--service', 'hub-xyz', '--since', '2h'], '--service "hub-xyz": one of hub-afr, hub-mde'],
    [['--service', 'hub-eur', '--since', 'soon'], 'ISO time or a duration'],
    [['--service', 'hub-eur', '--since', '2h', '--force'], "Unknown option '--force'"],
    [['--service', 'hub-eur', '--since', '2h', 'extra'], "Unexpected argument 'extra'"],
    [['--service'], "Option '--service <value>' argument missing"],
  ])('refuses %j (exit 2)', (argv, message) => {
    expect(() => parseReplayArgs(argv, now)).toThrow(UsageError);
    expect(() => parseReplayArgs(argv, now)).toThrow(message);
  });

  function sink() {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t) } };
  }
  // Nothing listens on port 1: a tool that tried to connect would fail (3), not answer.
  const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/ctp_hub_eur', NATS_URL: 'nats://127.0.0.1:1' };
  const replay = (argv: string[], io: ToolIo) => runTool('outbox:replay', USAGE, argv, (a) => run(a, env, io), io);

  it.each([['--help'], ['-h'], ['--service', 'hub-eur', '--since', '2h', '--help']])(
    '%j: usage with examples and exit codes, exit 0, nothing done',
    async (...argv) => {
      const { out, io } = sink();
      expect(await replay(argv, io)).toBe(0);
      expect(out.stdout).toContain('Usage: npm run outbox:replay -- --service <service> --since <ISO time|duration>');
      expect(out.stdout).toContain('--dry-run');
      expect(out.stdout).toContain('npm run outbox:replay -- --service hub-eur --since 2h --dry-run');
      expect(out.stdout).toMatch(/Exit codes:\n {2}0 {2}done\n {2}1 {2}failed\n {2}2 .*\n {2}3 {2}cannot connect/);
      expect(out.stderr).toBe('');
    },
  );

  it('an unknown option: exit 2, the usage on stderr', async () => {
    const { out, io } = sink();
    expect(await replay(['--service', 'hub-eur', '--since', '2h', '--all'], io)).toBe(2);
    expect(out.stderr).toMatch(/^outbox:replay: Unknown option '--all'/);
    expect(out.stderr).toContain('Usage: npm run outbox:replay');
  });

  it('PostgreSQL not reachable: exit 3, saying so', async () => {
    const { out, io } = sink();
    expect(await replay(['--service', 'hub-eur', '--since', '2h', '--dry-run'], io)).toBe(3);
    expect(out.stderr).toMatch(/^outbox:replay: nothing is listening for PostgreSQL on 127\.0\.0\.1:1/);
  });
});
