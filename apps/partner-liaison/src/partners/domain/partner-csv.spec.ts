import { MalformedRequest } from './partner-errors';
import { parseHashtag, readPartnerCsv, useOf } from './partner-csv';

const HEAD = [
  ['Id', '#activity+id'],
  ['Titre', '#activity+name'],
  ['Langue', '#meta+lang'],
  ['Type', '#activity+type'],
  ['Axes', '#sector'],
  ['Statut', '#status'],
  ['Pays', '#country+code'],
  ['Début', '#date+start'],
  ['Fin', '#date+end'],
  ['Portée', '#scope'],
  ['Visibilité', '#meta+visibility'],
];
const GOOD = [
  'GLO-1',
  'Formation régionale',
  'fr',
  'TRN',
  'TRAVEL_MOBILITY',
  'PIPELINE',
  'FR|BE',
  '2027-03-01',
  '2027-03-05',
  'REGIONAL',
  'PARTNER_SHAREABLE',
];

function csv(head: string[][], ...rows: string[][]): string {
  const line = (cells: string[]) => cells.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
  return [line(head.map((h) => h[0])), line(head.map((h) => h[1])), ...rows.map(line)].join('\r\n') + '\r\n';
}
const withColumn = (name: string, tag: string, value: string) => ({
  head: [...HEAD, [name, tag]],
  row: [...GOOD, value],
});
function fileError(text: string): MalformedRequest {
  try {
    readPartnerCsv(text);
  } catch (err) {
    if (err instanceof MalformedRequest) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('HXL hashtags', () => {
  it.each([
    ['#activity+id', { tag: 'activity', attributes: ['id'] }],
    ['#Activity +Name +i_FR', { tag: 'activity', attributes: ['name', 'i_fr'] }],
    ['  #date+start+actual ', { tag: 'date', attributes: ['start', 'actual'] }],
    ['#sector', { tag: 'sector', attributes: [] }],
  ])('parses %s', (cell, expected) => expect(parseHashtag(cell)).toEqual(expected));

  it.each(['activity+id', '#', '#1abc', '#activity+', 'Title', '#activity id'])('rejects %p', (cell) =>
    expect(parseHashtag(cell)).toBeUndefined(),
  );

  it.each([
    ['#activity+id', 'localId'],
    ['#activity+name+i_ar', 'title'],
    ['#activity+type', 'kind'],
    ['#activity+kind', 'kind'],
    ['#activity+code', 'codeName'],
    ['#activity+related', 'related'],
    ['#sector', 'sectors'],
    ['#status', 'status'],
    ['#country+code', 'countries'],
    ['#date+start', 'plannedStart'],
    ['#date+start+planned', 'plannedStart'],
    ['#date+end', 'plannedEnd'],
    ['#date+start+actual', 'actualStart'],
    ['#date+end+actual', 'actualEnd'],
    ['#scope', 'scope'],
    ['#meta+scope', 'scope'],
    ['#meta+visibility', 'visibility'],
    ['#meta+lang', 'titleLang'],
    ['#description', 'description'],
    ['#capability', 'capabilities'],
    ['#org+funding', 'org'],
    ['#org+implementing+name', 'org'],
  ])('reads %s as %s', (tag, field) => expect(useOf(parseHashtag(tag)!)?.field).toBe(field));

  it.each(['#country', '#country+name', '#date', '#date+start+end', '#org', '#adm1+code', '#meta'])(
    'does not read %s',
    (tag) => expect(useOf(parseHashtag(tag)!)).toBeUndefined(),
  );
});

describe('readPartnerCsv', () => {
  it('turns a row into the JSON body of POST /partners/:ref/initiatives, by hashtag whatever the header text', () => {
    const { rows, ignoredColumns } = readPartnerCsv(csv(HEAD, GOOD));
    expect(ignoredColumns).toEqual([]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ line: 3, localId: 'GLO-1', problems: [] });
    expect(rows[0].body).toEqual({
      localId: 'GLO-1',
      kind: 'TRN',
      title: { lang: 'fr', text: 'Formation régionale' },
      actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: [] },
      status: 'PIPELINE',
      dates: { plannedStart: '2027-03-01', plannedEnd: '2027-03-05' },
      scope: 'REGIONAL',
      recipientCountries: ['FR', 'BE'],
      visibility: 'PARTNER_SHAREABLE',
    });
  });

  it('reads every optional column', () => {
    const head = [
      ...HEAD,
      ['Code', '#activity+code'],
      ['Début réel', '#date+start+actual'],
      ['Fin réelle', '#date+end+actual'],
      ['Capacités', '#capability'],
      ['Bailleurs', '#org+funding'],
      ['Noms', '#org+funding+name'],
      ['Exécution', '#org+implementing'],
      ['Lié', '#activity+related'],
      ['Description', '#description'],
      ['Title', '#activity+name+i_en'],
    ];
    const row = [
      ...GOOD.slice(0, 4),
      'travel mobility | identification',
      '4',
      'fr ; be',
      '2025-03-01',
      '2025-03-05',
      'regional',
      'interpol-restricted',
      'TRIGGER-IX',
      '2025-03-02',
      '2025-03-06',
      'CAPACITY_BUILDING|border management',
      'XI-IATI-EC_INTPA|GB-GOV-1',
      'European Commission|UK FCDO',
      'PT-UNODC',
      'IP-HUB-EUR-ftf-2025:5',
      'Deux lignes,\navec une virgule',
      'Regional training',
    ];
    const { rows } = readPartnerCsv(csv(head, row));
    expect(rows[0].problems).toEqual([]);
    expect(rows[0].body).toEqual({
      localId: 'GLO-1',
      kind: 'TRN',
      codeName: 'TRIGGER-IX',
      title: { lang: 'fr', text: 'Formation régionale' },
      titleAlt: [{ lang: 'en', text: 'Regional training' }],
      description: 'Deux lignes,\navec une virgule',
      actionStreams: { primary: 'TRAVEL_MOBILITY', secondary: ['IDENTIFICATION'] },
      capabilities: ['CAPACITY_BUILDING', 'BORDER_MANAGEMENT'],
      status: 'CLOSED',
      dates: {
        plannedStart: '2025-03-01',
        plannedEnd: '2025-03-05',
        actualStart: '2025-03-02',
        actualEnd: '2025-03-06',
      },
      scope: 'REGIONAL',
      recipientCountries: ['FR', 'BE'],
      participatingOrgs: [
        { ref: 'XI-IATI-EC_INTPA', name: 'European Commission', role: 'FUNDING' },
        { ref: 'GB-GOV-1', name: 'UK FCDO', role: 'FUNDING' },
        { ref: 'PT-UNODC', name: 'PT-UNODC', role: 'IMPLEMENTING' },
      ],
      relatedInitiatives: [{ ref: 'IP-HUB-EUR-ftf-2025', type: 5 }],
      visibility: 'INTERPOL_RESTRICTED',
    });
  });

  it.each([
    ['1', 'PIPELINE'],
    ['2', 'IMPLEMENTATION'],
    ['3', 'FINALISATION'],
    ['4', 'CLOSED'],
    ['5', 'CANCELLED'],
    ['6', 'SUSPENDED'],
    ['implementation', 'IMPLEMENTATION'],
  ])('reads status %p as %s (IATI codes too)', (value, status) => {
    const row = [...GOOD];
    row[5] = value;
    expect(readPartnerCsv(csv(HEAD, row)).rows[0].body.status).toBe(status);
  });

  it('takes the title in the #meta+lang language and the other languages as translations', () => {
    const head = [
      ...HEAD.filter(([, t]) => t !== '#activity+name'),
      ['English', '#activity+name+i_en'],
      ['Français', '#activity+name+i_fr'],
      ['Español', '#activity+name +es'],
    ];
    const row = [...GOOD.slice(0, 1), ...GOOD.slice(2), 'Regional training', 'Formation régionale', ''];
    row[1] = 'fr';
    const { rows } = readPartnerCsv(csv(head, row));
    expect(rows[0].body.title).toEqual({ lang: 'fr', text: 'Formation régionale' });
    expect(rows[0].body.titleAlt).toEqual([{ lang: 'en', text: 'Regional training' }]);
    row[1] = '';
    expect(readPartnerCsv(csv(head, row)).rows[0].body.title).toEqual({ lang: 'en', text: 'Regional training' });
    row[1] = 'es';
    expect(readPartnerCsv(csv(head, row)).rows[0].problems).toContainEqual(
      expect.objectContaining({ field: 'title', rule: 'isDefined', column: '#meta+lang' }),
    );
  });

  it('numbers rows by their line in the file, counting multi-line cells, and skips blank lines', () => {
    const second = GOOD.map((c, i) => (i === 0 ? 'GLO-2' : i === 1 ? 'Deux\nlignes' : c));
    const text = csv(HEAD, GOOD) + ',,,,\r\n\r\n' + csv(HEAD, second).split('\r\n').slice(2).join('\r\n');
    const { rows } = readPartnerCsv(text);
    expect(rows.map((r) => [r.line, r.localId])).toEqual([
      [3, 'GLO-1'],
      [6, 'GLO-2'],
    ]);
  });

  it('finds the hashtag row under several header rows', () => {
    const text = 'UNODC export 2027\r\n' + csv(HEAD, GOOD);
    expect(readPartnerCsv(text).rows[0].line).toBe(4);
  });

  it('flags a second row with the same localId and keeps the first', () => {
    const { rows } = readPartnerCsv(csv(HEAD, GOOD, GOOD));
    expect(rows[0].problems).toEqual([]);
    expect(rows[1].problems).toEqual([
      expect.objectContaining({ field: 'localId', rule: 'uniqueInFile', column: '#activity+id' }),
    ]);
    expect(rows[1].problems[0].message).toMatch(/line 3/);
  });

  it.each([
    ['a related initiative without its type', '#activity+related', 'IP-HUB-EUR-x', 'relatedInitiatives[0]', 'format'],
    ['an unknown #meta+lang', '#meta+lang', 'de', 'title.lang', 'isIn'],
  ])('flags %s on the row', (_name, tag, value, field, rule) => {
    const { head, row } =
      tag === '#meta+lang'
        ? { head: HEAD, row: GOOD.map((c, i) => (i === 2 ? value : c)) }
        : withColumn('x', tag, value);
    expect(readPartnerCsv(csv(head, row)).rows[0].problems).toContainEqual(expect.objectContaining({ field, rule }));
  });

  it('says once that a #meta+lang is not a working language', () => {
    const row = GOOD.map((c, i) => (i === 2 ? 'de' : c));
    const problems = readPartnerCsv(csv(HEAD, row)).rows[0].problems;
    expect(problems.map((p) => `${p.field} ${p.rule} ${p.column}`)).toEqual(['title.lang isIn #meta+lang']);
  });

  it('flags names that do not match the refs one for one', () => {
    const head = [...HEAD, ['F', '#org+funding'], ['N', '#org+funding+name']];
    const { rows } = readPartnerCsv(csv(head, [...GOOD, 'A|B', 'Only one']));
    expect(rows[0].problems).toContainEqual(expect.objectContaining({ field: 'participatingOrgs', rule: 'sameCount' }));
  });

  it('flags cells beyond the last tagged column, and text after a closing quote', () => {
    const text = csv(HEAD) + GOOD.join(',') + ',stray\r\n"GLO-2"x,' + GOOD.slice(1).join(',') + '\r\n';
    const { rows } = readPartnerCsv(text);
    expect(rows[0].problems).toContainEqual(expect.objectContaining({ field: 'row', rule: 'columnCount' }));
    expect(rows[1].problems).toContainEqual(expect.objectContaining({ field: 'row', rule: 'csvQuoting' }));
  });

  it('names the column of a field, down to list elements', () => {
    const [row] = readPartnerCsv(csv(HEAD, GOOD)).rows;
    expect(row.columnOf('dates.plannedEnd')).toBe('#date+end');
    expect(row.columnOf('recipientCountries[1]')).toBe('#country+code');
    expect(row.columnOf('actionStreams.secondary')).toBe('#sector');
    expect(row.columnOf('title.lang')).toBe('#meta+lang');
    expect(row.columnOf('initiativeId')).toBe('#activity+id');
    expect(row.columnOf('nowhere')).toBeUndefined();
  });

  it('lists the hashtags it does not read', () => {
    const { ignoredColumns } = readPartnerCsv(
      csv([...HEAD, ['Budget', '#value+budget'], ['Pays', '#country+name']], [...GOOD, '1', 'France']),
    );
    expect(ignoredColumns).toEqual(['#value+budget', '#country+name']);
  });

  describe('refuses the whole file (400)', () => {
    it.each([
      ['an empty file', '', 'body', 'hxlHashtagRow'],
      ['a file without a hashtag row', 'Id,Title\r\nGLO-1,Training\r\n', 'body', 'hxlHashtagRow'],
      ['a quote never closed', csv(HEAD) + '"GLO-1,x\r\n', 'body', 'csvQuoting'],
    ])('%s', (_name, text, field, rule) => {
      expect(fileError(text).details).toEqual([expect.objectContaining({ field, rule })]);
    });

    it('names every mandatory hashtag that is missing', () => {
      const head = HEAD.filter(([, t]) => !['#status', '#activity+type', '#meta+visibility'].includes(t));
      const err = fileError(csv(head));
      expect(err.details.map((d) => [d.field, d.rule])).toEqual([
        ['#activity+type', 'requiredHashtag'],
        ['#status', 'requiredHashtag'],
        ['#meta+visibility', 'requiredHashtag'],
      ]);
      expect(err.details[0].message).toMatch(/#activity\+kind/);
    });

    it('refuses two columns for one field', () => {
      const err = fileError(csv([...HEAD, ['Statut 2', '#status']]));
      expect(err.details).toEqual([expect.objectContaining({ field: '#status', rule: 'oneColumn' })]);
    });

    it('refuses a title column in a language that is not a working language', () => {
      const err = fileError(csv([...HEAD, ['Titel', '#activity+name+i_de']]));
      expect(err.details).toEqual([expect.objectContaining({ field: '#activity+name+i_de', rule: 'isIn' })]);
    });

    it('refuses a title whose language is said nowhere', () => {
      const err = fileError(csv(HEAD.filter(([, t]) => t !== '#meta+lang')));
      expect(err.details).toEqual([expect.objectContaining({ field: '#activity+name', rule: 'titleLanguage' })]);
    });
  });
});

describe('readPartnerCsv and prototype keys', () => {
  it.each(['constructor', '__proto__', 'toString'])('reads a status %s as the unknown value it is', (status) => {
    const row = [...GOOD];
    row[5] = status;
    const { rows } = readPartnerCsv(csv(HEAD, row));
    expect(typeof rows[0].body.status).toBe('string');
  });

  it('does not take an +constructor attribute for an organisation role', () => {
    const { rows, ignoredColumns } = readPartnerCsv(csv([...HEAD, ['Org', '#org+constructor']], [...GOOD, 'X']));
    expect(rows[0].body).not.toHaveProperty('participatingOrgs');
    expect(ignoredColumns.length).toBe(1);
  });
});
