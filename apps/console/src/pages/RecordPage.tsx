/** A record: its snapshot, provenance, version history and the duplicate cluster it belongs to (canonical marked). */
import { ErrorBox, Facts, Loading, Title } from '../components/common';
import { useConsole, useLive, useResource, useTitle } from '../hooks';
import { formatDate, KINDS, labelOf, REGIONS, STATUSES, STREAMS } from '../lib/labels';
import { recordHref, registryHref } from '../lib/routes';
import type { RegistryRecord } from '../types';

const RELATION_TYPES: Record<number, string> = {
  1: 'parent',
  2: 'child',
  3: 'sibling',
  4: 'co-funded',
  5: 'third-party report',
};

export function RecordPage({ id }: { id: string }) {
  useTitle(`Record ${id}`);
  const { api } = useConsole();
  const path = `/initiatives/${encodeURIComponent(id)}`;
  const record = useResource(path, (signal) => api.json<RegistryRecord>(path, { signal }));
  useLive(['registry', 'pairs'], record.reload);

  return (
    <>
      <p class="breadcrumb">
        <a href={registryHref({})}>Registry</a> › {id}
      </p>
      <h1>
        Record <span class="mono">{id}</span>
      </h1>
      {record.loading && <Loading what="the record" />}
      {record.error !== undefined && <ErrorBox error={record.error} what={`GET ${path}`} />}
      {record.data && <RecordBody r={record.data} />}
    </>
  );
}

function memberId(m: string | { initiativeId: string }): string {
  return typeof m === 'string' ? m : m.initiativeId;
}

function RecordBody({ r }: { r: RegistryRecord }) {
  const s = r.snapshot;
  const d = s.dates ?? {};
  const provenance = r.provenance ?? {};
  return (
    <>
      <p class="record-title">
        <Title title={s.title} />
        {r.withdrawn && <span class="tag tag-withdrawn">withdrawn</span>}
      </p>
      {(s.titleAlt ?? []).length > 0 && (
        <ul class="plain">
          {s.titleAlt!.map((t) => (
            <li key={`${t.lang}-${t.text}`}>
              <Title title={t} />
            </li>
          ))}
        </ul>
      )}

      <section aria-labelledby="snapshot-h">
        <h2 id="snapshot-h">Snapshot (version {r.version})</h2>
        {s.description && <p class="description">{s.description}</p>}
        <Facts
          items={[
            ['Reporter', `${s.reportingOrg.ref}${s.reportingOrg.name ? ` (${s.reportingOrg.name})` : ''}`],
            ['Region', `${labelOf(REGIONS, r.region)} (${r.region})`],
            ['Kind', labelOf(KINDS, s.kind)],
            ['Code name', s.codeName],
            [
              'Action streams',
              s.actionStreams
                ? `${labelOf(STREAMS, s.actionStreams.primary)} (primary)${(s.actionStreams.secondary ?? []).map((x) => `, ${labelOf(STREAMS, x)}`).join('')}`
                : undefined,
            ],
            ['Capabilities', (s.capabilities ?? []).join(', ')],
            ['Status', labelOf(STATUSES, s.status)],
            [
              'Planned',
              d.plannedStart || d.plannedEnd
                ? `${formatDate(d.plannedStart)} to ${formatDate(d.plannedEnd)}`
                : undefined,
            ],
            [
              'Actual',
              d.actualStart || d.actualEnd ? `${formatDate(d.actualStart)} to ${formatDate(d.actualEnd)}` : undefined,
            ],
            ['Scope', s.scope],
            ['Recipient countries', (s.recipientCountries ?? []).join(', ')],
            [
              'Participating organisations',
              (s.participatingOrgs ?? []).map((o) => `${o.name} (${o.ref}, ${o.role})`).join('; '),
            ],
            [
              'Related initiatives',
              (s.relatedInitiatives ?? []).length > 0 ? (
                <ul class="plain">
                  {s.relatedInitiatives!.map((x) => (
                    <li key={`${x.ref}-${x.type}`}>
                      <a href={recordHref(x.ref)}>{x.ref}</a> ({RELATION_TYPES[x.type] ?? `type ${x.type}`})
                    </li>
                  ))}
                </ul>
              ) : undefined,
            ],
            ['Other identifiers', (s.otherIdentifiers ?? []).map((o) => `${o.ref} (${o.ownerOrg})`).join('; ')],
            // Anything but PARTNER_SHAREABLE is restricted, as the platform treats it (a withdrawal stub has none).
            ['Visibility', s.visibility === 'PARTNER_SHAREABLE' ? 'Partner shareable' : 'INTERPOL restricted'],
            [
              'Withdrawal',
              s.withdrawal ? `${formatDate(s.withdrawal.withdrawnAt, true)}: ${s.withdrawal.reason}` : undefined,
            ],
          ]}
        />
      </section>

      <section aria-labelledby="provenance-h">
        <h2 id="provenance-h">Provenance</h2>
        <Facts
          items={[
            ['Source', r.source],
            ['Reported by', s.reportingOrg.ref],
            ['First reported', formatDate(r.firstReportedAt, true)],
            ['Last reported', formatDate(r.lastReportedAt, true)],
            ['Last updated by the reporter', formatDate(s.lastUpdatedAt, true)],
            ...Object.entries(provenance)
              .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
              .map(([k, v]): [string, string] => [k, v === null ? '—' : String(v)]),
          ]}
        />
      </section>

      <section aria-labelledby="history-h">
        <h2 id="history-h">Version history</h2>
        {r.versions.length === 0 ? (
          <p>No version recorded.</p>
        ) : (
          <div class="table-wrap">
            <table class="data">
              <caption>Each version the platform applied, newest first</caption>
              <thead>
                <tr>
                  <th scope="col" class="num">
                    Version
                  </th>
                  <th scope="col">Event</th>
                  <th scope="col">Reported</th>
                  <th scope="col">Applied</th>
                  <th scope="col">Event id</th>
                </tr>
              </thead>
              <tbody>
                {[...r.versions]
                  .sort((x, y) => y.version - x.version)
                  .map((v) => (
                    <tr key={`${v.version}-${v.eventId ?? ''}`}>
                      <th scope="row" class="num">
                        {v.version}
                      </th>
                      <td>{v.eventType ?? '—'}</td>
                      <td>{formatDate(v.reportedAt, true)}</td>
                      <td>{formatDate(v.appliedAt, true)}</td>
                      <td class="mono">{v.eventId ?? '—'}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="cluster-h">
        <h2 id="cluster-h">Duplicate cluster</h2>
        {r.cluster ? (
          <>
            <p>
              This record is one of {r.cluster.members.length} records of the same activity; the deduplicated counts
              count them once, under the canonical record.
            </p>
            <ul class="cluster" data-testid="cluster-members">
              {r.cluster.members.map((m) => {
                const mid = memberId(m);
                const canonical = mid === r.cluster!.canonicalId;
                return (
                  <li key={mid} class={canonical ? 'canonical' : undefined}>
                    {mid === r.initiativeId ? (
                      <strong>{mid} (this record)</strong>
                    ) : (
                      <a href={recordHref(mid)}>{mid}</a>
                    )}
                    {canonical && <span class="tag tag-canonical">canonical record</span>}
                  </li>
                );
              })}
            </ul>
          </>
        ) : (
          <p>Not in a cluster: no duplicate of this record is flagged (or one was rejected).</p>
        )}
      </section>
    </>
  );
}
