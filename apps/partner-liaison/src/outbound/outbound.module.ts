import { Module } from '@nestjs/common';

/** What each partner may see, going out: pull feed, signed webhooks, retractions, notices, audit. */
@Module({ controllers: [], providers: [], exports: [] })
export class OutboundModule {}
