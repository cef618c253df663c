import { randomUUID } from 'node:crypto';
import {
  ACTION_STREAMS,
  CAPABILITIES,
  Capability,
  CloudEvent,
  HUB_REGIONS,
  HubRegion,
  INITIATIVE_KINDS,
  InitiativeEventType,
  InitiativeScope,
  InitiativeSnapshot,
  Language,
  VISIBILITIES,
} from '@ctp/contracts';
import { hubInitiativeEvent } from '../test/support/events';

/** One outbox row as the hub writes it: `payload` is the CloudEvents envelope exactly as stored in outbox_events. */
export interface OutboxRow {
  region: HubRegion;
  eventId: string;
  /** Subject under `ctp.`; the floor swaps the root for its own (see `withSubjectRoot`). */
  subject: string;
  payload: string;
  correlationId: string;
}

/** A small deterministic PRNG (mulberry32), so that every run sends the same mix. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)];

function pickSome<T>(rnd: () => number, items: readonly T[], min: number, max: number): T[] {
  const n = min + Math.floor(rnd() * (max - min + 1));
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(rnd() * pool.length), 1)[0]);
  return out;
}

/** Recipient countries a hub typically reports, per region. */
const COUNTRIES: Record<HubRegion, string[]> = {
  afr: ['KE', 'TZ', 'UG', 'NG', 'SN', 'ML', 'NE', 'SO', 'ET', 'MZ', 'CM', 'TD', 'BF', 'GH'],
  mde: ['JO', 'LB', 'IQ', 'EG', 'SA', 'AE', 'QA', 'OM', 'KW', 'BH', 'TN', 'MA', 'DZ', 'LY'],
  asi: ['ID', 'MY', 'PH', 'TH', 'SG', 'VN', 'BD', 'PK', 'LK', 'KH', 'MV', 'NP', 'IN', 'JP'],
  eur: ['FR', 'DE', 'BE', 'NL', 'ES', 'IT', 'PL', 'SE', 'AT', 'PT', 'GR', 'RO', 'BG', 'HR'],
};

const LANG: Record<HubRegion, Language[]> = {
  afr: ['en', 'fr'],
  mde: ['ar', 'en', 'fr'],
  asi: ['en'],
  eur: ['en', 'fr', 'es'],
};

const TITLES: Record<Language, string[]> = {
  en: [
    'Regional training on foreign terrorist fighters and travel document fraud',
    'Joint border operation on terrorist travel along the coastal corridor',
    'Workshop on online terrorist content referral and removal',
    'Capacity building for biometric screening at land crossings',
    'Expert meeting on terrorism financing through informal value transfer',
  ],
  fr: [
    'Formation régionale sur les combattants terroristes étrangers',
    'Opération conjointe aux frontières sur les déplacements de terroristes',
    'Atelier sur le financement du terrorisme et les transferts informels',
    'Renforcement des capacités de contrôle biométrique aux frontières terrestres',
  ],
  es: [
    'Formación regional sobre combatientes terroristas extranjeros',
    'Operación conjunta de control fronterizo sobre viajes de terroristas',
    'Taller sobre contenidos terroristas en línea y su retirada',
  ],
  ar: [
    'دورة تدريبية إقليمية حول المقاتلين الإرهابيين الأجانب',
    'عملية مشتركة على الحدود بشأن تنقل الإرهابيين',
    'ورشة عمل حول تمويل الإرهاب عبر التحويلات غير الرسمية',
  ],
};

function isoDate(rnd: () => number, fromYear: number, days = 730): string {
  const d = new Date(Date.UTC(fromYear, 0, 1) + Math.floor(rnd() * days) * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** What a hub system reports about an initiative: the REST body of `POST /initiatives`, and the snapshot's content. */
export interface InitiativeContent {
  localId: string;
  kind: InitiativeSnapshot['kind'];
  title: { lang: Language; text: string };
  actionStreams: InitiativeSnapshot['actionStreams'];
  capabilities?: Capability[];
  status: 'PIPELINE' | 'IMPLEMENTATION';
  dates: { plannedStart: string; plannedEnd: string; actualStart?: string };
  scope: InitiativeScope;
  recipientCountries: string[];
  visibility: InitiativeSnapshot['visibility'];
}

/**
 * A new initiative as a regional hub system reports it (the body test/e2e/hub-to-platform.test.ts sends), valid
 * under the contract's rules: an IMPLEMENTATION initiative has an actual start (in the past), a PIPELINE one none.
 */
export function reportRequest(region: HubRegion, localId: string, rnd: () => number): InitiativeContent {
  const lang = pick(rnd, LANG[region]);
  const streams = pickSome(rnd, ACTION_STREAMS, 1, 3);
  const status = rnd() < 0.7 ? 'PIPELINE' : 'IMPLEMENTATION';
  const plannedStart = isoDate(rnd, 2026);
  const plannedEnd = plannedStart.replace(/^(\d{4})/, (y) => `${+y + 1}`);
  const capabilities = rnd() < 0.6 ? pickSome(rnd, CAPABILITIES, 1, 2) : undefined;
  return {
    localId,
    kind: pick(rnd, INITIATIVE_KINDS),
    title: { lang, text: `${pick(rnd, TITLES[lang])} ${localId}` },
    actionStreams: { primary: streams[0], secondary: streams.slice(1) },
    ...(capabilities ? { capabilities } : {}),
    status,
    dates:
      status === 'IMPLEMENTATION'
        ? { plannedStart, plannedEnd, actualStart: isoDate(rnd, 2024, 600) }
        : { plannedStart, plannedEnd },
    scope: pick(rnd, ['REGIONAL', 'NATIONAL', 'MULTI_REGIONAL'] as const),
    recipientCountries: pickSome(rnd, COUNTRIES[region], 1, 4),
    visibility: pick(rnd, VISIBILITIES),
  };
}

/** The next version's content: a PIPELINE initiative starts, an ongoing one changes its countries or title. */
export function updatedContent(region: HubRegion, previous: InitiativeContent, rnd: () => number): InitiativeContent {
  if (previous.status === 'PIPELINE') {
    return {
      ...previous,
      status: 'IMPLEMENTATION',
      dates: { ...previous.dates, actualStart: isoDate(rnd, 2024, 600) },
    };
  }
  return rnd() < 0.5
    ? { ...previous, recipientCountries: pickSome(rnd, COUNTRIES[region], 1, 4) }
    : {
        ...previous,
        title: { lang: previous.title.lang, text: `${pick(rnd, TITLES[previous.title.lang])} ${previous.localId}` },
      };
}

/**
 * A hub's initiative event carrying `content` as a `ctp:initiative:v1` snapshot, in the envelope shape of
 * test/support/events.ts (which is also what the hub's ReportInitiative writes). The snapshot is ~600 bytes of JSON,
 * the whole envelope ~950.
 */
export function initiativeEvent(
  region: HubRegion,
  content: InitiativeContent,
  version: number,
  time = new Date(),
): { subject: string; event: CloudEvent<InitiativeSnapshot> } {
  const type = version === 1 ? InitiativeEventType.Reported : InitiativeEventType.Updated;
  const { subject, event } = hubInitiativeEvent(region, content.localId, version, type);
  const iso = time.toISOString();
  event.time = iso;
  event.data = {
    initiativeId: event.data.initiativeId,
    reportingOrg: event.data.reportingOrg,
    version,
    lastUpdatedAt: iso,
    kind: content.kind,
    title: content.title,
    actionStreams: content.actionStreams,
    ...(content.capabilities ? { capabilities: content.capabilities } : {}),
    status: content.status,
    dates: content.dates,
    scope: content.scope,
    recipientCountries: content.recipientCountries,
    visibility: content.visibility,
  };
  return { subject, event };
}

/**
 * `count` events split evenly across the four hubs. About a quarter are updates (version 2, 3, …) of an initiative
 * the same hub reported earlier in the sequence, so each hub's outbox holds an initiative's versions in order.
 */
export function generateOutboxRows(count: number, seed = 20_251_126): OutboxRow[] {
  const rnd = prng(seed);
  const rows: OutboxRow[] = [];
  const recent: Record<HubRegion, { content: InitiativeContent; version: number }[]> = {
    afr: [],
    mde: [],
    asi: [],
    eur: [],
  };
  const base = Date.now();
  for (let i = 0; i < count; i++) {
    const region = HUB_REGIONS[i % HUB_REGIONS.length];
    const mine = recent[region];
    let entry: { content: InitiativeContent; version: number };
    if (mine.length > 20 && rnd() < 0.25) {
      entry = mine[Math.floor(rnd() * mine.length)];
      entry.content = updatedContent(region, entry.content, rnd);
      entry.version++;
    } else {
      const localId = `bench-${i.toString(36)}-${Math.floor(rnd() * 1e6).toString(36)}`;
      entry = { content: reportRequest(region, localId, rnd), version: 1 };
      mine.push(entry);
      if (mine.length > 200) mine.shift();
    }
    const { subject, event } = initiativeEvent(region, entry.content, entry.version, new Date(base + i));
    const correlationId = randomUUID();
    event.correlationid = correlationId;
    rows.push({ region, eventId: event.id, subject, payload: JSON.stringify(event), correlationId });
  }
  return rows;
}

/** `ctp.hub.eur.…` → `floor.hub.eur.…` for the hand-written pipeline's own stream. */
export function withSubjectRoot(subject: string, root: string): string {
  return `${root}${subject.slice(subject.indexOf('.'))}`;
}
