import { Module } from '@nestjs/common';
import { EventOutcomesController } from './http/event-outcomes.controller';

/** The recorded outcome of each event the platform received (`GET /events/:source/:id`). */
@Module({
  controllers: [EventOutcomesController],
})
export class EventsModule {}
