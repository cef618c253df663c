/** The review queue's keyboard shortcuts, as a pure function of the key event (unit-tested). */
export type ReviewAction = 'next' | 'previous' | 'confirm' | 'reject';

export const REVIEW_SHORTCUTS: { key: string; action: ReviewAction; label: string }[] = [
  { key: 'j', action: 'next', label: 'next pair' },
  { key: 'k', action: 'previous', label: 'previous pair' },
  { key: 'c', action: 'confirm', label: 'confirm (same activity)' },
  { key: 'r', action: 'reject', label: 'reject (different activities)' },
];

/** What matters of a keydown event. */
export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  repeat?: boolean;
  /** The element the key was typed in. */
  target?: { tagName?: string; isContentEditable?: boolean; type?: string } | null;
}

const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
/** Inputs that take no text: a key typed on them is not text. */
const NON_TEXT_INPUTS = new Set(['button', 'checkbox', 'radio', 'submit', 'reset']);

/** Whether the key is typed into a field (a note, the search box): then it is text, not a shortcut. */
export function isTyping(target: KeyLike['target']): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = (target.tagName ?? '').toUpperCase();
  if (!TYPING_TAGS.has(tag)) return false;
  return !(tag === 'INPUT' && NON_TEXT_INPUTS.has((target.type ?? 'text').toLowerCase()));
}

/** The review action of a key, or undefined: plain j/k/c/r only (no modifier, no auto-repeat, not while typing). */
export function reviewActionOf(e: KeyLike): ReviewAction | undefined {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return undefined;
  if (isTyping(e.target)) return undefined;
  return REVIEW_SHORTCUTS.find((s) => s.key === e.key)?.action;
}

/** The index after moving `action` from `index` in a list of `length` (stays within the list). */
export function moveSelection(index: number, length: number, action: 'next' | 'previous'): number {
  if (length <= 0) return -1;
  if (index < 0) return 0;
  return action === 'next' ? Math.min(length - 1, index + 1) : Math.max(0, index - 1);
}
