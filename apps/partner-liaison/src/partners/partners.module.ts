import { Module } from '@nestjs/common';

/** The partner registry and partners' activities coming in (JSON snapshots, CSV with HXL hashtags). */
@Module({ controllers: [], providers: [], exports: [] })
export class PartnersModule {}
