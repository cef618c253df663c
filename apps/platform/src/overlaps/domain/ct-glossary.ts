import type { GlossaryAddition } from './glossary-addition';
import base from './glossary/base.json';
import identificationAndTravel from './glossary/identification-and-travel.json';
import onlineAndFinancing from './glossary/online-and-financing.json';
import paraphrases from './glossary/paraphrases.json';
import places from './glossary/places.json';
import themes from './glossary/themes.json';
import weaponsPrisonsProtectionResponse from './glossary/weapons-prisons-protection-response.json';
/**
 * A small multilingual counter-terrorism glossary (INTERPOL's four working languages) used to compare initiative
 * titles across languages: two titles that name the same concepts describe the same kind of activity, whatever the
 * language they are written in.
 *
 * Terms are stored as a person writes them (accents, capitals, articles, elisions, Arabic hamza forms); they are
 * normalised once, at module load, with the same `normaliseText` + light stemmer applied to titles
 * (title-similarity.ts), so "Combattants terroristes étrangers", "combattant terroriste etranger" and
 * "les combattants terroristes étrangers" all read the same. Multi-word terms are matched longest first.
 *
 * The id's prefix is the concept's category, which sets how much a shared concept counts (see `conceptWeight` in
 * title-similarity.ts):
 * - `id.` `tr.` `on.` `wp.` `fi.` the five action streams' vocabulary (identification, travel and mobility, online
 *   presence, weapons and materials, financing), `ct.` other counter-terrorism topics, `pl.` places: full weight;
 * - `ac.` actors (police, customs, prosecutors…): three quarters;
 * - `kd.` kinds of activity (training, workshop, operation…): half;
 * - `gen.` words nearly every title of this domain carries (terrorism, regional, cooperation…): a quarter.
 *
 * A term must not name two concepts in the same language once normalised (a unit test checks it).
 *
 * The terms are data, in glossary/: base.json (concepts and broader links) and one file per group of action streams
 * (identification and travel; online and financing; weapons, prisons, protection and response), then paraphrases.json
 * (the other words reports use for the same things: post-blast / explosion site / IED scene, Arabic singular and plural
 * forms…), whose entries add terms to a concept or new concepts with their broader links. Training, course, workshop and seminar are one concept
 * (`kd.training`): one reporter's training is another's workshop.
 * themes.json gives the action streams' and counter-terrorism subject concepts broader theme concepts (forensic
 * identification, traveller screening, CBRN security…): a small number of areas of work per stream, so that two titles
 * on closely related subjects share an implied theme.
 * places.json is a gazetteer: one `pl.city.<name>` concept per city (capitals, ports, border towns), with its names.
 */
export type { GlossaryAddition } from './glossary-addition';

export interface GlossaryConcept {
  id: string;
  en: string[];
  fr: string[];
  es: string[];
  ar: string[];
}

const LANGS = ['en', 'fr', 'es', 'ar'] as const;

function merged(
  base: readonly GlossaryConcept[],
  baseBroader: Readonly<Record<string, readonly string[]>>,
  additions: readonly GlossaryAddition[],
): { glossary: GlossaryConcept[]; broader: Record<string, string[]> } {
  const byId = new Map(base.map((c) => [c.id, { ...c, en: [...c.en], fr: [...c.fr], es: [...c.es], ar: [...c.ar] }]));
  const broader: Record<string, string[]> = Object.fromEntries(
    Object.entries(baseBroader).map(([k, v]) => [k, [...v]]),
  );
  for (const a of additions) {
    const c = byId.get(a.id) ?? { id: a.id, en: [], fr: [], es: [], ar: [] };
    for (const lang of LANGS) for (const t of a[lang] ?? []) if (!c[lang].includes(t)) c[lang].push(t);
    byId.set(a.id, c);
    for (const b of a.broader ?? []) {
      const list = (broader[a.id] ??= []);
      if (!list.includes(b)) list.push(b);
    }
  }
  for (const c of byId.values()) {
    for (const lang of LANGS) if (c[lang].length === 0) throw new Error(`glossary concept ${c.id} has no ${lang} term`);
  }
  return { glossary: [...byId.values()], broader };
}

/** The base glossary, then the action streams' vocabulary (glossary/*.json: data, kept apart from the code). */
const MERGED = merged(base.concepts as GlossaryConcept[], base.broader as Record<string, string[]>, [
  ...(identificationAndTravel as GlossaryAddition[]),
  ...(onlineAndFinancing as GlossaryAddition[]),
  ...(weaponsPrisonsProtectionResponse as GlossaryAddition[]),
  ...(paraphrases as GlossaryAddition[]),
  ...(themes as GlossaryAddition[]),
  ...(places as GlossaryAddition[]),
]);

/** The glossary: glossary/base.json with the action streams' vocabulary files merged in. */
export const CT_GLOSSARY: readonly GlossaryConcept[] = MERGED.glossary;

/** Concept id → broader concept ids it implies (at `IMPLIED_CONCEPT_FACTOR` of their weight, title-similarity.ts). */
export const CT_BROADER: Readonly<Record<string, readonly string[]>> = MERGED.broader;
