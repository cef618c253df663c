import { FieldProblem } from './field-problem';

/*
 * What the text of a snapshot may hold (docs/domain.md "Validation", Text), checked by every reporter's owner (hub, partner-liaison)
 * before it stores a record and by every consumer (platform, partner-liaison's copy) before it applies one, so a text
 * that one accepts is never refused by another:
 *
 * - no NUL (U+0000): PostgreSQL cannot store it in text or jsonb;
 * - no other control character (U+0001–U+001F, U+007F–U+009F), except tab, line feed and carriage return in the
 *   free-text `description` and withdrawal `reason`: they reach terminals, logs and CSV cells;
 * - no lone UTF-16 surrogate: it is not a character, cannot be encoded in UTF-8, and breaks every serialiser after it;
 * - no bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069): they make a title display other
 *   than it reads ("Trojan Source"); the marks U+200E/U+200F, which Arabic text legitimately uses, are allowed;
 * - no U+FFFD (the replacement character: what a decoder leaves where the bytes were not text) and no noncharacter
 *   U+FFFE/U+FFFF: the text was damaged before it reached us, and the sender should know.
 *
 * Text is normalised to NFC by the owner before it is checked and stored (`normalizeText`), so two reports of the
 * same words compare equal whatever composition the sender's keyboard produced.
 */

/** Fields whose text may span lines. */
const MULTILINE_FIELDS = /^(description|withdrawal\.reason|reason)$/;

// Built with the RegExp constructor so that the source file itself holds no control or bidi character; matching
// control characters is the point of these expressions.
/* eslint-disable no-control-regex */
const NUL = new RegExp('\\u0000');
const CONTROL_MULTILINE = new RegExp('[\\u0001-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]');
const CONTROL = new RegExp('[\\u0001-\\u001F\\u007F-\\u009F]');
const LONE_SURROGATE = new RegExp('[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]');
const BIDI_CONTROL = new RegExp('[\\u202A-\\u202E\\u2066-\\u2069]');
const DAMAGED = new RegExp('[\\uFFFD\\uFFFE\\uFFFF]');
/* eslint-enable no-control-regex */

/** The first rule one string breaks, or undefined. `field` decides whether line breaks are allowed. */
export function textProblem(field: string, value: string): FieldProblem | undefined {
  if (NUL.test(value)) return { field, rule: 'noNulCharacter', message: `${field} contains a NUL character (U+0000)` };
  if (LONE_SURROGATE.test(value)) {
    return {
      field,
      rule: 'noLoneSurrogate',
      message: `${field} contains a lone UTF-16 surrogate: it is not a character (is the text cut in the middle of one?)`,
    };
  }
  const multiline = MULTILINE_FIELDS.test(field.replace(/\[\d+\]/g, ''));
  if ((multiline ? CONTROL_MULTILINE : CONTROL).test(value)) {
    return {
      field,
      rule: 'noControlCharacters',
      message: multiline
        ? `${field} contains a control character (only tab and line breaks are allowed)`
        : `${field} contains a control character (line breaks and tabs included): one line of text`,
    };
  }
  if (BIDI_CONTROL.test(value)) {
    return {
      field,
      rule: 'noBidiOverride',
      message: `${field} contains a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069)`,
    };
  }
  if (DAMAGED.test(value)) {
    return {
      field,
      rule: 'noReplacementCharacter',
      message: `${field} contains U+FFFD or a noncharacter: the text was damaged before it was sent (check its encoding)`,
    };
  }
  return undefined;
}

/** Every string in `value` (a snapshot, its content, or a part of one), checked; `path` names the fields. */
export function textProblems(value: unknown, path = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  // Iterative, so a deeply nested value cannot exhaust the stack (its shape is refused elsewhere).
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length) {
    const [v, p] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(p || 'body', v);
      if (problem) out.push(problem);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${p}[${i}]`]);
    } else if (v && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i];
        stack.push([child, p ? `${p}.${k}` : k]);
      }
    }
  }
  return out;
}

/** Kept for the callers that named it so: every text rule, not only NUL. */
export const nulProblems = textProblems;

/** `value` with every string normalised to NFC (a copy; objects and arrays rebuilt, other values as they are). */
export function normalizeText<T>(value: T): T {
  if (typeof value === 'string') return value.normalize('NFC') as T;
  if (Array.isArray(value)) return value.map((v) => normalizeText(v)) as T;
  if (value && typeof value === 'object') {
    // fromEntries defines own properties: a key named __proto__ stays a key, never a prototype.
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, normalizeText(v)]),
    ) as T;
  }
  return value;
}
