import { capProblems, countDataRows, ImportedRow } from './import-partner-csv';

const problem = (i: number) => ({ field: `recipientCountries[${i}]`, rule: 'isoCountry', message: `no country ${i}` });
const rejected = (line: number, problems: number): ImportedRow => ({
  line,
  localId: `L-${line}`,
  outcome: 'REJECTED',
  errors: Array.from({ length: problems }, (_, i) => problem(i)),
});
const created = (line: number): ImportedRow => ({ line, localId: `L-${line}`, outcome: 'CREATED', version: 1 });

describe('capProblems', () => {
  it('lists every problem when there are few, and says so', () => {
    const rows = [created(3), rejected(4, 2), rejected(5, 1)];
    expect(capProblems(rows, 10, 1000)).toEqual({ rows, problems: { total: 3, listed: 3 } });
  });

  it('lists at most perRow problems of a row, with the count it had', () => {
    const { rows, problems } = capProblems([rejected(3, 249)], 10, 1000);
    expect(rows[0].errors).toEqual(Array.from({ length: 10 }, (_, i) => problem(i)));
    expect(rows[0].errorCount).toBe(249);
    expect(problems).toEqual({ total: 249, listed: 10 });
  });

  it('lists at most `total` problems per answer; every row keeps its outcome and its count', () => {
    const input = [...Array.from({ length: 2000 }, (_, i) => rejected(i + 3, 249)), created(2003)];
    const { rows, problems } = capProblems(input, 10, 1000);
    expect(rows).toHaveLength(2001);
    expect(problems).toEqual({ total: 2000 * 249, listed: 1000 });
    expect(rows.reduce((n, r) => n + (r.errors?.length ?? 0), 0)).toBe(1000);
    expect(rows[99].errors).toHaveLength(10);
    expect(rows[100]).toMatchObject({ outcome: 'REJECTED', errors: [], errorCount: 249 });
    expect(rows[2000]).toEqual(created(2003));
    // Bounded in bytes too: no more than a few hundred per row, whatever the rows held.
    expect(JSON.stringify(rows).length).toBeLessThan(2001 * 300);
  });

  it('fills the last room exactly', () => {
    const { rows, problems } = capProblems([rejected(3, 4), rejected(4, 4)], 10, 6);
    expect(rows[0].errors).toHaveLength(4);
    expect(rows[0].errorCount).toBeUndefined();
    expect(rows[1].errors).toHaveLength(2);
    expect(rows[1].errorCount).toBe(4);
    expect(problems).toEqual({ total: 8, listed: 6 });
  });
});

describe('countDataRows', () => {
  const head = 'Id,Titre\r\n#activity+id,#activity+name\r\n';

  it('counts the non-blank rows after the hashtag row, header rows above it not counted', async () => {
    expect(await countDataRows(`Export of 2027\r\n${head}a,b\r\n\r\n,\r\nc,"d\r\ne"\r\n`)).toBe(2);
  });

  it('counts a large file without holding the event loop: other work runs while it counts', async () => {
    const csv = head + Array.from({ length: 5000 }, (_, i) => `L-${i},Title ${i}\r\n`).join('');
    // Other work: a task that wants a turn of the event loop again and again, as an HTTP request would.
    let turns = 0;
    let done = false;
    const other = () => {
      turns++;
      if (!done) setImmediate(other);
    };
    setImmediate(other);
    const rows = await countDataRows(csv);
    done = true;
    expect(rows).toBe(5000);
    // 5,000 records with a turn every 100: the other task ran between them (in one synchronous pass it never would).
    expect(turns).toBeGreaterThanOrEqual(40);
  });

  it('counts 0 for what reading the file refuses (no hashtag row, a quote never closed)', async () => {
    expect(await countDataRows('a,b\r\nc,d\r\n')).toBe(0);
    expect(await countDataRows(`${head}"never closed,x\r\n`)).toBe(0);
  });
});
