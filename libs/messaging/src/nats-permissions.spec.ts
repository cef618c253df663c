import { HUB_REGIONS, HubRegion } from '@ctp/contracts';
import {
  DENIED_TO_EVERYONE,
  inboxPrefixOf,
  isNatsIdentity,
  NATS_IDENTITIES,
  NatsIdentity,
  NatsPermissions,
  natsPermissions,
  renderAuthorization,
} from './nats-permissions';

/** NATS subject matching: `*` is exactly one token, `>` one or more trailing tokens. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** What nats-server decides for a concrete subject: some allow pattern matches and no deny pattern does. */
function permits(list: { allow: string[]; deny: string[] }, subject: string): boolean {
  return list.allow.some((a) => matches(a, subject)) && !list.deny.some((d) => matches(d, subject));
}

const canPublish = (identity: NatsIdentity, subject: string) => permits(natsPermissions(identity).publish, subject);
const canSubscribe = (identity: NatsIdentity, subject: string) => permits(natsPermissions(identity).subscribe, subject);

const ALL_BUT_ADMIN = NATS_IDENTITIES.filter((i) => i !== 'admin');
const STREAMS = ['CTP_EVENTS', 'CTP_DEAD_LETTERS', 'CTP_INTAKE', 'SCRATCH'];
const DURABLES = [
  'platform-hubs',
  'platform-partners',
  'liaison-hubs',
  'liaison-overlaps',
  ...HUB_REGIONS.map((r) => `hub-${r}-intake`),
  'hub-eur-intake2',
];

/** Concrete JetStream API subjects that create, change, delete or purge streams and consumers (2.9 and 2.10 forms). */
const MANAGEMENT_SUBJECTS = STREAMS.flatMap((s) => [
  `$JS.API.STREAM.CREATE.${s}`,
  `$JS.API.STREAM.UPDATE.${s}`,
  `$JS.API.STREAM.DELETE.${s}`,
  `$JS.API.STREAM.PURGE.${s}`,
  `$JS.API.STREAM.MSG.DELETE.${s}`,
  `$JS.API.STREAM.SNAPSHOT.${s}`,
  `$JS.API.STREAM.PEER.REMOVE.${s}`,
  `$JS.API.STREAM.LEADER.STEPDOWN.${s}`,
  `$JS.API.CONSUMER.CREATE.${s}`,
  ...DURABLES.flatMap((d) => [
    `$JS.API.CONSUMER.CREATE.${s}.${d}`,
    `$JS.API.CONSUMER.CREATE.${s}.${d}.ctp.hub.eur.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${s}.${d}`,
    `$JS.API.CONSUMER.DELETE.${s}.${d}`,
    `$JS.API.CONSUMER.LEADER.STEPDOWN.${s}.${d}`,
  ]),
]);

/** Reading the dead letters other than through a consumer of one's own (which nobody has on that stream). */
const DEAD_LETTER_READS = [
  '$JS.API.STREAM.MSG.GET.CTP_DEAD_LETTERS',
  '$JS.API.DIRECT.GET.CTP_DEAD_LETTERS',
  '$JS.API.DIRECT.GET.CTP_DEAD_LETTERS.ctpdlq.platform-hubs.x',
  '$JS.API.CONSUMER.CREATE.CTP_DEAD_LETTERS',
  '$JS.API.CONSUMER.DURABLE.CREATE.CTP_DEAD_LETTERS.reader',
  '$JS.API.CONSUMER.MSG.NEXT.CTP_DEAD_LETTERS.reader',
];

/** Concrete subjects under DENIED_TO_EVERYONE: refused to admin too. */
const DENIED_SUBJECTS = [
  '$JS.API.ACCOUNT.PURGE.$G',
  '$JS.API.ACCOUNT.PURGE.CTP',
  '$JS.API.ACCOUNT.STREAM.MOVE.CTP_EVENTS.x',
  '$JS.API.SERVER.REMOVE',
  '$JS.API.META.LEADER.STEPDOWN',
  '$JS.API.STREAM.RESTORE.CTP_EVENTS',
  '$JS.API.STREAM.RESTORE.X',
];

/** The lists as written out, not through the helpers that build them, so a change anywhere shows here. */
function expectedHub(r: HubRegion): NatsPermissions {
  return {
    publish: {
      allow: [
        `ctp.hub.${r}.>`,
        `ctpdlq.hub-${r}-intake.>`,
        '$JS.API.STREAM.INFO.CTP_EVENTS',
        '$JS.API.STREAM.INFO.CTP_DEAD_LETTERS',
        '$JS.API.STREAM.INFO.CTP_INTAKE',
        `$JS.API.CONSUMER.INFO.CTP_INTAKE.hub-${r}-intake`,
        `$JS.API.CONSUMER.MSG.NEXT.CTP_INTAKE.hub-${r}-intake`,
        `$JS.ACK.CTP_INTAKE.hub-${r}-intake.>`,
        `$JS.API.CONSUMER.CREATE.CTP_EVENTS.hub-${r}-recovery.ctp.hub.${r}.initiative.>`,
        `$JS.API.CONSUMER.INFO.CTP_EVENTS.hub-${r}-recovery`,
        `$JS.API.CONSUMER.MSG.NEXT.CTP_EVENTS.hub-${r}-recovery`,
        `$JS.API.CONSUMER.DELETE.CTP_EVENTS.hub-${r}-recovery`,
        `_INBOX.regional-${r}.>`,
        '_INBOX.platform.>',
        '_INBOX.admin.>',
      ],
      deny: DENIED_TO_EVERYONE,
    },
    subscribe: {
      allow: [
        `_INBOX.hub-${r}.>`,
        `ctp-intake.hub.${r}.initiatives.upsert`,
        `ctp-intake.hub.${r}.initiatives.withdraw`,
        `ctp-sync.hub.${r}.buckets`,
        `ctp-sync.hub.${r}.list`,
        `ctp-sync.hub.${r}.resend`,
      ],
      deny: [],
    },
  };
}

const EXPECTED: Record<NatsIdentity, NatsPermissions> = {
  'hub-afr': expectedHub('afr'),
  'hub-mde': expectedHub('mde'),
  'hub-asi': expectedHub('asi'),
  'hub-eur': expectedHub('eur'),
  platform: {
    publish: {
      allow: [
        'ctp.platform.>',
        'ctp-sync.*.*.buckets',
        'ctp-sync.*.*.list',
        'ctp-sync.*.*.resend',
        'ctpdlq.platform-hubs.>',
        'ctpdlq.platform-partners.>',
        '$JS.API.STREAM.INFO.CTP_EVENTS',
        '$JS.API.STREAM.INFO.CTP_DEAD_LETTERS',
        '$JS.API.CONSUMER.INFO.CTP_EVENTS.platform-hubs',
        '$JS.API.CONSUMER.MSG.NEXT.CTP_EVENTS.platform-hubs',
        '$JS.ACK.CTP_EVENTS.platform-hubs.>',
        '$JS.API.CONSUMER.INFO.CTP_EVENTS.platform-partners',
        '$JS.API.CONSUMER.MSG.NEXT.CTP_EVENTS.platform-partners',
        '$JS.ACK.CTP_EVENTS.platform-partners.>',
        '$JS.API.STREAM.MSG.GET.CTP_EVENTS',
      ],
      deny: DENIED_TO_EVERYONE,
    },
    subscribe: { allow: ['_INBOX.platform.>'], deny: [] },
  },
  'partner-liaison': {
    publish: {
      allow: [
        'ctp.partner.>',
        'ctpdlq.liaison-hubs.>',
        'ctpdlq.liaison-overlaps.>',
        '$JS.API.STREAM.INFO.CTP_EVENTS',
        '$JS.API.STREAM.INFO.CTP_DEAD_LETTERS',
        '$JS.API.CONSUMER.INFO.CTP_EVENTS.liaison-hubs',
        '$JS.API.CONSUMER.MSG.NEXT.CTP_EVENTS.liaison-hubs',
        '$JS.ACK.CTP_EVENTS.liaison-hubs.>',
        '$JS.API.CONSUMER.INFO.CTP_EVENTS.liaison-overlaps',
        '$JS.API.CONSUMER.MSG.NEXT.CTP_EVENTS.liaison-overlaps',
        '$JS.ACK.CTP_EVENTS.liaison-overlaps.>',
        '_INBOX.platform.>',
        '_INBOX.admin.>',
      ],
      deny: DENIED_TO_EVERYONE,
    },
    subscribe: {
      allow: [
        '_INBOX.partner-liaison.>',
        'ctp-sync.partner.*.buckets',
        'ctp-sync.partner.*.list',
        'ctp-sync.partner.*.resend',
      ],
      deny: [],
    },
  },
  'regional-afr': regional('afr'),
  'regional-mde': regional('mde'),
  'regional-asi': regional('asi'),
  'regional-eur': regional('eur'),
  admin: {
    publish: { allow: ['>'], deny: DENIED_TO_EVERYONE },
    subscribe: { allow: ['>'], deny: [] },
  },
};

function regional(r: HubRegion): NatsPermissions {
  return {
    publish: { allow: [`ctp-intake.hub.${r}.>`], deny: DENIED_TO_EVERYONE },
    subscribe: { allow: [`_INBOX.regional-${r}.>`], deny: [] },
  };
}

describe('the matcher used below', () => {
  it.each([
    ['ctp.>', 'ctp.hub.eur.x', true],
    ['ctp.>', 'ctp', false],
    ['ctp.*', 'ctp.hub', true],
    ['ctp.*', 'ctp.hub.eur', false],
    ['ctp-sync.*.*.list', 'ctp-sync.hub.eur.list', true],
    ['ctp-sync.*.*.list', 'ctp-sync.hub.eur.buckets', false],
    ['$JS.API.STREAM.INFO.CTP_EVENTS', '$JS.API.STREAM.INFO.CTP_EVENTS', true],
    ['$JS.API.STREAM.INFO.CTP_EVENTS', '$JS.API.STREAM.INFO.CTP_EVENTS2', false],
    ['>', '$JS.API.STREAM.DELETE.X', true],
  ])('%s vs %s → %s', (pattern, subject, expected) => expect(matches(pattern, subject)).toBe(expected));
});

describe('NATS_IDENTITIES', () => {
  it('is one per hub service, platform, partner-liaison, one per regional system and admin', () => {
    expect([...NATS_IDENTITIES].sort()).toEqual(
      [
        ...HUB_REGIONS.map((r) => `hub-${r}`),
        'platform',
        'partner-liaison',
        ...HUB_REGIONS.map((r) => `regional-${r}`),
        'admin',
      ].sort(),
    );
  });

  it.each([...NATS_IDENTITIES])('isNatsIdentity(%s)', (i) => expect(isNatsIdentity(i)).toBe(true));

  it.each(['hub-xyz', 'regional-EUR', 'Admin', 'hub', 'anonymous', ''])('not an identity: %p', (name) =>
    expect(isNatsIdentity(name)).toBe(false),
  );
});

describe('natsPermissions: every list, literally', () => {
  it.each([...NATS_IDENTITIES])('%s', (identity) => {
    const p = natsPermissions(identity);
    expect({
      publish: { allow: [...p.publish.allow].sort(), deny: [...p.publish.deny].sort() },
      subscribe: { allow: [...p.subscribe.allow].sort(), deny: [...p.subscribe.deny].sort() },
    }).toEqual({
      publish: { allow: [...EXPECTED[identity].publish.allow].sort(), deny: [...DENIED_TO_EVERYONE].sort() },
      subscribe: { allow: [...EXPECTED[identity].subscribe.allow].sort(), deny: [] },
    });
  });
});

describe('DENIED_TO_EVERYONE', () => {
  it('names the account, server and meta APIs and stream restore', () => {
    expect([...DENIED_TO_EVERYONE].sort()).toEqual(
      ['$JS.API.ACCOUNT.>', '$JS.API.META.>', '$JS.API.SERVER.>', '$JS.API.STREAM.RESTORE.>'].sort(),
    );
  });

  it.each([...NATS_IDENTITIES])('%s denies all of it on publish', (identity) => {
    expect(natsPermissions(identity).publish.deny).toEqual(expect.arrayContaining(DENIED_TO_EVERYONE));
  });

  it.each(NATS_IDENTITIES.flatMap((i) => DENIED_SUBJECTS.map((s) => [i, s] as const)))(
    '%s may not publish %s',
    (identity, subject) => expect(canPublish(identity, subject)).toBe(false),
  );
});

describe('stream and consumer management: admin only', () => {
  it.each(ALL_BUT_ADMIN)('%s may not create, change, delete or purge any stream or consumer', (identity) => {
    const allowed = MANAGEMENT_SUBJECTS.filter((s) => canPublish(identity, s));
    expect(allowed).toEqual([]);
  });

  it.each(ALL_BUT_ADMIN)('no allow pattern of %s matches a management subject, deny list aside', (identity) => {
    const { allow } = natsPermissions(identity).publish;
    const hits = allow.flatMap((a) => MANAGEMENT_SUBJECTS.filter((s) => matches(a, s)).map((s) => `${a} ~ ${s}`));
    expect(hits).toEqual([]);
  });

  it.each(ALL_BUT_ADMIN)('%s: every $JS pattern names one stream (and one own consumer), no wildcard', (identity) => {
    const js = natsPermissions(identity).publish.allow.filter((a) => a.startsWith('$JS'));
    for (const a of js) {
      // The one exception: a hub creates and deletes its own recovery consumer, filtered on its own subjects (below).
      if (identity.startsWith('hub-') && a.includes(`.${identity}-recovery`)) {
        expect(a).toMatch(
          /^\$JS\.API\.CONSUMER\.(CREATE\.CTP_EVENTS\.hub-([a-z]+)-recovery\.ctp\.hub\.\2\.initiative\.>|(INFO|MSG\.NEXT|DELETE)\.CTP_EVENTS\.hub-[a-z]+-recovery)$/,
        );
        continue;
      }
      expect(a).toMatch(
        /^(\$JS\.API\.STREAM\.(INFO|MSG\.GET)\.[A-Z_]+|\$JS\.API\.CONSUMER\.(INFO|MSG\.NEXT)\.[A-Z_]+\.[a-z-]+|\$JS\.ACK\.[A-Z_]+\.[a-z-]+\.>)$/,
      );
    }
  });

  it.each(ALL_BUT_ADMIN)('%s has no catch-all publish or subscribe pattern', (identity) => {
    const p = natsPermissions(identity);
    for (const a of [...p.publish.allow, ...p.subscribe.allow]) {
      expect(['>', '*.>', '$JS.>', '$JS.API.>', '_INBOX.>', 'ctp.>', 'ctp-intake.>', 'ctp-sync.>']).not.toContain(a);
    }
  });

  it.each(ALL_BUT_ADMIN)('%s may not read the dead letters', (identity) => {
    expect(DEAD_LETTER_READS.filter((s) => canPublish(identity, s))).toEqual([]);
    expect(canSubscribe(identity, 'ctpdlq.platform-hubs.ctp.hub.eur.initiative.reported.v1')).toBe(false);
  });

  it('admin may (the deny list aside)', () => {
    expect(MANAGEMENT_SUBJECTS.filter((s) => !canPublish('admin', s))).toEqual([]);
    expect(DEAD_LETTER_READS.filter((s) => !canPublish('admin', s))).toEqual([]);
  });

  it.each([
    ['platform', 'platform-hubs', true],
    ['platform', 'platform-partners', true],
    ['platform', 'liaison-hubs', false],
    ['platform', 'hub-eur-intake', false],
    ['partner-liaison', 'liaison-hubs', true],
    ['partner-liaison', 'liaison-overlaps', true],
    ['partner-liaison', 'platform-hubs', false],
    ['hub-eur', 'platform-hubs', false],
    ['regional-eur', 'platform-hubs', false],
  ] as const)('%s pulls from CTP_EVENTS/%s: %s', (identity, durable, expected) => {
    expect(canPublish(identity, `$JS.API.CONSUMER.MSG.NEXT.CTP_EVENTS.${durable}`)).toBe(expected);
    expect(canPublish(identity, `$JS.ACK.CTP_EVENTS.${durable}.1.2.3.4.5`)).toBe(expected);
  });

  // Reading a stream's messages by sequence (any subject): only where the identity already receives every message of
  // that stream — the platform on CTP_EVENTS (hubs', partners' and its own events), for the start-up check after a
  // restore (JetStreamServer.onlyDuplicatesAfter).
  it.each([
    ['platform', 'CTP_EVENTS', true],
    ['platform', 'CTP_DEAD_LETTERS', false],
    ['platform', 'CTP_INTAKE', false],
    ['partner-liaison', 'CTP_EVENTS', false],
    ['hub-eur', 'CTP_EVENTS', false],
    ['hub-eur', 'CTP_INTAKE', false],
    ['regional-eur', 'CTP_EVENTS', false],
  ] as const)('%s reads %s messages by sequence: %s', (identity, stream, expected) => {
    expect(canPublish(identity, `$JS.API.STREAM.MSG.GET.${stream}`)).toBe(expected);
    expect(canPublish(identity, `$JS.API.DIRECT.GET.${stream}`)).toBe(false);
  });

  it.each(HUB_REGIONS)(
    "hub-%s creates its recovery consumer only on its own initiative subjects, and reads no other's",
    (r) => {
      for (const other of HUB_REGIONS) {
        const own = other === r;
        expect(
          canPublish(`hub-${r}`, `$JS.API.CONSUMER.CREATE.CTP_EVENTS.hub-${r}-recovery.ctp.hub.${other}.initiative.>`),
        ).toBe(own);
        expect(canPublish(`hub-${r}`, `$JS.API.CONSUMER.MSG.NEXT.CTP_EVENTS.hub-${other}-recovery`)).toBe(own);
      }
      for (const filter of ['ctp.>', 'ctp.hub.>', 'ctp.partner.unodc.>', 'ctp.platform.>']) {
        expect(canPublish(`hub-${r}`, `$JS.API.CONSUMER.CREATE.CTP_EVENTS.hub-${r}-recovery.${filter}`)).toBe(false);
      }
      // Without a filter in the subject (the old create form) the filter is not checked: refused.
      expect(canPublish(`hub-${r}`, `$JS.API.CONSUMER.CREATE.CTP_EVENTS.hub-${r}-recovery`)).toBe(false);
      expect(canPublish(`hub-${r}`, '$JS.API.CONSUMER.CREATE.CTP_EVENTS')).toBe(false);
    },
  );

  it.each(HUB_REGIONS)('hub-%s pulls only its own intake consumer', (r) => {
    for (const other of HUB_REGIONS) {
      expect(canPublish(`hub-${r}`, `$JS.API.CONSUMER.MSG.NEXT.CTP_INTAKE.hub-${other}-intake`)).toBe(other === r);
      expect(canPublish(`hub-${r}`, `$JS.ACK.CTP_INTAKE.hub-${other}-intake.1.1.1.1.1`)).toBe(other === r);
    }
  });
});

describe('who may publish events', () => {
  const mayPublish = (subject: string) => NATS_IDENTITIES.filter((i) => canPublish(i, subject)).sort();

  it.each(HUB_REGIONS)('ctp.hub.%s.…: that hub and admin only (not its regional system)', (r) => {
    expect(mayPublish(`ctp.hub.${r}.initiative.reported.v1`)).toEqual(['admin', `hub-${r}`].sort());
    expect(mayPublish(`ctp.hub.${r}.sync.digest.v1`)).toEqual(['admin', `hub-${r}`].sort());
  });

  it('ctp.partner.…: partner-liaison and admin only', () => {
    expect(mayPublish('ctp.partner.unodc.initiative.reported.v1')).toEqual(['admin', 'partner-liaison']);
  });

  it('ctp.platform.…: platform and admin only', () => {
    expect(mayPublish('ctp.platform.overlap.detected.v1')).toEqual(['admin', 'platform']);
  });

  it('ctp.<anything else>: admin only', () => {
    expect(mayPublish('ctp.initiative.reported.v1')).toEqual(['admin']);
    expect(mayPublish('ctp.hubs.eur.x')).toEqual(['admin']);
  });

  it.each([
    ['ctpdlq.platform-hubs.x', ['admin', 'platform']],
    ['ctpdlq.liaison-overlaps.x', ['admin', 'partner-liaison']],
    ['ctpdlq.hub-eur-intake.x', ['admin', 'hub-eur']],
    ['ctpdlq.other.x', ['admin']],
  ])('dead letters %s: %j', (subject, who) => expect(mayPublish(subject)).toEqual([...who].sort()));
});

describe('regional systems', () => {
  it.each(HUB_REGIONS)('regional-%s publishes only ctp-intake.hub.%s.>', (r) => {
    const id: NatsIdentity = `regional-${r}`;
    expect(natsPermissions(id).publish.allow).toEqual([`ctp-intake.hub.${r}.>`]);
    expect(canPublish(id, `ctp-intake.hub.${r}.initiatives.upsert`)).toBe(true);
    expect(canPublish(id, `ctp-intake.hub.${r}.initiatives.submit`)).toBe(true);
    expect(canPublish(id, `ctp-intake.hub.${r}.initiatives.withdraw`)).toBe(true);
    for (const other of HUB_REGIONS.filter((o) => o !== r)) {
      expect(canPublish(id, `ctp-intake.hub.${other}.initiatives.upsert`)).toBe(false);
      expect(canPublish(id, `ctp-intake.hub.${other}.initiatives.withdraw`)).toBe(false);
      expect(canPublish(id, `ctp-intake.hub.${other}.initiatives.submit`)).toBe(false);
    }
    for (const s of [
      `ctp.hub.${r}.initiative.reported.v1`,
      'ctp.partner.unodc.initiative.reported.v1',
      'ctp.platform.overlap.detected.v1',
      `ctp-sync.hub.${r}.buckets`,
      `ctpdlq.hub-${r}-intake.x`,
      '$JS.API.STREAM.INFO.CTP_INTAKE',
      `$JS.API.CONSUMER.MSG.NEXT.CTP_INTAKE.hub-${r}-intake`,
      'ctp-intake',
      'ctp-intake.hub',
    ]) {
      expect([s, canPublish(id, s)]).toEqual([s, false]);
    }
  });

  it.each(HUB_REGIONS)('regional-%s subscribes to its own inbox only', (r) => {
    const id: NatsIdentity = `regional-${r}`;
    expect(natsPermissions(id).subscribe.allow).toEqual([`_INBOX.regional-${r}.>`]);
    expect(canSubscribe(id, `ctp-intake.hub.${r}.initiatives.upsert`)).toBe(false);
    expect(canSubscribe(id, `ctp-intake.hub.${r}.initiatives.withdraw`)).toBe(false);
    expect(canSubscribe(id, '_INBOX.platform.abc')).toBe(false);
    expect(canSubscribe(id, `_INBOX.hub-${r}.abc`)).toBe(false);
  });
});

describe('reading and answering', () => {
  const maySubscribe = (subject: string) => NATS_IDENTITIES.filter((i) => canSubscribe(i, subject)).sort();

  it.each(HUB_REGIONS)("a hub's intake (%s) is read by that hub and admin only", (r) => {
    expect(maySubscribe(`ctp-intake.hub.${r}.initiatives.upsert`)).toEqual(['admin', `hub-${r}`].sort());
    expect(maySubscribe(`ctp-intake.hub.${r}.initiatives.withdraw`)).toEqual(['admin', `hub-${r}`].sort());
    // emit goes through CTP_INTAKE and the hub's durable consumer, never a plain subscription.
    expect(maySubscribe(`ctp-intake.hub.${r}.initiatives.submit`)).toEqual(['admin']);
  });

  it.each(HUB_REGIONS.flatMap((r) => ['buckets', 'list', 'resend'].map((op) => [r, op] as const)))(
    "a hub's sync requests (%s, %s) are answered by that hub only",
    (r, op) => expect(maySubscribe(`ctp-sync.hub.${r}.${op}`)).toEqual(['admin', `hub-${r}`].sort()),
  );

  it.each(['buckets', 'list', 'resend'])("a partner's sync requests (%s) are answered by partner-liaison", (op) => {
    expect(maySubscribe(`ctp-sync.partner.unodc.${op}`)).toEqual(['admin', 'partner-liaison']);
  });

  it.each(['ctp.hub.eur.initiative.reported.v1', 'ctp.partner.unodc.initiative.reported.v1', 'ctpdlq.platform-hubs.x'])(
    'nobody but admin subscribes to %s directly (events are read through own consumers)',
    (subject) => expect(maySubscribe(subject)).toEqual(['admin']),
  );

  it.each([...NATS_IDENTITIES])('%s: inbox prefix _INBOX.%s', (identity) => {
    expect(inboxPrefixOf(identity)).toBe(`_INBOX.${identity}`);
  });

  it.each(ALL_BUT_ADMIN)("%s reads its own inbox and nobody else's", (identity) => {
    expect(canSubscribe(identity, `${inboxPrefixOf(identity)}.abc.1`)).toBe(true);
    expect(canSubscribe(identity, '_INBOX.>')).toBe(false);
    expect(canSubscribe(identity, '_INBOX.abc')).toBe(false);
    for (const other of NATS_IDENTITIES.filter((o) => o !== identity)) {
      expect([other, canSubscribe(identity, `${inboxPrefixOf(other)}.abc.1`)]).toEqual([other, false]);
    }
  });

  it.each(NATS_IDENTITIES.filter((i) => i !== 'admin'))(
    '%s answers only into the inboxes of those allowed to ask it, never onto a command subject',
    (identity) => {
      const inboxes = NATS_IDENTITIES.filter((o) => o !== identity && canPublish(identity, `${inboxPrefixOf(o)}.x.1`));
      const expected = identity.startsWith('hub-')
        ? [`regional-${identity.slice(4)}`, 'platform', 'admin']
        : identity === 'partner-liaison'
          ? ['platform', 'admin']
          : [];
      expect(inboxes.sort()).toEqual(expected.sort());
      for (const s of ['$JS.API.STREAM.PURGE.CTP_EVENTS', '$JS.API.ACCOUNT.PURGE.$G', '_INBOX.x']) {
        expect([s, canPublish(identity, s)]).toEqual([s, false]);
      }
    },
  );

  it('only the platform (and admin) may ask for sync', () => {
    const who = NATS_IDENTITIES.filter((i) => canPublish(i, 'ctp-sync.hub.eur.buckets')).sort();
    expect(who).toEqual(['admin', 'platform']);
  });
});

describe('renderAuthorization', () => {
  const users = NATS_IDENTITIES.map((identity, n) => ({
    identity,
    nkey: `U${String(n).padStart(55, 'A')}`,
  }));
  const text = renderAuthorization(users);

  it('is one authorization block without accounts or no_auth_user', () => {
    expect(text).toMatch(/^authorization \{$/m);
    expect(text).not.toMatch(/\baccounts\b/);
    expect(text).not.toMatch(/no_auth_user/);
    expect(text).not.toMatch(/\$SYS/);
    expect(text.match(/^authorization \{$/gm)).toHaveLength(1);
  });

  it('has one user per identity, each by its public nkey', () => {
    for (const u of users) {
      expect(text).toContain(`# ${u.identity}\n    { nkey: "${u.nkey}"`);
    }
    expect(text.match(/\{ nkey: /g)).toHaveLength(NATS_IDENTITIES.length);
  });

  it("writes each user's lists as they are, the deny list on every user", () => {
    expect(
      text.match(
        /deny: \["\$JS\.API\.ACCOUNT\.>", "\$JS\.API\.SERVER\.>", "\$JS\.API\.META\.>", "\$JS\.API\.STREAM\.RESTORE\.>"\]/g,
      ),
    ).toHaveLength(NATS_IDENTITIES.length);
    expect(text).toContain('subscribe: { allow: ["_INBOX.regional-eur.>"] }');
    expect(text).toContain('publish: { allow: ["ctp-intake.hub.eur.>"], deny: [');
    expect(text).toContain('publish: { allow: [">"], deny: [');
  });

  it('never uses allow_responses (on 2.9.10 a response may go to any reply subject, past the deny list)', () => {
    expect(text).not.toContain('allow_responses');
  });

  it('writes a user with a bcrypt hash when there is no nkey', () => {
    const t = renderAuthorization([{ identity: 'admin', user: 'admin', passwordHash: '$2a$11$abc' }]);
    expect(t).toContain('{ user: "admin", password: "$2a$11$abc"');
    expect(t).not.toContain('nkey:');
    expect(t).not.toMatch(/\baccounts\b|no_auth_user/);
  });
});
