import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { nanos } from '@nats-io/nats-core';
import { JetStreamNames } from '@ctp/contracts';
import { ROOT } from '../support/services';
import { HubLoad, sleep } from './support/load';
import { FaultRig, printSummary } from './support/rig';

const WINDOW_MS = 1000;

/**
 * The relay down for longer than the broker's dedupe window, then re-publishing: with CTP_EVENTS created beforehand
 * with a 1 s duplicate window, a hub killed right after publishing (its last rows marked unsent again, as a crash
 * between the PubAck and the UPDATE leaves them) and restarted 1.5 s later, and then `npm run outbox:replay` of
 * everything, put real duplicates into the stream. The broker cannot drop them any more; the platform's inbox must
 * (DUPLICATE_DELIVERY), with nothing applied twice.
 */
describe('fault dedupe-window', () => {
  let rig: FaultRig;

  beforeAll(async () => {
    rig = await FaultRig.create({ name: 'dedupe-window', topology: { duplicateWindowMs: WINDOW_MS } });
    await rig.startAll();
  }, 60_000);

  afterAll(async () => {
    await rig?.teardown();
  }, 60_000);

  it('drops every duplicate the broker let through, at the inbox', async () => {
    const stream = await rig.jsm.streams.info(JetStreamNames.eventsStream);
    expect(stream.config.duplicate_window).toBe(nanos(WINDOW_MS));
    const startedAt = new Date(Date.now() - 1000);
    const load = new HubLoad(
      rig.hubs.map((h) => ({ region: h.region, baseUrl: h.proc.baseUrl })),
      { prefix: 'dw', initiatives: 100, updates: 2, withdrawEvery: 10, concurrency: 6, deadlineMs: 90_000 },
    );
    await rig.poison();
    const running = load.run();

    // A crash between the PubAck and the UPDATE: the last 40 published rows are unsent again in the hub's database.
    const afr = rig.hubs[0];
    await load.reachedFraction(0.4);
    await afr.proc.kill('SIGKILL');
    const unmarked = await afr.db.query<{ event_id: string }>(
      `UPDATE outbox_events SET sent_at = NULL WHERE id IN (
         SELECT id FROM outbox_events WHERE sent_at IS NOT NULL ORDER BY id DESC LIMIT 40) RETURNING event_id`,
    );
    expect(unmarked).toHaveLength(40);
    // Down for longer than the dedupe window: the broker has forgotten these ids when the relay publishes them again.
    await sleep(WINDOW_MS + 500);
    await afr.proc.start(45_000);
    await running;
    const first = await rig.waitCaughtUp(60_000);
    expect(FaultRig.caughtUp(first.last)).toBe(true);

    // An operator's replay of everything the other hub sent, long after the window.
    await sleep(WINDOW_MS + 200);
    const eur = rig.hubs[1];
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'dist/scripts/outbox-replay.js'), '--service', 'hub-eur', '--since', startedAt.toISOString()],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: eur.db.url, NATS_URL: rig.natsUrl },
        timeout: 60_000,
      },
    );
    const replayed = Number(/"republished":(\d+)/.exec(stdout + stderr)?.[1]);
    const [{ n: eurEvents }] = await eur.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events`);
    expect(replayed).toBe(eurEvents);

    const caughtUp = await rig.waitCaughtUp(60_000);
    const counts = await rig.verify(load, caughtUp);
    printSummary('dedupe-window', { ...counts, caughtUpMs: first.ms + caughtUp.ms });

    // The stream holds real duplicates: more hub messages than distinct events (the poison aside)...
    const info = await rig.jsm.streams.info(JetStreamNames.eventsStream, { subjects_filter: 'ctp.hub.>' });
    const inStream = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    const duplicatesInStream = inStream - rig.poisonSent - counts.sent;
    expect(duplicatesInStream).toBeGreaterThanOrEqual(unmarked.length + replayed);
    // ...and each of them reached the platform's inbox, which recognised it and changed nothing.
    const dropped = new Set(
      rig
        .platformLines()
        .filter((l) => l.msg === 'event handled' && l.outcome === 'DUPLICATE_DELIVERY')
        .map((l) => l.streamSeq),
    );
    expect(dropped.size).toBe(duplicatesInStream);
  }, 180_000);
});
