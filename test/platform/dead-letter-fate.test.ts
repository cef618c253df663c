import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JetStreamNames } from '@ctp/contracts';
import { DeadLetterHeaders } from '@ctp/messaging';
import { as, bearer } from '../support/auth';
import { hubInitiativeEvent } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { ROOT, waitFor } from '../support/services';

interface DeadLetterView {
  consumer: string;
  reason: string;
  detail: string | null;
  at: string;
  streamSeq: number;
  deadLetterSeq: number | null;
  redrivenFrom: number | null;
  redrive: string | null;
}

interface FateView {
  source: string;
  id: string;
  type: string | null;
  outcome: string | null;
  reason: string | null;
  detail: string | null;
  decidedAt: string | null;
  streamSeq: number;
  redrive: string | null;
  deadLetters: DeadLetterView[];
}

/**
 * #18: an event the platform dead-lettered did reach it, and GET /events/:source/:id says so — found by what the
 * message carried (its envelope, or only its Nats-Msg-Id and the subject it came on), with the reason, the detail,
 * when, and the `npm run dlq -- redrive` command that really re-drives it; reconciliation counts the version it
 * carried as known for a while instead of asking for it again at every digest.
 */
describe('GET /events/:source/:id for a dead-lettered event', () => {
  const p = new PlatformUnderTest('dlfate');
  const EUR = '/ctp/hubs/eur';

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  const get = async (source: string, id: string, headers?: Record<string, string>) => {
    const res = await fetch(`${p.process.baseUrl}/events/${encodeURIComponent(source)}/${encodeURIComponent(id)}`, {
      headers: headers ?? (await as.analyst()),
    });
    return { status: res.status, body: (await res.json()) as FateView };
  };

  const deadLetterAt = async (seq: number) => {
    const m = await p.publisher.jsm.streams.getMessage(JetStreamNames.deadLetterStream, { seq });
    return {
      reason: m!.header.get(DeadLetterHeaders.reason),
      originalSeq: Number(m!.header.get('Ctp-Dlq-Original-Seq')),
    };
  };

  it('shows a malformed event and a poison message as dead-lettered, with the reason and the redrive command', async () => {
    // Malformed: an envelope of the wrong CloudEvents version, whose data is a valid version 1 of an eur record.
    const malformed = hubInitiativeEvent('eur', 'dl-malformed', 1);
    await p.publisher.publishRaw(
      malformed.subject,
      JSON.stringify({ ...malformed.event, specversion: '0.3' }),
      malformed.event.id,
    );
    // Poison: not even JSON; known only by its Nats-Msg-Id and the eur hub's subject it came on.
    const poisonId = `poison-${Date.now()}`;
    await p.publisher.publishRaw('ctp.hub.eur.initiative.reported.v1', '{not json at all', poisonId);
    // An envelope without a source: its id and the subject say whose it is.
    const sourceless = hubInitiativeEvent('eur', 'dl-sourceless', 1);
    await p.publisher.publishRaw(
      sourceless.subject,
      JSON.stringify({ ...sourceless.event, source: undefined }),
      `msg-${sourceless.event.id}`,
    );
    // And a good event after them, applied as usual.
    const good = hubInitiativeEvent('eur', 'dl-good', 1);
    await p.publisher.publishAll([good]);

    const bad = await waitFor('the malformed event dead-lettered', async () => {
      const r = await get(EUR, malformed.event.id);
      return r.status === 200 ? r.body : undefined;
    });
    expect(bad).toMatchObject({
      source: EUR,
      id: malformed.event.id,
      type: malformed.event.type,
      outcome: 'DEAD_LETTERED',
      reason: 'INVALID_ENVELOPE',
      detail: expect.stringContaining('specversion'),
    });
    expect(Date.parse(bad.decidedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(bad.deadLetters).toHaveLength(1);
    const [letter] = bad.deadLetters;
    expect(letter).toMatchObject({ consumer: 'platform-hubs', reason: 'INVALID_ENVELOPE', redrivenFrom: null });
    expect(bad.redrive).toBe(`npm run dlq -- redrive ${letter.deadLetterSeq}`);
    // The sequence named is the dead letter's own, in the dead-letter stream.
    expect(await deadLetterAt(letter.deadLetterSeq!)).toEqual({
      reason: 'INVALID_ENVELOPE',
      originalSeq: letter.streamSeq,
    });

    const poison = await waitFor('the poison message dead-lettered', async () => {
      const r = await get(EUR, poisonId);
      return r.status === 200 ? r.body : undefined;
    });
    expect(poison).toMatchObject({ source: EUR, id: poisonId, type: null, outcome: 'DEAD_LETTERED' });
    expect(poison.reason).toBe('UNDECODABLE');
    expect(poison.detail).toContain('not JSON');
    expect(poison.redrive).toMatch(/^npm run dlq -- redrive \d+$/);

    const noSource = await get(EUR, sourceless.event.id);
    expect(noSource.status).toBe(200);
    expect(noSource.body).toMatchObject({ outcome: 'DEAD_LETTERED', reason: 'INVALID_ENVELOPE' });
    expect(noSource.body.detail).toContain('source');

    await waitFor('the good event applied', async () => (await get(EUR, good.event.id)).body.outcome === 'APPLIED');
    expect((await get(EUR, good.event.id)).body).toMatchObject({ outcome: 'APPLIED', redrive: null, deadLetters: [] });

    // Unknown ids still answer 404; so does a dead letter asked for under another source.
    expect((await get(EUR, 'no-such-event')).status).toBe(404);
    expect((await get('/ctp/hubs/afr', poisonId)).status).toBe(404);
    expect((await get('/ctp/hubs/afr', malformed.event.id)).status).toBe(404);
    // A reader of shareable records only: a dead-lettered event was applied to nothing the platform can vouch for.
    const shareableReader = await bearer('IP-GS-CTP', 'registry:read');
    expect((await get(EUR, malformed.event.id, shareableReader)).status).toBe(404);
    expect((await get(EUR, good.event.id, shareableReader)).status).toBe(200);

    // Reconciliation counts the version the malformed event carried as known, for an hour at a time.
    const refused = await p.db.query<{ reason: string; event_id: string; minutes: number }>(
      `SELECT reason, event_id, round(extract(epoch FROM counts_until - now()) / 60)::int AS minutes
         FROM sync_refused WHERE source = $1 AND initiative_id = $2 AND version = 1`,
      [EUR, malformed.event.data.initiativeId],
    );
    expect(refused).toEqual([{ reason: 'INVALID_ENVELOPE', event_id: malformed.event.id, minutes: 60 }]);
    // Not the poison message: it does not say which record it is about.
    const counted = await p.db.query(`SELECT 1 FROM sync_refused WHERE event_id = $1`, [poisonId]);
    expect(counted).toHaveLength(0);
  });

  it("never shows another hub's message as this source's dead letter, whatever source its headers claim", async () => {
    const recorded = (id: string) =>
      waitFor(`the message ${id} dead-lettered and recorded`, async () => {
        const rows = await p.db.query<{ subject: string; source: string | null; event_id: string | null }>(
          `SELECT subject, source, event_id FROM inbox_dead_letters WHERE event_id = $1 OR nats_msg_id = $1`,
          [id],
        );
        return rows.length > 0 ? rows : undefined;
      });
    // A real eur event, applied.
    const real = hubInitiativeEvent('eur', 'dl-spoofed', 1);
    await p.publisher.publishAll([real]);
    await waitFor('the real eur event applied', async () => (await get(EUR, real.event.id)).body.outcome === 'APPLIED');

    // The afr hub publishes, on its own subject, a body that is not JSON with binary-mode headers naming the eur hub
    // and that event's id, and another naming an eur id that never existed.
    const afrSubject = 'ctp.hub.afr.initiative.reported.v1';
    const spoofed = `spoof-${Date.now()}`;
    for (const id of [real.event.id, spoofed]) {
      await p.publisher.publishRaw(afrSubject, '{not json at all', `afr-${id}`, {
        'ce-specversion': '1.0',
        'ce-source': EUR,
        'ce-id': id,
        'ce-type': 'ctp.initiative.reported.v1',
      });
    }
    // Dead-lettered, recorded as the message claimed (binary mode: its ce- headers), with the subject it came on…
    expect(await recorded(spoofed)).toEqual([{ subject: afrSubject, source: EUR, event_id: spoofed }]);
    expect(await recorded(`afr-${real.event.id}`)).toEqual([
      { subject: afrSubject, source: EUR, event_id: real.event.id },
    ]);
    // …but never shown as the eur hub's: not as an event of its own (404), not among its real event's dead letters.
    expect((await get(EUR, spoofed)).status).toBe(404);
    expect((await get(EUR, real.event.id)).body).toMatchObject({ outcome: 'APPLIED', deadLetters: [], redrive: null });
    // Nor as the afr hub's: the message named another source.
    expect((await get('/ctp/hubs/afr', spoofed)).status).toBe(404);

    // A structured message (Content-Type application/cloudevents+json) is its body alone: its ce- headers are ignored
    // (docs/contract.md), so one whose body is not JSON is known by its Nats-Msg-Id only, even on the eur subject.
    const structuredMsgId = `structured-${Date.now()}`;
    const claimed = `claimed-${Date.now()}`;
    await p.publisher.publishRaw('ctp.hub.eur.initiative.reported.v1', '{not json at all', structuredMsgId, {
      'Content-Type': 'application/cloudevents+json',
      'ce-source': '/ctp/hubs/afr',
      'ce-id': claimed,
    });
    expect(await recorded(structuredMsgId)).toEqual([
      { subject: 'ctp.hub.eur.initiative.reported.v1', source: null, event_id: structuredMsgId },
    ]);
    expect((await get(EUR, structuredMsgId)).body).toMatchObject({ outcome: 'DEAD_LETTERED', reason: 'UNDECODABLE' });
    expect((await get(EUR, claimed)).status).toBe(404);
    expect((await get('/ctp/hubs/afr', claimed)).status).toBe(404);
  });

  it('gives a redrive command that re-drives the dead letter; its fate then shows the new one', async () => {
    const malformed = hubInitiativeEvent('eur', 'dl-redriven', 1);
    await p.publisher.publishRaw(
      malformed.subject,
      JSON.stringify({ ...malformed.event, specversion: '0.3' }),
      malformed.event.id,
    );
    const first = await waitFor('dead-lettered', async () => {
      const r = await get(EUR, malformed.event.id);
      return r.status === 200 ? r.body : undefined;
    });
    const command = first.redrive!;
    expect(command).toMatch(/^npm run dlq -- redrive \d+$/);
    const dlqSeq = first.deadLetters[0].deadLetterSeq!;

    // What `npm run dlq -- …` runs, with the arguments the command gives.
    const args = command.split(' -- ')[1].split(' ');
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'dist/scripts/dlq.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NATS_URL: p.nats.url },
    });
    expect(stdout).toContain('re-driven');

    // Re-driven, it is still an invalid envelope: dead-lettered again, as a re-driven copy of the first.
    const second = await waitFor('dead-lettered again', async () => {
      const r = await get(EUR, malformed.event.id);
      return r.body.deadLetters?.length === 2 ? r.body : undefined;
    });
    expect(second.outcome).toBe('DEAD_LETTERED');
    expect(second.deadLetters[0]).toMatchObject({ deadLetterSeq: dlqSeq, redrive: null });
    expect(second.deadLetters[1]).toMatchObject({ redrivenFrom: dlqSeq, reason: 'INVALID_ENVELOPE' });
    expect(second.deadLetters[1].deadLetterSeq).toBeGreaterThan(dlqSeq);
    expect(second.redrive).toBe(`npm run dlq -- redrive ${second.deadLetters[1].deadLetterSeq}`);
  });
});
