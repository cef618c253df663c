import { InitiativeSnapshot } from '@ctp/contracts';
import {
  covers,
  isShareable,
  LiaisonRecord,
  RestrictedContentRefused,
  Share,
  shareableContent,
  sharingStep,
} from './sharing';

const ID = 'IP-HUB-AFR-1';

function snapshot(overrides: Partial<InitiativeSnapshot> = {}): InitiativeSnapshot {
  return {
    initiativeId: ID,
    reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
    version: 2,
    lastUpdatedAt: '2025-01-02T03:04:05.000Z',
    kind: 'TRN',
    title: { lang: 'en', text: 'Regional training' },
    actionStreams: { primary: 'IDENTIFICATION', secondary: [] },
    status: 'PIPELINE',
    recipientCountries: ['KE'],
    visibility: 'PARTNER_SHAREABLE',
    ...overrides,
  };
}

const shareable: LiaisonRecord = {
  initiativeId: ID,
  region: 'AFR',
  version: 2,
  visibility: 'PARTNER_SHAREABLE',
  withdrawn: false,
  snapshot: snapshot(),
};
const restricted: LiaisonRecord = { ...shareable, visibility: 'INTERPOL_RESTRICTED', snapshot: null };
const withdrawn: LiaisonRecord = { ...shareable, withdrawn: true };
const afr = { ref: 'PT-UNODC', regions: ['AFR'] };
const eur = { ref: 'PT-EUROPOL', regions: ['EUR'] };
const glb = { ref: 'PT-UNOCT', regions: ['GLB'] };
const shared = (v: number): Share => ({ state: 'SHARED', sharedVersion: v });
const retracted: Share = { state: 'RETRACTED', sharedVersion: 1 };

describe('covers', () => {
  it.each([
    [['AFR'], 'AFR', true],
    [['AFR', 'EUR'], 'EUR', true],
    [['EUR'], 'AFR', false],
    [['GLB'], 'AFR', true],
    [['GLB'], 'ASI', true],
    [[], 'AFR', false],
  ])('%p covers %s: %p', (regions, region, expected) => {
    expect(covers({ ref: 'PT-X', regions }, region)).toBe(expected);
  });
});

describe('sharingStep', () => {
  const initiative = { kind: 'INITIATIVE', partnerRef: 'PT-UNODC', initiativeId: ID, version: 2, snapshot: snapshot() };
  it.each<[string, LiaisonRecord, { ref: string; regions: string[] }, Share | undefined, object | undefined]>([
    ['shareable, in region, never sent → content', shareable, afr, undefined, initiative],
    ['shareable, older version held → content', shareable, afr, shared(1), initiative],
    ['shareable, this version held → nothing', shareable, afr, shared(2), undefined],
    ['shareable, retracted before → content again', shareable, afr, retracted, initiative],
    ['shareable, other region → nothing', shareable, eur, undefined, undefined],
    ['shareable, other region, held → nothing (no updates outside its regions)', shareable, eur, shared(1), undefined],
    ['shareable, GLB partner → content', shareable, glb, undefined, { ...initiative, partnerRef: 'PT-UNOCT' }],
    ['restricted, never sent → nothing', restricted, afr, undefined, undefined],
    ['restricted, already retracted → nothing', restricted, afr, retracted, undefined],
    [
      'restricted, held → retraction',
      restricted,
      afr,
      shared(1),
      { kind: 'RETRACTION', partnerRef: 'PT-UNODC', initiativeId: ID, version: 2, reason: 'RESTRICTED' },
    ],
    [
      'restricted, held, now outside its regions → retraction all the same',
      restricted,
      eur,
      shared(1),
      { kind: 'RETRACTION', partnerRef: 'PT-EUROPOL', initiativeId: ID, version: 2, reason: 'RESTRICTED' },
    ],
    [
      'withdrawn, held → retraction',
      withdrawn,
      afr,
      shared(2),
      { kind: 'RETRACTION', partnerRef: 'PT-UNODC', initiativeId: ID, version: 2, reason: 'WITHDRAWN' },
    ],
    ['withdrawn, never sent → nothing', withdrawn, afr, undefined, undefined],
  ])('%s', (_label, record, partner, share, step) => {
    expect(sharingStep(record, partner, share)).toEqual(step);
  });

  it('a retraction carries no content', () => {
    const step = sharingStep(restricted, afr, shared(1));
    expect(Object.keys(step!).sort()).toEqual(['initiativeId', 'kind', 'partnerRef', 'reason', 'version']);
  });
});

describe('the restricted-content gate', () => {
  it('lets shareable content through', () => {
    expect(shareableContent(ID, snapshot())).toEqual(snapshot());
    expect(isShareable(shareable)).toBe(true);
  });

  it.each([
    ['restricted content', snapshot({ visibility: 'INTERPOL_RESTRICTED' })],
    ['no content', null],
    ["another record's content", snapshot({ initiativeId: 'IP-HUB-AFR-2' })],
  ])('refuses %s', (_label, content) => {
    expect(() => shareableContent(ID, content)).toThrow(RestrictedContentRefused);
  });

  it('a record marked shareable but holding restricted content is not shareable, and is never sent', () => {
    const inconsistent: LiaisonRecord = { ...shareable, snapshot: snapshot({ visibility: 'INTERPOL_RESTRICTED' }) };
    expect(isShareable(inconsistent)).toBe(false);
    expect(sharingStep(inconsistent, afr, undefined)).toBeUndefined();
  });
});
