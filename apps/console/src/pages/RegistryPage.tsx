/**
 * Registry: text search and filters (region, reporter, stream, status, country, kind), carried in the hash so a
 * rollup cell can link here; pages of 50 through nextCursor (the cursors of earlier pages kept for "Previous").
 */
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading, Title } from '../components/common';
import { useConsole, useLive, useResource, useTitle } from '../hooks';
import { KINDS, labelOf, REGIONS, STATUSES, STREAMS, formatDate } from '../lib/labels';
import { recordHref, registryApiPath, registryFiltersOf, registryHref, type RegistryFilters } from '../lib/routes';
import type { Page, RegistrySummary } from '../types';

const PAGE_SIZE = 50;

function Choice({
  id,
  label,
  value,
  options,
  onChange,
}: {
  id: string;
  label: string;
  value: string | undefined;
  options: Record<string, string>;
  onChange: (v: string) => void;
}) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value ?? ''} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">Any</option>
        {Object.entries(options).map(([code, name]) => (
          <option key={code} value={code}>
            {name} ({code})
          </option>
        ))}
      </select>
    </div>
  );
}

export function RegistryPage({ params }: { params: Record<string, string> }) {
  useTitle('Registry');
  const { api } = useConsole();
  const filters = registryFiltersOf(params);
  const filterKey = registryHref(filters);
  const [draft, setDraft] = useState<RegistryFilters>(filters);
  // Pages: the cursors of the pages read so far (undefined for the first).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  // New filters (the hash changed): the form shows them, paging starts again.
  useEffect(() => {
    setDraft(registryFiltersOf(params));
    setCursors([undefined]);
  }, [filterKey]);
  const cursor = cursors[cursors.length - 1];
  const path = registryApiPath(filters, cursor, PAGE_SIZE);
  const page = useResource(path, (signal) => api.json<Page<RegistrySummary>>(path, { signal }));
  useLive(['registry'], page.reload);

  const set = (k: keyof RegistryFilters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const apply = (f: RegistryFilters) => {
    window.location.hash = registryHref(f);
  };
  const active = Object.entries(filters);

  return (
    <>
      <h1>Registry</h1>
      <form
        class="filters"
        role="search"
        aria-label="Search the registry"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <div class="field field-wide">
          <label for="registry-q">Search titles (any language) and code names</label>
          <input id="registry-q" type="search" value={draft.q ?? ''} onInput={(e) => set('q')(e.currentTarget.value)} />
        </div>
        <Choice id="registry-region" label="Region" value={draft.region} options={REGIONS} onChange={set('region')} />
        <Choice
          id="registry-stream"
          label="Action stream"
          value={draft.stream}
          options={STREAMS}
          onChange={set('stream')}
        />
        <Choice id="registry-status" label="Status" value={draft.status} options={STATUSES} onChange={set('status')} />
        <Choice id="registry-kind" label="Kind" value={draft.kind} options={KINDS} onChange={set('kind')} />
        <div class="field">
          <label for="registry-reporter">Reporter</label>
          <input
            id="registry-reporter"
            type="text"
            placeholder="e.g. IP-HUB-EUR"
            value={draft.reporter ?? ''}
            onInput={(e) => set('reporter')(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="registry-country">Country (ISO code)</label>
          <input
            id="registry-country"
            type="text"
            maxLength={2}
            placeholder="e.g. FR"
            value={draft.country ?? ''}
            onInput={(e) => set('country')(e.currentTarget.value)}
          />
        </div>
        <div class="field field-buttons">
          <button type="submit" class="primary">
            Search
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft({});
              apply({});
            }}
          >
            Clear
          </button>
        </div>
      </form>

      {page.loading && <Loading what="the registry" />}
      {page.error !== undefined && <ErrorBox error={page.error} what="GET /initiatives" />}
      {page.data && (
        <section aria-labelledby="registry-results-h">
          <h2 id="registry-results-h">Records {cursors.length > 1 ? `(page ${cursors.length})` : ''}</h2>
          <p aria-live="polite" data-testid="registry-count">
            {page.data.items.length === 0
              ? 'No record matches.'
              : `${page.data.items.length}${page.data.nextCursor ? ' or more' : ''} record${page.data.items.length === 1 ? '' : 's'} on this page`}
            {active.length > 0 && `, filtered by ${active.map(([k, v]) => `${k} ${v}`).join(', ')}`}.
          </p>
          {page.data.items.length > 0 && (
            <div class="table-wrap">
              <table class="data" data-testid="registry-table">
                <caption>
                  Registry records{active.length > 0 ? ` (${active.map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Title</th>
                    <th scope="col">Record</th>
                    <th scope="col">Reporter</th>
                    <th scope="col">Region</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Action stream</th>
                    <th scope="col">Status</th>
                    <th scope="col">Countries</th>
                    <th scope="col">Last reported</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.items.map((r) => (
                    <tr key={r.initiativeId} class={r.withdrawn ? 'withdrawn' : undefined}>
                      <td>
                        <Title title={r.title} />
                        {r.clusterId && <span class="tag">in a cluster</span>}
                        {(r.titleAlt ?? []).map((t) => (
                          <span key={`${t.lang}-${t.text}`} class="title-alt">
                            <Title title={t} />
                          </span>
                        ))}
                      </td>
                      <td>
                        <a href={recordHref(r.initiativeId)}>{r.initiativeId}</a>
                      </td>
                      <td>{r.reporter}</td>
                      <td>{r.region}</td>
                      <td>{labelOf(KINDS, r.kind)}</td>
                      <td>{labelOf(STREAMS, r.primaryActionStream)}</td>
                      <td>
                        {labelOf(STATUSES, r.status)}
                        {r.withdrawn ? ' (withdrawn)' : ''}
                      </td>
                      <td>{r.countries.join(', ')}</td>
                      <td>{formatDate(r.lastReportedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <nav class="pager" aria-label="Pages of records">
            <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Previous page
            </button>
            <button
              type="button"
              disabled={!page.data.nextCursor}
              onClick={() => setCursors((c) => [...c, page.data?.nextCursor])}
            >
              Next page
            </button>
          </nav>
        </section>
      )}
    </>
  );
}
