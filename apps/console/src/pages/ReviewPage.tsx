/**
 * Review queue: the pairs awaiting an analyst (DUPLICATE and OVERLAP, highest score first), the selected pair's two
 * records side by side, why they matched, and confirm/reject with a note (only with overlaps:decide at the General
 * Secretariat). Keyboard: j/k next/previous, c confirm, r reject. The deduplicated total on the page is re-read after
 * each decision and on the stream's `rollups` event.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ErrorBox, Facts, Loading, LocalText, Title } from '../components/common';
import { useConsole, useLive, useResource, useTitle } from '../hooks';
import { describeError } from '../lib/errors';
import { REVIEW_SHORTCUTS, moveSelection, reviewActionOf } from '../lib/keys';
import { dirOf, formatDate, formatScore, KINDS, labelOf, langOfTerm, REGIONS, STATUSES, STREAMS } from '../lib/labels';
import { overlapsApiPath, queryString, recordHref } from '../lib/routes';
import type { Rollup } from '../lib/rollups';
import { mayDecide } from '../lib/token';
import type { OverlapView, Page, PairRecordView } from '../types';

type Show = 'NONE' | 'CONFIRMED' | 'REJECTED';
const SHOW_LABELS: Record<Show, string> = {
  NONE: 'Awaiting a decision',
  CONFIRMED: 'Confirmed',
  REJECTED: 'Rejected',
};

const RULES: Record<string, string> = {
  EXPLICIT_LINK: 'Explicit link: one record names the other as a report of the same activity',
  SCORED: 'Scored by the matching model',
};

const SIGNALS: [string, string][] = [
  ['title', 'Title similarity'],
  ['titleContainment', 'Shorter title covered by the other'],
  ['subject', 'Subject covered by both titles'],
  ['sameSubject', 'Shares a subject (0: the titles name different subjects)'],
  ['sameSubjectArea', 'Same area of work (0: different areas)'],
  ['samePlace', 'Same city (0: the titles name different cities)'],
  ['countries', 'Shared countries'],
  ['sameDates', 'Same dates'],
  ['nearDates', 'Near in time'],
  ['exactDates', 'Exactly the same days'],
  ['sameSchedule', 'Same schedule, perhaps shifted'],
  ['kind', 'Kind'],
  ['stream', 'Action stream'],
  ['organisations', 'Organisations'],
];

export function ReviewPage({ params }: { params: Record<string, string> }) {
  useTitle('Review queue');
  const { api, session } = useConsole();
  const show: Show = params.show === 'CONFIRMED' || params.show === 'REJECTED' ? params.show : 'NONE';
  const canDecide = mayDecide(session.claims);

  const listPath = overlapsApiPath(show);
  const list = useResource(listPath, (signal) => api.json<Page<OverlapView>>(listPath, { signal }));
  useLive(['pairs'], list.reload);

  const totalsPath = `/rollups${queryString({ groupBy: 'status' })}`;
  const totals = useResource(totalsPath, (signal) => api.json<Rollup>(totalsPath, { signal }));
  useLive(['rollups'], totals.reload);

  // Pairs decided here are hidden from the queue at once, before the list is re-read.
  const [decided, setDecided] = useState<Set<string>>(new Set());
  useEffect(() => setDecided(new Set()), [list.data]);
  const items = useMemo(
    () => (list.data?.items ?? []).filter((p) => show !== 'NONE' || !decided.has(p.id)),
    [list.data, decided, show],
  );

  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const indexHint = useRef(0);
  const selectedIndex = items.findIndex((p) => p.id === selectedId);
  // Keep a selection: the same pair if still listed, else the one now at its place.
  useEffect(() => {
    if (items.length === 0) return;
    if (selectedIndex === -1) setSelectedId(items[Math.min(indexHint.current, items.length - 1)].id);
    else indexHint.current = selectedIndex;
  }, [items, selectedIndex]);
  const listed = selectedIndex === -1 ? undefined : items[selectedIndex];

  const detailPath = listed ? `/overlaps/${encodeURIComponent(listed.id)}` : undefined;
  const detail = useResource(detailPath, (signal) => api.json<OverlapView>(detailPath!, { signal }));
  const pair = detail.data?.id === listed?.id ? detail.data : listed;

  const [note, setNote] = useState('');
  const [decision, setDecision] = useState<{ busy?: boolean; message?: string; error?: string }>({});
  useEffect(() => setNote(''), [listed?.id]);

  const select = (i: number) => {
    if (i < 0 || i >= items.length) return;
    indexHint.current = i;
    setSelectedId(items[i].id);
    setDecision((d) => ({ message: d.message }));
  };

  async function decide(verdict: 'CONFIRMED' | 'REJECTED') {
    if (!pair || !canDecide || decision.busy || pair.decision) return;
    const before = totals.data?.totals.deduplicated;
    setDecision({ busy: true });
    try {
      const after = await api.json<OverlapView>(`/overlaps/${encodeURIComponent(pair.id)}/decision`, {
        method: 'POST',
        body: note.trim() ? { decision: verdict, note: note.trim() } : { decision: verdict },
      });
      const fresh = await api.json<Rollup>(totalsPath);
      const by = after.decidedBy ? ` by ${after.decidedBy.sub} (${after.decidedBy.org})` : '';
      const change =
        before !== undefined && before !== fresh.totals.deduplicated
          ? ` Deduplicated total: ${fresh.totals.deduplicated.toLocaleString('en')} (was ${before.toLocaleString('en')}).`
          : ` Deduplicated total: ${fresh.totals.deduplicated.toLocaleString('en')} (unchanged).`;
      setDecision({
        message: `Pair ${pair.id} ${verdict === 'CONFIRMED' ? 'confirmed' : 'rejected'}${by}.${change}`,
      });
      totals.reload();
      if (show === 'NONE') setDecided((d) => new Set(d).add(pair.id));
      list.reload();
    } catch (err) {
      const shown = describeError(err);
      setDecision({ error: `The decision was not recorded: ${shown.title}. ${shown.detail}` });
    }
  }

  // j/k/c/r anywhere on the page but in a text field.
  const act = useRef<(key: KeyboardEvent) => void>(() => undefined);
  act.current = (e: KeyboardEvent) => {
    const action = reviewActionOf({
      key: e.key,
      ctrlKey: e.ctrlKey,
      metaKey: e.metaKey,
      altKey: e.altKey,
      repeat: e.repeat,
      target: e.target as HTMLElement | null,
    });
    if (!action) return;
    e.preventDefault();
    if (action === 'next' || action === 'previous') select(moveSelection(selectedIndex, items.length, action));
    else void decide(action === 'confirm' ? 'CONFIRMED' : 'REJECTED');
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => act.current(e);
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const shortcuts = REVIEW_SHORTCUTS.filter((s) => canDecide || (s.action !== 'confirm' && s.action !== 'reject'));

  return (
    <>
      <h1>Review queue</h1>
      <p class="lead">
        Pairs of records from different reporters that may describe the same activity. Confirm: the same activity,
        counted once. Reject: different activities.
      </p>
      <p class="help-line" id="review-shortcuts">
        Keyboard:{' '}
        {shortcuts.map((s, i) => (
          <span key={s.key}>
            {i > 0 && ', '}
            <kbd>{s.key}</kbd> {s.label}
          </span>
        ))}
        .
      </p>
      <section aria-labelledby="dedup-total-h" class="dedup-total">
        <h2 id="dedup-total-h" class="visually-hidden">
          Counts
        </h2>
        {totals.error !== undefined ? (
          <ErrorBox error={totals.error} what="GET /rollups" />
        ) : (
          <p>
            Deduplicated total:{' '}
            <strong data-testid="dedup-total">{totals.data?.totals.deduplicated.toLocaleString('en') ?? '…'}</strong> of{' '}
            <span data-testid="reported-total">{totals.data?.totals.reported.toLocaleString('en') ?? '…'}</span>{' '}
            reported initiatives.
          </p>
        )}
      </section>
      <div class="toolbar">
        <label for="review-show">Show</label>
        <select
          id="review-show"
          value={show}
          onChange={(e) => {
            window.location.hash = `#/review${queryString({ show: e.currentTarget.value === 'NONE' ? undefined : e.currentTarget.value })}`;
          }}
        >
          {(Object.keys(SHOW_LABELS) as Show[]).map((s) => (
            <option key={s} value={s}>
              {SHOW_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      {!canDecide && (
        <p class="notice">
          You can read the pairs but not decide them: deciding needs the <code>overlaps:decide</code> right at the
          General Secretariat (IP-GS-CTP).
        </p>
      )}
      <div aria-live="polite" class="status-line" data-testid="decision-status">
        {decision.error ? <span class="error-text">{decision.error}</span> : decision.message}
      </div>

      {list.loading && <Loading what="the pairs" />}
      {list.error !== undefined && <ErrorBox error={list.error} what="GET /overlaps" />}
      {list.data && (
        <div class="review">
          <section aria-labelledby="queue-h" class="queue">
            <h2 id="queue-h">
              {SHOW_LABELS[show]} ({items.length}
              {list.data.nextCursor ? '+' : ''})
            </h2>
            {items.length === 0 ? (
              <p>{show === 'NONE' ? 'No pair awaits a decision.' : 'No pair here.'}</p>
            ) : (
              <ol class="queue-list">
                {items.map((p, i) => (
                  <li key={p.id}>
                    <button
                      type="button"
                      class="queue-item"
                      aria-current={i === selectedIndex ? 'true' : undefined}
                      onClick={() => select(i)}
                    >
                      <span class="queue-score">{formatScore(p.score)}</span>{' '}
                      <span class={`tag tag-${(p.classification ?? 'none').toLowerCase()}`}>
                        {p.classification ?? '—'}
                      </span>{' '}
                      <span class="queue-id">pair {p.id}</span>
                      <span class="queue-titles">
                        {p.records.map((r) => (
                          <span key={r.initiativeId} class="queue-title" lang={r.title.lang} dir={dirOf(r.title.lang)}>
                            {r.title.text}
                          </span>
                        ))}
                      </span>
                    </button>
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section aria-labelledby="pair-h" class="pair">
            {pair ? (
              <PairDetail
                pair={pair}
                canDecide={canDecide}
                note={note}
                setNote={setNote}
                busy={decision.busy === true}
                decide={(v) => void decide(v)}
                detailError={detail.error}
              />
            ) : (
              <h2 id="pair-h">No pair selected</h2>
            )}
          </section>
        </div>
      )}
    </>
  );
}

function PairDetail({
  pair,
  canDecide,
  note,
  setNote,
  busy,
  decide,
  detailError,
}: {
  pair: OverlapView;
  canDecide: boolean;
  note: string;
  setNote: (s: string) => void;
  busy: boolean;
  decide: (v: 'CONFIRMED' | 'REJECTED') => void;
  detailError: unknown;
}) {
  const a = pair.records.find((r) => r.initiativeId === pair.aId) ?? pair.records[0];
  const b = pair.records.find((r) => r.initiativeId === pair.bId) ?? pair.records[1];
  const s = pair.signals ?? {};
  const shared = a && b ? a.countries.filter((c) => b.countries.includes(c)) : [];
  return (
    <>
      <h2 id="pair-h">
        Pair {pair.id}: {pair.classification ?? 'not flagged'}, score {formatScore(pair.score)}
      </h2>
      {detailError !== undefined && <ErrorBox error={detailError} what={`GET /overlaps/${pair.id}`} />}
      <div class="side-by-side">
        {[a, b].map((r, i) => (r ? <RecordCard key={r.initiativeId} record={r} side={i === 0 ? 'A' : 'B'} /> : null))}
      </div>

      <h3>Why they matched</h3>
      <Facts
        items={[
          ['Score', `${formatScore(pair.score)} (${pair.classification ?? 'not flagged'})`],
          ['Rule', pair.rule ? (RULES[pair.rule] ?? pair.rule) : undefined],
          ['Explicit link', pair.rule === 'EXPLICIT_LINK' ? 'Yes: one record names the other' : 'No'],
          ['Shared countries', shared.length ? shared.join(', ') : 'None'],
          [
            'Dates',
            a && b
              ? `A ${formatDate(a.start)} to ${formatDate(a.end)}; B ${formatDate(b.start)} to ${formatDate(b.end)}`
              : undefined,
          ],
          ['Same code name', s.codeName === undefined ? undefined : s.codeName ? 'Yes' : 'No'],
          ['Matching model', s.model],
        ]}
      />
      {SIGNALS.some(([k]) => typeof s[k] === 'number') && (
        <table class="data signals">
          <caption>Signals of the matching model (each from 0 to 1)</caption>
          <thead>
            <tr>
              <th scope="col">Signal</th>
              <th scope="col" class="num">
                Value
              </th>
            </tr>
          </thead>
          <tbody>
            {SIGNALS.filter(([k]) => typeof s[k] === 'number').map(([k, label]) => (
              <tr key={k}>
                <th scope="row">{label}</th>
                <td class="num">{formatScore(s[k] as number)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h4>Shared concepts in the titles</h4>
      {(s.titleConcepts?.length ?? 0) === 0 ? (
        <p>None.</p>
      ) : (
        <table class="data terms">
          <caption>The glossary concepts both titles name, and the words that named them on each side</caption>
          <thead>
            <tr>
              <th scope="col">Concept</th>
              <th scope="col">Terms in A ({a?.initiativeId})</th>
              <th scope="col">Terms in B ({b?.initiativeId})</th>
            </tr>
          </thead>
          <tbody>
            {(s.titleConcepts ?? []).map((concept) => {
              const terms = s.titleTerms?.find((t) => t.concept === concept);
              return (
                <tr key={concept}>
                  <th scope="row">{concept}</th>
                  <td>
                    <Terms terms={terms?.a} record={a} />
                  </td>
                  <td>
                    <Terms terms={terms?.b} record={b} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <h3>Decision</h3>
      {pair.decision ? (
        <p data-testid="decided">
          {pair.decision === 'CONFIRMED' ? 'Confirmed' : 'Rejected'}
          {pair.decidedBy ? ` by ${pair.decidedBy.sub} (${pair.decidedBy.org})` : ''}
          {pair.decidedAt ? ` on ${formatDate(pair.decidedAt, true)}` : ''}
          {pair.decisionNote ? `: “${pair.decisionNote}”` : '.'}
        </p>
      ) : canDecide ? (
        <form
          class="decision"
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <label for="decision-note">Note (optional, kept with the decision)</label>
          <textarea
            id="decision-note"
            rows={3}
            maxLength={2000}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
          <div class="decision-buttons">
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => decide('CONFIRMED')}
              aria-keyshortcuts="c"
            >
              Confirm: same activity (c)
            </button>
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() => decide('REJECTED')}
              aria-keyshortcuts="r"
            >
              Reject: different activities (r)
            </button>
          </div>
        </form>
      ) : (
        <p>Awaiting a decision.</p>
      )}
    </>
  );
}

/** A record's terms for one concept, each in the language of the title (or translation) it came from. */
function Terms({ terms, record }: { terms: string[] | undefined; record: PairRecordView | undefined }) {
  if (!terms || terms.length === 0) return <span>—</span>;
  const titles = record ? [record.title, ...(record.titleAlt ?? [])] : [];
  return (
    <span>
      {terms.map((t, i) => (
        <span key={t}>
          {i > 0 && ', '}
          <LocalText text={t} lang={langOfTerm(t, titles)} />
        </span>
      ))}
    </span>
  );
}

function RecordCard({ record: r, side }: { record: PairRecordView; side: 'A' | 'B' }) {
  return (
    <article class="record-card" aria-labelledby={`record-${side}-h`}>
      <h3 id={`record-${side}-h`}>
        Record {side}: <a href={recordHref(r.initiativeId)}>{r.initiativeId}</a>
      </h3>
      <p class="record-title">
        <Title title={r.title} />
      </p>
      {r.titleAlt?.map((t) => (
        <p key={`${t.lang}-${t.text}`} class="record-title-alt">
          <Title title={t} />
        </p>
      ))}
      <Facts
        items={[
          ['Reporter', r.reporter],
          ['Region', r.region ? labelOf(REGIONS, r.region) : undefined],
          ['Kind', labelOf(KINDS, r.kind)],
          ['Primary action stream', labelOf(STREAMS, r.primaryActionStream)],
          ['Status', r.status ? labelOf(STATUSES, r.status) : undefined],
          ['Countries', r.countries.join(', ') || '—'],
          ['Dates compared', `${formatDate(r.start)} to ${formatDate(r.end)}`],
          [
            'Planned',
            r.dates?.plannedStart || r.dates?.plannedEnd
              ? `${formatDate(r.dates.plannedStart)} to ${formatDate(r.dates.plannedEnd)}`
              : undefined,
          ],
          [
            'Actual',
            r.dates?.actualStart || r.dates?.actualEnd
              ? `${formatDate(r.dates.actualStart)} to ${formatDate(r.dates.actualEnd)}`
              : undefined,
          ],
          ['Code name', r.codeName ?? undefined],
          ['Withdrawn', r.withdrawn ? 'Yes' : undefined],
          ['Cluster', r.clusterId ?? undefined],
        ]}
      />
    </article>
  );
}
