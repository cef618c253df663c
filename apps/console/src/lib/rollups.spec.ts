import { cellsOf, statusesOf, totalsOf, withoutHxlRow, type RollupRow } from './rollups';

const rows: RollupRow[] = [
  { region: 'EUR', primaryActionStream: 'IDENTIFICATION', status: 'PIPELINE', reported: 3, deduplicated: 2 },
  { region: 'EUR', primaryActionStream: 'IDENTIFICATION', status: 'CLOSED', reported: 1, deduplicated: 1 },
  { region: 'AFR', primaryActionStream: 'FINANCING', status: 'PIPELINE', reported: 5, deduplicated: 4 },
  { region: 'EUR', primaryActionStream: 'FINANCING', status: 'CLOSED', reported: 2, deduplicated: 2 },
];

describe('rollups on the page', () => {
  it('sums region × stream over the statuses, ordered by region then stream', () => {
    expect(cellsOf(rows)).toEqual([
      { region: 'AFR', stream: 'FINANCING', reported: 5, deduplicated: 4 },
      { region: 'EUR', stream: 'FINANCING', reported: 2, deduplicated: 2 },
      { region: 'EUR', stream: 'IDENTIFICATION', reported: 4, deduplicated: 3 },
    ]);
    expect(totalsOf(cellsOf(rows))).toEqual({ reported: 11, deduplicated: 9 });
  });

  it('filters by status', () => {
    expect(cellsOf(rows, 'CLOSED')).toEqual([
      { region: 'EUR', stream: 'FINANCING', reported: 2, deduplicated: 2 },
      { region: 'EUR', stream: 'IDENTIFICATION', reported: 1, deduplicated: 1 },
    ]);
    expect(cellsOf(rows, 'SUSPENDED')).toEqual([]);
    expect(statusesOf(rows)).toEqual(['CLOSED', 'PIPELINE']);
  });

  it('drops the HXL hashtag row for the plain CSV, and nothing else', () => {
    const csv =
      'region,primaryActionStream,status,reported,deduplicated\r\n' +
      '#region,#sector,#status,#indicator+reported+num,#indicator+deduplicated+num\r\n' +
      'EUR,IDENTIFICATION,PIPELINE,3,2\r\n';
    expect(withoutHxlRow(csv)).toBe(
      'region,primaryActionStream,status,reported,deduplicated\r\nEUR,IDENTIFICATION,PIPELINE,3,2\r\n',
    );
    expect(withoutHxlRow('a,b\n#x,#y\n1,2\n')).toBe('a,b\n1,2\n');
    expect(withoutHxlRow('a,b\r\n#x,#y')).toBe('a,b\r\n');
    expect(withoutHxlRow('a,b\r\n1,2\r\n')).toBe('a,b\r\n1,2\r\n');
    expect(withoutHxlRow('a,b')).toBe('a,b');
  });
});
