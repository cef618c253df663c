import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { NATS_CONNECTION } from '@ctp/messaging';
import { CtpLogger, LOGGER, runWithCorrelation } from '@ctp/observability';
import { HUB_CONFIG, HubConfig } from '../../config/hub.config';
import { regionalSystemActor } from '../domain/hub-initiative';
import { UpsertInitiative } from '../application/upsert-initiative';
import { WithdrawInitiative } from '../application/withdraw-initiative';
import { intakeFailureOf } from './intake-errors';
import { BoundedSemaphore, IntakeBusy } from './intake-semaphore';
import { IntakeSubjects } from './intake-subjects';
import { intakeWithdrawalOf } from './intake-withdraw';

/** At most one `NATS intake busy` line this often (each says how many requests were refused since the last). */
const BUSY_LOG_EVERY_MS = 5_000;

/** What a stock NestJS NATS `ClientProxy.send()` sends: `{ pattern, data, id }`. */
interface NestRequestPacket {
  pattern?: unknown;
  data?: unknown;
  id?: unknown;
}

/** The intake's request/reply subjects: what each does with a request's body. */
type IntakeRequestKind = 'upsert' | 'withdraw';

/** What a request did: the reply's `response`, and its `NATS intake request` log line's fields. */
interface IntakeAnswer {
  response: Record<string, unknown>;
  initiativeId: string;
  version: number;
  outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'WITHDRAWN';
}

/**
 * Answers `send` requests from regional systems on `…initiatives.upsert` and `…initiatives.withdraw`: each goes through
 * the same use case as REST (UpsertInitiative; WithdrawInitiative, as `POST /initiatives/:id/withdraw`), and the reply
 * (`{ id, response }` or `{ id, err }`, the shape a NestJS ClientProxy expects) is sent only after the commit; a
 * refusal is the same error body as over REST. All hub instances of a region share a queue group, so each request is
 * answered once; both subjects share one bound on the requests worked on at once.
 */
@Injectable()
export class IntakeResponder implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: Subscription[] = [];
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
    private readonly withdrawInitiative: WithdrawInitiative,
  ) {
    this.turns = new BoundedSemaphore(config.intakeMaxConcurrent, config.intakeQueueMax, config.intakeQueueWaitMs);
  }

  onApplicationBootstrap(): void {
    const subjects: Record<IntakeRequestKind, string> = {
      upsert: IntakeSubjects.upsert(this.config.region),
      withdraw: IntakeSubjects.withdraw(this.config.region),
    };
    this.subscriptions = Object.entries(subjects).map(([kind, subject]) =>
      this.listen(subject, kind as IntakeRequestKind),
    );
    this.log.info({
      msg: 'NATS intake listening',
      subjects: Object.values(subjects),
      queue: this.config.service,
      maxConcurrent: this.config.intakeMaxConcurrent,
      queueMax: this.config.intakeQueueMax,
      queueWaitMs: this.config.intakeQueueWaitMs,
    });
  }

  private listen(subject: string, kind: IntakeRequestKind): Subscription {
    return this.nc.subscribe(subject, {
      queue: this.config.service,
      callback: (err, msg) => {
        if (err) return;
        this.turns.acquire().then(
          (release) => void this.answer(msg, kind).finally(release),
          (busy: IntakeBusy) => {
            this.busyRefused(busy);
            this.reply(msg, packetId(msg), {
              err: {
                statusCode: 503,
                error: 'Service Unavailable',
                message: `the hub is busy (${busy.message}): retry later${kind === 'upsert' ? ' (or emit, which waits in the stream)' : ''}`,
                details: [],
              },
            });
          },
        );
      },
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
    await Promise.all(this.subscriptions.map((s) => s.drain().catch(() => undefined)));
  }

  private async answer(msg: Msg, kind: IntakeRequestKind): Promise<void> {
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
        const { response, ...line } = await (kind === 'withdraw' ? this.withdraw(body) : this.upsert(body));
        this.reply(msg, packet?.id, { response });
        this.log.info({
          msg: 'NATS intake request',
          ...line,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        });
      } catch (err) {
        // 4xx for what can never succeed as sent (a domain error, a value the database refuses for its type), 503 only
        // for what may (the database unreachable, a pool timeout, a serialization failure), 500 for a bug.
        const { kind, body } = intakeFailureOf(err);
        if (kind === 'refused') {
          this.log.warn({
            msg: 'NATS intake request rejected',
            request: kind,
            statusCode: body.statusCode,
            message: body.message,
          });
        } else {
          this.log.error({
            msg: 'NATS intake failed',
            request: kind,
            statusCode: body.statusCode,
            err: (err as Error)?.stack,
          });
        }
        this.reply(msg, packet?.id, { err: body });
      }
    });
  }

  private async upsert(body: unknown): Promise<IntakeAnswer> {
    const result = await this.upsertInitiative.execute({ body, actor: this.actor() });
    const { initiativeId, version } = result.snapshot;
    return {
      response: { status: 'ACCEPTED', initiativeId, version, created: result.created, changed: result.changed },
      initiativeId,
      version,
      outcome: result.created ? 'CREATED' : result.changed ? 'UPDATED' : 'UNCHANGED',
    };
  }

  /** As `POST /initiatives/:id/withdraw` with `If-Match: "<expectedVersion>"` (none: whatever is current). */
  private async withdraw(body: unknown): Promise<IntakeAnswer> {
    const request = intakeWithdrawalOf(body, this.config.orgRef);
    const snapshot = await this.withdrawInitiative.execute({ ...request, actor: this.actor() });
    const { initiativeId, version } = snapshot;
    return {
      response: { status: 'ACCEPTED', initiativeId, version, withdrawnAt: snapshot.withdrawal!.withdrawnAt },
      initiativeId,
      version,
      outcome: 'WITHDRAWN',
    };
  }

  private actor() {
    return regionalSystemActor(this.config.region, this.config.orgRef);
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
