import { CsvSyntaxError, isBlank, parseCsv } from './csv';

const cells = (text: string) => parseCsv(text).map((r) => r.cells);
const lines = (text: string) => parseCsv(text).map((r) => r.line);

describe('parseCsv (RFC 4180)', () => {
  it.each([
    [
      'plain fields',
      'a,b,c\n1,2,3\n',
      [
        ['a', 'b', 'c'],
        ['1', '2', '3'],
      ],
    ],
    [
      'no final line break',
      'a,b\n1,2',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'CRLF line ends',
      'a,b\r\n1,2\r\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'CR line ends (old Mac)',
      'a,b\r1,2\r',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    [
      'a byte order mark',
      '\uFEFFa,b\n1,2\n',
      [
        ['a', 'b'],
        ['1', '2'],
      ],
    ],
    ['a comma in quotes', '"a,b",c\n', [['a,b', 'c']]],
    ['a doubled quote', '"say ""hi""",x\n', [['say "hi"', 'x']]],
    ['an empty quoted field', '"",x\n', [['', 'x']]],
    ['empty fields', ',,\n', [['', '', '']]],
    ['a trailing comma at the end of the file', 'a,b,', [['a', 'b', '']]],
    ['a LF inside quotes', '"one\ntwo",x\n', [['one\ntwo', 'x']]],
    ['a CRLF inside quotes, read as LF', '"one\r\ntwo",x\r\n', [['one\ntwo', 'x']]],
    ['a quote inside an unquoted field, kept', 'ab"c,d\n', [['ab"c', 'd']]],
    ['Arabic and accents', 'دورة,Opération\n', [['دورة', 'Opération']]],
    ['an empty line', 'a\n\nb\n', [['a'], [''], ['b']]],
    ['an empty file', '', []],
  ])('reads %s', (_name, text, expected) => {
    expect(cells(text)).toEqual(expected);
  });

  it('numbers each record by the physical line it starts on, counting line breaks inside quotes', () => {
    const text = 'h1,h2\r\n#a,#b\r\n"x\r\ny\r\nz",1\r\n2,"3"\r\n\r\n4,5';
    expect(lines(text)).toEqual([1, 2, 3, 6, 7, 8]);
  });

  it('counts a doubled quote and a quoted comma as part of the field, not as breaks', () => {
    expect(lines('"a""\n""b",c\nd\n')).toEqual([1, 3]);
  });

  it('refuses a quote that is never closed, naming the line where it opened', () => {
    expect(() => parseCsv('a,b\n1,"2\n3,4\n')).toThrow(CsvSyntaxError);
    try {
      parseCsv('a,b\n1,"2\n3,4\n');
    } catch (err) {
      expect((err as CsvSyntaxError).line).toBe(2);
    }
  });

  it('keeps text after a closing quote but flags the record', () => {
    const [r] = parseCsv('"ab"c,d\n');
    expect(r.cells).toEqual(['abc', 'd']);
    expect(r.problems[0]).toMatch(/column 1/);
  });

  it('tells blank records (nothing but commas) from records with data', () => {
    const [a, b, c] = parseCsv(',, \n\n,x,\n');
    expect([isBlank(a), isBlank(b), isBlank(c)]).toEqual([true, true, false]);
  });

  it('reads a large file quickly', () => {
    const row = '"GLO-1","Regional training, with ""quotes""",TRN,FR|BE,2027-03-01\r\n';
    const text = row.repeat(50_000);
    const started = Date.now();
    const records = parseCsv(text);
    expect(records).toHaveLength(50_000);
    expect(records[49_999].line).toBe(50_000);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
