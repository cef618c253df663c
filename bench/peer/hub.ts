/**
 * The peer's hub (a child process of the bench; see protocol.ts): a Nest HTTP app, Express adapter, a class-validator
 * DTO behind the global ValidationPipe, `POST /initiatives` → INSERT into PostgreSQL (committed) → publish the event
 * to JetStream with the transport's NatsJetStreamClientProxy (`emit`, awaited for the PubAck) → 201. If the publish
 * fails after the commit the request answers 500 and the event is never sent: there is nothing to retry it from.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Injectable,
  Module,
  OnModuleDestroy,
  Post,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NatsJetStreamClientProxy, NatsJetStreamTransport } from '@nestjs-plugins/nestjs-nats-jetstream-transport';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { Pool } from 'pg';
import { lastValueFrom } from 'rxjs';
import { ACTION_STREAMS, CAPABILITIES, HUB_REGIONS, HubRegion, INITIATIVE_KINDS, VISIBILITIES } from '@ctp/contracts';
import { env, exitWith, fatal, send } from '../floor/protocol';
import { initiativeEvent, InitiativeContent, withSubjectRoot } from '../payloads';
import { PEER_SUBJECT_ROOT } from './protocol';

const REGION = env('PEER_HUB_REGION') as HubRegion;
if (!HUB_REGIONS.includes(REGION))
  throw new Error(`PEER_HUB_REGION=${REGION} must be one of ${HUB_REGIONS.join(', ')}`);
const PG_POOL = 'PG_POOL';

class TitleDto {
  @IsIn(['en', 'fr', 'es', 'ar']) lang: 'en' | 'fr' | 'es' | 'ar';
  @IsString() @Length(1, 300) text: string;
}

class ActionStreamsDto {
  @IsIn(ACTION_STREAMS) primary: (typeof ACTION_STREAMS)[number];
  @IsArray() @IsIn(ACTION_STREAMS, { each: true }) secondary: (typeof ACTION_STREAMS)[number][];
}

class DatesDto {
  @IsISO8601({ strict: true }) plannedStart: string;
  @IsISO8601({ strict: true }) plannedEnd: string;
  @IsOptional() @IsISO8601({ strict: true }) actualStart?: string;
}

class ReportInitiativeDto {
  @IsString() @Length(1, 64) localId: string;
  @IsIn(INITIATIVE_KINDS) kind: InitiativeContent['kind'];
  @ValidateNested() @Type(() => TitleDto) title: TitleDto;
  @ValidateNested() @Type(() => ActionStreamsDto) actionStreams: ActionStreamsDto;
  @IsOptional() @IsArray() @IsIn(CAPABILITIES, { each: true }) capabilities?: InitiativeContent['capabilities'];
  @IsIn(['PIPELINE', 'IMPLEMENTATION']) status: 'PIPELINE' | 'IMPLEMENTATION';
  @ValidateNested() @Type(() => DatesDto) dates: DatesDto;
  @IsIn(['REGIONAL', 'NATIONAL', 'MULTI_REGIONAL']) scope: InitiativeContent['scope'];
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(/^[A-Z]{2}$/, { each: true })
  recipientCountries: string[];
  @IsIn(VISIBILITIES) visibility: InitiativeContent['visibility'];
}

@Injectable()
class InitiativesService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly client: NatsJetStreamClientProxy,
  ) {}

  async report(dto: ReportInitiativeDto, correlationId: string): Promise<{ initiativeId: string; eventId: string }> {
    const { subject, event } = initiativeEvent(REGION, dto as InitiativeContent, 1);
    event.correlationid = correlationId;
    await this.pool.query(
      `INSERT INTO initiatives (event_id, initiative_id, version, snapshot, correlation_id) VALUES ($1, $2, $3, $4, $5)`,
      [event.id, event.data.initiativeId, 1, JSON.stringify(event.data), correlationId],
    );
    // After the commit (a single statement commits on its own): publish, and wait for JetStream's PubAck.
    await lastValueFrom(this.client.emit(withSubjectRoot(subject, PEER_SUBJECT_ROOT), event));
    return { initiativeId: event.data.initiativeId, eventId: event.id };
  }
}

@Controller('initiatives')
class InitiativesController {
  constructor(private readonly initiatives: InitiativesService) {}

  @Post()
  @HttpCode(201)
  report(@Body() dto: ReportInitiativeDto, @Headers('x-correlation-id') correlationId?: string) {
    return this.initiatives.report(dto, correlationId || randomUUID());
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
  imports: [
    NatsJetStreamTransport.register({
      connectionOptions: { servers: env('PEER_NATS_URL'), name: `peer-hub-${REGION}` },
    }),
  ],
  controllers: [InitiativesController],
  providers: [
    {
      provide: PG_POOL,
      useFactory: () =>
        new Pool({ connectionString: env('PEER_DATABASE_URL'), max: 10, application_name: `peer-hub-${REGION}` }),
    },
    InitiativesService,
    PoolCloser,
  ],
})
class PeerHubModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(PeerHubModule, { logger: ['error', 'warn'] });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  await app.get(NatsJetStreamClientProxy).connect(); // once, before the first request (it connects lazily otherwise)
  await app.listen(Number(env('PEER_PORT')), '127.0.0.1');
  exitWith(() => app.close());
  send({ type: 'ready' });
}

main().catch(fatal);
