import { Injectable } from '@nestjs/common';
import { Viewer } from '../../registry/domain/visibility';
import { RollupDimension } from '../domain/rollup-dimensions';
import { Rollup, RollupReadModel } from '../persistence/rollup.read-model';

export type { Rollup } from '../persistence/rollup.read-model';

/** The rollups a viewer may see (rollup.read-model.ts counts them at read time). */
@Injectable()
export class RollupQueries {
  constructor(private readonly readModel: RollupReadModel) {}

  rollup(groupBy: RollupDimension[], viewer: Viewer): Promise<Rollup> {
    return this.readModel.counts(groupBy, viewer);
  }
}
