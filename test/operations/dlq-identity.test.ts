import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { as } from '../support/auth';
import { PlatformUnderTest } from '../support/platform-under-test';
import { percentEncode } from '../support/jetstream';
import { ROOT, waitFor } from '../support/services';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run dlq -- <args>` as an operator runs it (the built script), on the platform's NATS. */
function dlq(args: string[], natsUrl: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/scripts/dlq.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NATS_URL: natsUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Listed {
  seq: number;
  reason: string;
  originalSubject: string;
  contentMode?: string;
  source?: string;
  eventId?: string;
  eventType?: string;
  initiativeId?: string;
  natsMsgId?: string;
}

/**
 * `npm run dlq -- list` names each dead letter by whatever identifies the message, as GET /events/:source/:id finds it:
 * a binary-mode CloudEvent by its `ce-id` / `ce-source` / `ce-type` / `ce-subject` headers, a structured one by its
 * envelope, and one without either by the Nats-Msg-Id it was published with. Real dead letters: the platform's
 * consumer dead-letters each message published here.
 */
describe('npm run dlq -- list: the identity of each dead letter', () => {
  const p = new PlatformUnderTest('dlqid');
  const SUBJECT = 'ctp.hub.eur.initiative.withdrawn.v1';

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  it('shows the ce- identity of a binary-mode event, the envelope of a structured one, else the Nats-Msg-Id', async () => {
    const stamp = Date.now();
    // Binary mode, a body that is not JSON: dead-lettered, known by its ce- headers (percent-encoded, as the binding says).
    await p.publisher.publishRaw(SUBJECT, '{not json', `bin-msg-${stamp}`, {
      'ce-specversion': '1.0',
      'ce-id': `bin-${stamp}`,
      'ce-source': '/ctp/hubs/eur',
      'ce-type': 'ctp.initiative.withdrawn.v1',
      'ce-subject': percentEncode(`IP-HUB-EUR-café-${stamp}`),
    });
    // Structured, an envelope of another CloudEvents version: dead-lettered, known by its envelope.
    await p.publisher.publishRaw(
      SUBJECT,
      JSON.stringify({
        specversion: '0.3',
        id: `env-${stamp}`,
        source: '/ctp/hubs/eur',
        type: 'ctp.initiative.withdrawn.v1',
        subject: `IP-HUB-EUR-env-${stamp}`,
      }),
      `env-msg-${stamp}`,
      { 'Content-Type': 'application/cloudevents+json' },
    );
    // Neither: known by its Nats-Msg-Id alone.
    await p.publisher.publishRaw(SUBJECT, 'plain garbage', `only-msg-${stamp}`);

    const listed = await waitFor('three dead letters listed', async () => {
      const r = await dlq(['list', '--consumer', 'platform-hubs'], p.nats.url);
      expect(r.code).toBe(0);
      const lines = r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Listed);
      return lines.length === 3 ? lines : undefined;
    });
    const [binary, structured, bare] = listed;
    expect(binary).toEqual(
      expect.objectContaining({
        originalSubject: SUBJECT,
        contentMode: 'binary',
        source: '/ctp/hubs/eur',
        eventId: `bin-${stamp}`,
        eventType: 'ctp.initiative.withdrawn.v1',
        initiativeId: `IP-HUB-EUR-café-${stamp}`,
        natsMsgId: `bin-msg-${stamp}`,
      }),
    );
    expect(structured).toEqual(
      expect.objectContaining({
        reason: 'INVALID_ENVELOPE',
        source: '/ctp/hubs/eur',
        eventId: `env-${stamp}`,
        initiativeId: `IP-HUB-EUR-env-${stamp}`,
        natsMsgId: `env-msg-${stamp}`,
      }),
    );
    expect(structured).not.toHaveProperty('contentMode');
    expect(bare).toEqual(expect.objectContaining({ eventId: `only-msg-${stamp}`, natsMsgId: `only-msg-${stamp}` }));
    expect(bare).not.toHaveProperty('source');

    // The ids it shows are the ones GET /events/:source/:id takes, and it points back at the same dead letter.
    for (const l of [binary, structured, bare]) {
      const res = await fetch(
        `${p.process.baseUrl}/events/${encodeURIComponent('/ctp/hubs/eur')}/${encodeURIComponent(l.eventId!)}`,
        { headers: await as.analyst() },
      );
      const fate = (await res.json()) as { outcome: string; deadLetters: { deadLetterSeq: number | null }[] };
      expect([l.eventId, res.status, fate.outcome]).toEqual([l.eventId, 200, 'DEAD_LETTERED']);
      expect(fate.deadLetters.map((d) => d.deadLetterSeq)).toEqual([l.seq]);
    }

    // show: the same identity, and the headers it came from.
    const shown = await dlq(['show', String(binary.seq)], p.nats.url);
    expect(shown.code).toBe(0);
    const one = JSON.parse(shown.stdout) as Listed & { headers: Record<string, string> };
    expect(one).toMatchObject({ eventId: `bin-${stamp}`, source: '/ctp/hubs/eur', contentMode: 'binary' });
    expect(one.headers).toMatchObject({ 'ce-id': `bin-${stamp}`, 'Ctp-Dlq-Original-Msg-Id': `bin-msg-${stamp}` });
  });
});
