import { randomUUID } from 'node:crypto';
import {
  ACTION_STREAMS,
  CloudEvent,
  HUB_REGIONS,
  HubRegion,
  INITIATIVE_KINDS,
  INITIATIVE_STATUSES,
  InitiativeEventType,
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

function isoDate(rnd: () => number, fromYear: number): string {
  const d = new Date(Date.UTC(fromYear, 0, 1) + Math.floor(rnd() * 730) * 86_400_000);
  return d.toISOString().slice(0, 10);
}

/** The REST body a regional hub system sends to `POST /initiatives` (as test/e2e/hub-to-platform.test.ts does). */
export function reportRequest(
  region: HubRegion,
  localId: string,
  rnd: () => number,
): {
  localId: string;
  kind: string;
  title: { lang: Language; text: string };
  actionStreams: { primary: string; secondary: string[] };
  status: string;
  dates?: { plannedStart: string; plannedEnd: string };
  recipientCountries: string[];
  visibility: string;
} {
  const lang = pick(rnd, LANG[region]);
  const streams = pickSome(rnd, ACTION_STREAMS, 1, 3);
  const start = isoDate(rnd, 2026);
  return {
    localId,
    kind: pick(rnd, INITIATIVE_KINDS),
    title: { lang, text: `${pick(rnd, TITLES[lang])} ${localId}` },
    actionStreams: { primary: streams[0], secondary: streams.slice(1) },
    status: pick(rnd, ['PIPELINE', 'IMPLEMENTATION'] as const),
    ...(rnd() < 0.8 ? { dates: { plannedStart: start, plannedEnd: start.replace(/^(\d{4})/, (y) => `${+y + 1}`) } } : {}),
    recipientCountries: pickSome(rnd, COUNTRIES[region], 1, 5),
    visibility: pick(rnd, VISIBILITIES),
  };
}

/**
 * A hub's initiative event with a varied `ctp:initiative:v1` snapshot, in the envelope shape of
 * test/support/events.ts (which is also what the hub's ReportInitiative writes): ~600 bytes of JSON.
 */
export function initiativeEvent(
  region: HubRegion,
  localId: string,
  version: number,
  rnd: () => number,
  time = new Date(),
): { subject: string; event: CloudEvent<InitiativeSnapshot> } {
  const type = version === 1 ? InitiativeEventType.Reported : InitiativeEventType.Updated;
  const { subject, event } = hubInitiativeEvent(region, localId, version, type);
  const body = reportRequest(region, localId, rnd);
  const iso = time.toISOString();
  event.time = iso;
  event.data = {
    initiativeId: event.data.initiativeId,
    reportingOrg: event.data.reportingOrg,
    version,
    lastUpdatedAt: iso,
    kind: body.kind as InitiativeSnapshot['kind'],
    title: body.title,
    actionStreams: body.actionStreams as InitiativeSnapshot['actionStreams'],
    status: (version === 1 ? body.status : pick(rnd, INITIATIVE_STATUSES)) as InitiativeSnapshot['status'],
    ...(body.dates ? { dates: body.dates } : {}),
    recipientCountries: body.recipientCountries,
    visibility: body.visibility as InitiativeSnapshot['visibility'],
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
  const recent: Record<HubRegion, { localId: string; version: number }[]> = { afr: [], mde: [], asi: [], eur: [] };
  const base = Date.now();
  for (let i = 0; i < count; i++) {
    const region = HUB_REGIONS[i % HUB_REGIONS.length];
    const mine = recent[region];
    let localId: string;
    let version: number;
    if (mine.length > 20 && rnd() < 0.25) {
      const j = Math.floor(rnd() * mine.length);
      mine[j].version++;
      ({ localId, version } = mine[j]);
    } else {
      localId = `bench-${i.toString(36)}-${Math.floor(rnd() * 1e6).toString(36)}`;
      version = 1;
      mine.push({ localId, version });
      if (mine.length > 200) mine.shift();
    }
    const { subject, event } = initiativeEvent(region, localId, version, rnd, new Date(base + i));
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
