import { StoredMsg } from '@nats-io/jetstream';
import { runTool, ToolIo, UsageError } from './cli';
import { parseDlqCommand, run, USAGE, viewOf } from './dlq';

/** A stored dead letter with `payload` as its data and the usual headers. */
function letter(payload: string): StoredMsg {
  const headers = new Map([['Ctp-Dlq-Reason', ['UNDECODABLE']]]);
  return {
    seq: 7,
    string: () => payload,
    header: { get: (k: string) => headers.get(k)?.[0] ?? '' },
  } as unknown as StoredMsg;
}

describe('dlq viewOf: any payload, since what cannot be read is why it is here', () => {
  it.each(['null', '42', '"text"', '[1,2]', '{"id":5,"type":["x"]}', 'not json', '', '{"id":'])('%s', (payload) => {
    const v = viewOf(letter(payload));
    expect(v).toMatchObject({ seq: 7, reason: 'UNDECODABLE' });
    expect(v).not.toHaveProperty('eventId');
    expect(v).not.toHaveProperty('eventType');
  });

  it('names the event of a readable envelope', () => {
    expect(viewOf(letter('{"id":"e1","type":"ctp.initiative.reported.v1","subject":"IP-HUB-EUR-x"}'))).toMatchObject({
      eventId: 'e1',
      eventType: 'ctp.initiative.reported.v1',
      initiativeId: 'IP-HUB-EUR-x',
    });
  });
});

describe('dlq command line', () => {
  it.each([
    [['list'], { command: 'list', limit: 10_000 }],
    [
      ['list', '--consumer', 'platform-hubs', '--limit', '20'],
      { command: 'list', consumer: 'platform-hubs', limit: 20 },
    ],
    [['show', '12'], { command: 'show', seq: 12 }],
    [['redrive', '12', '13', '12'], { command: 'redrive', seqs: [12, 13], dryRun: false }],
    [['redrive', '12', '--dry-run'], { command: 'redrive', seqs: [12], dryRun: true }],
    [['redrive', '--all'], { command: 'redrive', seqs: 'all', dryRun: false }],
    [
      ['redrive', '--all', '--consumer', 'platform-hubs', '--dry-run'],
      { command: 'redrive', seqs: 'all', consumer: 'platform-hubs', dryRun: true },
    ],
  ])('%j', (argv, parsed) => {
    expect(parseDlqCommand(argv)).toEqual(parsed);
  });

  it.each([
    [[], 'which command'],
    [['purge'], 'unknown command "purge"'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
    [['list', '--dry-run'], 'list does not take --dry-run'],
    [['list', '--limit', '0'], '--limit must be a whole number'],
    [['list', 'extra'], 'list takes no argument'],
    [['show'], 'show takes one sequence number'],
    [['show', '1', '2'], 'show takes one sequence number'],
    [['show', 'x'], '"x" is not a dead letter\'s sequence number'],
    [['show', '12', '--all'], 'show does not take --all'],
    [['redrive'], 'redrive what'],
    [['redrive', '12', '--all'], 'not both'],
    [['redrive', '12', '--consumer', 'platform-hubs'], '--consumer goes with --all'],
    [['redrive', '--all', '--limit', '5'], 'redrive does not take --limit'],
    [['redrive', '-5'], "Unknown option '-5'"],
  ])('refuses %j (exit 2)', (argv, message) => {
    expect(() => parseDlqCommand(argv)).toThrow(UsageError);
    expect(() => parseDlqCommand(argv)).toThrow(message);
  });

  function sink() {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => (out.stdout += t), stderr: (t: string) => (out.stderr += t) } };
  }
  // Nothing listens on port 1: a tool that tried to connect would fail (3), not answer.
  const env = { NATS_URL: 'nats://127.0.0.1:1' };
  const dlq = (argv: string[], io: ToolIo) => runTool('dlq', USAGE, argv, (a) => run(a, env, io), io);

  it.each([['--help'], ['-h'], ['redrive', '--all', '--help']])('%j: usage and exit codes, exit 0', async (...argv) => {
    const { out, io } = sink();
    expect(await dlq(argv, io)).toBe(0);
    expect(out.stdout).toContain('Usage: npm run dlq -- <command> [options]');
    expect(out.stdout).toContain('redrive <seq> [<seq>…] [--dry-run]');
    expect(out.stdout).toContain('Examples:');
    expect(out.stdout).toMatch(
      /Exit codes:\n {2}0 {2}done\n {2}1 .*\n {2}2 {2}bad arguments.*\n {2}3 {2}cannot connect/,
    );
  });

  it('an unknown option: exit 2, the usage on stderr', async () => {
    const { out, io } = sink();
    expect(await dlq(['list', '--bogus'], io)).toBe(2);
    expect(out.stderr).toMatch(/^dlq: Unknown option '--bogus'/);
    expect(out.stderr).toContain('Usage: npm run dlq');
  });

  it('NATS not reachable: exit 3', async () => {
    const { out, io } = sink();
    expect(await dlq(['list'], io)).toBe(3);
    expect(out.stderr).toMatch(/^dlq: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
  });
});
