/**
 * Operations: GET /console/operations every 5 s — the overall state and each source, consumer, the detection
 * backlog, the dead letters and each service's outbox, every one with a green/amber/red badge that says its state in
 * words.
 */
import { useEffect } from 'preact/hooks';
import { Badge, ErrorBox, Facts, Loading } from '../components/common';
import { useConsole, useResource, useTitle } from '../hooks';
import { formatAge, formatDate } from '../lib/labels';
import type { OperationsReport } from '../types';

const REFRESH_MS = 5000;
const PATH = '/console/operations';

const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : '—');

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
          </section>

          <section aria-labelledby="sources-h">
            <h2 id="sources-h">Sources</h2>
            <div class="table-wrap">
              <table class="data" data-testid="ops-sources">
                <caption>Each reporting source's sync with the platform</caption>
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">State</th>
                    <th scope="col" class="num">
                      Records
                    </th>
                    <th scope="col">Last event</th>
                    <th scope="col">Reconciliation</th>
                    <th scope="col" class="num">
                      Refused
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.sources.map((s) => (
                    <tr key={s.source} data-status={s.status}>
                      <th scope="row" class="mono">
                        {s.source}
                      </th>
                      <td>
                        <Badge status={s.status} />
                        {typeof s.state === 'string' && <span class="state-text"> {s.state}</span>}
                      </td>
                      <td class="num">{num(s.records)}</td>
                      <td>{formatDate(s.lastEventAt as string | null, true)}</td>
                      <td>{reconciliationText(s.reconciliation)}</td>
                      <td class="num">{num((s.refused as { count?: number } | undefined)?.count)}</td>
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
                  </tr>
                </thead>
                <tbody>
                  {r.consumers.map((c) => (
                    <tr key={c.name} data-status={c.status}>
                      <th scope="row" class="mono">
                        {c.name}
                      </th>
                      <td>
                        <Badge status={c.status} />
                      </td>
                      <td class="num">{num(c.pending)}</td>
                      <td class="num">{num(c.ackPending)}</td>
                      <td class="num">{num(c.redelivered)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <div class="ops-pair">
            <section aria-labelledby="detection-h" data-status={r.detection.status}>
              <h2 id="detection-h">Duplicate detection</h2>
              <p>
                <Badge status={r.detection.status} />
              </p>
              <Facts
                items={[
                  ['Records waiting to be compared', num(r.detection.backlog)],
                  ['Oldest waiting for', formatAge(r.detection.oldestQueuedAgeSeconds)],
                ]}
              />
            </section>

            <section aria-labelledby="dlq-h" data-status={r.deadLetters.status}>
              <h2 id="dlq-h">Dead letters</h2>
              <p>
                <Badge status={r.deadLetters.status} />
              </p>
              <Facts items={[['Messages set aside', num(r.deadLetters.count)]]} />
              {r.deadLetters.latest.length > 0 && (
                <>
                  <h3>Latest reasons</h3>
                  <ul class="dlq">
                    {r.deadLetters.latest.map((d, i) => (
                      <li key={`${d.at ?? ''}-${i}`}>
                        <strong>{d.reason}</strong>
                        {d.detail ? `: ${d.detail}` : ''}{' '}
                        <span class="muted">
                          {d.subject ? `(${d.subject}` : '('}
                          {d.at ? `${d.subject ? ', ' : ''}${formatDate(d.at, true)}` : ''})
                        </span>
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
        </>
      )}
    </>
  );
}

function reconciliationText(value: unknown): string {
  if (!value || typeof value !== 'object') return 'not yet';
  const v = value as { matched?: unknown; checkedAt?: unknown; repairedTotal?: unknown };
  const result = v.matched === true ? 'digests match' : v.matched === false ? 'digests differ' : undefined;
  const at = typeof v.checkedAt === 'string' ? `checked ${formatDate(v.checkedAt, true)}` : undefined;
  const repaired =
    typeof v.repairedTotal === 'number' && v.repairedTotal > 0 ? `${v.repairedTotal} repaired` : undefined;
  return [result, at, repaired].filter(Boolean).join(', ') || '—';
}
