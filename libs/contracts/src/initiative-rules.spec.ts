import { INITIATIVE_STATUSES, InitiativeSnapshot, InitiativeStatus } from './initiative';
import {
  ALLOWED_TRANSITIONS,
  initiativeRuleViolations,
  isAllowedTransition,
  SnapshotRejectReason,
} from './initiative-rules';

/** The report time of the base snapshot, and the checking machine's clock half an hour later. */
const REPORTED_AT = '2026-03-10T12:00:00.000Z';
const NOW = Date.parse('2026-03-10T12:30:00.000Z');

function validSnapshot(): InitiativeSnapshot {
  return {
    initiativeId: 'IP-HUB-AFR-OPS-2026-001',
    reportingOrg: { ref: 'IP-HUB-AFR', type: 'HUB', secondaryReporter: false },
    version: 3,
    lastUpdatedAt: REPORTED_AT,
    kind: 'OPS',
    codeName: 'SAHEL-SHIELD',
    title: { lang: 'en', text: 'Operation Sahel Shield' },
    titleAlt: [{ lang: 'fr', text: 'Opération Bouclier du Sahel' }],
    description: 'Joint border screening operation against foreign terrorist fighters.',
    actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
    capabilities: ['BORDER_MANAGEMENT', 'CRIMINAL_ANALYSIS'],
    status: 'IMPLEMENTATION',
    dates: { plannedStart: '2026-02-01', plannedEnd: '2026-04-30', actualStart: '2026-02-03' },
    scope: 'REGIONAL',
    recipientCountries: ['NE', 'ML', 'TD'],
    participatingOrgs: [{ ref: 'PT-AFRIPOL', name: 'AFRIPOL', role: 'IMPLEMENTING' }],
    relatedInitiatives: [{ ref: 'IP-HUB-AFR-PRJ-7', type: 1 }],
    otherIdentifiers: [{ ref: 'AFP-2026-12', ownerOrg: 'PT-AFRIPOL' }],
    visibility: 'PARTNER_SHAREABLE',
  };
}

type Patch = (s: InitiativeSnapshot) => void;

/** One UTF-16 code unit, so that this file holds no raw control, bidi or surrogate character. */
const ch = (code: number): string => String.fromCharCode(code);

function snapshot(patch: Patch): InitiativeSnapshot {
  const s = validSnapshot();
  patch(s);
  return s;
}

/** Sets the status and the whole `dates` object (planned dates kept from the base snapshot). */
function withStatus(status: InitiativeStatus, actual: { actualStart?: string; actualEnd?: string } = {}): Patch {
  return (s) => {
    s.status = status;
    s.dates = { plannedStart: '2026-02-01', plannedEnd: '2026-04-30', ...actual };
  };
}

interface Expected {
  field: string;
  rule: string;
  reason: SnapshotRejectReason;
}

interface RuleTable {
  rule: string;
  /** Snapshots that do not break the rule (and no other rule either). */
  pass: [label: string, patch: Patch, now?: number][];
  /** Snapshots that break exactly this rule once. */
  fail: [label: string, patch: Patch, field: string, reason: SnapshotRejectReason, now?: number][];
}

const TABLES: RuleTable[] = [
  {
    rule: 'ownPrefix',
    pass: [
      ['hub id under its own ref', () => undefined],
      [
        'partner id under its own ref',
        (s) => {
          s.reportingOrg = { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true };
          s.initiativeId = 'PT-UNODC-TRN-44';
          s.relatedInitiatives = [];
        },
      ],
      [
        'platform id under its own ref',
        (s) => {
          s.reportingOrg = { ref: 'IP-GS-CTP', type: 'PLATFORM', secondaryReporter: false };
          s.initiativeId = 'IP-GS-CTP-PRJ-1';
        },
      ],
    ],
    fail: [
      ['another hub’s prefix', (s) => (s.initiativeId = 'IP-HUB-EUR-OPS-1'), 'initiativeId', 'SCHEMA'],
      ['ref without the dash', (s) => (s.initiativeId = 'IP-HUB-AFROPS-1'), 'initiativeId', 'SCHEMA'],
      ['the bare ref', (s) => (s.initiativeId = 'IP-HUB-AFR'), 'initiativeId', 'SCHEMA'],
      ['no prefix at all', (s) => (s.initiativeId = 'OPS-2026-001'), 'initiativeId', 'SCHEMA'],
      [
        'a longer ref that merely starts with the reporter’s',
        (s) => {
          s.reportingOrg = { ref: 'PT-UN', type: 'PARTNER', secondaryReporter: false };
          s.initiativeId = 'PT-UNODC-TRN-1';
        },
        'initiativeId',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'localIdPattern',
    pass: [
      ['letters, digits, dot, underscore, dash', (s) => (s.initiativeId = 'IP-HUB-AFR-a.B_c-9')],
      ['one character', (s) => (s.initiativeId = 'IP-HUB-AFR-1')],
      ['40 characters', (s) => (s.initiativeId = `IP-HUB-AFR-${'x'.repeat(40)}`)],
    ],
    fail: [
      ['empty local id', (s) => (s.initiativeId = 'IP-HUB-AFR-'), 'initiativeId', 'SCHEMA'],
      ['41 characters', (s) => (s.initiativeId = `IP-HUB-AFR-${'x'.repeat(41)}`), 'initiativeId', 'SCHEMA'],
      ['a space', (s) => (s.initiativeId = 'IP-HUB-AFR-OPS 1'), 'initiativeId', 'SCHEMA'],
      ['a slash', (s) => (s.initiativeId = 'IP-HUB-AFR-OPS/1'), 'initiativeId', 'SCHEMA'],
      ['an accented letter', (s) => (s.initiativeId = 'IP-HUB-AFR-opé'), 'initiativeId', 'SCHEMA'],
    ],
  },
  {
    rule: 'isoTimestamp',
    pass: [
      ['UTC with milliseconds', (s) => (s.lastUpdatedAt = '2026-03-10T12:00:00.000Z')],
      ['UTC without fraction', (s) => (s.lastUpdatedAt = '2026-03-10T12:00:00Z')],
      ['explicit offset', (s) => (s.lastUpdatedAt = '2026-03-10T13:00:00+01:00')],
      ['UTC+14, already the next day locally', (s) => (s.lastUpdatedAt = '2026-03-11T02:00:00+14:00')],
      ['no seconds', (s) => (s.lastUpdatedAt = '2026-03-10T12:00Z')],
    ],
    fail: [
      ['not a date', (s) => (s.lastUpdatedAt = 'not-a-date'), 'lastUpdatedAt', 'SCHEMA'],
      ['empty', (s) => (s.lastUpdatedAt = ''), 'lastUpdatedAt', 'SCHEMA'],
      ['English prose date', (s) => (s.lastUpdatedAt = 'March 10, 2026 12:00'), 'lastUpdatedAt', 'SCHEMA'],
      // Without a zone the instant depends on the reading machine's time zone: a replay elsewhere could judge differently.
      ['no time zone', (s) => (s.lastUpdatedAt = '2026-03-10T12:00:00'), 'lastUpdatedAt', 'SCHEMA'],
      ['a date only', (s) => (s.lastUpdatedAt = '2026-03-10'), 'lastUpdatedAt', 'SCHEMA'],
      ['an impossible day', (s) => (s.lastUpdatedAt = '2026-02-30T12:00:00Z'), 'lastUpdatedAt', 'SCHEMA'],
    ],
  },
  {
    rule: 'notInFuture',
    pass: [
      ['before now', () => undefined],
      ['exactly the 5-minute clock-skew allowance ahead', (s) => (s.lastUpdatedAt = '2026-03-10T12:35:00.000Z')],
    ],
    fail: [
      [
        '1 ms beyond the clock-skew allowance',
        (s) => (s.lastUpdatedAt = '2026-03-10T12:35:00.001Z'),
        'lastUpdatedAt',
        'ACTUAL_DATE_IN_FUTURE',
      ],
      ['a day ahead', (s) => (s.lastUpdatedAt = '2026-03-11T12:30:00Z'), 'lastUpdatedAt', 'ACTUAL_DATE_IN_FUTURE'],
    ],
  },
  {
    rule: 'isoDate',
    pass: [
      [
        'a leap day',
        (s) => (s.dates = { plannedStart: '2024-02-29', plannedEnd: '2026-04-30', actualStart: '2026-02-03' }),
      ],
      [
        '31 December',
        (s) => (s.dates = { plannedStart: '2025-12-31', plannedEnd: '2026-04-30', actualStart: '2026-02-03' }),
      ],
    ],
    fail: [
      ['plannedStart 2027-02-30', (s) => (s.dates!.plannedStart = '2027-02-30'), 'dates.plannedStart', 'SCHEMA'],
      ['plannedEnd 2027-02-30', (s) => (s.dates!.plannedEnd = '2027-02-30'), 'dates.plannedEnd', 'SCHEMA'],
      ['actualStart 2027-02-30', (s) => (s.dates!.actualStart = '2027-02-30'), 'dates.actualStart', 'SCHEMA'],
      ['actualEnd 2027-02-30', (s) => (s.dates!.actualEnd = '2027-02-30'), 'dates.actualEnd', 'SCHEMA'],
      ['29 February of a common year', (s) => (s.dates!.plannedStart = '2025-02-29'), 'dates.plannedStart', 'SCHEMA'],
      ['month 13', (s) => (s.dates!.plannedStart = '2026-13-01'), 'dates.plannedStart', 'SCHEMA'],
      ['day 00', (s) => (s.dates!.plannedStart = '2026-01-00'), 'dates.plannedStart', 'SCHEMA'],
      ['no zero padding', (s) => (s.dates!.plannedStart = '2026-2-1'), 'dates.plannedStart', 'SCHEMA'],
      ['a timestamp', (s) => (s.dates!.plannedStart = '2026-02-01T00:00:00Z'), 'dates.plannedStart', 'SCHEMA'],
      ['day/month/year', (s) => (s.dates!.plannedStart = '01/02/2026'), 'dates.plannedStart', 'SCHEMA'],
      [
        'year 0000 (PostgreSQL cannot store it)',
        (s) => (s.dates!.plannedStart = '0000-01-01'),
        'dates.plannedStart',
        'SCHEMA',
      ],
      ['year 0001', (s) => (s.dates!.plannedStart = '0001-01-01'), 'dates.plannedStart', 'SCHEMA'],
      ['the day before 1990', (s) => (s.dates!.plannedStart = '1989-12-31'), 'dates.plannedStart', 'SCHEMA'],
      ['year 2100', (s) => (s.dates!.plannedEnd = '2100-01-01'), 'dates.plannedEnd', 'SCHEMA'],
      ['year 9999', (s) => (s.dates!.plannedEnd = '9999-12-31'), 'dates.plannedEnd', 'SCHEMA'],
    ],
  },
  {
    rule: 'spanAtMost10Years',
    pass: [
      ['exactly ten years', (s) => Object.assign(s.dates!, { plannedStart: '2016-04-30', plannedEnd: '2026-04-30' })],
      [
        'the first and the last day allowed',
        (s) => Object.assign(s.dates!, { plannedStart: '2090-01-01', plannedEnd: '2099-12-31' }),
      ],
    ],
    fail: [
      [
        'ten years and a day (planned)',
        (s) => Object.assign(s.dates!, { plannedStart: '2016-04-29', plannedEnd: '2026-04-30' }),
        'dates.plannedEnd',
        'INVALID_DATES',
      ],
      [
        '1990 to 2099 (the whole range)',
        (s) => Object.assign(s.dates!, { plannedStart: '1990-01-01', plannedEnd: '2099-12-31' }),
        'dates.plannedEnd',
        'INVALID_DATES',
      ],
      [
        'eleven years (actual)',
        (s) => {
          s.status = 'CLOSED';
          s.dates = {
            plannedStart: '2015-01-01',
            plannedEnd: '2025-01-01',
            actualStart: '2015-01-01',
            actualEnd: '2026-01-02',
          };
        },
        'dates.actualEnd',
        'INVALID_DATES',
      ],
    ],
  },
  {
    rule: 'plannedOrder',
    pass: [
      ['start before end', () => undefined],
      ['start equal to end (one-day meeting)', (s) => (s.dates!.plannedEnd = s.dates!.plannedStart)],
    ],
    fail: [
      ['end a day before start', (s) => (s.dates!.plannedEnd = '2026-01-31'), 'dates.plannedEnd', 'INVALID_DATES'],
      [
        'reversed across years',
        (s) => Object.assign(s.dates!, { plannedStart: '2027-01-01', plannedEnd: '2026-12-31' }),
        'dates.plannedEnd',
        'INVALID_DATES',
      ],
    ],
  },
  {
    rule: 'actualOrder',
    pass: [
      ['start before end', withStatus('CLOSED', { actualStart: '2026-02-03', actualEnd: '2026-03-01' })],
      ['start equal to end', withStatus('CLOSED', { actualStart: '2026-02-03', actualEnd: '2026-02-03' })],
    ],
    fail: [
      [
        'end a day before start',
        withStatus('CLOSED', { actualStart: '2026-02-03', actualEnd: '2026-02-02' }),
        'dates.actualEnd',
        'INVALID_DATES',
      ],
    ],
  },
  {
    rule: 'notAfterReport',
    pass: [
      ['actual start on the report’s UTC date', (s) => (s.dates!.actualStart = '2026-03-10')],
      // A hub at UTC+14 is already on 11 March when it reports at 12:00Z on 10 March.
      [
        'actual start on the report’s UTC date + 1 day, reported at 12:00Z',
        (s) => (s.dates!.actualStart = '2026-03-11'),
      ],
      [
        'actual end on the report’s UTC date + 1 day, reported at 12:00Z',
        withStatus('CLOSED', { actualStart: '2026-03-01', actualEnd: '2026-03-11' }),
      ],
      [
        'date + 1 day reported at 10:00Z: exactly the 14 h tolerance',
        (s) => {
          s.lastUpdatedAt = '2026-03-10T10:00:00.000Z';
          s.dates!.actualStart = '2026-03-11';
        },
      ],
    ],
    fail: [
      [
        'actual start on the report’s UTC date + 2 days',
        (s) => (s.dates!.actualStart = '2026-03-12'),
        'dates.actualStart',
        'ACTUAL_DATE_IN_FUTURE',
      ],
      [
        'actual end on the report’s UTC date + 2 days',
        withStatus('CLOSED', { actualStart: '2026-03-01', actualEnd: '2026-03-12' }),
        'dates.actualEnd',
        'ACTUAL_DATE_IN_FUTURE',
      ],
      [
        'date + 1 day reported 1 ms before 10:00Z: beyond the 14 h tolerance',
        (s) => {
          s.lastUpdatedAt = '2026-03-10T09:59:59.999Z';
          s.dates!.actualStart = '2026-03-11';
        },
        'dates.actualStart',
        'ACTUAL_DATE_IN_FUTURE',
      ],
      [
        'judged against the report time, not the clock: in the past for the reader, after the report',
        (s) => {
          s.lastUpdatedAt = '2020-06-15T12:00:00Z';
          s.dates = { plannedStart: '2020-01-01', plannedEnd: '2021-12-31', actualStart: '2020-06-20' };
        },
        'dates.actualStart',
        'ACTUAL_DATE_IN_FUTURE',
      ],
    ],
  },
  {
    rule: 'actualStartRequired',
    pass: [
      ['IMPLEMENTATION with actualStart', withStatus('IMPLEMENTATION', { actualStart: '2026-02-03' })],
      ['SUSPENDED with actualStart', withStatus('SUSPENDED', { actualStart: '2026-02-03' })],
      ['FINALISATION with both', withStatus('FINALISATION', { actualStart: '2026-02-03', actualEnd: '2026-03-01' })],
      ['CLOSED with both', withStatus('CLOSED', { actualStart: '2026-02-03', actualEnd: '2026-03-01' })],
      ['PIPELINE without actualStart', withStatus('PIPELINE')],
      ['CANCELLED without actualStart (cancelled before it started)', withStatus('CANCELLED')],
    ],
    fail: [
      ['IMPLEMENTATION without actualStart', withStatus('IMPLEMENTATION'), 'dates.actualStart', 'INVALID_DATES'],
      ['SUSPENDED without actualStart', withStatus('SUSPENDED'), 'dates.actualStart', 'INVALID_DATES'],
      [
        'FINALISATION without actualStart',
        withStatus('FINALISATION', { actualEnd: '2026-03-01' }),
        'dates.actualStart',
        'INVALID_DATES',
      ],
      [
        'CLOSED without actualStart',
        withStatus('CLOSED', { actualEnd: '2026-03-01' }),
        'dates.actualStart',
        'INVALID_DATES',
      ],
      [
        'IMPLEMENTATION with no dates object at all',
        (s) => {
          delete s.dates;
        },
        'dates.actualStart',
        'INVALID_DATES',
      ],
    ],
  },
  {
    rule: 'actualEndRequired',
    pass: [
      [
        'FINALISATION with actualEnd',
        withStatus('FINALISATION', { actualStart: '2026-02-03', actualEnd: '2026-03-01' }),
      ],
      ['CLOSED with actualEnd', withStatus('CLOSED', { actualStart: '2026-02-03', actualEnd: '2026-03-01' })],
      ['IMPLEMENTATION without actualEnd', withStatus('IMPLEMENTATION', { actualStart: '2026-02-03' })],
      ['SUSPENDED without actualEnd', withStatus('SUSPENDED', { actualStart: '2026-02-03' })],
    ],
    fail: [
      [
        'FINALISATION without actualEnd',
        withStatus('FINALISATION', { actualStart: '2026-02-03' }),
        'dates.actualEnd',
        'INVALID_DATES',
      ],
      [
        'CLOSED without actualEnd',
        withStatus('CLOSED', { actualStart: '2026-02-03' }),
        'dates.actualEnd',
        'INVALID_DATES',
      ],
    ],
  },
  {
    rule: 'noActualStartInPipeline',
    pass: [
      ['PIPELINE with planned dates only', withStatus('PIPELINE')],
      ['CANCELLED after it started', withStatus('CANCELLED', { actualStart: '2026-02-03' })],
    ],
    fail: [
      [
        'PIPELINE with actualStart',
        withStatus('PIPELINE', { actualStart: '2026-02-03' }),
        'dates.actualStart',
        'INVALID_DATES',
      ],
    ],
  },
  {
    rule: 'noActualEndInPipeline',
    pass: [
      ['PIPELINE with planned dates only', withStatus('PIPELINE')],
      ['CANCELLED with actual dates', withStatus('CANCELLED', { actualStart: '2026-02-03', actualEnd: '2026-02-10' })],
    ],
    fail: [
      [
        'PIPELINE with actualEnd',
        withStatus('PIPELINE', { actualEnd: '2026-03-01' }),
        'dates.actualEnd',
        'INVALID_DATES',
      ],
    ],
  },
  {
    rule: 'globalHasNoCountries',
    pass: [
      [
        'GLOBAL without countries',
        (s) => {
          s.scope = 'GLOBAL';
          s.recipientCountries = [];
        },
      ],
      ['MULTI_REGIONAL with countries', (s) => (s.scope = 'MULTI_REGIONAL')],
      ['no scope with countries', (s) => delete s.scope],
    ],
    fail: [
      [
        'GLOBAL with one country',
        (s) => {
          s.scope = 'GLOBAL';
          s.recipientCountries = ['FR'];
        },
        'recipientCountries',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'isoCountry',
    pass: [
      ['upper-case alpha-2 codes', (s) => (s.recipientCountries = ['FR', 'GB', 'AE', 'ZW'])],
      ['no countries', (s) => (s.recipientCountries = [])],
    ],
    fail: [
      ["lower case 'fr'", (s) => (s.recipientCountries = ['fr']), 'recipientCountries[0]', 'SCHEMA'],
      ["unassigned 'XX'", (s) => (s.recipientCountries = ['DE', 'XX']), 'recipientCountries[1]', 'SCHEMA'],
      ["alpha-3 'FRA'", (s) => (s.recipientCountries = ['NE', 'ML', 'FRA']), 'recipientCountries[2]', 'SCHEMA'],
      ["reserved 'UK'", (s) => (s.recipientCountries = ['UK']), 'recipientCountries[0]', 'SCHEMA'],
      ['empty string', (s) => (s.recipientCountries = ['']), 'recipientCountries[0]', 'SCHEMA'],
    ],
  },
  {
    rule: 'noRepeats',
    pass: [['distinct countries', (s) => (s.recipientCountries = ['FR', 'DE', 'BE'])]],
    fail: [
      ['a country twice', (s) => (s.recipientCountries = ['FR', 'DE', 'FR']), 'recipientCountries[2]', 'SCHEMA'],
      ['adjacent repeat', (s) => (s.recipientCountries = ['NE', 'NE']), 'recipientCountries[1]', 'SCHEMA'],
    ],
  },
  {
    rule: 'notPrimary',
    pass: [
      ['secondary streams differ from the primary', () => undefined],
      ['no secondary streams', (s) => (s.actionStreams = { primary: 'FINANCING', secondary: [] })],
    ],
    fail: [
      [
        'primary repeated among the secondary ones',
        (s) => (s.actionStreams = { primary: 'FINANCING', secondary: ['ONLINE_PRESENCE', 'FINANCING'] }),
        'actionStreams.secondary',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'oneTitlePerLanguage',
    pass: [
      [
        'one title in each of the four languages',
        (s) =>
          (s.titleAlt = [
            { lang: 'fr', text: 'Opération' },
            { lang: 'es', text: 'Operación' },
            { lang: 'ar', text: 'عملية' },
          ]),
      ],
      ['no translations', (s) => delete s.titleAlt],
    ],
    fail: [
      [
        'a translation in the title’s own language',
        (s) => (s.titleAlt = [{ lang: 'en', text: 'Sahel Shield' }]),
        'titleAlt[0].lang',
        'SCHEMA',
      ],
      [
        'two translations in the same language',
        (s) =>
          (s.titleAlt = [
            { lang: 'fr', text: 'Bouclier du Sahel' },
            { lang: 'fr', text: 'Opération Bouclier' },
          ]),
        'titleAlt[1].lang',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'notSelf',
    pass: [
      [
        'related to other initiatives, including another reporter’s report of the same activity',
        (s) =>
          (s.relatedInitiatives = [
            { ref: 'IP-HUB-AFR-PRJ-7', type: 1 },
            { ref: 'PT-AFRIPOL-OPS-9', type: 5 },
          ]),
      ],
    ],
    fail: [
      [
        'related to itself',
        (s) =>
          (s.relatedInitiatives = [
            { ref: 'IP-HUB-AFR-PRJ-7', type: 1 },
            { ref: s.initiativeId, type: 3 },
          ]),
        'relatedInitiatives[1].ref',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'noNulCharacter',
    pass: [['text without one', () => undefined]],
    fail: [
      ['in the title', (s) => (s.title.text = `Operation${ch(0)}Sahel`), 'title.text', 'SCHEMA'],
      ['in the description', (s) => (s.description = `a${ch(0)}`), 'description', 'SCHEMA'],
      [
        'in a participating organisation name',
        (s) => (s.participatingOrgs![0].name = `AFRI${ch(0)}POL`),
        'participatingOrgs[0].name',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'noLoneSurrogate',
    pass: [
      ['a character outside the BMP (a surrogate pair)', (s) => (s.title.text = 'Operation Sahel Shield \u{1F6E1}')],
    ],
    fail: [
      ['a high surrogate alone', (s) => (s.title.text = `Operation ${ch(0xd800)}`), 'title.text', 'SCHEMA'],
      ['a low surrogate alone', (s) => (s.titleAlt![0].text = `${ch(0xdc00)} Sahel`), 'titleAlt[0].text', 'SCHEMA'],
      [
        'two high surrogates',
        (s) => (s.description = `${ch(0xd800)}${ch(0xd800)}${ch(0xdc00)}`),
        'description',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'noControlCharacters',
    pass: [['line breaks and tabs in the description', (s) => (s.description = 'Line one\nline two\r\n\tindented')]],
    fail: [
      ['a line feed in the title', (s) => (s.title.text = 'Operation\nSahel'), 'title.text', 'SCHEMA'],
      ['a tab in the title', (s) => (s.title.text = 'Operation\tSahel'), 'title.text', 'SCHEMA'],
      [
        'an escape (terminal control) in the description',
        (s) => (s.description = `x${ch(0x1b)}[2J`),
        'description',
        'SCHEMA',
      ],
      [
        'DEL in an identifier ref',
        (s) => (s.otherIdentifiers![0].ref = `AFP${ch(0x7f)}`),
        'otherIdentifiers[0].ref',
        'SCHEMA',
      ],
      ['a C1 control in the title', (s) => (s.title.text = `Operation${ch(0x85)}Sahel`), 'title.text', 'SCHEMA'],
    ],
  },
  {
    rule: 'noBidiOverride',
    pass: [
      [
        'Arabic with right-to-left marks',
        (s) => (s.titleAlt = [{ lang: 'ar', text: `عملية درع الساحل${ch(0x200f)}` }]),
      ],
    ],
    fail: [
      [
        'a right-to-left override in the title',
        (s) => (s.title.text = `Operation ${ch(0x202e)}dleihS`),
        'title.text',
        'SCHEMA',
      ],
      [
        'a first-strong isolate in the description',
        (s) => (s.description = `a${ch(0x2068)}b`),
        'description',
        'SCHEMA',
      ],
    ],
  },
  {
    rule: 'noReplacementCharacter',
    pass: [['accents, Arabic and CJK', (s) => (s.description = 'Opération — عملية — 作戦')]],
    fail: [
      ['U+FFFD where bytes were not UTF-8', (s) => (s.title.text = `Op${ch(0xfffd)}ration`), 'title.text', 'SCHEMA'],
      ['the noncharacter U+FFFF', (s) => (s.description = `x${ch(0xffff)}`), 'description', 'SCHEMA'],
    ],
  },
];

describe('initiativeRuleViolations', () => {
  it('a valid snapshot has no violation', () => {
    expect(initiativeRuleViolations(validSnapshot(), NOW)).toEqual([]);
  });

  it('a minimal valid snapshot (no optional field) has no violation', () => {
    const s: InitiativeSnapshot = {
      initiativeId: 'PT-UNODC-MTG-1',
      reportingOrg: { ref: 'PT-UNODC', type: 'PARTNER', secondaryReporter: true },
      version: 1,
      lastUpdatedAt: REPORTED_AT,
      kind: 'MTG',
      title: { lang: 'fr', text: 'Atelier régional' },
      actionStreams: { primary: 'FINANCING', secondary: [] },
      status: 'PIPELINE',
      recipientCountries: [],
      visibility: 'INTERPOL_RESTRICTED',
    };
    expect(initiativeRuleViolations(s, NOW)).toEqual([]);
  });

  it('uses the real clock when no `now` is given', () => {
    const s = snapshot((x) => (x.lastUpdatedAt = new Date(Date.now() + 3_600_000).toISOString()));
    expect(initiativeRuleViolations(s).map((v) => v.rule)).toEqual(['notInFuture']);
    expect(initiativeRuleViolations(validSnapshot())).toEqual([]);
  });

  it('the tables cover every rule exactly once', () => {
    const rules = TABLES.map((t) => t.rule);
    expect(new Set(rules).size).toBe(rules.length);
    expect([...rules].sort()).toEqual(
      [
        'ownPrefix',
        'localIdPattern',
        'isoTimestamp',
        'notInFuture',
        'isoDate',
        'plannedOrder',
        'actualOrder',
        'notAfterReport',
        'actualStartRequired',
        'actualEndRequired',
        'noActualStartInPipeline',
        'noActualEndInPipeline',
        'globalHasNoCountries',
        'isoCountry',
        'noRepeats',
        'notPrimary',
        'oneTitlePerLanguage',
        'notSelf',
        'spanAtMost10Years',
        'noNulCharacter',
        'noLoneSurrogate',
        'noControlCharacters',
        'noBidiOverride',
        'noReplacementCharacter',
      ].sort(),
    );
    for (const t of TABLES) {
      expect(t.pass.length).toBeGreaterThan(0);
      expect(t.fail.length).toBeGreaterThan(0);
    }
  });

  describe.each(TABLES.map((t) => [t.rule, t] as const))('%s', (_rule, table) => {
    it.each(table.pass)('passes: %s', (_label, patch, now = NOW) => {
      expect(initiativeRuleViolations(snapshot(patch), now)).toEqual([]);
    });

    const fail = table.fail.map(([label, patch, field, reason, now]) => [label, field, reason, patch, now] as const);
    it.each(fail)('fails: %s → %s (%s)', (_label, field, reason, patch, now = NOW) => {
      const violations = initiativeRuleViolations(snapshot(patch), now);
      const expected: Expected = { field, rule: table.rule, reason };
      expect(violations).toEqual([{ ...expected, message: expect.any(String) }]);
      expect(violations[0].message.length).toBeGreaterThan(0);
    });
  });

  it('reports every broken rule, in rule order', () => {
    const s = snapshot((x) => {
      x.initiativeId = 'IP-HUB-EUR-1';
      x.status = 'CLOSED';
      x.dates = { plannedStart: '2026-05-01', plannedEnd: '2026-04-01' };
      x.recipientCountries = ['FR', 'FR'];
    });
    expect(initiativeRuleViolations(s, NOW).map((v) => [v.field, v.rule, v.reason])).toEqual([
      ['initiativeId', 'ownPrefix', 'SCHEMA'],
      ['dates.plannedEnd', 'plannedOrder', 'INVALID_DATES'],
      ['dates.actualStart', 'actualStartRequired', 'INVALID_DATES'],
      ['dates.actualEnd', 'actualEndRequired', 'INVALID_DATES'],
      ['recipientCountries[1]', 'noRepeats', 'SCHEMA'],
    ]);
  });

  it('a malformed date is not also judged for order or report time', () => {
    const s = snapshot((x) => Object.assign(x.dates!, { plannedStart: '2026-02-31', actualStart: '2099-02-30' }));
    expect(initiativeRuleViolations(s, NOW).map((v) => [v.field, v.rule])).toEqual([
      ['dates.plannedStart', 'isoDate'],
      ['dates.actualStart', 'isoDate'],
    ]);
  });

  it('an unparseable report time skips the report-time check of actual dates', () => {
    const s = snapshot((x) => {
      x.lastUpdatedAt = 'yesterday';
      x.dates!.actualStart = '2099-01-01';
      x.dates!.plannedStart = '2095-01-01';
      x.dates!.plannedEnd = '2099-12-31';
    });
    expect(initiativeRuleViolations(s, NOW).map((v) => v.rule)).toEqual(['isoTimestamp']);
  });

  describe('replay years later gives the same verdict', () => {
    const closedIn2020 = snapshot((s) => {
      s.lastUpdatedAt = '2020-06-15T09:00:00.000Z';
      s.status = 'CLOSED';
      s.dates = {
        plannedStart: '2020-01-01',
        plannedEnd: '2020-06-30',
        actualStart: '2020-01-10',
        actualEnd: '2020-06-15',
      };
    });

    it.each([
      ['at the report time', Date.parse('2020-06-15T09:00:00.000Z')],
      ['a year later', Date.parse('2021-06-15T09:00:00.000Z')],
      ['in 2030', Date.parse('2030-01-01T00:00:00.000Z')],
    ])('a 2020 snapshot with 2020 actual dates, checked %s → no violation', (_label, now) => {
      expect(initiativeRuleViolations(closedIn2020, now)).toEqual([]);
    });

    it('and a snapshot whose actual date was after its report stays rejected in 2030', () => {
      const s = snapshot((x) => {
        x.lastUpdatedAt = '2020-06-15T09:00:00.000Z';
        x.status = 'CLOSED';
        x.dates = {
          plannedStart: '2020-01-01',
          plannedEnd: '2020-06-30',
          actualStart: '2020-01-10',
          actualEnd: '2020-06-20',
        };
      });
      for (const now of [Date.parse('2020-06-15T09:00:00Z'), Date.parse('2030-01-01T00:00:00Z')]) {
        expect(initiativeRuleViolations(s, now).map((v) => [v.field, v.rule])).toEqual([
          ['dates.actualEnd', 'notAfterReport'],
        ]);
      }
    });
  });
});

describe('isAllowedTransition / ALLOWED_TRANSITIONS (docs/domain.md lifecycle)', () => {
  // Written from docs/domain.md "Statuses and transitions": PIPELINE → IMPLEMENTATION | CANCELLED; IMPLEMENTATION → FINALISATION | CLOSED | SUSPENDED |
  // CANCELLED; SUSPENDED → IMPLEMENTATION | CANCELLED; FINALISATION → CLOSED; CLOSED, CANCELLED terminal; same-status
  // updates allowed. Rows are `from`, columns are `to`.
  const COLUMNS: InitiativeStatus[] = [
    'PIPELINE',
    'IMPLEMENTATION',
    'FINALISATION',
    'CLOSED',
    'CANCELLED',
    'SUSPENDED',
  ];
  const Y = true;
  const n = false;
  const MATRIX: Record<InitiativeStatus, boolean[]> = {
    //              PIPE IMPL FINA CLOS CANC SUSP
    PIPELINE: /*    */ [Y, Y, n, n, Y, n],
    IMPLEMENTATION: /**/ [n, Y, Y, Y, Y, Y],
    FINALISATION: /**/ [n, n, Y, Y, n, n],
    CLOSED: /*      */ [n, n, n, Y, n, n],
    CANCELLED: /*   */ [n, n, n, n, Y, n],
    SUSPENDED: /*   */ [n, Y, n, n, Y, Y],
  };

  const PAIRS = COLUMNS.flatMap((from) =>
    COLUMNS.map((to, j) => [from, to, MATRIX[from][j]] as [InitiativeStatus, InitiativeStatus, boolean]),
  );

  it('the matrix covers the six statuses', () => {
    expect([...COLUMNS].sort()).toEqual([...INITIATIVE_STATUSES].sort());
    expect(Object.keys(MATRIX).sort()).toEqual([...INITIATIVE_STATUSES].sort());
    expect(PAIRS).toHaveLength(36);
  });

  it.each(PAIRS)('%s → %s: %s', (from, to, allowed) => {
    expect(isAllowedTransition(from, to)).toBe(allowed);
  });

  it('ALLOWED_TRANSITIONS lists exactly the allowed changes of status (same-status updates are implicit)', () => {
    for (const from of COLUMNS) {
      const expected = COLUMNS.filter((to, j) => to !== from && MATRIX[from][j]).sort();
      expect([...ALLOWED_TRANSITIONS[from]].sort()).toEqual(expected);
    }
  });

  it.each(['CLOSED', 'CANCELLED'] as InitiativeStatus[])('%s is terminal', (status) => {
    expect(ALLOWED_TRANSITIONS[status]).toEqual([]);
    expect(COLUMNS.filter((to) => isAllowedTransition(status, to))).toEqual([status]);
  });
});
