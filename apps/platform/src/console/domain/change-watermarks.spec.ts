import { WatermarkReading, WatermarkTracker } from './change-watermarks';

/**
 * A table of rows with keys (ids, or update times as numbers), read as ChangeWatermarksReadModel reads it: the newest
 * key, and a digest (count and sum) of the keys above each floor. Rows appear when their transaction commits.
 */
class Table {
  readonly keys: number[] = [];

  read(floors: { floor: string | null; nextFloor: string | null }): WatermarkReading {
    const above = (f: string | null) => {
      const ks = f === null ? [] : this.keys.filter((k) => k > Number(f));
      return `${ks.length}:${ks.reduce((a, b) => a + b, 0)}`;
    };
    return {
      newest: this.keys.length ? String(Math.max(...this.keys)) : null,
      aboveFloor: above(floors.floor),
      aboveNextFloor: above(floors.nextFloor),
    };
  }
}

describe('WatermarkTracker', () => {
  const poll = (t: WatermarkTracker, table: Table) => t.observe(table.read(t.floors()));

  it('takes the first reading as the baseline, then tells each change once', () => {
    const table = new Table();
    const t = new WatermarkTracker(3);
    expect(poll(t, table)).toBe(false);
    expect(poll(t, table)).toBe(false);
    table.keys.push(1);
    expect(poll(t, table)).toBe(true);
    expect(poll(t, table)).toBe(false);
    table.keys.push(2, 3);
    expect(poll(t, table)).toBe(true);
    for (let i = 0; i < 10; i++) expect(poll(t, table)).toBe(false);
  });

  it('notices a row that commits late, below the newest key already seen, while the floor is behind it', () => {
    const table = new Table();
    const t = new WatermarkTracker(5);
    table.keys.push(1, 2, 3);
    poll(t, table);
    for (let i = 0; i < 6; i++) poll(t, table);
    // Key 5 was taken by a transaction that commits after the one that took 6.
    table.keys.push(4, 6);
    expect(poll(t, table)).toBe(true);
    expect(poll(t, table)).toBe(false);
    table.keys.push(5);
    expect(poll(t, table)).toBe(true);
    expect(poll(t, table)).toBe(false);
  });

  it('notices a row updated again above the floor (an update time moves, the count does not)', () => {
    const table = new Table();
    const t = new WatermarkTracker(10);
    table.keys.push(100, 200);
    poll(t, table);
    poll(t, table);
    table.keys.push(300);
    expect(poll(t, table)).toBe(true);
    // The row at 200 is updated in a transaction that started at 250 and commits now, after 300 was seen.
    table.keys[1] = 250;
    expect(poll(t, table)).toBe(true);
    expect(poll(t, table)).toBe(false);
  });

  it('does not take the floor moving up for a change', () => {
    const table = new Table();
    const t = new WatermarkTracker(2);
    let changes = 0;
    for (let k = 1; k <= 20; k++) {
      table.keys.push(k);
      if (poll(t, table)) changes++;
      if (poll(t, table)) changes++;
      if (poll(t, table)) changes++;
    }
    expect(changes).toBe(19);
  });

  it('misses only a transaction longer than the lag (documented: the lag is a minute for pairs)', () => {
    const table = new Table();
    const t = new WatermarkTracker(2);
    table.keys.push(1, 2, 3);
    poll(t, table);
    table.keys.push(10);
    poll(t, table);
    poll(t, table);
    poll(t, table);
    table.keys.push(4);
    expect(poll(t, table)).toBe(false);
  });

  it('starts again from a baseline after reset', () => {
    const table = new Table();
    const t = new WatermarkTracker(2);
    poll(t, table);
    t.reset();
    table.keys.push(1);
    expect(poll(t, table)).toBe(false);
    table.keys.push(2);
    expect(poll(t, table)).toBe(true);
  });

  it('tells a rollup digest that changed (no floors: the newest value is the whole mark)', () => {
    const t = new WatermarkTracker(1);
    const read = (digest: string | null) => ({ newest: digest, aboveFloor: '', aboveNextFloor: '' });
    expect(t.observe(read(null))).toBe(false);
    expect(t.observe(read('abc'))).toBe(true);
    expect(t.observe(read('abc'))).toBe(false);
    expect(t.observe(read('abd'))).toBe(true);
  });

  it('wants a lag of at least one poll', () => {
    expect(() => new WatermarkTracker(0)).toThrow();
    expect(() => new WatermarkTracker(1.5)).toThrow();
  });
});
