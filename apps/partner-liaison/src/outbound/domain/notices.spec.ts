import { CloudEvent } from '@ctp/contracts';
import {
  describeOther,
  factsOfRecord,
  noticeOf,
  noticeTargets,
  PairChange,
  readOverlapEvent,
  RecordFacts,
} from './notices';
import { LiaisonRecord } from './sharing';

const FLAGGED_ON = 'ctp.platform.overlap.flagged.v1';
const CLEARED_ON = 'ctp.platform.overlap.cleared.v1';

function event(
  kind: 'flagged' | 'cleared',
  data: Record<string, unknown>,
  envelope: Partial<CloudEvent> = {},
): CloudEvent {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: '/ctp/platform',
    type: `ctp.overlap.${kind}.v1`,
    subject: 'overlap-7',
    time: '2025-01-02T03:04:05.000Z',
    datacontenttype: 'application/json',
    data: {
      pairId: '7',
      initiativeIds: ['IP-HUB-AFR-1', 'PT-UNODC-9'],
      classification: 'DUPLICATE',
      previousClassification: null,
      score: 0.85,
      rule: 'SCORE',
      signals: { title: 0.9 },
      ...data,
    },
    ...envelope,
  };
}

describe('readOverlapEvent', () => {
  it('reads a flagged pair, keeping only what partners may learn', () => {
    expect(readOverlapEvent(event('flagged', {}), FLAGGED_ON)).toEqual({
      outcome: 'APPLY',
      change: { pairId: '7', initiativeIds: ['IP-HUB-AFR-1', 'PT-UNODC-9'], classification: 'DUPLICATE', score: 0.85 },
    });
  });

  it('reads a cleared pair as CLEARED, whatever it was', () => {
    const v = readOverlapEvent(event('cleared', { classification: 'OVERLAP', score: 0 }), CLEARED_ON);
    expect(v).toMatchObject({ outcome: 'APPLY', change: { classification: 'CLEARED', score: 0 } });
  });

  it('accepts a numeric pair id and a missing score', () => {
    const v = readOverlapEvent(event('flagged', { pairId: 12, score: undefined }), FLAGGED_ON);
    expect(v).toMatchObject({ outcome: 'APPLY', change: { pairId: '12', score: null } });
  });

  it.each<[string, CloudEvent, string, string]>([
    ['another source', event('flagged', {}, { source: '/ctp/hubs/afr' }), FLAGGED_ON, 'OWNERSHIP_VIOLATION'],
    ['another subject', event('flagged', {}), 'ctp.hub.afr.overlap.flagged.v1', 'OWNERSHIP_VIOLATION'],
    ['the cleared subject for a flagged type', event('flagged', {}), CLEARED_ON, 'OWNERSHIP_VIOLATION'],
    ['an unknown type', event('flagged', {}, { type: 'ctp.overlap.merged.v1' }), FLAGGED_ON, 'OWNERSHIP_VIOLATION'],
    ['no pair id', event('flagged', { pairId: undefined }), FLAGGED_ON, 'SCHEMA'],
    ['one id only', event('flagged', { initiativeIds: ['IP-HUB-AFR-1'] }), FLAGGED_ON, 'SCHEMA'],
    ['ids that are not strings', event('flagged', { initiativeIds: [1, 2] }), FLAGGED_ON, 'SCHEMA'],
    ['the same id twice', event('flagged', { initiativeIds: ['PT-UNODC-9', 'PT-UNODC-9'] }), FLAGGED_ON, 'SCHEMA'],
    ['a score that is not a number', event('flagged', { score: 'high' }), FLAGGED_ON, 'SCHEMA'],
    ['an unknown classification', event('flagged', { classification: 'MAYBE' }), FLAGGED_ON, 'SCHEMA'],
  ])('rejects %s', (_label, e, subject, reason) => {
    expect(readOverlapEvent(e, subject)).toEqual({ outcome: 'REJECTED', reason, detail: expect.any(String) });
  });
});

describe('noticeTargets', () => {
  const partners = [
    { ref: 'PT-UN', regions: ['GLB'] },
    { ref: 'PT-UNODC', regions: ['AFR'] },
    { ref: 'PT-EUROPOL', regions: ['EUR'] },
  ];
  const change = (a: string, b: string): PairChange => ({
    pairId: '1',
    initiativeIds: [a, b],
    classification: 'OVERLAP',
    score: 0.7,
  });

  it.each([
    [
      'a hub record and a partner record',
      change('IP-HUB-AFR-1', 'PT-UNODC-9'),
      [['PT-UNODC', 'PT-UNODC-9', 'IP-HUB-AFR-1']],
    ],
    [
      'two partners’ records: each partner is told',
      change('PT-EUROPOL-x', 'PT-UNODC-9'),
      [
        ['PT-EUROPOL', 'PT-EUROPOL-x', 'PT-UNODC-9'],
        ['PT-UNODC', 'PT-UNODC-9', 'PT-EUROPOL-x'],
      ],
    ],
    ['two hub records: nobody', change('IP-HUB-AFR-1', 'IP-HUB-EUR-2'), []],
    ['a partner that is not registered: nobody', change('IP-HUB-AFR-1', 'PT-GCCPOL-1'), []],
    [
      'a ref that is a prefix of another is not confused with it',
      change('IP-HUB-AFR-1', 'PT-UN-7'),
      [['PT-UN', 'PT-UN-7', 'IP-HUB-AFR-1']],
    ],
  ])('%s', (_label, c, expected) => {
    expect(noticeTargets(c, partners).map((t) => [t.partnerRef, t.ownId, t.otherId])).toEqual(expected);
  });
});

describe('describeOther', () => {
  const target = (otherId: string) => ({ partnerRef: 'PT-UNODC', ownId: 'PT-UNODC-9', otherId });
  const title = { lang: 'en' as const, text: 'Regional training' };
  const shareable: RecordFacts = {
    initiativeId: 'IP-HUB-AFR-1',
    reporter: 'IP-HUB-AFR',
    visibility: 'PARTNER_SHAREABLE',
    title,
  };
  const restricted: RecordFacts = {
    initiativeId: 'IP-HUB-AFR-1',
    reporter: 'IP-HUB-AFR',
    visibility: 'INTERPOL_RESTRICTED',
  };

  it.each<[string, string, RecordFacts | undefined, boolean, object | string]>([
    [
      'a shareable INTERPOL record: id, reporter, title',
      'IP-HUB-AFR-1',
      shareable,
      false,
      { initiativeId: 'IP-HUB-AFR-1', reporter: 'IP-HUB-AFR', title },
    ],
    ['a restricted INTERPOL record: no notice at all', 'IP-HUB-AFR-1', restricted, false, 'WITHHOLD'],
    ['restricted even if a title were known', 'IP-HUB-AFR-1', { ...restricted, title }, false, 'WITHHOLD'],
    ['restricted, also when waiting is over', 'IP-HUB-AFR-1', restricted, true, 'WITHHOLD'],
    ['an INTERPOL record not known yet: wait', 'IP-HUB-AFR-1', undefined, false, 'WAIT'],
    ['an INTERPOL record still unknown when waiting is over: no notice', 'IP-HUB-AFR-1', undefined, true, 'WITHHOLD'],
    [
      "another partner's shareable record",
      'PT-EUROPOL-x',
      { ...shareable, initiativeId: 'PT-EUROPOL-x', reporter: 'PT-EUROPOL' },
      false,
      { initiativeId: 'PT-EUROPOL-x', reporter: 'PT-EUROPOL', title },
    ],
    [
      "another partner's restricted record",
      'PT-EUROPOL-x',
      { ...restricted, initiativeId: 'PT-EUROPOL-x' },
      false,
      'WITHHOLD',
    ],
    ["another partner's record not known: no notice, no waiting", 'PT-EUROPOL-x', undefined, false, 'WITHHOLD'],
    [
      'a shareable record without a known title: no notice',
      'IP-HUB-AFR-1',
      { ...shareable, title: undefined },
      false,
      'WITHHOLD',
    ],
    [
      'its own record',
      'PT-UNODC-3',
      { ...restricted, initiativeId: 'PT-UNODC-3', title },
      false,
      { initiativeId: 'PT-UNODC-3', reporter: 'PT-UNODC', title },
    ],
    ['its own record, not known', 'PT-UNODC-3', undefined, false, { initiativeId: 'PT-UNODC-3', reporter: 'PT-UNODC' }],
  ])('%s', (_label, otherId, facts, final, expected) => {
    expect(describeOther(target(otherId), facts, final)).toEqual(expected);
  });
});

describe('factsOfRecord', () => {
  const record: LiaisonRecord = {
    initiativeId: 'IP-HUB-ASI-1',
    region: 'ASI',
    version: 1,
    visibility: 'INTERPOL_RESTRICTED',
    withdrawn: false,
    snapshot: null,
  };

  it('has no title for a restricted record', () => {
    expect(factsOfRecord(record)).toEqual({
      initiativeId: 'IP-HUB-ASI-1',
      reporter: 'IP-HUB-ASI',
      visibility: 'INTERPOL_RESTRICTED',
    });
  });
});

describe('noticeOf', () => {
  it('is the pair, the partner’s own record and the other as it may see it', () => {
    const other = { initiativeId: 'IP-HUB-AFR-1', reporter: 'IP-HUB-AFR', title: { lang: 'en' as const, text: 'T' } };
    const n = noticeOf(
      { pairId: '7', classification: 'OVERLAP', score: 0.7 },
      { partnerRef: 'PT-UNODC', ownId: 'PT-UNODC-9', otherId: 'IP-HUB-AFR-1' },
      other,
    );
    expect(n).toEqual({ pairId: '7', classification: 'OVERLAP', score: 0.7, initiativeId: 'PT-UNODC-9', other });
  });
});
