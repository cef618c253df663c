import { randomUUID } from 'node:crypto';
import { InitiativeEventType, InitiativeSnapshot, InitiativeWithdrawal } from '@ctp/contracts';
import { as, bearer } from '../support/auth';
import { eventFor, snapshotOf } from '../support/events';
import { PlatformUnderTest } from '../support/platform-under-test';
import { waitFor } from '../support/services';

interface Fate {
  outcome: string | null;
  reason: string | null;
  detail: string | null;
}

interface RecordView {
  initiativeId: string;
  source: string;
  version: number;
  withdrawn: boolean;
  region: string;
  snapshot: Record<string, unknown>;
  versions: { version: number; eventId: string; eventType: string }[];
}

interface Rollup {
  rows: Record<string, string | number>[];
  totals: { reported: number; deduplicated: number };
}

const AFR = '/ctp/hubs/afr';
const ROLLUP_DIMENSIONS = ['region', 'primaryActionStream', 'status', 'kind', 'capability', 'country'];

/**
 * #17: what a hub system that is not CTP's own sends, through the real platform consumer — CloudEvents binary mode
 * (attributes as `ce-` headers, the data as the body) beside structured mode, and withdrawals sent as a tombstone
 * (`initiativeId`, `reportingOrg`, `version`, `lastUpdatedAt`, `withdrawal.reason`) — each published with a plain NATS
 * client and read back through `GET /events/:source/:id`, `GET /initiatives/:id` and `GET /rollups`.
 */
describe('CloudEvents content modes and tombstone withdrawals, through the platform consumer', () => {
  const p = new PlatformUnderTest('modes');

  beforeAll(() => p.start());
  afterAll(() => p.stop());

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${p.process.baseUrl}${path}`, { headers: await as.analyst() });
    return { status: res.status, body: (await res.json()) as T };
  };
  const fateOf = async (source: string, id: string): Promise<Fate | undefined> => {
    const res = await get<Fate>(`/events/${encodeURIComponent(source)}/${encodeURIComponent(id)}`);
    return res.status === 200 ? res.body : undefined;
  };
  const decided = (source: string, id: string) =>
    waitFor(`event ${id} decided`, async () => {
      const fate = await fateOf(source, id);
      return fate?.outcome ? fate : undefined;
    });
  const recordOf = async (id: string) => (await get<RecordView>(`/initiatives/${id}`)).body;

  /** A withdrawal as a hub system may send it: a tombstone (the five fields), on its owner's subject. */
  function tombstoneFor(withdrawal: InitiativeWithdrawal) {
    // eventFor reads only the owner, id and time of what it wraps.
    const { subject, event } = eventFor(withdrawal as unknown as InitiativeSnapshot, InitiativeEventType.Withdrawn);
    return { subject, event: { ...event, dataschema: 'ctp:initiative-withdrawal:v1', data: withdrawal } };
  }

  const tombstone = (ref: string, localId: string, version: number, overrides: Partial<InitiativeWithdrawal> = {}) => ({
    initiativeId: `${ref}-${localId}`,
    reportingOrg: { ref, type: 'HUB' as const, secondaryReporter: false },
    version,
    lastUpdatedAt: new Date().toISOString(),
    withdrawal: { reason: 'reported twice: the same course as IP-HUB-AFR-bin' },
    ...overrides,
  });

  describe('binary content mode', () => {
    it('applies a binary-mode event published with a plain NATS client exactly as its structured twin', async () => {
      const content = {
        lastUpdatedAt: new Date().toISOString(),
        title: { lang: 'fr' as const, text: 'Atelier régional « 50 % » sur les frontières' },
      };
      const structured = eventFor(snapshotOf('IP-HUB-AFR', 'str', content));
      const binary = eventFor(snapshotOf('IP-HUB-AFR', 'bin', content));
      await p.publisher.publishAll([structured]);
      await p.publisher.publishBinary(binary.subject, binary.event);

      expect(await decided(AFR, structured.event.id)).toMatchObject({ outcome: 'APPLIED', reason: null });
      expect(await decided(AFR, binary.event.id)).toMatchObject({ outcome: 'APPLIED', reason: null });

      const s = await recordOf('IP-HUB-AFR-str');
      const b = await recordOf('IP-HUB-AFR-bin');
      const effect = (r: RecordView) => ({
        source: r.source,
        version: r.version,
        withdrawn: r.withdrawn,
        region: r.region,
        snapshot: { ...r.snapshot, initiativeId: undefined },
        versions: r.versions.map((v) => ({ version: v.version, eventType: v.eventType })),
      });
      expect(effect(b)).toEqual(effect(s));
      expect(b.snapshot.title).toEqual(content.title);
      expect(b.versions[0].eventId).toBe(binary.event.id);
    });

    it('takes ce-id and ce-source as the inbox identity: the same event in the other mode is a duplicate delivery', async () => {
      const first = eventFor(snapshotOf('IP-HUB-AFR', 'dedupe', { version: 1 }));
      await p.publisher.publishBinary(first.subject, first.event);
      expect(await decided(AFR, first.event.id)).toMatchObject({ outcome: 'APPLIED' });
      // Past the broker's duplicate window (another Nats-Msg-Id), in structured mode: the inbox knows it.
      await p.publisher.publishAll([first], () => `again-${first.event.id}`);
      await waitFor('the duplicate delivery', async () =>
        p.process.logLines().find((l) => l.eventId === first.event.id && l.outcome === 'DUPLICATE_DELIVERY'),
      );
      expect((await recordOf('IP-HUB-AFR-dedupe')).versions).toHaveLength(1);
    });

    it('dead-letters a binary-mode event without ce-id as INVALID_ENVELOPE naming ce-id', async () => {
      const broken = eventFor(snapshotOf('IP-HUB-AFR', 'no-ce-id'));
      const msgId = `no-ce-id-${randomUUID()}`;
      await p.publisher.publishBinary(broken.subject, broken.event, { omit: ['id'], msgId });
      const fate = await waitFor('the dead letter', async () => {
        const f = await fateOf(AFR, msgId);
        return f?.outcome === 'DEAD_LETTERED' ? f : undefined;
      });
      expect(fate).toMatchObject({
        outcome: 'DEAD_LETTERED',
        reason: 'INVALID_ENVELOPE',
        detail: 'ce-id must be a non-empty string',
      });
      expect((await get(`/initiatives/IP-HUB-AFR-no-ce-id`)).status).toBe(404);
    });

    it('refuses a binary-mode body that is not the data it claims, with the consumer rules, not a crash', async () => {
      const ev = eventFor(snapshotOf('IP-HUB-AFR', 'bin-schema', { kind: 'PARTY' as never }));
      await p.publisher.publishBinary(ev.subject, ev.event);
      expect(await decided(AFR, ev.event.id)).toMatchObject({ outcome: 'REJECTED', reason: 'SCHEMA' });
    });
  });

  describe('tombstone withdrawals', () => {
    const rollups = async () =>
      Object.fromEntries(
        await Promise.all(
          ROLLUP_DIMENSIONS.map(async (d) => [d, (await get<Rollup>(`/rollups?groupBy=${d}`)).body] as const),
        ),
      );

    it('applies a tombstone: the record keeps its last content, is withdrawn, and leaves every rollup', async () => {
      // A record nobody else has: its own kind, capability and country, so its rows are its own.
      const live = snapshotOf('IP-HUB-AFR', 'tomb', {
        kind: 'DEP',
        capabilities: ['FORENSICS'],
        recipientCountries: ['SC'],
        title: { lang: 'en', text: 'Forensic field support to Seychelles' },
      });
      const v1 = eventFor(live);
      await p.publisher.publishAll([v1]);
      await decided(AFR, v1.event.id);
      const before = await rollups();
      expect(before.country.rows).toContainEqual(expect.objectContaining({ country: 'SC', reported: 1 }));
      expect(before.kind.rows).toContainEqual(expect.objectContaining({ kind: 'DEP', reported: 1 }));
      expect(before.capability.rows).toContainEqual(expect.objectContaining({ capability: 'FORENSICS' }));

      // Published with a plain client, structured mode, only the five fields.
      const t = tombstoneFor(tombstone('IP-HUB-AFR', 'tomb', 2));
      await p.publisher.publishAll([t]);
      expect(await decided(AFR, t.event.id)).toMatchObject({ outcome: 'APPLIED', reason: null });

      const record = await recordOf('IP-HUB-AFR-tomb');
      expect(record).toMatchObject({ withdrawn: true, version: 2 });
      expect(record.snapshot).toEqual({
        ...live,
        version: 2,
        lastUpdatedAt: t.event.data.lastUpdatedAt,
        withdrawal: { reason: t.event.data.withdrawal.reason, withdrawnAt: t.event.data.lastUpdatedAt },
      });
      expect(record.versions.map((v) => [v.version, v.eventType])).toEqual([
        [1, InitiativeEventType.Reported],
        [2, InitiativeEventType.Withdrawn],
      ]);

      const after = await rollups();
      for (const d of ROLLUP_DIMENSIONS) {
        expect([d, after[d].totals.reported]).toEqual([d, before[d].totals.reported - 1]);
        expect([d, after[d].totals.deduplicated]).toEqual([d, before[d].totals.deduplicated - 1]);
      }
      expect(after.country.rows.find((r) => r.country === 'SC')).toBeUndefined();
      expect(after.kind.rows.find((r) => r.kind === 'DEP')).toBeUndefined();
      expect(after.capability.rows.find((r) => r.capability === 'FORENSICS')).toBeUndefined();
      const listed = await get<{ items: { initiativeId: string }[] }>('/initiatives?country=SC');
      expect(listed.body.items.map((i) => i.initiativeId)).not.toContain('IP-HUB-AFR-tomb');
    });

    it('applies a tombstone sent in binary mode too, with its withdrawnAt', async () => {
      const v1 = eventFor(snapshotOf('IP-HUB-AFR', 'tomb-bin'));
      await p.publisher.publishAll([v1]);
      await decided(AFR, v1.event.id);
      const withdrawnAt = new Date(Date.now() - 60_000).toISOString();
      const t = tombstoneFor(
        tombstone('IP-HUB-AFR', 'tomb-bin', 2, { withdrawal: { reason: 'wrong region', withdrawnAt } }),
      );
      await p.publisher.publishBinary(t.subject, t.event);
      expect(await decided(AFR, t.event.id)).toMatchObject({ outcome: 'APPLIED' });
      const record = await recordOf('IP-HUB-AFR-tomb-bin');
      expect(record).toMatchObject({ withdrawn: true, version: 2 });
      expect(record.snapshot).toMatchObject({
        title: v1.event.data.title,
        withdrawal: { reason: 'wrong region', withdrawnAt },
      });
    });

    it('ignores a stale tombstone, rejects one from another source, and one for a withdrawn record', async () => {
      const v1 = eventFor(snapshotOf('IP-HUB-AFR', 'rules', { version: 1 }));
      const v3 = eventFor(snapshotOf('IP-HUB-AFR', 'rules', { version: 3 }));
      await p.publisher.publishAll([v1, v3]);
      await decided(AFR, v3.event.id);

      const stale = tombstoneFor(tombstone('IP-HUB-AFR', 'rules', 3));
      const older = tombstoneFor(tombstone('IP-HUB-AFR', 'rules', 2));
      // The eur hub withdrawing afr's record, on its own subject.
      const foreign = tombstoneFor(tombstone('IP-HUB-AFR', 'rules', 4));
      foreign.subject = 'ctp.hub.eur.initiative.withdrawn.v1';
      foreign.event.source = '/ctp/hubs/eur';
      await p.publisher.publishAll([stale, older, foreign]);
      expect(await decided(AFR, stale.event.id)).toMatchObject({ outcome: 'IGNORED', reason: 'STALE_VERSION' });
      expect(await decided(AFR, older.event.id)).toMatchObject({ outcome: 'IGNORED', reason: 'STALE_VERSION' });
      expect(await decided('/ctp/hubs/eur', foreign.event.id)).toMatchObject({
        outcome: 'REJECTED',
        reason: 'OWNERSHIP_VIOLATION',
      });
      expect(await recordOf('IP-HUB-AFR-rules')).toMatchObject({ withdrawn: false, version: 3 });

      const withdraws = tombstoneFor(tombstone('IP-HUB-AFR', 'rules', 4));
      const again = tombstoneFor(tombstone('IP-HUB-AFR', 'rules', 5));
      await p.publisher.publishAll([withdraws, again]);
      expect(await decided(AFR, withdraws.event.id)).toMatchObject({ outcome: 'APPLIED' });
      expect(await decided(AFR, again.event.id)).toMatchObject({ outcome: 'REJECTED', reason: 'WITHDRAWN' });
    });

    it('rejects a tombstone missing its reason, naming the field (SCHEMA)', async () => {
      const v1 = eventFor(snapshotOf('IP-HUB-AFR', 'no-reason'));
      await p.publisher.publishAll([v1]);
      await decided(AFR, v1.event.id);
      const t = tombstoneFor(tombstone('IP-HUB-AFR', 'no-reason', 2));
      (t.event.data as { withdrawal: object }).withdrawal = {};
      await p.publisher.publishAll([t]);
      const fate = await decided(AFR, t.event.id);
      expect(fate).toMatchObject({ outcome: 'REJECTED', reason: 'SCHEMA' });
      expect(fate.detail).toMatch(/withdrawal\.reason/);
      expect(await recordOf('IP-HUB-AFR-no-reason')).toMatchObject({ withdrawn: false, version: 1 });
    });

    it('keeps a stub for a record it never held, so a late older snapshot stays stale', async () => {
      const t = tombstoneFor(tombstone('IP-HUB-AFR', 'never-seen', 2));
      await p.publisher.publishAll([t]);
      expect(await decided(AFR, t.event.id)).toMatchObject({ outcome: 'APPLIED' });
      const late = eventFor(snapshotOf('IP-HUB-AFR', 'never-seen', { version: 1 }));
      await p.publisher.publishAll([late]);
      expect(await decided(AFR, late.event.id)).toMatchObject({ outcome: 'IGNORED', reason: 'STALE_VERSION' });

      const stub = await recordOf('IP-HUB-AFR-never-seen');
      expect(stub).toMatchObject({ withdrawn: true, version: 2, region: 'AFR' });
      expect(stub.snapshot).toEqual({
        ...t.event.data,
        withdrawal: { reason: t.event.data.withdrawal.reason, withdrawnAt: t.event.data.lastUpdatedAt },
      });
      // No visibility: restricted, so a reader of shareable records does not see it at all.
      const shareable = await fetch(`${p.process.baseUrl}/initiatives/IP-HUB-AFR-never-seen`, {
        headers: await bearer('IP-GS-CTP', 'registry:read'),
      });
      expect(shareable.status).toBe(404);
      // Detection takes the stub in its stride (withdrawn: nothing to compare) and drains its queue.
      await waitFor('the detection queue drained', async () =>
        (await get<{ queued: number }>('/overlaps/detection')).body.queued === 0 ? true : undefined,
      );
      expect(p.process.logLines().filter((l) => String(l.msg).startsWith('detection run failed'))).toEqual([]);
    });
  });
});
