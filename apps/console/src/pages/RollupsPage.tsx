/**
 * Rollups: reported vs deduplicated initiatives per region × primary action stream, as a chart and as a table, for
 * one status or all; each count links to the registry filtered the same way; CSV and HXL downloads; re-fetched on
 * the stream's `rollups` event.
 */
import { useMemo, useState } from 'preact/hooks';
import { saveBlob } from '../api';
import { BarChart } from '../components/BarChart';
import { ErrorBox, Loading } from '../components/common';
import { useConsole, useLive, useResource, useTitle } from '../hooks';
import { describeError } from '../lib/errors';
import { labelOf, REGIONS, STATUSES, STREAMS } from '../lib/labels';
import { registryHref, queryString } from '../lib/routes';
import { cellsOf, ROLLUP_GROUP_BY, statusesOf, totalsOf, withoutHxlRow, type Rollup } from '../lib/rollups';

const SERIES = [
  { name: 'Reported', className: 'series-0' },
  { name: 'Deduplicated', className: 'series-1' },
];

const regionName = (code: string) => `${labelOf(REGIONS, code)} (${code})`;

export function RollupsPage({ params }: { params: Record<string, string> }) {
  useTitle('Rollups');
  const { api } = useConsole();
  const path = `/rollups${queryString({ groupBy: ROLLUP_GROUP_BY })}`;
  const rollup = useResource(path, (signal) => api.json<Rollup>(path, { signal }));
  useLive(['rollups'], rollup.reload);
  const status = params.status && params.status !== 'ALL' ? params.status : undefined;
  const [download, setDownload] = useState<{ busy?: string; error?: string; done?: string }>({});

  const cells = useMemo(() => cellsOf(rollup.data?.rows ?? [], status), [rollup.data, status]);
  const totals = totalsOf(cells);
  const statuses = useMemo(() => {
    const present = statusesOf(rollup.data?.rows ?? []);
    return [...new Set([...Object.keys(STATUSES), ...present])];
  }, [rollup.data]);
  const statusText = status ? `status ${labelOf(STATUSES, status)}` : 'all statuses';

  function setStatus(value: string) {
    window.location.hash = `#/rollups${queryString({ status: value === 'ALL' ? undefined : value })}`;
  }

  async function downloadAs(kind: 'CSV' | 'HXL') {
    setDownload({ busy: kind });
    try {
      const blob = await api.blob(path, 'text/csv');
      const text = await blob.text();
      const body = kind === 'HXL' ? text : withoutHxlRow(text);
      const day = new Date().toISOString().slice(0, 10);
      saveBlob(
        new Blob([body], { type: 'text/csv;charset=utf-8' }),
        kind === 'HXL' ? `ctp-rollups-${day}.hxl.csv` : `ctp-rollups-${day}.csv`,
      );
      setDownload({ done: `${kind} file downloaded.` });
    } catch (err) {
      const shown = describeError(err);
      setDownload({ error: `${kind} download failed: ${shown.title}. ${shown.detail}` });
    }
  }

  return (
    <>
      <h1>Rollups</h1>
      <p class="lead">
        Live initiatives per region and primary action stream: <em>reported</em> counts every record,{' '}
        <em>deduplicated</em> counts each cluster of duplicates once.
      </p>
      <div class="toolbar">
        <label for="rollup-status">Status</label>
        <select id="rollup-status" value={status ?? 'ALL'} onChange={(e) => setStatus(e.currentTarget.value)}>
          <option value="ALL">All statuses</option>
          {statuses.map((s) => (
            <option key={s} value={s}>
              {labelOf(STATUSES, s)}
            </option>
          ))}
        </select>
        <span class="toolbar-spacer" />
        <button type="button" onClick={() => void downloadAs('CSV')} disabled={download.busy !== undefined}>
          Download CSV
        </button>
        <button type="button" onClick={() => void downloadAs('HXL')} disabled={download.busy !== undefined}>
          Download HXL (CSV with HXL hashtags)
        </button>
      </div>
      <p class="hint">Downloads hold every region, stream and status (one row each), whatever the filter above.</p>
      <div aria-live="polite" class="status-line">
        {download.error ? <span class="error-text">{download.error}</span> : download.done}
      </div>

      {rollup.loading && <Loading what="the rollups" />}
      {rollup.error !== undefined && <ErrorBox error={rollup.error} what="GET /rollups" />}
      {rollup.data && (
        <>
          <section aria-labelledby="rollup-totals-h">
            <h2 id="rollup-totals-h">Totals ({statusText})</h2>
            <dl class="totals" data-testid="rollup-totals">
              <div>
                <dt>Reported</dt>
                <dd data-testid="total-reported">{totals.reported.toLocaleString('en')}</dd>
              </div>
              <div>
                <dt>Deduplicated</dt>
                <dd data-testid="total-deduplicated">{totals.deduplicated.toLocaleString('en')}</dd>
              </div>
            </dl>
          </section>
          <section aria-labelledby="rollup-chart-h">
            <h2 id="rollup-chart-h">By region and action stream</h2>
            {cells.length === 0 ? (
              <p>No live initiatives with {statusText}.</p>
            ) : (
              <BarChart
                id="rollup-chart"
                title={`Reported and deduplicated initiatives by region and primary action stream, ${statusText}`}
                description="Two bars per region and stream: reported, then deduplicated. The table below gives the same numbers."
                series={SERIES}
                groups={cells.map((c) => ({
                  section: regionName(c.region),
                  label: labelOf(STREAMS, c.stream),
                  values: [c.reported, c.deduplicated],
                }))}
              />
            )}
          </section>
          <section aria-labelledby="rollup-table-h">
            <h2 id="rollup-table-h">Table</h2>
            <div class="table-wrap">
              <table class="data" data-testid="rollup-table">
                <caption>
                  Reported and deduplicated initiatives by region and primary action stream, {statusText}. Each count
                  opens the records behind it in the registry.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Region</th>
                    <th scope="col">Primary action stream</th>
                    <th scope="col" class="num">
                      Reported
                    </th>
                    <th scope="col" class="num">
                      Deduplicated
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {cells.map((c) => {
                    const href = registryHref({ region: c.region, stream: c.stream, status });
                    const where = `${regionName(c.region)}, ${labelOf(STREAMS, c.stream)}, ${statusText}`;
                    return (
                      <tr key={`${c.region}-${c.stream}`} data-region={c.region} data-stream={c.stream}>
                        <th scope="row">{regionName(c.region)}</th>
                        <td>{labelOf(STREAMS, c.stream)}</td>
                        <td class="num" data-col="reported">
                          <a href={href} aria-label={`${c.reported} reported: the records of ${where}`}>
                            {c.reported.toLocaleString('en')}
                          </a>
                        </td>
                        <td class="num" data-col="deduplicated">
                          <a href={href} aria-label={`${c.deduplicated} deduplicated: the records of ${where}`}>
                            {c.deduplicated.toLocaleString('en')}
                          </a>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row" colSpan={2}>
                      Total
                    </th>
                    <td class="num">{totals.reported.toLocaleString('en')}</td>
                    <td class="num">{totals.deduplicated.toLocaleString('en')}</td>
                  </tr>
                </tfoot>
              </table>
            </div>
          </section>
        </>
      )}
    </>
  );
}
