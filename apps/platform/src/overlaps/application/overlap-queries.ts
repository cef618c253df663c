import { Injectable } from '@nestjs/common';
import { OverlapPairNotFound } from '../../platform-errors';
import { Viewer } from '../../registry/domain/visibility';
import { CappedRecordView, StoredPair } from '../domain/overlap-pair';
import { OverlapListFilter, scoreCursorOf } from '../domain/pair-order';
import { OverlapRepository } from '../persistence/overlap.repository';
import { PairRecord } from '../domain/overlap-pair';
import { PairRecordsReadModel } from '../persistence/pair-records.read-model';

/** A pair with those of its records its reader may see. */
export interface PairWithRecords {
  pair: StoredPair;
  records: PairRecord[];
}

/** What an analyst reads of pairs and of detection, as the `viewer` may see them. */
@Injectable()
export class OverlapQueries {
  constructor(
    private readonly overlaps: OverlapRepository,
    private readonly records: PairRecordsReadModel,
  ) {}

  async list(filter: OverlapListFilter, viewer: Viewer): Promise<{ items: PairWithRecords[]; nextCursor?: string }> {
    const pairs = await this.overlaps.list({ ...filter, limit: filter.limit + 1 }, viewer);
    const page = pairs.slice(0, filter.limit);
    const items = await this.withRecords(page, viewer);
    if (pairs.length <= filter.limit) return { items };
    const last = page[page.length - 1];
    return {
      items,
      nextCursor: filter.order === 'score' ? scoreCursorOf({ score: last.score, id: last.id }) : last.id,
    };
  }

  async get(id: string, viewer: Viewer): Promise<PairWithRecords> {
    const pair = await this.overlaps.get(id, viewer);
    if (!pair) throw new OverlapPairNotFound(id);
    return (await this.withRecords([pair], viewer))[0];
  }

  async detection(): Promise<{
    queued: number;
    oldestQueuedAt: string | null;
    capped: { total: number; records: CappedRecordView[] };
  }> {
    return { ...(await this.overlaps.queueState()), capped: await this.overlaps.cappedState(100) };
  }

  async withRecords(pairs: StoredPair[], viewer: Viewer): Promise<PairWithRecords[]> {
    const ids = [...new Set(pairs.flatMap((p) => [p.aId, p.bId]))];
    const byId = new Map((await this.records.of(ids, viewer)).map((r) => [r.initiativeId, r]));
    return pairs.map((pair) => ({
      pair,
      records: [byId.get(pair.aId), byId.get(pair.bId)].filter((r): r is PairRecord => !!r),
    }));
  }
}
