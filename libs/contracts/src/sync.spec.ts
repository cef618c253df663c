import { EventSources, InitiativeEventType, Subjects } from './events';
import { HUB_REGIONS } from './regions';
import { digestSubjectOf, resentEventType, SyncSubjects, syncKeyOf, syncKeyOfRequest } from './sync';

/** Whether NATS delivers `subject` to a subscription on `pattern` (`*` one token, `>` one or more trailing ones). */
const natsMatches = (pattern: string, subject: string) =>
  new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^.]+').replace(/>$/, '.+')}$`).test(subject);

describe('syncKeyOf', () => {
  it.each([
    ['/ctp/hubs/afr', 'hub.afr'],
    ['/ctp/hubs/eur', 'hub.eur'],
    ['/ctp/partner-liaison/unodc', 'partner.unodc'],
    ['/ctp/partner-liaison/gccpol', 'partner.gccpol'],
    ['/ctp/hubs/xyz', undefined],
    ['/ctp/platform', undefined],
    ['/ctp/partner-liaison/UNODC', undefined],
    ['/ctp/partner-liaison/un.odc', undefined],
    ['/ctp/partner-liaison/', undefined],
    ['/ctp/partner-liaison/eu-lisa', undefined],
  ])('%s → %s', (source, key) => expect(syncKeyOf(source)).toBe(key));
});

describe('digestSubjectOf', () => {
  it.each(HUB_REGIONS)("a hub's digest travels on its own subject (%s)", (region) => {
    expect(digestSubjectOf(EventSources.hub(region))).toBe(`ctp.hub.${region}.sync.digest.v1`);
    expect(digestSubjectOf(EventSources.hub(region))).toBe(SyncSubjects.hubDigest(region));
  });

  it("a partner's digest travels under the partner's own prefix, which the platform's partner consumer reads", () => {
    const subject = digestSubjectOf(EventSources.partner('UNODC'));
    expect(subject).toBe('ctp.partner.unodc.sync.digest.v1');
    expect(subject).toBe(SyncSubjects.partnerDigest('unodc'));
    expect(natsMatches(Subjects.allPartners, subject as string)).toBe(true);
    expect(natsMatches(Subjects.allHubs, subject as string)).toBe(false);
    // Not mistaken for an initiative event of that partner.
    expect(natsMatches('ctp.partner.unodc.initiative.>', subject as string)).toBe(false);
  });

  it('two partners never share a digest subject', () => {
    expect(digestSubjectOf('/ctp/partner-liaison/unodc')).not.toBe(digestSubjectOf('/ctp/partner-liaison/unoct'));
  });

  it.each(['/ctp/platform', '/ctp/hubs/xyz', '/ctp/partner-liaison/', 'ctp.partner.unodc', ''])(
    'none for %j',
    (source) => expect(digestSubjectOf(source)).toBeUndefined(),
  );
});

describe('syncKeyOfRequest', () => {
  it.each([
    ['ctp-sync.hub.afr.buckets', 'hub.afr'],
    ['ctp-sync.hub.eur.list', 'hub.eur'],
    ['ctp-sync.partner.unodc.resend', 'partner.unodc'],
    ['ctp-sync.partner.europol.list', 'partner.europol'],
    ['ctp-sync.partner.unodc.other', undefined],
    ['ctp-sync.partner.a.b.list', undefined],
    ['ctp-sync.platform.x.list', undefined],
    ['ctp-sync.hub.xyz.list', undefined],
    ['ctp-sync.partner.eu-lisa.list', undefined],
    ['ctp-sync.partner.x.list', undefined],
    ['ctp.partner.unodc.list', undefined],
  ])('%s → %s', (subject, key) => expect(syncKeyOfRequest(subject)).toBe(key));

  it('reads back the key of every request subject it is built from', () => {
    for (const key of ['hub.afr', 'hub.mde', 'partner.unodc', 'partner.pt2']) {
      for (const op of ['buckets', 'list', 'resend'] as const)
        expect(syncKeyOfRequest(SyncSubjects[op](key))).toBe(key);
    }
  });

  it('the wildcard a service subscribes with covers every partner, and no hub', () => {
    expect(natsMatches(SyncSubjects.list('partner.*'), SyncSubjects.list('partner.unodc'))).toBe(true);
    expect(natsMatches(SyncSubjects.list('partner.*'), SyncSubjects.list('hub.afr'))).toBe(false);
  });
});

describe('resentEventType', () => {
  it.each([
    [1, false, InitiativeEventType.Reported],
    [2, false, InitiativeEventType.Updated],
    [17, false, InitiativeEventType.Updated],
    [1, true, InitiativeEventType.Withdrawn],
    [5, true, InitiativeEventType.Withdrawn],
  ])('version %d, withdrawn %s → %s', (version, withdrawn, type) =>
    expect(resentEventType(version, withdrawn)).toBe(type),
  );
});
