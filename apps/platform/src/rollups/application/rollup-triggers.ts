import { Injectable } from '@nestjs/common';
import { RegistryChangeListener, RegistryChanges } from '../../registry/application/registry-changes';
import { OverlapChangeListener, OverlapChanges } from '../../overlaps/application/overlap-changes';
import { RollupPublisher } from './rollup-publisher';

/** Any committed change that may move the counts — a registry batch, a detection run, a decision — schedules one. */
@Injectable()
export class RollupTriggers implements RegistryChangeListener, OverlapChangeListener {
  constructor(
    registry: RegistryChanges,
    overlaps: OverlapChanges,
    private readonly publisher: RollupPublisher,
  ) {
    registry.subscribe(this);
    overlaps.subscribe(this);
  }

  afterCommit(): void {
    this.publisher.schedule();
  }

  overlapsChanged(): void {
    this.publisher.schedule();
  }
}
