import { Inject, Injectable } from '@nestjs/common';
import { JetStreamManager } from '@nats-io/jetstream';
import { JetStreamNames } from '@ctp/contracts';
import { DEAD_LETTER_REDRIVE_SUBJECT, JETSTREAM_MANAGER } from '@ctp/messaging';
import { PLATFORM_CONSUMERS } from '../../platform-consumers';

/** One of the platform's durable consumers as the broker reports it, or why it could not be asked. */
export interface ConsumerReading {
  name: string;
  pending?: number;
  ackPending?: number;
  redelivered?: number;
  error?: string;
}

/** The dead-letter stream, as the platform's NATS identity may see it: counts per subject, never the messages. */
export interface DeadLetterReading {
  count?: number;
  /** When the stream was last written to (a dead letter, or the record of a re-drive). */
  lastWrittenAt?: string;
  bySubject: { consumer: string; subject: string; count: number }[];
  error?: string;
}

/** How long the broker is given to answer one question. */
const BROKER_TIMEOUT_MS = 2000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: no answer within ${BROKER_TIMEOUT_MS} ms`)),
        BROKER_TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * What the broker says of the platform's consumers and of the dead letters: consumer info (pending, unacknowledged,
 * redelivered) and the dead-letter stream's info with its per-subject counts (`ctpdlq.<consumer>.<original subject>`).
 * The platform's identity may not read dead letters themselves (docs/security.md): their reasons are for an operator,
 * `npm run dlq -- list`.
 */
@Injectable()
export class BrokerStateReadModel {
  constructor(@Inject(JETSTREAM_MANAGER) private readonly jsm: JetStreamManager) {}

  async consumers(): Promise<ConsumerReading[]> {
    return Promise.all(
      PLATFORM_CONSUMERS.map(async (b): Promise<ConsumerReading> => {
        try {
          const info = await within(
            this.jsm.consumers.info(b.stream ?? JetStreamNames.eventsStream, b.durable),
            `consumer ${b.durable}`,
          );
          return {
            name: b.durable,
            pending: info.num_pending,
            ackPending: info.num_ack_pending,
            redelivered: info.num_redelivered,
          };
        } catch (err) {
          return { name: b.durable, error: (err as Error).message };
        }
      }),
    );
  }

  async deadLetters(): Promise<DeadLetterReading> {
    try {
      const info = await within(
        this.jsm.streams.info(JetStreamNames.deadLetterStream, {
          subjects_filter: `${JetStreamNames.deadLetterSubjectPrefix}.>`,
        }),
        JetStreamNames.deadLetterStream,
      );
      const bySubject = Object.entries(info.state.subjects ?? {})
        .filter(([subject]) => subject !== DEAD_LETTER_REDRIVE_SUBJECT)
        .map(([subject, count]) => {
          const [, consumer, ...original] = subject.split('.');
          return { consumer: consumer ?? '', subject: original.join('.'), count };
        })
        .sort((a, b) => b.count - a.count || a.subject.localeCompare(b.subject));
      return {
        count: bySubject.reduce((n, s) => n + s.count, 0),
        ...(info.state.messages > 0 && info.state.last_ts ? { lastWrittenAt: info.state.last_ts } : {}),
        bySubject,
      };
    } catch (err) {
      return { bySubject: [], error: (err as Error).message };
    }
  }
}
