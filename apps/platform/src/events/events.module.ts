import { Module } from '@nestjs/common';
import { EventOutcomes } from './application/event-outcomes';
import { EventOutcomesController } from './http/event-outcomes.controller';
import { EventVisibilityReadModel } from './persistence/event-visibility.read-model';

/** The recorded outcome of each event the platform received (`GET /events/:source/:id`). */
@Module({
  providers: [EventOutcomes, EventVisibilityReadModel],
  controllers: [EventOutcomesController],
})
export class EventsModule {}
