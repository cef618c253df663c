import { Visibility } from '@ctp/contracts';
import { EntryToCheck, isWithheld, recordsToCheck } from './current-visibility';

const now = new Map<string, Visibility>([
  ['IP-HUB-AFR-open', 'PARTNER_SHAREABLE'],
  ['IP-HUB-AFR-closed', 'INTERPOL_RESTRICTED'],
  ['PT-EUROPOL-open', 'PARTNER_SHAREABLE'],
  ['PT-EUROPOL-closed', 'INTERPOL_RESTRICTED'],
]);
const initiative = (id: string): EntryToCheck => ({ kind: 'INITIATIVE', initiativeId: id, payload: {} });
const notice = (other: unknown): EntryToCheck => ({
  kind: 'NOTICE',
  initiativeId: 'PT-UNODC-1',
  payload: { pairId: '1', initiativeId: 'PT-UNODC-1', other },
});

describe('isWithheld (judged by visibility now)', () => {
  it.each<[string, EntryToCheck, boolean]>([
    ['content of a record shareable now', initiative('IP-HUB-AFR-open'), false],
    ['content of a record restricted since', initiative('IP-HUB-AFR-closed'), true],
    ['content of a record not known', initiative('IP-HUB-AFR-gone'), true],
    ['a retraction (no content)', { kind: 'RETRACTION', initiativeId: 'IP-HUB-AFR-closed', payload: {} }, false],
    ['a notice naming a shareable INTERPOL record', notice({ initiativeId: 'IP-HUB-AFR-open' }), false],
    ['a notice naming an INTERPOL record restricted since', notice({ initiativeId: 'IP-HUB-AFR-closed' }), true],
    ["a notice naming another partner's shareable record", notice({ initiativeId: 'PT-EUROPOL-open' }), false],
    ["a notice naming another partner's record restricted since", notice({ initiativeId: 'PT-EUROPOL-closed' }), true],
    ['a notice naming its own record (whatever its visibility)', notice({ initiativeId: 'PT-UNODC-2' }), false],
    ['an old notice { restricted: true }', notice({ restricted: true }), true],
  ])('%s → %s', (_label, entry, withheld) => {
    expect(isWithheld(entry, 'PT-UNODC', now)).toBe(withheld);
  });
});

describe('recordsToCheck', () => {
  it('lists shared records and the other side of notices, not the partner’s own', () => {
    expect(
      recordsToCheck(
        [
          initiative('IP-HUB-AFR-open'),
          notice({ initiativeId: 'PT-EUROPOL-open' }),
          notice({ initiativeId: 'PT-UNODC-2' }),
          notice({ restricted: true }),
          { kind: 'RETRACTION', initiativeId: 'IP-HUB-AFR-x', payload: {} },
          initiative('IP-HUB-AFR-open'),
        ],
        'PT-UNODC',
      ),
    ).toEqual(['IP-HUB-AFR-open', 'PT-EUROPOL-open']);
  });
});
