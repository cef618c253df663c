import { InitiativeSnapshot } from '@ctp/contracts';
import { entryOfStep, feedItemOf, noticeEntry } from './feed-entry';

const snapshot = {
  visibility: 'PARTNER_SHAREABLE',
  title: { lang: 'en', text: 'T' },
  initiativeId: 'IP-HUB-AFR-1',
  version: 2,
  reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
} as unknown as InitiativeSnapshot;

describe('feed entries', () => {
  it('an INITIATIVE carries the snapshot, fields in the contract order', () => {
    const e = entryOfStep({
      kind: 'INITIATIVE',
      partnerRef: 'PT-UNODC',
      initiativeId: 'IP-HUB-AFR-1',
      version: 2,
      snapshot,
    });
    expect(e).toMatchObject({ partnerRef: 'PT-UNODC', kind: 'INITIATIVE', initiativeId: 'IP-HUB-AFR-1', version: 2 });
    expect(Object.keys(e.payload)).toEqual(['initiativeId', 'reportingOrg', 'version', 'title', 'visibility']);
  });

  it('a RETRACTION carries its reason only', () => {
    const e = entryOfStep({
      kind: 'RETRACTION',
      partnerRef: 'PT-UNODC',
      initiativeId: 'IP-HUB-AFR-1',
      version: 3,
      reason: 'RESTRICTED',
    });
    expect(e).toEqual({
      partnerRef: 'PT-UNODC',
      kind: 'RETRACTION',
      initiativeId: 'IP-HUB-AFR-1',
      version: 3,
      payload: { reason: 'RESTRICTED' },
    });
  });

  it('a NOTICE is about the partner’s own record, without a version', () => {
    const notice = {
      pairId: '7',
      classification: 'OVERLAP' as const,
      score: 0.7,
      initiativeId: 'PT-UNODC-9',
      other: { initiativeId: 'PT-UNODC-3', reporter: 'PT-UNODC' },
    };
    expect(noticeEntry('PT-UNODC', notice)).toEqual({
      partnerRef: 'PT-UNODC',
      kind: 'NOTICE',
      initiativeId: 'PT-UNODC-9',
      version: null,
      payload: notice,
    });
  });

  it('goes out as { seq, kind, initiativeId, version, payload, createdAt }, in that order', () => {
    const item = feedItemOf({
      partnerRef: 'PT-UNODC',
      seq: 4,
      kind: 'RETRACTION',
      initiativeId: 'IP-HUB-AFR-1',
      version: 3,
      payload: { reason: 'WITHDRAWN' },
      createdAt: new Date('2025-01-02T03:04:05Z'),
    });
    expect(JSON.stringify(item)).toBe(
      '{"seq":4,"kind":"RETRACTION","initiativeId":"IP-HUB-AFR-1","version":3,"payload":{"reason":"WITHDRAWN"},"createdAt":"2025-01-02T03:04:05.000Z"}',
    );
  });
});
