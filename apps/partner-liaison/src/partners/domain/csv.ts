/**
 * A small RFC 4180 reader: comma-separated, fields optionally in double quotes, `""` for a quote inside one, commas
 * and line breaks inside quoted fields, CRLF, LF or CR line ends, a UTF-8 byte order mark. Line breaks inside a quoted
 * field come out as `\n` whatever the file used, so the same file saved on Windows or Unix reads the same.
 */
export interface CsvRecord {
  /** The physical line (1-based) the record starts on: what a person sees in a text editor or a spreadsheet's row. */
  line: number;
  cells: string[];
  /** Quoting mistakes that did not stop the reading (text after a closing quote): the record is not to be trusted. */
  problems: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const COMMA = 44;
const LF = 10;
const CR = 13;
const QUOTE = 34;

/** Line breaks in `s`, counting CRLF once. */
function lineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === LF || (c === CR && s.charCodeAt(i + 1) !== LF)) n++;
  }
  return n;
}

export function parseCsv(input: string): CsvRecord[] {
  return [...csvRecords(input)];
}

/**
 * Reads the records one by one, giving the event loop a turn every `yieldEvery` records (a large file never holds the
 * process: liveness, other requests and the consumers go on meanwhile). `visit` returning false stops the reading.
 */
export async function forEachCsvRecord(
  input: string,
  visit: (record: CsvRecord, index: number) => boolean | void,
  yieldEvery = 100,
): Promise<void> {
  let index = 0;
  for (const record of csvRecords(input)) {
    if (visit(record, index) === false) return;
    if (++index % yieldEvery === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The records of `input`, one at a time (a quote never closed throws CsvSyntaxError when reached). */
export function* csvRecords(input: string): Generator<CsvRecord> {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const record: CsvRecord = { line, cells: [], problems: [] };
    for (;;) {
      let cell: string;
      if (text.charCodeAt(i) === QUOTE) {
        const opened = line;
        const parts: string[] = [];
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            throw new CsvSyntaxError(
              opened,
              `line ${opened}: a field opens a quote that is never closed (a quote inside a field is written "")`,
            );
          }
          const part = text.slice(i, q);
          line += lineBreaks(part);
          parts.push(part);
          if (text.charCodeAt(q + 1) === QUOTE) {
            parts.push('"');
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        cell = parts.join('').replace(/\r\n?/g, '\n');
        const rest = i;
        while (i < n && !isSeparator(text.charCodeAt(i))) i++;
        if (i > rest) {
          const stray = text.slice(rest, i);
          record.problems.push(
            `column ${record.cells.length + 1}: ${JSON.stringify(stray)} follows the closing quote (a quote inside a field is written "")`,
          );
          cell += stray;
        }
      } else {
        const start = i;
        while (i < n && !isSeparator(text.charCodeAt(i))) i++;
        cell = text.slice(start, i);
      }
      record.cells.push(cell);
      if (i < n && text.charCodeAt(i) === COMMA) {
        i++;
        if (i >= n) {
          record.cells.push('');
          break;
        }
        continue;
      }
      if (i < n) {
        i += text.charCodeAt(i) === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
        line++;
      }
      break;
    }
    yield record;
  }
}

function isSeparator(c: number): boolean {
  return c === COMMA || c === LF || c === CR;
}

/** True for a record with nothing in it (an empty line, or only commas): it carries no data. */
export function isBlank(record: CsvRecord): boolean {
  return record.cells.every((c) => c.trim() === '');
}
