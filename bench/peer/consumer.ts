/**
 * The peer's platform (a child process of the bench; see protocol.ts): a Nest microservice on the transport's
 * NatsJetStreamServer (a durable push consumer, manual acks, as its README shows), one @EventPattern handler for every
 * hub subject. Per message, one transaction: claim the event in the inbox (INSERT … ON CONFLICT DO NOTHING: a
 * redelivery is skipped) and upsert the registry row; commit, then ack. Messages are handled one at a time, in the
 * order the consumer delivers them (the transport awaits each handler before the next).
 */
import 'reflect-metadata';
import { Controller, Inject, Injectable, Module, OnModuleDestroy } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MicroserviceOptions, Payload } from '@nestjs/microservices';
import { NatsJetStreamContext, NatsJetStreamServer } from '@nestjs-plugins/nestjs-nats-jetstream-transport';
import { Pool } from 'pg';
import { env, exitWith, fatal, send } from '../floor/protocol';
import { PEER_STREAM, PEER_SUBJECT_ROOT } from './protocol';

const PG_POOL = 'PG_POOL';

interface InitiativeEnvelope {
  id: string;
  source: string;
  data: { initiativeId: string; version: number };
}

@Injectable()
class RegistryService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async apply(event: InitiativeEnvelope, subject: string, seq: number): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const claimed = await client.query(
        `INSERT INTO inbox_events (event_id, subject, stream_seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [event.id, subject, seq],
      );
      if (claimed.rowCount === 1) {
        await client.query(
          `INSERT INTO registry_initiatives (initiative_id, source, version, snapshot, last_event_id)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (initiative_id) DO UPDATE SET
             source = excluded.source, version = excluded.version, snapshot = excluded.snapshot,
             last_event_id = excluded.last_event_id, applied_at = now()`,
          [event.data.initiativeId, event.source, event.data.version, JSON.stringify(event.data), event.id],
        );
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

@Controller()
class InitiativeEventsController {
  constructor(private readonly registry: RegistryService) {}

  @EventPattern(`${PEER_SUBJECT_ROOT}.hub.>`)
  async onInitiative(@Payload() event: InitiativeEnvelope, @Ctx() context: NatsJetStreamContext): Promise<void> {
    const msg = context.message;
    try {
      await this.registry.apply(event, msg.subject, msg.seq);
      msg.ack();
    } catch (err) {
      process.stderr.write(`peer consumer: ${msg.subject} #${msg.seq}: ${(err as Error).message}\n`);
      msg.nak(1000);
    }
  }
}

@Injectable()
class PoolCloser implements OnModuleDestroy {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  onModuleDestroy() {
    return this.pool.end();
  }
}

@Module({
  controllers: [InitiativeEventsController],
  providers: [
    {
      provide: PG_POOL,
      useFactory: () =>
        new Pool({ connectionString: env('PEER_DATABASE_URL'), max: 4, application_name: 'peer-platform' }),
    },
    RegistryService,
    PoolCloser,
  ],
})
class PeerPlatformModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(PeerPlatformModule, {
    logger: ['error', 'warn'],
    strategy: new NatsJetStreamServer({
      connectionOptions: { servers: env('PEER_NATS_URL'), name: 'peer-platform' },
      consumerOptions: {
        durable: 'peer-platform',
        deliverTo: 'peer-platform-messages',
        deliverGroup: 'peer-platform-group',
        deliverPolicy: 'All',
        ackPolicy: 'Explicit',
        ackWait: 30_000,
        maxAckPending: 1024,
        manualAck: true,
      },
      streamConfig: { name: PEER_STREAM, subjects: [`${PEER_SUBJECT_ROOT}.>`] },
    }),
  });
  await app.listen();
  exitWith(() => app.close());
  send({ type: 'ready' });
}

main().catch(fatal);
