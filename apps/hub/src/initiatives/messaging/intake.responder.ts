import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { NATS_CONNECTION } from '@ctp/messaging';
import { CtpLogger, LOGGER, runWithCorrelation } from '@ctp/observability';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { regionalSystemActor } from '../domain/hub-initiative';
import { UpsertInitiative } from '../application/upsert-initiative';
import { intakeFailureOf } from './intake-errors';
import { BoundedSemaphore, IntakeBusy } from './intake-semaphore';
import { IntakeSubjects } from './intake-subjects';

/** At most one `NATS intake busy` line this often (each says how many requests were refused since the last). */
const BUSY_LOG_EVERY_MS = 5_000;

/** What a stock NestJS NATS `ClientProxy.send()` sends: `{ pattern, data, id }`. */
interface NestRequestPacket {
  pattern?: unknown;
  data?: unknown;
  id?: unknown;
}

/**
 * Answers `send` requests from regional systems: the upsert goes through the same use case as REST, and the reply
 * (`{ id, response }` or `{ id, err }`, the shape a NestJS ClientProxy expects) is sent only after the commit. All
 * hub instances of a region share a queue group, so each request is answered once.
 */
@Injectable()
export class IntakeResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;
  /** Refusals since the last `NATS intake busy` line, and when that line was written. */
  private busy = { refused: 0, loggedAt: 0 };
  /**
   * INTAKE_MAX_CONCURRENT requests worked on at once (each holds at most one of the pool's connections), up to
   * INTAKE_QUEUE_MAX more waiting their turn in order, each at most INTAKE_QUEUE_WAIT_MS; beyond: 503, retry later.
   */
  private readonly turns: BoundedSemaphore;

  constructor(
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly log: CtpLogger,
    private readonly upsertInitiative: UpsertInitiative,
  ) {
    this.turns = new BoundedSemaphore(config.intakeMaxConcurrent, config.intakeQueueMax, config.intakeQueueWaitMs);
  }

  onApplicationBootstrap(): void {
    const subject = IntakeSubjects.upsert(this.config.region);
    this.subscription = this.nc.subscribe(subject, {
      queue: this.config.service,
      callback: (err, msg) => {
        if (err) return;
        this.turns.acquire().then(
          (release) => void this.answer(msg).finally(release),
          (busy: IntakeBusy) => {
            this.busyRefused(busy);
            this.reply(msg, packetId(msg), {
              err: {
                statusCode: 503,
                error: 'Service Unavailable',
                message: `the hub is busy (${busy.message}): retry later (or emit, which waits in the stream)`,
                details: [],
              },
            });
          },
        );
      },
    });
    this.log.info({
      msg: 'NATS intake listening',
      subject,
      queue: this.config.service,
      maxConcurrent: this.config.intakeMaxConcurrent,
      queueMax: this.config.intakeQueueMax,
      queueWaitMs: this.config.intakeQueueWaitMs,
    });
  }

  /**
   * One warn line for the first refusal of a burst, then at most one every BUSY_LOG_EVERY_MS with how many were refused
   * meanwhile: a burst of thousands of requests must not become thousands of log lines.
   */
  private busyRefused(busy: IntakeBusy): void {
    this.busy.refused++;
    const now = Date.now();
    if (now - this.busy.loggedAt < BUSY_LOG_EVERY_MS) return;
    this.log.warn({
      msg: 'NATS intake busy',
      why: busy.why,
      refused: this.busy.refused,
      inFlight: this.turns.inFlight,
      waiting: this.turns.waiting,
    });
    this.busy = { refused: 0, loggedAt: now };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.drain().catch(() => undefined);
  }

  private async answer(msg: Msg): Promise<void> {
    let packet: NestRequestPacket;
    try {
      packet = JSON.parse(msg.string()) as NestRequestPacket;
    } catch {
      this.reply(msg, undefined, {
        err: { statusCode: 400, error: 'Bad Request', message: 'the request is not JSON', details: [] },
      });
      return;
    }
    const isPacket = typeof packet === 'object' && packet !== null && 'data' in packet && 'pattern' in packet;
    const body = isPacket ? packet.data : packet;
    const correlationId = msg.headers?.get('X-Correlation-Id') || undefined;
    const started = process.hrtime.bigint();
    await runWithCorrelation(correlationId, async () => {
      try {
        const result = await this.upsertInitiative.execute({
          body,
          actor: regionalSystemActor(this.config.region, this.config.orgRef),
        });
        this.reply(msg, packet?.id, {
          response: {
            status: 'ACCEPTED',
            initiativeId: result.snapshot.initiativeId,
            version: result.snapshot.version,
            created: result.created,
            changed: result.changed,
          },
        });
        this.log.info({
          msg: 'NATS intake request',
          initiativeId: result.snapshot.initiativeId,
          version: result.snapshot.version,
          outcome: result.created ? 'CREATED' : result.changed ? 'UPDATED' : 'UNCHANGED',
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        });
      } catch (err) {
        // 4xx for what can never succeed as sent (a domain error, a value the database refuses for its type), 503 only
        // for what may (the database unreachable, a pool timeout, a serialization failure), 500 for a bug.
        const { kind, body } = intakeFailureOf(err);
        if (kind === 'refused') {
          this.log.warn({ msg: 'NATS intake request rejected', statusCode: body.statusCode, message: body.message });
        } else {
          this.log.error({ msg: 'NATS intake failed', statusCode: body.statusCode, err: (err as Error)?.stack });
        }
        this.reply(msg, packet?.id, { err: body });
      }
    });
  }

  private reply(msg: Msg, id: unknown, payload: { response?: unknown; err?: unknown }): void {
    // Answers go to an inbox only: a reply subject naming anything else (a JetStream API call, another source's
    // subject) is a request to make this hub publish there, and gets no answer. The server's permissions say the same.
    if (!msg.reply?.startsWith('_INBOX.')) return;
    msg.respond(JSON.stringify({ ...(id !== undefined ? { id } : {}), ...payload, isDisposed: true }));
  }
}

/** The id a NestJS client matches the reply with (undefined for a plain request, or a body that is not JSON). */
function packetId(msg: Msg): unknown {
  try {
    return (JSON.parse(msg.string()) as { id?: unknown } | null)?.id;
  } catch {
    return undefined;
  }
}
