import { isTyping, moveSelection, reviewActionOf } from './keys';

describe('review queue shortcuts', () => {
  it('maps j, k, c and r to next, previous, confirm and reject', () => {
    expect(['j', 'k', 'c', 'r', 'x', 'J'].map((key) => reviewActionOf({ key }))).toEqual([
      'next',
      'previous',
      'confirm',
      'reject',
      undefined,
      undefined,
    ]);
  });

  it('ignores keys with a modifier, auto-repeated keys, and keys typed into a field', () => {
    expect(reviewActionOf({ key: 'c', ctrlKey: true })).toBeUndefined();
    expect(reviewActionOf({ key: 'r', metaKey: true })).toBeUndefined();
    expect(reviewActionOf({ key: 'j', altKey: true })).toBeUndefined();
    expect(reviewActionOf({ key: 'c', repeat: true })).toBeUndefined();
    expect(reviewActionOf({ key: 'c', target: { tagName: 'TEXTAREA' } })).toBeUndefined();
    expect(reviewActionOf({ key: 'r', target: { tagName: 'input', type: 'search' } })).toBeUndefined();
    expect(reviewActionOf({ key: 'j', target: { tagName: 'SELECT' } })).toBeUndefined();
    expect(reviewActionOf({ key: 'k', target: { tagName: 'DIV', isContentEditable: true } })).toBeUndefined();
    expect(reviewActionOf({ key: 'j', target: { tagName: 'BUTTON' } })).toBe('next');
    expect(reviewActionOf({ key: 'c', target: { tagName: 'INPUT', type: 'checkbox' } })).toBe('confirm');
    expect(isTyping(null)).toBe(false);
  });

  it('moves the selection within the list', () => {
    expect(moveSelection(0, 3, 'next')).toBe(1);
    expect(moveSelection(2, 3, 'next')).toBe(2);
    expect(moveSelection(0, 3, 'previous')).toBe(0);
    expect(moveSelection(2, 3, 'previous')).toBe(1);
    expect(moveSelection(-1, 3, 'next')).toBe(0);
    expect(moveSelection(0, 0, 'next')).toBe(-1);
  });
});
