/** Small pieces every page uses: loading and error states, status badges, text in its own language. */
import type { ComponentChildren } from 'preact';
import { describeError } from '../lib/errors';
import { dirOf, LANGUAGE_NAMES } from '../lib/labels';
import { useConsole } from '../hooks';

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** A failed call, said plainly: a 401 offers to sign in again; a 403 names the right the sign-in lacks. */
export function ErrorBox({ error, what }: { error: unknown; what: string }) {
  const { signIn } = useConsole();
  const shown = describeError(error);
  return (
    <div class="error" role="alert">
      <p class="error-title">
        <strong>{shown.title}</strong> ({what})
      </p>
      <p>{shown.detail}</p>
      {shown.kind === 'session' && (
        <p>
          <button type="button" class="primary" onClick={signIn}>
            Sign in again
          </button>
        </p>
      )}
    </div>
  );
}

export type Health = 'green' | 'amber' | 'red';

const HEALTH_TEXT: Record<Health, { symbol: string; word: string }> = {
  green: { symbol: '✓', word: 'Green: healthy' },
  amber: { symbol: '!', word: 'Amber: needs attention' },
  red: { symbol: '✕', word: 'Red: failing' },
};

/** A green/amber/red badge that says its state in words (not colour alone). */
export function Badge({ status }: { status: string | undefined }) {
  const health: Health | undefined = status === 'green' || status === 'amber' || status === 'red' ? status : undefined;
  if (!health) return <span class="badge badge-unknown">Unknown</span>;
  const { symbol, word } = HEALTH_TEXT[health];
  return (
    <span class={`badge badge-${health}`} data-status={health}>
      <span aria-hidden="true" class="badge-symbol">
        {symbol}
      </span>{' '}
      {word}
    </span>
  );
}

/** Text in its own language: `lang` set, and `dir="rtl"` for Arabic. */
export function LocalText({ text, lang }: { text: string; lang: string | undefined }) {
  const dir = dirOf(lang);
  return (
    <span lang={lang || undefined} dir={dir} class={dir === 'rtl' ? 'rtl' : undefined}>
      {text}
    </span>
  );
}

/** A title with its language named after it: "Formation régionale… (French)". */
export function Title({ title }: { title: { lang: string; text: string } | undefined }) {
  if (!title) return <span>—</span>;
  const name = LANGUAGE_NAMES[title.lang] ?? title.lang;
  return (
    <span class="title">
      <LocalText text={title.text} lang={title.lang} /> <span class="lang-tag">({name})</span>
    </span>
  );
}

/** A definition list from label/value pairs, leaving out the absent ones. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items
        .filter(([, v]) => v !== undefined && v !== null && v !== '')
        .map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
    </dl>
  );
}
