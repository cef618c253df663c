/**
 * Operations: GET /console/operations every 5 s — the overall state and each source, consumer, the detection
 * backlog, the dead letters and each service's outbox, every one with a green/amber/red badge that says its state in
 * words; the thresholds behind the colours at the end.
 */
import { useEffect } from 'preact/hooks';
import { Badge, ErrorBox, Facts, Loading } from '../components/common';
import { useConsole, useResource, useTitle } from '../hooks';
import { formatAge, formatDate } from '../lib/labels';
import type { OperationsReport } from '../types';

const REFRESH_MS = 5000;
const PATH = '/console/operations';

const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : '—');

const SOURCE_STATES: Record<string, string> = {
  MATCHED: 'in sync (digests match)',
  REPAIRING: 'repairing after a mismatch',
  MISMATCHED: 'out of sync (digests differ)',
  STALE: 'no recent digest',
  NOT_CHECKED: 'no digest yet',
};

export function OperationsPage() {
  useTitle('Operations');
  const { api } = useConsole();
  const ops = useResource(PATH, (signal) => api.json<OperationsReport>(PATH, { signal }));
  const { reload } = ops;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const r = ops.data;

  return (
    <>
      <h1>Operations</h1>
      <p class="lead">
        Is every hub in sync? Refreshed every 5 seconds
        {r ? (
          <>
            ; last answer <time dateTime={r.generatedAt}>{formatDate(r.generatedAt, true)}</time>
          </>
        ) : null}
        .
      </p>
      {ops.loading && <Loading what="the operations report" />}
      {ops.error !== undefined && <ErrorBox error={ops.error} what={`GET ${PATH}`} />}
      {r && (
        <>
          <section aria-labelledby="overall-h" class="overall" data-testid="ops-overall" data-status={r.overall}>
            <h2 id="overall-h">
              Overall: <Badge status={r.overall} />
            </h2>
            {(r.problems ?? []).length > 0 && (
              <ul class="problems">
                {r.problems!.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            )}
          </section>

          <section aria-labelledby="sources-h">
            <h2 id="sources-h">Sources</h2>
            <div class="table-wrap">
              <table class="data" data-testid="ops-sources">
                <caption>Each reporting source's sync with the platform (reconciliation of digests)</caption>
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">State</th>
                    <th scope="col" class="num">
                      Records
                    </th>
                    <th scope="col">Last change reported</th>
                    <th scope="col">Last heard from (event or digest)</th>
                    <th scope="col">Last digest checked</th>
                    <th scope="col" class="num">
                      Repaired
                    </th>
                    <th scope="col" class="num">
                      Refused
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.sources.map((s) => (
                    <tr key={s.source} data-source={s.source} data-status={s.status}>
                      <th scope="row" class="mono">
                        {s.source}
                      </th>
                      <td>
                        <Badge status={s.status} />
                        <span class="state-text"> {SOURCE_STATES[s.state] ?? s.state}</span>
                        {s.lastMismatchAt && (
                          <span class="muted"> (last mismatch {formatDate(s.lastMismatchAt, true)})</span>
                        )}
                      </td>
                      <td class="num">{num(s.records)}</td>
                      <td>{formatDate(s.lastReportedAt ?? null, true)}</td>
                      <td>{formatDate(s.lastEventAt, true)}</td>
                      <td>{formatDate(s.lastCheckedAt, true)}</td>
                      <td class="num">{num(s.repairedTotal)}</td>
                      <td class="num">{num(s.refused)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <section aria-labelledby="consumers-h">
            <h2 id="consumers-h">Consumers</h2>
            <div class="table-wrap">
              <table class="data" data-testid="ops-consumers">
                <caption>The platform's durable consumers: messages not yet delivered or not yet acknowledged</caption>
                <thead>
                  <tr>
                    <th scope="col">Consumer</th>
                    <th scope="col">State</th>
                    <th scope="col" class="num">
                      Pending
                    </th>
                    <th scope="col" class="num">
                      Awaiting acknowledgement
                    </th>
                    <th scope="col" class="num">
                      Redelivered
                    </th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {r.consumers.map((c) => (
                    <tr key={c.name} data-consumer={c.name} data-status={c.status}>
                      <th scope="row" class="mono">
                        {c.name}
                      </th>
                      <td>
                        <Badge status={c.status} />
                      </td>
                      <td class="num">{num(c.pending)}</td>
                      <td class="num">{num(c.ackPending)}</td>
                      <td class="num">{num(c.redelivered)}</td>
                      <td>{c.error ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <div class="ops-pair">
            <section aria-labelledby="detection-h" data-testid="ops-detection" data-status={r.detection.status}>
              <h2 id="detection-h">Duplicate detection</h2>
              <p>
                <Badge status={r.detection.status} />
              </p>
              <Facts
                items={[
                  ['Records waiting to be compared', num(r.detection.backlog)],
                  ['Oldest waiting for', formatAge(r.detection.oldestQueuedAgeSeconds)],
                  ['Error', r.detection.error],
                ]}
              />
            </section>

            <section aria-labelledby="dlq-h" data-testid="ops-dead-letters" data-status={r.deadLetters.status}>
              <h2 id="dlq-h">Dead letters</h2>
              <p>
                <Badge status={r.deadLetters.status} />
              </p>
              <Facts
                items={[
                  ['Messages set aside', num(r.deadLetters.count)],
                  [
                    'Last one written',
                    r.deadLetters.lastWrittenAt ? formatDate(r.deadLetters.lastWrittenAt, true) : undefined,
                  ],
                  ['Error', r.deadLetters.error],
                  ['Inspect them with', r.deadLetters.inspect ? <code>{r.deadLetters.inspect}</code> : undefined],
                ]}
              />
              {r.deadLetters.latest.length > 0 && (
                <>
                  <h3>Latest reasons</h3>
                  <ul class="dlq">
                    {r.deadLetters.latest.map((d, i) => (
                      <li key={`${d.at ?? ''}-${i}`}>
                        <strong>{d.reason}</strong>
                        {d.detail ? `: ${d.detail}` : ''}{' '}
                        <span class="muted">
                          (
                          {[d.subject, d.consumer, d.at ? formatDate(d.at, true) : undefined]
                            .filter(Boolean)
                            .join(', ')}
                          )
                        </span>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {(r.deadLetters.reasonsSinceStart ?? []).length > 0 && (
                <>
                  <h3>Reasons since the platform started</h3>
                  <ul class="dlq">
                    {r.deadLetters.reasonsSinceStart!.map((x) => (
                      <li key={`${x.consumer}-${x.reason}`}>
                        {x.reason} <span class="muted">({x.consumer})</span>: {num(x.count)}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </section>
          </div>

          <section aria-labelledby="services-h">
            <h2 id="services-h">Services</h2>
            <div class="table-wrap">
              <table class="data" data-testid="ops-services">
                <caption>The hubs and partner liaison: readiness and the events their outbox has not yet sent</caption>
                <thead>
                  <tr>
                    <th scope="col">Service</th>
                    <th scope="col">State</th>
                    <th scope="col">Ready</th>
                    <th scope="col" class="num">
                      Outbox backlog
                    </th>
                    <th scope="col">Oldest unsent</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {r.services.map((s) => (
                    <tr key={s.name} data-service={s.name} data-status={s.status}>
                      <th scope="row">
                        {s.name} <span class="muted mono">{s.url}</span>
                      </th>
                      <td>
                        <Badge status={s.status} />
                      </td>
                      <td>{s.ready ? 'Yes' : 'No'}</td>
                      <td class="num">{num(s.outboxBacklog)}</td>
                      <td>{formatAge(s.oldestUnsentAgeSeconds)}</td>
                      <td>{s.error ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          {r.thresholds && (
            <details class="thresholds">
              <summary>How the colours are decided</summary>
              <ul>
                {Object.entries(r.thresholds).map(([part, limits]) => (
                  <li key={part}>
                    <strong>{part}</strong>:{' '}
                    {Object.entries(limits)
                      .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
                      .join(', ')}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </>
  );
}
