import { InitiativeEventType, InitiativeSnapshot } from '@ctp/contracts';
import type { Transaction, UnitOfWork } from '@ctp/persistence';
import { HubConfig } from '../../config/hub.config';
import { ChangeActor } from '../domain/hub-initiative';
import {
  ContradictsIfMatch,
  ContradictsRecord,
  IdempotencyKeyReused,
  InitiativeAlreadyExists,
  InitiativeNotFound,
  InitiativeRuleViolation,
  InitiativeWithdrawn,
  InvalidTransition,
  MalformedInitiative,
  NotOwnInitiative,
  VersionMismatch,
} from '../domain/initiative-errors';
import { IdempotentResponse, InitiativeRepository, StoredInitiative } from '../persistence/initiative.repository';
import { InitiativeChanges } from './initiative-changes';
import { ReplaceInitiative } from './replace-initiative';
import { ReportInitiative } from './report-initiative';
import { UpsertInitiative } from './upsert-initiative';
import { WithdrawInitiative } from './withdraw-initiative';

const config = { region: 'eur', orgRef: 'IP-HUB-EUR', source: '/ctp/hubs/eur' } as HubConfig;
const actor: ChangeActor = { sub: 'regional-eur', org: 'IP-HUB-EUR' };
const t0 = new Date('2026-01-10T12:00:00.000Z');
const t1 = new Date('2026-01-11T12:00:00.000Z');

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'TRN',
    title: { lang: 'fr', text: 'Formation régionale sur les combattants terroristes étrangers' },
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
    capabilities: ['CAPACITY_BUILDING'],
    status: 'PIPELINE',
    dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
    scope: 'REGIONAL',
    recipientCountries: ['FR', 'BE'],
    participatingOrgs: [{ ref: 'PT-EUROPOL', name: 'Europol', role: 'IMPLEMENTING' }],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

/** The initiatives table and the idempotency keys, in memory; writes are staged per transaction (rolled back on throw). */
class FakeRepository {
  rows = new Map<string, StoredInitiative>();
  keys = new Map<string, IdempotentResponse | 'claimed'>();
  /** findById answers these instead of the table, once each (another writer got in between the read and the lock). */
  staleReads: (StoredInitiative | undefined)[] = [];

  async findById(id: string): Promise<StoredInitiative | undefined> {
    if (this.staleReads.length > 0) return this.staleReads.shift();
    return this.rows.get(id);
  }

  async lock(_tx: Transaction, id: string): Promise<StoredInitiative | undefined> {
    return this.rows.get(id);
  }

  async insert(_tx: Transaction, snapshot: InitiativeSnapshot): Promise<boolean> {
    if (this.rows.has(snapshot.initiativeId)) return false;
    this.rows.set(snapshot.initiativeId, { snapshot, withdrawn: false });
    return true;
  }

  async update(_tx: Transaction, snapshot: InitiativeSnapshot, withdrawn: boolean): Promise<void> {
    this.rows.set(snapshot.initiativeId, { snapshot, withdrawn });
  }

  async claimIdempotencyKey(_tx: Transaction, key: string): Promise<IdempotentResponse | undefined> {
    const earlier = this.keys.get(key);
    if (earlier && earlier !== 'claimed') return earlier;
    this.keys.set(key, 'claimed');
    return undefined;
  }

  async saveIdempotentResponse(_tx: Transaction, key: string, stored: IdempotentResponse): Promise<void> {
    this.keys.set(key, stored);
  }
}

/** Runs the work; on a throw, puts the repository back as it was (a rollback). Counts transactions. */
class FakeUnitOfWork {
  transactions = 0;
  constructor(private readonly repo: FakeRepository) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    this.transactions++;
    const rows = new Map(this.repo.rows);
    const keys = new Map(this.repo.keys);
    const afterCommit: (() => void)[] = [];
    const tx = { manager: {}, afterCommit: (f: () => void) => afterCommit.push(f) } as unknown as Transaction;
    try {
      const result = await work(tx);
      for (const f of afterCommit) f();
      return result;
    } catch (err) {
      this.repo.rows = rows;
      this.repo.keys = keys;
      throw err;
    }
  }
}

/** The changes recorder: what each accepted change recorded (its event), the real ownership rule. */
class FakeChanges {
  readonly recorded: { type: InitiativeEventType; snapshot: InitiativeSnapshot; actor: ChangeActor; alone: boolean }[] =
    [];
  constructor(private readonly repo: FakeRepository) {}

  get ownPrefix(): string {
    return `${config.orgRef}-`;
  }

  assertOwn(initiativeId: string): void {
    InitiativeChanges.prototype.assertOwn.call(this, initiativeId);
  }

  async reportAlone(snapshot: InitiativeSnapshot, by: ChangeActor): Promise<boolean> {
    if (!(await this.repo.insert({} as Transaction, snapshot))) return false;
    this.recorded.push({ type: InitiativeEventType.Reported, snapshot, actor: by, alone: true });
    return true;
  }

  async record(tx: Transaction, type: InitiativeEventType, snapshot: InitiativeSnapshot, by: ChangeActor) {
    if (type !== InitiativeEventType.Reported)
      await this.repo.update(tx, snapshot, type === InitiativeEventType.Withdrawn);
    this.recorded.push({ type, snapshot, actor: by, alone: false });
  }
}

function hub() {
  const repo = new FakeRepository();
  const uow = new FakeUnitOfWork(repo);
  const changes = new FakeChanges(repo);
  const asRepo = repo as unknown as InitiativeRepository;
  const asUow = uow as unknown as UnitOfWork;
  const asChanges = changes as unknown as InitiativeChanges;
  const report = new ReportInitiative(config, asUow, asRepo, asChanges);
  const replace = new ReplaceInitiative(asUow, asRepo, asChanges);
  const withdraw = new WithdrawInitiative(asUow, asRepo, asChanges);
  const upsert = new UpsertInitiative(config, asRepo, report, replace);
  return { repo, uow, changes, report, replace, withdraw, upsert };
}

/** A hub holding IP-HUB-EUR-trn-1 at version 1. */
async function hubWithOne() {
  const h = hub();
  await h.report.execute({ actor, body: body({ localId: 'trn-1' }), now: t0 });
  h.changes.recorded.length = 0;
  return h;
}

const ID = 'IP-HUB-EUR-trn-1';
/** Under way since before t1 (IMPLEMENTATION needs an actual start). */
const implementing = {
  status: 'IMPLEMENTATION',
  dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05', actualStart: '2026-01-05' },
};

describe('ReportInitiative', () => {
  it('creates version 1 with its reported event in one statement (no transaction) without an Idempotency-Key', async () => {
    const h = hub();
    const result = await h.report.execute({ actor, body: body({ localId: 'trn-1' }), now: t0 });
    expect(result.replayed).toBe(false);
    expect(result.snapshot).toMatchObject({ initiativeId: ID, version: 1, lastUpdatedAt: t0.toISOString() });
    expect(h.repo.rows.get(ID)?.snapshot).toEqual(result.snapshot);
    expect(h.changes.recorded).toEqual([
      { type: InitiativeEventType.Reported, snapshot: result.snapshot, actor, alone: true },
    ]);
    expect(h.uow.transactions).toBe(0);
  });

  it('gives a new initiative a generated local id when none is sent', async () => {
    const h = hub();
    const { snapshot } = await h.report.execute({ actor, body: body(), now: t0 });
    expect(snapshot.initiativeId).toMatch(/^IP-HUB-EUR-[0-9a-f-]{36}$/);
  });

  it('refuses an id that exists (InitiativeAlreadyExists), recording nothing', async () => {
    const h = await hubWithOne();
    await expect(
      h.report.execute({ actor, body: body({ localId: 'trn-1', status: 'CANCELLED' }), now: t1 }),
    ).rejects.toBeInstanceOf(InitiativeAlreadyExists);
    expect(h.changes.recorded).toEqual([]);
    expect(h.repo.rows.get(ID)?.snapshot.version).toBe(1);
  });

  it.each([
    ['a malformed body', body({ kind: 'NOPE' }), MalformedInitiative],
    ['a malformed local id', body({ localId: 'a b' }), MalformedInitiative],
    [
      'a broken rule',
      body({ dates: { plannedStart: '2027-03-05', plannedEnd: '2027-03-01' } }),
      InitiativeRuleViolation,
    ],
  ])('refuses %s before touching the database', async (_, b, error) => {
    const h = hub();
    await expect(h.report.execute({ actor, body: b, now: t0 })).rejects.toBeInstanceOf(error);
    expect(h.repo.rows.size).toBe(0);
    expect(h.changes.recorded).toEqual([]);
  });

  describe('with an Idempotency-Key', () => {
    it('creates in one transaction with the key, the record and the event, and stores the answer', async () => {
      const h = hub();
      const result = await h.report.execute({ actor, body: body({ localId: 'trn-1' }), idempotencyKey: 'k1', now: t0 });
      expect(result.replayed).toBe(false);
      expect(h.uow.transactions).toBe(1);
      expect(h.changes.recorded).toEqual([
        { type: InitiativeEventType.Reported, snapshot: result.snapshot, actor, alone: false },
      ]);
      expect(h.repo.keys.get('k1')).toMatchObject({ statusCode: 201, response: result.snapshot });
    });

    it('answers a retry of the same request with the first answer, creating nothing more', async () => {
      const h = hub();
      const first = await h.report.execute({ actor, body: body(), idempotencyKey: 'k1', now: t0 });
      const again = await h.report.execute({ actor, body: body(), idempotencyKey: 'k1', now: t1 });
      expect(again).toEqual({ snapshot: first.snapshot, replayed: true });
      expect(h.repo.rows.size).toBe(1);
      expect(h.changes.recorded).toHaveLength(1);
    });

    it('treats the same request with its fields in another order as the same request', async () => {
      const h = hub();
      const first = await h.report.execute({ actor, body: body({ localId: 'trn-1' }), idempotencyKey: 'k1', now: t0 });
      const reordered = Object.fromEntries(Object.entries(body({ localId: 'trn-1' })).reverse());
      const again = await h.report.execute({ actor, body: reordered, idempotencyKey: 'k1', now: t1 });
      expect(again).toEqual({ snapshot: first.snapshot, replayed: true });
    });

    it('refuses the key reused for a different request (IdempotencyKeyReused)', async () => {
      const h = hub();
      await h.report.execute({ actor, body: body(), idempotencyKey: 'k1', now: t0 });
      await expect(
        h.report.execute({ actor, body: body({ recipientCountries: ['DE'] }), idempotencyKey: 'k1', now: t1 }),
      ).rejects.toBeInstanceOf(IdempotencyKeyReused);
      expect(h.changes.recorded).toHaveLength(1);
    });

    it('keeps neither the key nor the record when the id exists (the transaction rolls back)', async () => {
      const h = await hubWithOne();
      await expect(
        h.report.execute({ actor, body: body({ localId: 'trn-1' }), idempotencyKey: 'k2', now: t1 }),
      ).rejects.toBeInstanceOf(InitiativeAlreadyExists);
      expect(h.repo.keys.has('k2')).toBe(false);
      expect(h.changes.recorded).toEqual([]);
    });
  });
});

describe('ReplaceInitiative', () => {
  it('stores the next version and records its updated event', async () => {
    const h = await hubWithOne();
    const result = await h.replace.execute({
      actor,
      initiativeId: ID,
      body: body({ ...implementing }),
      expectedVersion: 1,
      now: t1,
    });
    expect(result.changed).toBe(true);
    expect(result.snapshot).toMatchObject({ version: 2, status: 'IMPLEMENTATION', lastUpdatedAt: t1.toISOString() });
    expect(h.repo.rows.get(ID)?.snapshot).toEqual(result.snapshot);
    expect(h.changes.recorded).toEqual([
      { type: InitiativeEventType.Updated, snapshot: result.snapshot, actor, alone: false },
    ]);
  });

  it('is a no-op for the content already stored: same snapshot, no version, no event', async () => {
    const h = await hubWithOne();
    const stored = h.repo.rows.get(ID)!.snapshot;
    const result = await h.replace.execute({ actor, initiativeId: ID, body: body(), expectedVersion: 1, now: t1 });
    expect(result).toEqual({ snapshot: stored, changed: false });
    expect(h.changes.recorded).toEqual([]);
  });

  it('refuses a change made on another version than the current one (VersionMismatch, both versions said)', async () => {
    const h = await hubWithOne();
    await h.replace.execute({
      actor,
      initiativeId: ID,
      body: body({ scope: 'NATIONAL', recipientCountries: ['FR'] }),
      expectedVersion: 1,
      now: t1,
    });
    const err = await h.replace
      .execute({ actor, initiativeId: ID, body: body({ status: 'CANCELLED' }), expectedVersion: 1, now: t1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionMismatch);
    expect(err).toMatchObject({ initiativeId: ID, expected: 1, current: 2 });
    expect(h.changes.recorded).toHaveLength(1);
  });

  it('refuses a transition the lifecycle does not allow (InvalidTransition)', async () => {
    const h = await hubWithOne();
    await expect(
      h.replace.execute({ actor, initiativeId: ID, body: body({ status: 'CLOSED' }), expectedVersion: 1, now: t1 }),
    ).rejects.toBeInstanceOf(InvalidTransition);
    expect(h.changes.recorded).toEqual([]);
    expect(h.repo.rows.get(ID)?.snapshot.version).toBe(1);
  });

  it('refuses to change a withdrawn initiative (InitiativeWithdrawn)', async () => {
    const h = await hubWithOne();
    await h.withdraw.execute({ actor, initiativeId: ID, reason: 'reported in error', now: t1 });
    await expect(
      h.replace.execute({ actor, initiativeId: ID, body: body({ status: 'CANCELLED' }), expectedVersion: 2, now: t1 }),
    ).rejects.toBeInstanceOf(InitiativeWithdrawn);
  });

  it('says an unknown id is not found', async () => {
    const h = hub();
    await expect(
      h.replace.execute({ actor, initiativeId: 'IP-HUB-EUR-nope', body: body(), expectedVersion: 1, now: t1 }),
    ).rejects.toBeInstanceOf(InitiativeNotFound);
  });

  it.each(['IP-HUB-AFR-trn-1', 'PT-EUROPOL-trn-1', 'IP-HUB-EURtrn-1'])(
    'refuses an id that is not under the hub’s own prefix (%s) before reading anything',
    async (id) => {
      const h = hub();
      const err = await h.replace
        .execute({ actor, initiativeId: id, body: body(), expectedVersion: 1, now: t1 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotOwnInitiative);
      expect((err as NotOwnInitiative).message).toContain('IP-HUB-EUR-');
      expect(h.uow.transactions).toBe(0);
    },
  );

  it('refuses a malformed body before reading anything', async () => {
    const h = await hubWithOne();
    const before = h.uow.transactions;
    await expect(
      h.replace.execute({ actor, initiativeId: ID, body: body({ localId: 'trn-1' }), expectedVersion: 1, now: t1 }),
    ).rejects.toBeInstanceOf(MalformedInitiative);
    expect(h.uow.transactions).toBe(before);
  });
});

describe('WithdrawInitiative', () => {
  it('stores the withdrawn version with the trimmed reason and records its withdrawn event', async () => {
    const h = await hubWithOne();
    const w = await h.withdraw.execute({ actor, initiativeId: ID, reason: '  reported in error ', now: t1 });
    expect(w).toMatchObject({ version: 2, withdrawal: { reason: 'reported in error', withdrawnAt: t1.toISOString() } });
    expect(h.repo.rows.get(ID)).toEqual({ snapshot: w, withdrawn: true });
    expect(h.changes.recorded).toEqual([{ type: InitiativeEventType.Withdrawn, snapshot: w, actor, alone: false }]);
  });

  it('checks the expected version when one is given', async () => {
    const h = await hubWithOne();
    await expect(
      h.withdraw.execute({ actor, initiativeId: ID, reason: 'error', expectedVersion: 3, now: t1 }),
    ).rejects.toBeInstanceOf(VersionMismatch);
    await expect(
      h.withdraw.execute({ actor, initiativeId: ID, reason: 'error', expectedVersion: 1, now: t1 }),
    ).resolves.toMatchObject({ version: 2 });
  });

  it('refuses to withdraw twice (InitiativeWithdrawn)', async () => {
    const h = await hubWithOne();
    await h.withdraw.execute({ actor, initiativeId: ID, reason: 'error', now: t1 });
    await expect(h.withdraw.execute({ actor, initiativeId: ID, reason: 'error', now: t1 })).rejects.toBeInstanceOf(
      InitiativeWithdrawn,
    );
    expect(h.changes.recorded).toHaveLength(1);
  });

  it.each([
    ['missing', undefined],
    ['blank', '   '],
    ['too long', 'x'.repeat(1001)],
    ['not a string', 42],
  ])('refuses a reason %s (malformed)', async (_, reason) => {
    const h = await hubWithOne();
    await expect(h.withdraw.execute({ actor, initiativeId: ID, reason, now: t1 })).rejects.toBeInstanceOf(
      MalformedInitiative,
    );
    expect(h.changes.recorded).toEqual([]);
  });

  it('refuses another organisation’s id (NotOwnInitiative) and says an unknown one is not found', async () => {
    const h = hub();
    await expect(
      h.withdraw.execute({ actor, initiativeId: 'IP-HUB-ASI-x', reason: 'error', now: t1 }),
    ).rejects.toBeInstanceOf(NotOwnInitiative);
    await expect(
      h.withdraw.execute({ actor, initiativeId: 'IP-HUB-EUR-x', reason: 'error', now: t1 }),
    ).rejects.toBeInstanceOf(InitiativeNotFound);
  });
});

describe('ReplaceInitiative with a representation (PUT: what you GET you can PUT back)', () => {
  const edited = (snapshot: InitiativeSnapshot, over: Record<string, unknown> = {}) => ({
    ...snapshot,
    title: { lang: 'fr', text: 'Formation régionale (deuxième session)' },
    ...over,
  });

  it('replaces the content of the GET representation sent back edited, its server-managed fields ignored', async () => {
    const h = await hubWithOne();
    const stored = h.repo.rows.get(ID)!.snapshot;
    const result = await h.replace.execute({
      actor,
      initiativeId: ID,
      body: edited(stored, { localId: 'trn-1', lastUpdatedAt: '2020-01-01T00:00:00Z' }),
      representation: true,
      expectedVersion: 1,
      now: t1,
    });
    expect(result.snapshot).toMatchObject({
      initiativeId: ID,
      reportingOrg: stored.reportingOrg,
      version: 2,
      lastUpdatedAt: t1.toISOString(),
      title: { lang: 'fr', text: 'Formation régionale (deuxième session)' },
    });
    expect(h.changes.recorded.map((r) => r.type)).toEqual([InitiativeEventType.Updated]);
  });

  it.each<[string, Record<string, unknown>, number, unknown, string]>([
    ['another id', { initiativeId: 'IP-HUB-EUR-trn-2' }, 1, ContradictsRecord, 'initiativeId'],
    ['another localId', { localId: 'trn-2' }, 1, ContradictsRecord, 'localId'],
    [
      'a withdrawal',
      { withdrawal: { reason: 'x', withdrawnAt: t1.toISOString() } },
      1,
      ContradictsRecord,
      'withdrawal',
    ],
    ['a version other than If-Match', { version: 1 }, 2, ContradictsIfMatch, 'version'],
  ])('refuses %s, writing nothing', async (_name, over, expectedVersion, errorClass, field) => {
    const h = await hubWithOne();
    if (expectedVersion === 2) {
      await h.replace.execute({
        actor,
        initiativeId: ID,
        body: body({ description: 'v2' }),
        expectedVersion: 1,
        now: t1,
      });
    }
    const recorded = h.changes.recorded.length;
    const stored = h.repo.rows.get(ID)!.snapshot;
    const err = await h.replace
      .execute({ actor, initiativeId: ID, body: edited(stored, over), representation: true, expectedVersion, now: t1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errorClass);
    expect((err as ContradictsRecord).details).toEqual([expect.objectContaining({ field })]);
    expect(h.changes.recorded).toHaveLength(recorded);
    expect(h.repo.rows.get(ID)!.snapshot).toEqual(stored);
  });

  it('keeps If-Match the judge of staleness: the representation of version 1 with If-Match 1 on version 2 is 412', async () => {
    const h = await hubWithOne();
    const v1 = h.repo.rows.get(ID)!.snapshot;
    await h.replace.execute({
      actor,
      initiativeId: ID,
      body: body({ description: 'v2' }),
      expectedVersion: 1,
      now: t1,
    });
    await expect(
      h.replace.execute({
        actor,
        initiativeId: ID,
        body: edited(v1),
        representation: true,
        expectedVersion: 1,
        now: t1,
      }),
    ).rejects.toBeInstanceOf(VersionMismatch);
  });

  it('says a withdrawn record is withdrawn, whatever its representation carries', async () => {
    const h = await hubWithOne();
    const gone = await h.withdraw.execute({ actor, initiativeId: ID, reason: 'reported in error', now: t1 });
    await expect(
      h.replace.execute({ actor, initiativeId: ID, body: gone, representation: true, expectedVersion: 2, now: t1 }),
    ).rejects.toBeInstanceOf(InitiativeWithdrawn);
  });

  it('takes server-managed fields only as a representation: the content alone (NATS upsert) still refuses them', async () => {
    const h = await hubWithOne();
    const stored = h.repo.rows.get(ID)!.snapshot;
    await expect(
      h.replace.execute({ actor, initiativeId: ID, body: stored, expectedVersion: 1, now: t1 }),
    ).rejects.toBeInstanceOf(MalformedInitiative);
    await expect(h.upsert.execute({ actor, body: { ...stored, localId: 'trn-1' }, now: t1 })).rejects.toBeInstanceOf(
      MalformedInitiative,
    );
  });
});

describe('UpsertInitiative', () => {
  it('creates an initiative it does not have', async () => {
    const h = hub();
    const result = await h.upsert.execute({ actor, body: body({ localId: 'trn-1' }), now: t0 });
    expect(result).toMatchObject({ created: true, changed: true, snapshot: { initiativeId: ID, version: 1 } });
    expect(h.changes.recorded.map((r) => r.type)).toEqual([InitiativeEventType.Reported]);
  });

  it('replaces the content of one it has, at its current version when none is expected', async () => {
    const h = await hubWithOne();
    const result = await h.upsert.execute({
      actor,
      body: body({ localId: 'trn-1', ...implementing }),
      now: t1,
    });
    expect(result).toMatchObject({ created: false, changed: true, snapshot: { version: 2, status: 'IMPLEMENTATION' } });
    expect(h.changes.recorded.map((r) => r.type)).toEqual([InitiativeEventType.Updated]);
  });

  it('is a no-op when the content is what it has', async () => {
    const h = await hubWithOne();
    const result = await h.upsert.execute({ actor, body: body({ localId: 'trn-1' }), now: t1 });
    expect(result).toMatchObject({ created: false, changed: false, snapshot: { version: 1 } });
    expect(h.changes.recorded).toEqual([]);
  });

  it('replaces only at the expected version when one is given, without retrying', async () => {
    const h = await hubWithOne();
    await expect(
      h.upsert.execute({ actor, body: body({ localId: 'trn-1', status: 'CANCELLED', expectedVersion: 2 }), now: t1 }),
    ).rejects.toBeInstanceOf(VersionMismatch);
    const ok = await h.upsert.execute({
      actor,
      body: body({ localId: 'trn-1', status: 'CANCELLED', expectedVersion: 1 }),
      now: t1,
    });
    expect(ok).toMatchObject({ created: false, changed: true, snapshot: { version: 2, status: 'CANCELLED' } });
  });

  it('reads again when another writer got in between its read and its lock (no expected version)', async () => {
    const h = await hubWithOne();
    await h.replace.execute({
      actor,
      initiativeId: ID,
      body: body({ scope: 'NATIONAL', recipientCountries: ['FR'] }),
      expectedVersion: 1,
      now: t1,
    });
    const v1 = { snapshot: { ...h.repo.rows.get(ID)!.snapshot, version: 1 }, withdrawn: false };
    h.repo.staleReads = [v1, v1];
    const result = await h.upsert.execute({ actor, body: body({ localId: 'trn-1', status: 'CANCELLED' }), now: t1 });
    expect(result).toMatchObject({ created: false, changed: true, snapshot: { version: 3, status: 'CANCELLED' } });
  });

  it('gives up after a few reads that keep being overtaken (VersionMismatch)', async () => {
    const h = await hubWithOne();
    await h.replace.execute({
      actor,
      initiativeId: ID,
      body: body({ scope: 'NATIONAL', recipientCountries: ['FR'] }),
      expectedVersion: 1,
      now: t1,
    });
    const v1 = { snapshot: { ...h.repo.rows.get(ID)!.snapshot, version: 1 }, withdrawn: false };
    h.repo.staleReads = [v1, v1, v1, v1, v1];
    await expect(
      h.upsert.execute({ actor, body: body({ localId: 'trn-1', status: 'CANCELLED' }), now: t1 }),
    ).rejects.toBeInstanceOf(VersionMismatch);
  });

  it('goes round as an update when the initiative was created between its read and its insert', async () => {
    const h = await hubWithOne();
    h.repo.staleReads = [undefined];
    const result = await h.upsert.execute({
      actor,
      body: body({ localId: 'trn-1', ...implementing }),
      now: t1,
    });
    expect(result).toMatchObject({ created: false, changed: true, snapshot: { version: 2 } });
  });

  it('refuses to change a withdrawn initiative (InitiativeWithdrawn), and an invalid transition', async () => {
    const h = await hubWithOne();
    await expect(
      h.upsert.execute({ actor, body: body({ localId: 'trn-1', status: 'CLOSED' }), now: t1 }),
    ).rejects.toBeInstanceOf(InvalidTransition);
    await h.withdraw.execute({ actor, initiativeId: ID, reason: 'error', now: t1 });
    await expect(
      h.upsert.execute({ actor, body: body({ localId: 'trn-1', status: 'CANCELLED' }), now: t1 }),
    ).rejects.toBeInstanceOf(InitiativeWithdrawn);
  });

  it.each([
    ['without a local id', body(), 'localId'],
    ['with a malformed local id', body({ localId: 'a b' }), 'localId'],
    ['with an expected version of 0', body({ localId: 'x', expectedVersion: 0 }), 'expectedVersion'],
    ['with a fractional expected version', body({ localId: 'x', expectedVersion: 1.5 }), 'expectedVersion'],
    ['with an expected version as text', body({ localId: 'x', expectedVersion: '1' }), 'expectedVersion'],
  ])('refuses a request %s (malformed, naming the field)', async (_, b, field) => {
    const h = hub();
    const err = await h.upsert.execute({ actor, body: b, now: t0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedInitiative);
    expect((err as MalformedInitiative).details.map((d) => d.field)).toEqual([field]);
  });

  it('refuses a missing body as a request without a local id', async () => {
    const h = hub();
    await expect(h.upsert.execute({ actor, body: undefined, now: t0 })).rejects.toBeInstanceOf(MalformedInitiative);
  });

  it('creates under the hub’s own prefix only: the local id is the only id part a caller chooses', async () => {
    const h = hub();
    const { snapshot } = await h.upsert.execute({ actor, body: body({ localId: 'IP-HUB-AFR-1' }), now: t0 });
    expect(snapshot.initiativeId).toBe('IP-HUB-EUR-IP-HUB-AFR-1');
  });
});
