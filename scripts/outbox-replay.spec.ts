import { parseSince } from './outbox-replay';

describe('parseSince', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  it.each([
    ['30s', '2026-11-26T11:59:30.000Z'],
    ['30m', '2026-11-26T11:30:00.000Z'],
    ['2h', '2026-11-26T10:00:00.000Z'],
    ['7d', '2026-11-19T12:00:00.000Z'],
    ['2026-11-25T08:00:00Z', '2026-11-25T08:00:00.000Z'],
  ])('%s → %s', (input, expected) => {
    expect(parseSince(input, now).toISOString()).toBe(expected);
  });

  it.each(['yesterday', '5w', ''])('rejects %j with the accepted forms', (input) => {
    expect(() => parseSince(input, now)).toThrow(/ISO time or a duration/);
  });
});
