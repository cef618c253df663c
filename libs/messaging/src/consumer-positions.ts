import type { UnitOfWork } from '@ctp/persistence';

/**
 * Where a durable consumer stands in the consumer's own database: the highest stream sequence below which (inclusive)
 * every message it was given is decided in this database. Read back at start-up: a database restored from a backup
 * holds an older position than the broker's consumer, and the consumer is rewound to it.
 */
export interface ConsumerPositionStore {
  read(consumer: string, stream: string): Promise<number | undefined>;
  record(consumer: string, stream: string, ackedThrough: number): Promise<void>;
}

/**
 * `consumer_positions` (a migration of each service that sets `trackPositions`). Why recording the broker's ack floor
 * outside the batches' transactions is exact: the transport acknowledges a message only after its transaction
 * committed, so when the broker reports an ack floor F, every message up to F was committed before that report, and
 * so before the UPDATE that stores F commits. A snapshot of the database (a backup) that holds F holds all of them.
 */
export class SqlConsumerPositions implements ConsumerPositionStore {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  async read(consumer: string, stream: string): Promise<number | undefined> {
    const rows: { acked_through: string }[] = await this.unitOfWork.run((tx) =>
      tx.manager.query(`SELECT acked_through FROM consumer_positions WHERE consumer = $1 AND stream = $2`, [
        consumer,
        stream,
      ]),
    );
    return rows.length ? Number(rows[0].acked_through) : undefined;
  }

  async record(consumer: string, stream: string, ackedThrough: number): Promise<void> {
    // Never backwards: after a rewind the broker's floor restarts below the stored one until the replay passes it.
    await this.unitOfWork.run((tx) =>
      tx.manager.query(
        `INSERT INTO consumer_positions (consumer, stream, acked_through) VALUES ($1, $2, $3)
         ON CONFLICT (consumer, stream) DO UPDATE
            SET acked_through = GREATEST(consumer_positions.acked_through, EXCLUDED.acked_through), recorded_at = now()
          WHERE consumer_positions.acked_through < EXCLUDED.acked_through`,
        [consumer, stream, ackedThrough],
      ),
    );
  }
}

/** What to do with a durable consumer at start-up, given the database's position and the broker's. */
export type RewindDecision =
  | { rewind: false; why: 'no position recorded' | 'database not behind' }
  | {
      rewind: true;
      /** The first stream sequence to deliver again. */
      from: number;
      /** Sequences that should be delivered again but the stream no longer keeps (its retention): lost here. */
      lost?: [number, number];
    };

/**
 * The database is behind when the broker's consumer has acknowledged past everything this database holds of it: past
 * the position it recorded and past the last message it decided (`applied`: the highest stream sequence of its inbox
 * and dead-letter rows, written in the batches' own transactions, so after an ordinary restart it is at or beyond the
 * broker's ack floor). The messages after the recorded position were then applied to a database that no longer exists
 * (it was restored from a backup): they are delivered again from there on; the inbox recognises those the backup held
 * (DUPLICATE_DELIVERY).
 */
export function rewindDecision(
  recorded: number | undefined,
  brokerAckFloor: number,
  streamFirstSeq: number,
  applied = 0,
): RewindDecision {
  if (recorded === undefined) return { rewind: false, why: 'no position recorded' };
  if (brokerAckFloor <= Math.max(recorded, applied)) return { rewind: false, why: 'database not behind' };
  const wanted = recorded + 1;
  const from = Math.max(wanted, streamFirstSeq);
  return from > wanted ? { rewind: true, from, lost: [wanted, from - 1] } : { rewind: true, from };
}
