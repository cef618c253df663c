/*
 * What a request's path and query values may hold, checked at the HTTP edge before anything reads them: no control
 * character (U+0000–U+001F, U+007F: PostgreSQL cannot store NUL, and the others reach logs and terminals) and no lone
 * UTF-16 surrogate (not a character; it cannot be encoded in UTF-8). The text of a body is the contract's to judge.
 */

// Built with the RegExp constructor so that the source file itself holds no control character.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = new RegExp('[\\u0000-\\u001F\\u007F]');
const LONE_SURROGATE = new RegExp('[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]');

export interface TextRuleBroken {
  rule: 'noControlCharacters' | 'noLoneSurrogate';
  /** Completes "<field> …". */
  message: string;
}

/** The rule a path or query value breaks, or undefined. */
export function requestTextProblem(value: string): TextRuleBroken | undefined {
  if (CONTROL.test(value)) {
    return { rule: 'noControlCharacters', message: 'must not contain a control character (U+0000–U+001F, U+007F)' };
  }
  if (LONE_SURROGATE.test(value)) {
    return { rule: 'noLoneSurrogate', message: 'must not contain a lone UTF-16 surrogate' };
  }
  return undefined;
}

/**
 * `value` made safe to echo in a message or a header: control characters and lone surrogates become `?`, and it is
 * cut (on a whole character) to `max` characters.
 */
export function printable(value: string, max = 100): string {
  const chars = Array.from(value.length > max * 2 ? value.slice(0, max * 2) : value);
  const cut = chars.length > max ? [...chars.slice(0, max), '…'] : chars;
  return cut.map((c) => (requestTextProblem(c) ? '?' : c)).join('');
}
