import type { Language, LocalizedText } from '@ctp/contracts';
import { CT_BROADER, CT_GLOSSARY } from './ct-glossary';
import { compiledGlossaryTerms, matchKey, normaliseText, titleConcepts, titleSimilarity } from './title-similarity';

const LANGS: Language[] = ['en', 'fr', 'es', 'ar'];
const t = (lang: Language, text: string): LocalizedText[] => [{ lang, text }];
const sim = (a: LocalizedText[], b: LocalizedText[]) => titleSimilarity(a, b).score;

const FR_FTF = t('fr', 'Formation régionale sur les combattants terroristes étrangers');
const EN_FTF = t('en', 'Regional training on foreign terrorist fighters');
const AR_FTF = t('ar', 'تدريب إقليمي حول المقاتلين الإرهابيين الأجانب');
const ES_FTF = t('es', 'Formación regional sobre combatientes terroristas extranjeros');

describe('normaliseText', () => {
  it('removes accents, case and punctuation', () => {
    expect(normaliseText('  Formation RÉGIONALE — « CTE » : Sahel/Niger!  ', 'fr')).toBe(
      'formation regionale cte sahel niger',
    );
    expect(normaliseText('Capacitación: ¿Tráfico ILÍCITO de armas?', 'es')).toBe(
      'capacitacion trafico ilicito de armas',
    );
    expect(normaliseText('Œuvre cœur Straße', 'fr')).toBe('oeuvre coeur strasse');
  });

  it('removes French elisions (l’, d’, qu’…) whatever the apostrophe', () => {
    expect(normaliseText("Trafic d'armes à feu en Afrique de l'Ouest", 'fr')).toBe(
      'trafic armes a feu en afrique de ouest',
    );
    expect(normaliseText('Trafic d’armes et l’enquête qu’il mène', 'fr')).toBe('trafic armes et enquete il mene');
    expect(normaliseText('D’ARMES', 'fr')).toBe(normaliseText("d'armes", 'fr'));
  });

  it('drops the English possessive', () => {
    expect(normaliseText("Fighters' travel and INTERPOL's notices", 'en')).toBe('fighters travel and interpol notices');
  });

  it('unifies Arabic letter variants: hamza forms of alef, alef wasla, taa marbuta, alef maqsura', () => {
    expect(normaliseText('أمن', 'ar')).toBe(normaliseText('امن', 'ar'));
    expect(normaliseText('إرهاب', 'ar')).toBe('ارهاب');
    expect(normaliseText('آسيا', 'ar')).toBe('اسيا');
    expect(normaliseText('ٱلتدريب', 'ar')).toBe('تدريب');
    expect(normaliseText('دورة', 'ar')).toBe('دوره');
    expect(normaliseText('مستوى', 'ar')).toBe('مستوي');
  });

  it('removes tatweel and diacritics (harakat, shadda, sukun)', () => {
    expect(normaliseText('تـــدريـب', 'ar')).toBe('تدريب');
    expect(normaliseText('تَدْرِيبٌ', 'ar')).toBe('تدريب');
    expect(normaliseText('الإِرْهَابُ', 'ar')).toBe('ارهاب');
    expect(normaliseText('المُتَفَجِّرَات', 'ar')).toBe('متفجرات');
  });

  it('removes Arabic proclitics: ال و ب ل لل وال بال كال فال', () => {
    const bare = normaliseText('تدريب', 'ar');
    for (const w of [
      'التدريب',
      'والتدريب',
      'بالتدريب',
      'كالتدريب',
      'فالتدريب',
      'للتدريب',
      'وتدريب',
      'بتدريب',
      'لتدريب',
    ]) {
      expect(normaliseText(w, 'ar')).toBe(bare);
    }
  });

  it('keeps a word whose first letter only looks like a proclitic', () => {
    expect(normaliseText('بيانات', 'ar')).toBe('بيانات');
    expect(normaliseText('البيانات', 'ar')).toBe('بيانات');
    expect(normaliseText('وبيانات', 'ar')).toBe('بيانات');
    expect(normaliseText('وثائق', 'ar')).toBe(normaliseText('الوثائق', 'ar'));
    expect(normaliseText('ووثائق', 'ar')).toBe(normaliseText('الوثائق', 'ar'));
    expect(normaliseText('ورشة', 'ar')).toBe('ورشه');
    expect(normaliseText('لبنان', 'ar')).toBe('لبنان');
  });

  it('reads a word that itself starts with ال the same with or without the article', () => {
    expect(normaliseText('الإلكترونية', 'ar')).toBe(normaliseText('إلكترونية', 'ar'));
    expect(normaliseText('والإلكترونية', 'ar')).toBe(normaliseText('إلكترونية', 'ar'));
  });

  it('turns Arabic-Indic digits into ASCII digits', () => {
    expect(normaliseText('خطة ٢٠٢٥', 'ar')).toBe('خطه 2025');
  });

  it('is stable when applied twice to glossary terms', () => {
    for (const concept of CT_GLOSSARY) {
      for (const lang of LANGS) {
        for (const term of concept[lang]) {
          const once = normaliseText(term, lang);
          expect(normaliseText(once, lang)).toBe(once);
        }
      }
    }
  });
});

describe('the glossary', () => {
  it('has at least 100 concepts with unique ids and terms in all four languages', () => {
    expect(CT_GLOSSARY.length).toBeGreaterThanOrEqual(100);
    expect(new Set(CT_GLOSSARY.map((c) => c.id)).size).toBe(CT_GLOSSARY.length);
    for (const c of CT_GLOSSARY) {
      expect(c.id).toMatch(/^(id|tr|on|wp|fi|ct|pl|ac|kd|gen)\.[a-z_]+(\.[a-z_]+)?$/);
      for (const lang of LANGS) expect(c[lang].length).toBeGreaterThan(0);
      for (const term of c.ar) expect(term).toMatch(/[\u0621-\u064A]/);
    }
  });

  it('covers the five action streams, kinds of activity, places and actors', () => {
    const prefixes = new Map<string, number>();
    for (const c of CT_GLOSSARY) {
      const p = c.id.split('.')[0];
      prefixes.set(p, (prefixes.get(p) ?? 0) + 1);
    }
    for (const p of ['id', 'tr', 'on', 'wp', 'fi']) expect(prefixes.get(p)).toBeGreaterThanOrEqual(8);
    expect(prefixes.get('kd')).toBeGreaterThanOrEqual(15);
    expect(prefixes.get('pl')).toBeGreaterThanOrEqual(15);
    expect(prefixes.get('ac')).toBeGreaterThanOrEqual(8);
  });

  it('never gives one normalised term to two concepts in the same language', () => {
    for (const lang of LANGS) {
      const owner = new Map<string, string>();
      for (const { key, conceptId } of compiledGlossaryTerms(lang)) {
        const other = owner.get(key);
        if (other !== undefined && other !== conceptId) throw new Error(`${lang} "${key}": ${other} and ${conceptId}`);
        owner.set(key, conceptId);
      }
    }
  });

  it('recognises each of its own terms as its concept', () => {
    for (const concept of CT_GLOSSARY) {
      for (const lang of LANGS) {
        for (const term of concept[lang]) {
          if (!titleConcepts(term, lang).has(concept.id))
            throw new Error(`${lang} "${term}" is not read as ${concept.id}`);
        }
      }
    }
  });

  it('compiles terms exactly as titles are read', () => {
    for (const lang of LANGS) {
      const keys = new Set(compiledGlossaryTerms(lang).map((x) => x.key));
      for (const concept of CT_GLOSSARY)
        for (const term of concept[lang]) expect(keys.has(matchKey(term, lang))).toBe(true);
    }
  });

  it('names only known concepts as broader ones, without cycles through itself', () => {
    const ids = new Set(CT_GLOSSARY.map((c) => c.id));
    for (const [narrow, broader] of Object.entries(CT_BROADER)) {
      expect(ids.has(narrow)).toBe(true);
      for (const b of broader) {
        expect(ids.has(b)).toBe(true);
        expect(b).not.toBe(narrow);
      }
    }
  });

  it.each([
    ['ar', 'المقاتلين الإرهابيين الأجانب', 'tr.foreign_terrorist_fighters'],
    ['ar', 'المقاتلون الإرهابيون الأجانب', 'tr.foreign_terrorist_fighters'],
    ['ar', 'تمويل الإرهاب', 'fi.terrorist_financing'],
    ['ar', 'الأسلحة النارية', 'wp.firearms'],
    ['ar', 'المتفجرات', 'wp.explosives'],
    ['ar', 'التدريب', 'kd.training'],
    ['ar', 'ورشة عمل', 'kd.training'],
    ['ar', 'غسل الأموال', 'fi.money_laundering'],
    ['ar', 'وثائق السفر المسروقة والمفقودة', 'tr.sltd'],
    ['fr', 'Combattants terroristes étrangers', 'tr.foreign_terrorist_fighters'],
    ['fr', "Trafic d'armes à feu", 'wp.firearms'],
    ['fr', 'Blanchiment de capitaux', 'fi.money_laundering'],
    ['fr', 'Notice rouge', 'id.red_notice'],
    ['fr', "Corne de l'Afrique", 'pl.horn_of_africa'],
    ['es', 'Combatientes terroristas extranjeros', 'tr.foreign_terrorist_fighters'],
    ['es', 'Financiación del terrorismo', 'fi.terrorist_financing'],
    ['es', 'Cuenca del lago Chad', 'pl.lake_chad_basin'],
    ['en', 'Foreign Terrorist Fighters (FTFs)', 'tr.foreign_terrorist_fighters'],
    ['en', 'API/PNR passenger data', 'tr.passenger_data'],
    ['en', 'Improvised explosive devices', 'wp.ied'],
    ['en', 'CBRNE', 'wp.cbrne'],
    ['en', 'Hawala', 'fi.hawala'],
    ['en', 'Southeast Asia', 'pl.southeast_asia'],
    ['en', 'Prosecutors', 'ac.prosecutors'],
  ] as [Language, string, string][])('reads %s "%s" as %s', (lang, text, conceptId) => {
    expect(titleConcepts(text, lang)).toContain(conceptId);
  });
});

describe('titleConcepts', () => {
  it('finds the same concepts in the French, English, Spanish and Arabic titles about foreign terrorist fighters', () => {
    const expected = ['gen.regional', 'kd.training', 'tr.foreign_terrorist_fighters'];
    for (const [lang, text] of [
      ['fr', FR_FTF[0].text],
      ['en', EN_FTF[0].text],
      ['es', ES_FTF[0].text],
      ['ar', AR_FTF[0].text],
    ] as [Language, string][]) {
      expect([...titleConcepts(text, lang)].sort()).toEqual(expected);
    }
  });

  it('takes the longest term: "foreign terrorist fighters" is not also "terrorist"', () => {
    expect([...titleConcepts('Foreign terrorist fighters', 'en')]).toEqual(['tr.foreign_terrorist_fighters']);
    expect([...titleConcepts('Stolen and lost travel documents', 'en')]).toEqual(['tr.sltd']);
    expect([...titleConcepts('Financement du terrorisme', 'fr')]).toEqual(['fi.terrorist_financing']);
  });

  it('keeps a term that overlaps a longer one and reaches further', () => {
    expect([...titleConcepts('عملية لضبط الحدود البرية', 'ar')].sort()).toEqual([
      'kd.operation',
      'pl.land_border',
      'tr.border_management',
    ]);
  });

  it('reads singular and plural, masculine and feminine alike', () => {
    expect(titleConcepts('Combattant terroriste étranger', 'fr')).toContain('tr.foreign_terrorist_fighters');
    expect(titleConcepts('Formations régionales', 'fr')).toEqual(titleConcepts('Formation régional', 'fr'));
    expect(titleConcepts('Talleres regionales', 'es')).toEqual(titleConcepts('Taller regional', 'es'));
    expect(titleConcepts('Workshops on firearm', 'en')).toEqual(titleConcepts('Workshop on firearms', 'en'));
    expect(titleConcepts('ورش عمل إقليمية', 'ar')).toEqual(titleConcepts('ورشة عمل إقليمي', 'ar'));
  });

  it('does not read the Arabic adjective "social" (اجتماعي) as a meeting (اجتماع)', () => {
    expect(titleConcepts('اجتماع إقليمي', 'ar')).toContain('kd.meeting');
    expect(titleConcepts('اجتماعات إقليمية', 'ar')).toContain('kd.meeting');
    for (const text of ['الإدماج الاجتماعي', 'الخدمات الاجتماعية', 'الأخصائيين الاجتماعيين'])
      expect(titleConcepts(text, 'ar')).not.toContain('kd.meeting');
    // Social media is still social media.
    expect(titleConcepts('وسائل التواصل الاجتماعي', 'ar')).toEqual(titleConcepts('social media', 'en'));
  });

  it('finds nothing in a text without glossary terms', () => {
    expect(titleConcepts('Annual picnic of the staff association', 'en').size).toBe(0);
    expect(titleConcepts('', 'en').size).toBe(0);
  });
});

describe('titleSimilarity', () => {
  it('scores the French and English titles about foreign terrorist fighters ≥ 0.8 with their shared concepts', () => {
    const r = titleSimilarity(FR_FTF, EN_FTF);
    expect(r.score).toBeGreaterThanOrEqual(0.8);
    expect(r.sharedConcepts).toEqual(expect.arrayContaining(['kd.training', 'tr.foreign_terrorist_fighters']));
  });

  it('matches Arabic and Spanish titles about the same thing', () => {
    expect(sim(AR_FTF, EN_FTF)).toBeGreaterThanOrEqual(0.8);
    expect(sim(AR_FTF, FR_FTF)).toBeGreaterThanOrEqual(0.8);
    expect(sim(ES_FTF, FR_FTF)).toBeGreaterThanOrEqual(0.8);
    expect(sim(t('ar', 'دورة تدريبية إقليمية حول المقاتلين الإرهابيين الأجانب'), EN_FTF)).toBeGreaterThanOrEqual(0.8);
  });

  it('ignores accents, case, punctuation, Arabic letter variants and clitics', () => {
    expect(sim(FR_FTF, t('fr', 'FORMATION REGIONALE : LES COMBATTANTS-TERRORISTES-ETRANGERS !'))).toBe(1);
    expect(sim(AR_FTF, t('ar', 'تـدريبٌ اقليمي حول المقاتلين الارهابيين الاجانب'))).toBe(1);
    expect(
      sim(t('ar', 'ورشة عمل حول تمويل الإرهاب'), t('ar', 'ورشة العمل بشأن مكافحة التمويل الإرهابي')),
    ).toBeGreaterThan(0.5);
    expect(sim(t('ar', 'تمويل الإرهاب والتدريب'), t('ar', 'التدريب وتمويل الإرهاب'))).toBe(1);
  });

  it('scores unrelated titles low (< 0.3)', () => {
    const pairs: [LocalizedText[], LocalizedText[]][] = [
      [EN_FTF, t('en', 'Workshop on money laundering and hawala')],
      [FR_FTF, t('en', 'Conference on online propaganda and encryption')],
      [AR_FTF, t('es', 'Taller sobre armas de fuego y municiones')],
      [t('en', 'Border management course'), t('en', 'Conference on online propaganda')],
      [t('es', 'Operación contra el tráfico de armas de fuego'), t('fr', 'Séminaire sur la cybercriminalité')],
      [t('ar', 'ورشة عمل حول غسل الأموال'), t('fr', 'Formation sur les documents de voyage volés')],
    ];
    for (const [a, b] of pairs) expect(sim(a, b)).toBeLessThan(0.3);
  });

  it('uses same-language trigrams for words the glossary does not know', () => {
    const a = t('en', 'Operation Blue Heron at Kilindini harbour');
    const b = t('en', 'Operation Blue Heron - Kilindini harbor');
    expect(sim(a, b)).toBeGreaterThan(0.7);
    expect(sim(a, t('fr', 'Opération Blue Heron au port de Kilindini'))).toBeLessThan(sim(a, b));
  });

  it('counts a broader concept a title implies, at a reduced weight', () => {
    const r = titleSimilarity(t('en', 'Red notices'), t('fr', 'Notices'));
    // Notices, and their theme (which counts towards the subject, not the score).
    expect(r.sharedConcepts).toEqual(['id.notices', 'id.theme.notices_and_databases']);
    expect(r.score).toBeGreaterThan(0);
    expect(r.score).toBeLessThan(1);
  });

  it('compares every title of a record with every title of the other', () => {
    const withTranslation: LocalizedText[] = [
      { lang: 'fr', text: 'Formation des magistrats du parquet aux enquêtes financières' },
      { lang: 'en', text: 'Training of prosecutors in financial investigations' },
    ];
    expect(sim(withTranslation, t('en', 'Training of prosecutors in financial investigations'))).toBe(1);
  });

  it('is symmetric, bounded and gives 0 for empty titles', () => {
    expect(sim(FR_FTF, EN_FTF)).toBe(sim(EN_FTF, FR_FTF));
    expect(sim(AR_FTF, ES_FTF)).toBe(sim(ES_FTF, AR_FTF));
    expect(sim(t('en', ''), t('en', ''))).toBe(0);
    expect(sim([], EN_FTF)).toBe(0);
    expect(sim(EN_FTF, EN_FTF)).toBe(1);
  });

  it('gives the same answer from its caches', () => {
    const a = t('fr', 'Atelier sur le trafic d’armes à feu dans les Balkans occidentaux');
    const b = t('en', 'Training on firearms trafficking in the Western Balkans');
    const first = titleSimilarity(a, b);
    expect(titleSimilarity(a, b)).toEqual(first);
    expect(titleSimilarity([...a], [...b])).toEqual(first);
  });
});

describe('placesDiffer', () => {
  const differ = (a: LocalizedText[], b: LocalizedText[]) => titleSimilarity(a, b).placesDiffer;

  it('is true when both titles name a city and no city is named by both, in any languages', () => {
    const baghdad = t('ar', 'ورشة عمل حول إساءة استخدام الجمعيات الخيرية في تمويل الإرهاب – بغداد');
    const erbil = t('en', 'Outreach to the non-profit sector on terrorist financing risks, Erbil');
    expect(titleConcepts(baghdad[0].text, 'ar').has('pl.city.baghdad')).toBe(true);
    expect(differ(baghdad, erbil)).toBe(true);
    expect(differ(t('en', 'Workshop on charities, Baghdad'), baghdad)).toBe(false);
    expect(differ(t('fr', 'Atelier sur les ONG à Bagdad'), t('en', 'NGO workshop in Baghdad and Erbil'))).toBe(false);
  });

  it('is false when either title names no city', () => {
    expect(differ(t('en', 'Workshop on charities, Baghdad'), t('en', 'Workshop on charities'))).toBe(false);
    expect(differ(EN_FTF, FR_FTF)).toBe(false);
  });
});

describe('subject', () => {
  const of = (a: LocalizedText[], b: LocalizedText[]) => {
    const s = titleSimilarity(a, b);
    return { subject: s.subject, differ: s.subjectsDiffer, areasDiffer: s.subjectAreasDiffer };
  };

  it('counts the subject concepts both name, not their kind, place or audience, in any languages', () => {
    const a = t('en', 'Workshop on charities and terrorist financing, Baghdad');
    const b = t('en', 'Workshop on prison radicalisation, Baghdad');
    expect(of(a, b)).toEqual({ subject: 0, differ: true, areasDiffer: true });
    expect(of(EN_FTF, FR_FTF)).toEqual({ subject: 1, differ: false, areasDiffer: false });
  });

  it('is 0 and says nothing against when either title names no subject', () => {
    expect(of(t('en', 'Regional workshop'), EN_FTF)).toEqual({ subject: 0, differ: false, areasDiffer: false });
  });
});
