import { idPositionOf, scoreCursorOf, scorePositionOf } from './pair-order';

describe('GET /overlaps cursors', () => {
  it('round-trips a score position exactly (a double, or no score), opaque to the client', () => {
    for (const p of [
      { score: 0.8123456789012345, id: '42' },
      { score: -0.25, id: '1' },
      { score: 1e-7, id: '999999999999999999' },
      { score: null, id: '7' },
    ]) {
      const cursor = scoreCursorOf(p);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(scorePositionOf(cursor)).toEqual(p);
    }
  });

  it.each([
    ['42', 'an id cursor'],
    ['', 'empty'],
    [Buffer.from('[0.5]').toString('base64url'), 'one element'],
    [Buffer.from('[0.5,42]').toString('base64url'), 'a numeric id'],
    [Buffer.from('["0.5","42"]').toString('base64url'), 'a text score'],
    [Buffer.from('[0.5,"4x"]').toString('base64url'), 'an id that is not digits'],
    [Buffer.from('{"score":0.5}').toString('base64url'), 'an object'],
    [Buffer.from('not json').toString('base64url'), 'not JSON'],
    ['a.b', 'not base64url'],
  ])('refuses %j as a score cursor (%s)', (cursor) => {
    expect(scorePositionOf(cursor)).toBeUndefined();
  });

  it('keeps the id cursor as it was (digits), refusing a score cursor', () => {
    expect(idPositionOf('42')).toBe('42');
    expect(idPositionOf(scoreCursorOf({ score: 0.5, id: '42' }))).toBeUndefined();
  });
});
