import { withdrawalReasonProblems, withdrawnVersionOf } from './owner-versions';
import { checkInitiativeSnapshot } from './validation';
import { InitiativeSnapshot } from './initiative';

const current: InitiativeSnapshot = {
  initiativeId: 'IP-HUB-EUR-op-1',
  reportingOrg: { ref: 'IP-HUB-EUR', type: 'HUB', secondaryReporter: false },
  version: 2,
  lastUpdatedAt: '2026-03-10T12:00:00.000Z',
  kind: 'OPS',
  title: { lang: 'en', text: 'Operation Sentinel' },
  actionStreams: { primary: 'WEAPONS_MATERIALS', secondary: [] },
  status: 'PIPELINE',
  dates: { plannedStart: '2027-04-01', plannedEnd: '2027-04-30' },
  scope: 'NATIONAL',
  recipientCountries: ['RS'],
  visibility: 'PARTNER_SHAREABLE',
};
const AT = new Date('2026-03-11T08:00:00.000Z');

describe('withdrawal reasons: judged as they are stored, so the platform gives the same verdict', () => {
  it('accepts 1,000 characters and the withdrawn snapshot passes the consumers’ check', () => {
    const reason = 'x'.repeat(1000);
    expect(withdrawalReasonProblems(reason)).toEqual([]);
    expect(checkInitiativeSnapshot(withdrawnVersionOf(current, reason, AT), AT.getTime()).ok).toBe(true);
  });

  it('refuses a reason that NFC makes longer than 1,000 characters (U+0958 decomposes into two)', () => {
    const reason = '\u0958'.repeat(1000);
    expect(reason.normalize('NFC').length).toBe(2000);
    expect(withdrawalReasonProblems(reason)).toEqual([
      expect.objectContaining({ field: 'reason', rule: 'isNotEmpty' }),
    ]);
  });

  it('stores the reason trimmed and in NFC', () => {
    const snapshot = withdrawnVersionOf(current, '  Cafe\u0301 reported twice  ', AT);
    expect(snapshot.withdrawal?.reason).toBe('Caf\u00e9 reported twice');
    expect(checkInitiativeSnapshot(snapshot, AT.getTime()).ok).toBe(true);
  });

  it.each([
    ['blank', '   '],
    ['not text', 42],
    ['a NUL', 'a\u0000b'],
    ['a bidi override', 'a\u202eb'],
  ])('refuses %s, naming the field', (_label, reason) => {
    expect(withdrawalReasonProblems(reason)).toEqual([expect.objectContaining({ field: 'reason' })]);
  });
});
