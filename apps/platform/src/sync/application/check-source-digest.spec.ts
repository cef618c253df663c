import { SourceDigest } from '@ctp/contracts';
import { createLogger, Metrics } from '@ctp/observability';
import type { Transaction } from '@ctp/persistence';
import { RefusedRecords } from '../persistence/refused-records';
import { SourceDigests } from '../persistence/source-digests';
import { SyncSources } from '../persistence/sync-sources';
import { CheckSourceDigest } from './check-source-digest';
import { RepairSource } from './repair-source';

const AFR = '/ctp/hubs/afr';
const UNODC = '/ctp/partner-liaison/unodc';

/**
 * The digest check's verdict and what it exports: `ctp_sync_digest_mismatch{source}` (alert CtpReconciliationMismatch)
 * and `ctp_sync_refused_records{source}`, set once the digest event's transaction has committed.
 */
describe('CheckSourceDigest', () => {
  /** The platform's view of each source (what SourceDigests would compute), and what the check did. */
  function setUp(ours: Record<string, { count: number; hash: string }>, refused: Record<string, number> = {}) {
    const recorded: { source: string; matched: boolean }[] = [];
    const repairs: string[] = [];
    const metrics = new Metrics('platform');
    const check = new CheckSourceDigest(
      { digest: async (source: string) => ({ source, ...ours[source] }) } as unknown as SourceDigests,
      { countCounted: async (_tx: Transaction, source: string) => refused[source] ?? 0 } as unknown as RefusedRecords,
      {
        recordCheck: async (_tx: Transaction, theirs: SourceDigest, _ours: unknown, matched: boolean) => {
          recorded.push({ source: theirs.source, matched });
        },
      } as unknown as SyncSources,
      { schedule: (source: string) => repairs.push(source) } as unknown as RepairSource,
      createLogger('test', 'silent'),
      metrics,
    );
    /** Runs one digest through the check in a transaction that commits (`committed: false`: still open). */
    async function digest(theirs: Omit<SourceDigest, 'generatedAt'>, committed = true): Promise<void> {
      const afterCommit: (() => void)[] = [];
      const tx = { manager: {}, afterCommit: (cb: () => void) => afterCommit.push(cb) } as unknown as Transaction;
      await check.execute(tx, { ...theirs, generatedAt: '2026-12-03T06:00:00.000Z' });
      if (committed) afterCommit.forEach((cb) => cb());
    }
    /** The gauge's value per source. */
    async function gauge(name: string): Promise<Record<string, number>> {
      const metric = metrics.registry.getSingleMetric(name);
      const values = (await metric!.get()).values;
      return Object.fromEntries(values.map((v) => [String(v.labels.source), v.value]));
    }
    return { digest, gauge, recorded, repairs, metrics };
  }

  it('says 0 for a source whose digest matches, and schedules no repair', async () => {
    const t = setUp({ [AFR]: { count: 2, hash: 'h2' } });
    await t.digest({ source: AFR, count: 2, hash: 'h2' });
    expect(t.recorded).toEqual([{ source: AFR, matched: true }]);
    expect(t.repairs).toEqual([]);
    expect(await t.gauge('ctp_sync_digest_mismatch')).toEqual({ [AFR]: 0 });
  });

  it.each([
    ['count', { count: 3, hash: 'h2' }],
    ['hash', { count: 2, hash: 'h2-other' }],
    ['count and hash', { count: 1, hash: 'h1' }],
  ])('says 1 for a source whose digest differs in %s, and schedules a repair of it', async (_what, theirs) => {
    const t = setUp({ [AFR]: { count: 2, hash: 'h2' } });
    await t.digest({ source: AFR, ...theirs });
    expect(t.recorded).toEqual([{ source: AFR, matched: false }]);
    expect(t.repairs).toEqual([AFR]);
    expect(await t.gauge('ctp_sync_digest_mismatch')).toEqual({ [AFR]: 1 });
  });

  it('follows each source apart, and goes back to 0 when a later digest of that source matches', async () => {
    const t = setUp({ [AFR]: { count: 2, hash: 'h2' }, [UNODC]: { count: 5, hash: 'h5' } });
    await t.digest({ source: AFR, count: 3, hash: 'h3' });
    await t.digest({ source: UNODC, count: 5, hash: 'h5' });
    expect(await t.gauge('ctp_sync_digest_mismatch')).toEqual({ [AFR]: 1, [UNODC]: 0 });
    // The repair brought the missing record: the next digest of the hub matches.
    await t.digest({ source: AFR, count: 2, hash: 'h2' });
    expect(await t.gauge('ctp_sync_digest_mismatch')).toEqual({ [AFR]: 0, [UNODC]: 0 });
    expect(t.repairs).toEqual([AFR]);
  });

  it('changes nothing it exports before the transaction commits (a rolled-back check leaves the last verdict)', async () => {
    const t = setUp({ [AFR]: { count: 2, hash: 'h2' } });
    await t.digest({ source: AFR, count: 2, hash: 'h2' });
    await t.digest({ source: AFR, count: 9, hash: 'h9' }, false);
    expect(await t.gauge('ctp_sync_digest_mismatch')).toEqual({ [AFR]: 0 });
    expect(t.repairs).toEqual([]);
  });

  it("exports the refused records of the source's last digest beside the verdict", async () => {
    const t = setUp({ [AFR]: { count: 3, hash: 'h3' } }, { [AFR]: 1 });
    await t.digest({ source: AFR, count: 3, hash: 'h3' });
    expect(await t.gauge('ctp_sync_refused_records')).toEqual({ [AFR]: 1 });
    expect(await t.gauge('ctp_sync_digest_mismatch')).toEqual({ [AFR]: 0 });
  });

  it('registers its gauges once per registry, however many checks the process builds', async () => {
    const t = setUp({ [AFR]: { count: 2, hash: 'h2' } });
    const again = new CheckSourceDigest(
      { digest: async (source: string) => ({ source, count: 2, hash: 'h2' }) } as unknown as SourceDigests,
      { countCounted: async () => 0 } as unknown as RefusedRecords,
      { recordCheck: async () => undefined } as unknown as SyncSources,
      { schedule: () => undefined } as unknown as RepairSource,
      createLogger('test', 'silent'),
      t.metrics,
    );
    expect(again).toBeInstanceOf(CheckSourceDigest);
    await t.digest({ source: AFR, count: 4, hash: 'h4' });
    const text = await t.metrics.registry.metrics();
    expect(text.match(/^# TYPE ctp_sync_digest_mismatch gauge$/gm)).toHaveLength(1);
    expect(text).toMatch(/^ctp_sync_digest_mismatch\{source="\/ctp\/hubs\/afr",service="platform"\} 1$/m);
  });
});
