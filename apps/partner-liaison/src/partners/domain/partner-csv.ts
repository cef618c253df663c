import { FieldProblem, Language, LANGUAGES, ORG_ROLES, OrgRole } from '@ctp/contracts';
import { CsvRecord, CsvSyntaxError, isBlank, parseCsv } from './csv';
import { MalformedRequest } from './partner-errors';

/*
 * A partner's CSV export with an HXL hashtag row (https://hxlstandard.org): columns are recognised by their hashtags,
 * not by their header text, so a partner can keep its own headers in any language. docs/partner-csv.md is the table
 * of hashtags; this file is its implementation. Each data row becomes the same JSON body that
 * POST /partners/:ref/initiatives takes, so both go through the same use case and the same rules.
 */

/** A cell of the hashtag row: `#date +start +actual` → tag `date`, attributes `start`, `actual` (case-insensitive). */
export interface Hashtag {
  tag: string;
  attributes: string[];
}

const HASHTAG = /^#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)$/i;

export function parseHashtag(cell: string): Hashtag | undefined {
  const m = HASHTAG.exec(cell.trim());
  if (!m) return undefined;
  return {
    tag: m[1].toLowerCase(),
    attributes: m[2]
      .split('+')
      .map((a) => a.trim().toLowerCase())
      .filter(Boolean),
  };
}

/** HXL allows header rows above the hashtag row; libhxl looks for it in the first 25 rows, and so do we. */
export const HASHTAG_ROW_SEARCH = 25;

export function isHashtagRow(record: CsvRecord): boolean {
  const filled = record.cells.filter((c) => c.trim() !== '');
  return filled.length > 0 && filled.every((c) => parseHashtag(c) !== undefined);
}

type SingleField =
  | 'localId'
  | 'titleLang'
  | 'kind'
  | 'codeName'
  | 'sectors'
  | 'status'
  | 'countries'
  | 'plannedStart'
  | 'plannedEnd'
  | 'actualStart'
  | 'actualEnd'
  | 'scope'
  | 'visibility'
  | 'capabilities'
  | 'related'
  | 'description';

type ColumnUse =
  { field: SingleField } | { field: 'title'; lang?: string } | { field: 'org'; role: OrgRole; part: 'refs' | 'names' };

export interface Column {
  index: number;
  /** The hashtag as written in the file, e.g. `#date+start`: how errors name the column. */
  hashtag: string;
}

interface ColumnMap {
  single: Partial<Record<SingleField, Column>>;
  titles: (Column & { lang?: Language })[];
  orgs: Partial<Record<OrgRole, { refs?: Column; names?: Column }>>;
  width: number;
}

/** The hashtags that must be there: the field, the hashtag to name, and the other spellings that also do. */
const REQUIRED: [SingleField | 'title', string, string[]][] = [
  ['localId', '#activity+id', []],
  ['title', '#activity+name', ['#activity+name+i_en (or +i_fr, +i_es, +i_ar)']],
  ['kind', '#activity+type', ['#activity+kind']],
  ['sectors', '#sector', []],
  ['status', '#status', []],
  ['countries', '#country+code', []],
  ['plannedStart', '#date+start', []],
  ['plannedEnd', '#date+end', []],
  ['scope', '#scope', ['#meta+scope']],
  ['visibility', '#meta+visibility', []],
];

const ROLE_ATTRIBUTES: Record<string, OrgRole> = {
  funding: 'FUNDING',
  funder: 'FUNDING',
  accountable: 'ACCOUNTABLE',
  extending: 'EXTENDING',
  implementing: 'IMPLEMENTING',
  implementer: 'IMPLEMENTING',
  impl: 'IMPLEMENTING',
};

/** The language a `#activity+name` column declares: `+i_fr` (HXL's convention) or `+fr`. */
function languageAttribute(attributes: string[]): { lang?: string } {
  for (const a of attributes) {
    const m = /^i_([a-z]{2,3})$/.exec(a);
    if (m) return { lang: m[1] };
    if ((LANGUAGES as readonly string[]).includes(a)) return { lang: a };
  }
  return {};
}

/** What a hashtag is for here, or undefined for a column this service does not read. */
export function useOf(h: Hashtag): ColumnUse | undefined {
  const has = (...names: string[]) => names.some((n) => h.attributes.includes(n));
  switch (h.tag) {
    case 'activity':
      if (has('related')) return { field: 'related' };
      if (has('name')) return { field: 'title', ...languageAttribute(h.attributes) };
      if (has('id')) return { field: 'localId' };
      if (has('type', 'kind')) return { field: 'kind' };
      if (has('code')) return { field: 'codeName' };
      if (has('description')) return { field: 'description' };
      return undefined;
    case 'meta':
      if (has('lang')) return { field: 'titleLang' };
      if (has('visibility')) return { field: 'visibility' };
      if (has('scope')) return { field: 'scope' };
      if (has('capability', 'capabilities')) return { field: 'capabilities' };
      return undefined;
    case 'sector':
      return { field: 'sectors' };
    case 'status':
      return { field: 'status' };
    case 'country':
      return has('code') ? { field: 'countries' } : undefined;
    case 'date': {
      if (has('start') === has('end')) return undefined;
      const actual = has('actual');
      if (has('start')) return { field: actual ? 'actualStart' : 'plannedStart' };
      return { field: actual ? 'actualEnd' : 'plannedEnd' };
    }
    case 'scope':
      return { field: 'scope' };
    case 'description':
      return { field: 'description' };
    case 'capability':
      return { field: 'capabilities' };
    case 'org': {
      // Own keys only: an attribute such as +constructor must not find Object's.
      const role = h.attributes
        .map((a) => (Object.hasOwn(ROLE_ATTRIBUTES, a) ? ROLE_ATTRIBUTES[a] : undefined))
        .find(Boolean);
      return role ? { field: 'org', role, part: has('name') ? 'names' : 'refs' } : undefined;
    }
    default:
      return undefined;
  }
}

function mapColumns(hashtagRow: CsvRecord): { map: ColumnMap; ignored: string[] } {
  const map: ColumnMap = { single: {}, titles: [], orgs: {}, width: hashtagRow.cells.length };
  const ignored: string[] = [];
  const problems: FieldProblem[] = [];
  const twice = (column: Column, first: Column) =>
    problems.push({
      field: column.hashtag,
      rule: 'oneColumn',
      message: `columns ${first.index + 1} (${first.hashtag}) and ${column.index + 1} (${column.hashtag}) both give the same field: keep one`,
    });
  hashtagRow.cells.forEach((cell, index) => {
    if (cell.trim() === '') return;
    const column: Column = { index, hashtag: cell.trim() };
    const use = useOf(parseHashtag(cell)!);
    if (!use) {
      ignored.push(column.hashtag);
      return;
    }
    if (use.field === 'title') {
      if (use.lang !== undefined && !(LANGUAGES as readonly string[]).includes(use.lang)) {
        problems.push({
          field: column.hashtag,
          rule: 'isIn',
          message: `column ${index + 1} (${column.hashtag}): a title's language must be one of ${LANGUAGES.join(', ')} (+i_en, +i_fr, +i_es, +i_ar)`,
        });
        return;
      }
      const same = map.titles.find((t) => t.lang === use.lang);
      if (same) twice(column, same);
      else map.titles.push({ ...column, lang: use.lang as Language | undefined });
    } else if (use.field === 'org') {
      const role = (map.orgs[use.role] ??= {});
      const first = role[use.part];
      if (first) twice(column, first);
      else role[use.part] = column;
    } else {
      const first = map.single[use.field];
      if (first) twice(column, first);
      else map.single[use.field] = column;
    }
  });
  for (const [field, hashtag, others] of REQUIRED) {
    const present = field === 'title' ? map.titles.length > 0 : map.single[field] !== undefined;
    if (!present) {
      problems.push({
        field: hashtag,
        rule: 'requiredHashtag',
        message: `no column is tagged ${hashtag}${others.length ? ` (or ${others.join(', or ')})` : ''}`,
      });
    }
  }
  if (map.titles.some((t) => t.lang === undefined) && !map.single.titleLang) {
    problems.push({
      field: '#activity+name',
      rule: 'titleLanguage',
      message:
        "the title's language is not given: tag the column #activity+name+i_en (or +i_fr, +i_es, +i_ar), or add a #meta+lang column",
    });
  }
  for (const [role, cols] of Object.entries(map.orgs)) {
    if (cols.names && !cols.refs) {
      problems.push({
        field: cols.names.hashtag,
        rule: 'requiredHashtag',
        message: `${cols.names.hashtag} gives names of ${role.toLowerCase()} organisations but no column gives their refs (#org+${role.toLowerCase()})`,
      });
    }
  }
  if (problems.length) {
    throw new MalformedRequest(
      problems,
      `the hashtag row on line ${hashtagRow.line} cannot be used: ${problems.map((p) => p.message).join('; ')}`,
    );
  }
  return { map, ignored };
}

/** One problem of one row: a field of the snapshot, the rule it broke, and the column it came from. */
export interface RowProblem extends FieldProblem {
  column?: string;
}

export interface CsvRow {
  /** 1-based line in the file where the row starts (the header and hashtag rows count). */
  line: number;
  localId: string | null;
  /** The JSON body POST /partners/:ref/initiatives would take for this row. */
  body: Record<string, unknown>;
  /** What could not be read from the row (it is rejected without going further). */
  problems: RowProblem[];
  /** The column each field of `body` came from, to name it in errors. */
  columnOf(field: string): string | undefined;
}

export interface PartnerCsv {
  rows: CsvRow[];
  /** Hashtags this service does not read (nothing in them is imported). */
  ignoredColumns: string[];
}

const STATUS_CODES: Record<string, string> = {
  '1': 'PIPELINE',
  '2': 'IMPLEMENTATION',
  '3': 'FINALISATION',
  '4': 'CLOSED',
  '5': 'CANCELLED',
  '6': 'SUSPENDED',
};

/** `Travel mobility` or `travel-mobility` → `TRAVEL_MOBILITY`: enumerations are written by people in spreadsheets. */
function enumValue(v: string): string {
  return v
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
}

function list(v: string, separators: RegExp): string[] {
  return v
    .split(separators)
    .map((s) => s.trim())
    .filter(Boolean);
}

function readRow(map: ColumnMap, record: CsvRecord): CsvRow {
  const raw = (c: Column | undefined) => (c ? (record.cells[c.index] ?? '') : '');
  const cell = (c: Column | undefined) => raw(c).trim();
  const s = map.single;
  const body: Record<string, unknown> = {};
  const problems: RowProblem[] = [];
  const columns = new Map<string, string>();
  const from = (field: string, c: Column | undefined) => {
    if (c) columns.set(field, c.hashtag);
  };

  for (const p of record.problems) problems.push({ field: 'row', rule: 'csvQuoting', message: p });
  const extra = record.cells.slice(map.width).filter((c) => c.trim() !== '');
  if (extra.length) {
    problems.push({
      field: 'row',
      rule: 'columnCount',
      message: `the row has ${record.cells.length} cells but the hashtag row only ${map.width}: is a comma missing its quotes?`,
    });
  }

  const localId = cell(s.localId) || null;
  if (localId !== null) body.localId = localId;
  from('localId', s.localId);
  from('initiativeId', s.localId);

  const kind = cell(s.kind);
  if (kind) body.kind = enumValue(kind);
  from('kind', s.kind);
  const codeName = cell(s.codeName);
  if (codeName) body.codeName = codeName;
  from('codeName', s.codeName);

  // Title: the column in the row's #meta+lang language when there is one, else the first filled; the others are
  // its translations.
  const rowLangText = cell(s.titleLang).toLowerCase();
  let rowLang: Language | undefined;
  if (rowLangText) {
    if ((LANGUAGES as readonly string[]).includes(rowLangText)) rowLang = rowLangText as Language;
    else
      problems.push({
        field: 'title.lang',
        rule: 'isIn',
        message: `${JSON.stringify(rowLangText)} is not a working language: write en, fr, es or ar`,
        column: s.titleLang!.hashtag,
      });
  }
  const titles = map.titles
    .map((c) => ({ column: c, lang: c.lang ?? rowLang, text: cell(c) }))
    .filter((t) => t.text !== '');
  let primary = titles[0];
  if (rowLang && map.titles.some((c) => c.lang !== undefined)) {
    primary = titles.find((t) => t.lang === rowLang)!;
    if (!primary && titles.length) {
      problems.push({
        field: 'title',
        rule: 'isDefined',
        message: `#meta+lang says ${rowLang} but the row has no title in ${rowLang}`,
        column: s.titleLang!.hashtag,
      });
    }
  }
  if (primary) {
    // An unreadable #meta+lang was reported above; say it once.
    if (!primary.lang && !rowLangText) {
      problems.push({
        field: 'title.lang',
        rule: 'isDefined',
        message: `the title's language is not given: fill ${s.titleLang?.hashtag ?? '#meta+lang'} (en, fr, es or ar)`,
        column: s.titleLang?.hashtag ?? primary.column.hashtag,
      });
    }
    body.title = { lang: primary.lang, text: primary.text };
    from('title', primary.column);
    from('title.text', primary.column);
    from('title.lang', s.titleLang ?? primary.column);
    const alts = titles.filter((t) => t !== primary && t.lang);
    if (alts.length) {
      body.titleAlt = alts.map((t) => ({ lang: t.lang, text: t.text }));
      alts.forEach((t, i) => from(`titleAlt[${i}]`, t.column));
    }
  } else {
    from('title', map.titles[0]);
  }
  const description = cell(s.description);
  if (description) body.description = description;
  from('description', s.description);

  const sectors = list(cell(s.sectors), /\|/).map(enumValue);
  if (sectors.length) body.actionStreams = { primary: sectors[0], secondary: sectors.slice(1) };
  from('actionStreams', s.sectors);
  const capabilities = list(cell(s.capabilities), /\|/).map(enumValue);
  if (capabilities.length) body.capabilities = capabilities;
  from('capabilities', s.capabilities);

  const status = cell(s.status);
  if (status)
    body.status = (Object.hasOwn(STATUS_CODES, status) ? STATUS_CODES[status] : undefined) ?? enumValue(status);
  from('status', s.status);

  const dates: Record<string, string> = {};
  for (const k of ['plannedStart', 'plannedEnd', 'actualStart', 'actualEnd'] as const) {
    const v = cell(s[k]);
    if (v) dates[k] = v;
    from(`dates.${k}`, s[k]);
  }
  body.dates = dates;
  from('dates', s.plannedStart);

  const scope = cell(s.scope);
  if (scope) body.scope = enumValue(scope);
  from('scope', s.scope);
  body.recipientCountries = list(cell(s.countries), /[|;,]/).map((c) => c.toUpperCase());
  from('recipientCountries', s.countries);
  const visibility = cell(s.visibility);
  if (visibility) body.visibility = enumValue(visibility);
  from('visibility', s.visibility);

  const orgs: { ref: string; name: string; role: OrgRole }[] = [];
  for (const role of ORG_ROLES) {
    const cols = map.orgs[role];
    if (!cols?.refs) continue;
    const refs = list(cell(cols.refs), /\|/);
    const names = cols.names
      ? raw(cols.names)
          .split('|')
          .map((n) => n.trim())
      : [];
    if (cols.names && cell(cols.names) !== '' && names.length !== refs.length) {
      problems.push({
        field: 'participatingOrgs',
        rule: 'sameCount',
        message: `${cols.refs.hashtag} lists ${refs.length} organisation(s) but ${cols.names.hashtag} ${names.length} name(s): give one name per ref, separated by |`,
        column: cols.names.hashtag,
      });
    }
    for (const [i, ref] of refs.entries()) {
      from(`participatingOrgs[${orgs.length}]`, cols.refs);
      orgs.push({ ref, name: names[i] || ref, role });
    }
  }
  if (orgs.length) body.participatingOrgs = orgs;

  const related = list(cell(s.related), /\|/);
  if (related.length) {
    body.relatedInitiatives = related.map((item, i) => {
      from(`relatedInitiatives[${i}]`, s.related);
      const colon = item.lastIndexOf(':');
      const type = colon > 0 ? Number(item.slice(colon + 1).trim()) : NaN;
      if (!Number.isInteger(type)) {
        problems.push({
          field: `relatedInitiatives[${i}]`,
          rule: 'format',
          message: `${JSON.stringify(item)}: write ref:type, type 1 parent, 2 child, 3 sibling, 4 co-funded or 5 third party (the same activity)`,
          column: s.related!.hashtag,
        });
        return { ref: item, type: 0 };
      }
      return { ref: item.slice(0, colon).trim(), type };
    });
  }
  from('relatedInitiatives', s.related);

  return {
    line: record.line,
    localId,
    body,
    problems,
    columnOf: (field) => {
      // The most specific known path: `dates.actualStart`, then `dates`; `recipientCountries[2]`, then
      // `recipientCountries`; `titleAlt[0].lang`, then `titleAlt[0]`.
      for (let f = field; ;) {
        const c = columns.get(f);
        if (c) return c;
        const parent = f.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
        if (parent === f) return undefined;
        f = parent;
      }
    },
  };
}

/**
 * Reads a partner's CSV into one row per data line, or throws MalformedRequest (400) when the file as a whole cannot
 * be read: a quote never closed, no hashtag row, a mandatory hashtag missing, two columns for one field.
 */
export function readPartnerCsv(text: string): PartnerCsv {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) {
      throw new MalformedRequest([{ field: 'body', rule: 'csvQuoting', message: err.message }], err.message);
    }
    throw err;
  }
  const at = records.slice(0, HASHTAG_ROW_SEARCH).findIndex(isHashtagRow);
  if (at < 0) {
    const message =
      records.length === 0
        ? 'the file is empty: send a header row, a row of HXL hashtags, then one row per initiative'
        : 'no HXL hashtag row: the second row must tag each column, e.g. #activity+id, #activity+name+i_en, #status (see docs/partner-csv.md)';
    throw new MalformedRequest([{ field: 'body', rule: 'hxlHashtagRow', message }], message);
  }
  const { map, ignored } = mapColumns(records[at]);
  const rows = records
    .slice(at + 1)
    .filter((r) => !isBlank(r))
    .map((r) => readRow(map, r));
  const firstLine = new Map<string, number>();
  for (const row of rows) {
    if (row.localId === null) continue;
    const first = firstLine.get(row.localId);
    if (first === undefined) firstLine.set(row.localId, row.line);
    else
      row.problems.push({
        field: 'localId',
        rule: 'uniqueInFile',
        message: `localId ${row.localId} is already on line ${first}: a file gives each initiative once`,
        column: row.columnOf('localId'),
      });
  }
  return { rows, ignoredColumns: ignored };
}
