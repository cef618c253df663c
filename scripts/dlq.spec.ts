import { StoredMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { DeadLetterHeaders } from '@ctp/messaging';
import { Progress, runTool, ToolIo, UsageError } from './cli';
import { DeadLetterStreamAccess, DlqCommand, parseDlqCommand, redriveCommand, run, USAGE, viewOf } from './dlq';

/** A stored dead letter with `payload` as its data, the usual headers and `extra` ones. */
function letter(payload: string, extra: Record<string, string> = {}): StoredMsg {
  const headers = natsHeaders();
  headers.set('Ctp-Dlq-Reason', 'UNDECODABLE');
  for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return {
    seq: 7,
    data: new TextEncoder().encode(payload),
    string: () => payload,
    header: headers,
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
    expect(
      viewOf(
        letter('{"id":"e1","type":"ctp.initiative.reported.v1","subject":"IP-HUB-EUR-x","source":"/ctp/hubs/eur"}'),
      ),
    ).toEqual(
      expect.objectContaining({
        source: '/ctp/hubs/eur',
        eventId: 'e1',
        eventType: 'ctp.initiative.reported.v1',
        initiativeId: 'IP-HUB-EUR-x',
      }),
    );
  });

  it('names a binary-mode event by its ce- headers (decoded), whatever its body, and its original Nats-Msg-Id', () => {
    const v = viewOf(
      letter('{not json', {
        'ce-specversion': '1.0',
        'ce-id': 'bin-1',
        'ce-source': '/ctp/hubs/eur',
        'ce-type': 'ctp.initiative.withdrawn.v1',
        'ce-subject': 'IP-HUB-EUR-caf%C3%A9',
        'Ctp-Dlq-Original-Msg-Id': 'msg-1',
      }),
    );
    expect(v).toEqual(
      expect.objectContaining({
        contentMode: 'binary',
        source: '/ctp/hubs/eur',
        eventId: 'bin-1',
        eventType: 'ctp.initiative.withdrawn.v1',
        initiativeId: 'IP-HUB-EUR-café',
        natsMsgId: 'msg-1',
      }),
    );
  });

  it('reads a structured message (Content-Type application/cloudevents+json) by its body alone: ce- headers ignored', () => {
    const v = viewOf(
      letter('{not json', {
        'Content-Type': 'application/cloudevents+json',
        'ce-id': 'claimed',
        'ce-source': '/ctp/hubs/afr',
        'Ctp-Dlq-Original-Msg-Id': 'msg-2',
      }),
    );
    expect(v).not.toHaveProperty('contentMode');
    expect(v).not.toHaveProperty('source');
    // Known by its original Nats-Msg-Id only, as GET /events/:source/:id knows it.
    expect(v).toMatchObject({ eventId: 'msg-2', natsMsgId: 'msg-2' });
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

describe('dlq redrive: each dead letter said as it is re-driven, the missing skipped, the failed counted', () => {
  const ORIGINAL = 'ctp.hub.eur.initiative.reported.v1';

  /**
   * A dead-letter stream holding `seqs` (and CTP_EVENTS behind js.publish): what happens is logged in `events`, in
   * order; publishing the dead letters in `failing` back to their subject throws.
   */
  function fakeStream(seqs: number[], options: { failing?: number[]; closeOnFailure?: boolean } = {}) {
    const events: string[] = [];
    const stored = new Map<number, StoredMsg>();
    for (const seq of seqs) {
      const h = natsHeaders();
      h.set(DeadLetterHeaders.consumer, 'platform-hubs');
      h.set(DeadLetterHeaders.reason, 'INVALID_ENVELOPE');
      if (seq !== 13) h.set(DeadLetterHeaders.originalSubject, ORIGINAL);
      const payload = JSON.stringify({ id: `evt-${seq}` });
      stored.set(seq, {
        seq,
        subject: `ctpdlq.platform-hubs.${ORIGINAL}`,
        data: new TextEncoder().encode(payload),
        header: h,
        string: () => payload,
      } as unknown as StoredMsg);
    }
    let closed = false;
    let next = 100;
    const access: DeadLetterStreamAccess = {
      jsm: {
        streams: {
          info: async () => ({
            state: { first_seq: Math.min(...stored.keys()), last_seq: Math.max(...stored.keys()) },
          }),
          getMessage: async (_stream: string, q: { seq: number }) => {
            const m = stored.get(q.seq);
            if (!m) throw new Error('no message found');
            return m;
          },
          deleteMessage: async (_stream: string, seq: number) => {
            events.push(`delete ${seq}`);
            return stored.delete(seq);
          },
        } as unknown as DeadLetterStreamAccess['jsm']['streams'],
      },
      js: {
        publish: (async (subject: string, _data: unknown, o?: { msgID?: string }) => {
          const from = Number(o?.msgID?.replace('redrive:', ''));
          if (subject === ORIGINAL && options.failing?.includes(from)) {
            if (options.closeOnFailure) closed = true;
            throw new Error('TimeoutError: timeout');
          }
          if (subject === ORIGINAL) events.push(`publish ${from}`);
          return { stream: 'CTP_EVENTS', seq: next++, duplicate: false };
        }) as unknown as DeadLetterStreamAccess['js']['publish'],
      },
      closed: () => closed,
    };
    return { access, events, stored };
  }

  async function redriving(access: DeadLetterStreamAccess, argv: string[], events: string[] = []) {
    const out = { stdout: '', stderr: '' };
    const io: ToolIo = {
      stdout: (t) => {
        out.stdout += t;
        events.push(`out ${(JSON.parse(t) as { seq: number }).seq}`);
      },
      stderr: (t) => (out.stderr += t),
    };
    const quiet = { write: () => true };
    const code = await redriveCommand(
      access,
      parseDlqCommand(argv) as Extract<DlqCommand, { command: 'redrive' }>,
      io,
      {
        scan: new Progress({ label: 'scan', stream: quiet }),
        redrive: new Progress({ label: 're-driving', stream: quiet }),
      },
    );
    const lines = out.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { code, lines, stderr: out.stderr };
  }

  it('a failure halfway: those before and after it re-driven and each said at once, then exit 1', async () => {
    const { access, events, stored } = fakeStream([11, 12, 14], { failing: [12] });
    const r = await redriving(access, ['redrive', '11', '12', '14'], events);
    expect(r.lines).toEqual([
      { msg: 'dead letter re-driven', seq: 11, subject: ORIGINAL, newSeq: 100 },
      { msg: 'dead letter re-driven', seq: 14, subject: ORIGINAL, newSeq: 102 },
    ]);
    // Each line as soon as its dead letter is removed: before the next is tried.
    expect(events).toEqual(['publish 11', 'delete 11', 'out 11', 'publish 14', 'delete 14', 'out 14']);
    expect(r.stderr).toContain('dlq: dead letter 12 not re-driven: TimeoutError: timeout\n');
    expect(r.stderr).toMatch(/2 dead letter\(s\) re-driven, 1 failed \(12\)\n$/);
    expect(r.code).toBe(1);
    expect([...stored.keys()]).toEqual([12]);
  });

  it('run again with the same sequence numbers: those already re-driven are skipped with a warning, exit 0', async () => {
    const { access, stored } = fakeStream([12]);
    const r = await redriving(access, ['redrive', '11', '12', '14']);
    expect(r.lines).toEqual([{ msg: 'dead letter re-driven', seq: 12, subject: ORIGINAL, newSeq: 100 }]);
    expect(r.stderr).toContain('dlq: no dead letter 11 (already re-driven, or removed): skipped\n');
    expect(r.stderr).toContain('dlq: no dead letter 14 (already re-driven, or removed): skipped\n');
    expect(r.stderr).toMatch(/1 dead letter\(s\) re-driven, 2 skipped \(not in the stream: 11, 14\)\n$/);
    expect(r.code).toBe(0);
    expect(stored.size).toBe(0);
  });

  it('none left at all: nothing to do, exit 0', async () => {
    const { access } = fakeStream([]);
    const r = await redriving(access, ['redrive', '11']);
    expect(r.lines).toEqual([]);
    expect(r.stderr).toMatch(/0 dead letter\(s\) re-driven, 1 skipped \(not in the stream: 11\)\n$/);
    expect(r.code).toBe(0);
  });

  it('one without its original subject fails alone; --all goes on with the next', async () => {
    const { access, stored } = fakeStream([12, 13, 14]);
    const r = await redriving(access, ['redrive', '--all']);
    expect(r.lines.map((l) => l.seq)).toEqual([12, 14]);
    expect(r.stderr).toContain(
      `dlq: dead letter 13 not re-driven: dead letter 13 has no ${DeadLetterHeaders.originalSubject} header\n`,
    );
    expect(r.code).toBe(1);
    expect([...stored.keys()]).toEqual([13]);
  });

  it('the connection closed for good: the rest are not tried (each would fail), and said so', async () => {
    const { access, events, stored } = fakeStream([11, 12, 14, 15], { failing: [12], closeOnFailure: true });
    const r = await redriving(access, ['redrive', '11', '12', '14', '15'], events);
    expect(r.lines.map((l) => l.seq)).toEqual([11]);
    expect(events).not.toContain('publish 14');
    expect(r.stderr).toMatch(
      /1 dead letter\(s\) re-driven, 1 failed \(12\), 2 not tried, the connection closed \(14, 15\)\n$/,
    );
    expect(r.code).toBe(1);
    expect([...stored.keys()]).toEqual([12, 14, 15]);
  });

  it('--dry-run skips the missing with the same warning and changes nothing', async () => {
    const { access, events, stored } = fakeStream([12]);
    const r = await redriving(access, ['redrive', '11', '12', '--dry-run']);
    expect(r.lines).toEqual([
      {
        msg: 'would re-drive',
        seq: 12,
        subject: ORIGINAL,
        consumer: 'platform-hubs',
        reason: 'INVALID_ENVELOPE',
        eventId: 'evt-12',
      },
    ]);
    expect(r.stderr).toContain('dlq: no dead letter 11 (already re-driven, or removed): skipped\n');
    expect(r.code).toBe(0);
    expect(events).toEqual([]);
    expect(stored.size).toBe(1);
  });
});
