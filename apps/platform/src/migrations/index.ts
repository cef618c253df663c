import { MESSAGING_MIGRATIONS } from '@ctp/messaging';
import { Registry1764170200000 } from './1764170200000-registry';
import { RegistryQueries1764170600000 } from './1764170600000-registry-queries';
import { OverlapsAndPublications1764170700000 } from './1764170700000-overlaps-and-publications';
import { SyncSources1764171000000 } from './1764171000000-sync-sources';
import { GinWithoutPendingList1764171100000 } from './1764171100000-gin-without-pending-list';
import { BlockingKeys1764171200000 } from './1764171200000-blocking-keys';
import { DetectionStage1764171300000 } from './1764171300000-detection-stage';
import { BlockRecords1764171400000 } from './1764171400000-block-records';
import { RestrictedRecords1764171500000 } from './1764171500000-restricted-records';
import { DetectionCapped1764171600000 } from './1764171600000-detection-capped';
import { SyncRefused1764171700000 } from './1764171700000-sync-refused';
import { MatchingModels1764171800000 } from './1764171800000-matching-models';
import { ConsoleReads1764171900000 } from './1764171900000-console-reads';
import { ConsumerPositions1764330200000 } from './1764330200000-consumer-positions';
import { DuplicateEdges1764760000000 } from './1764760000000-duplicate-edges';

export const PLATFORM_MIGRATIONS = [
  ...MESSAGING_MIGRATIONS,
  Registry1764170200000,
  RegistryQueries1764170600000,
  OverlapsAndPublications1764170700000,
  SyncSources1764171000000,
  GinWithoutPendingList1764171100000,
  BlockingKeys1764171200000,
  DetectionStage1764171300000,
  BlockRecords1764171400000,
  RestrictedRecords1764171500000,
  DetectionCapped1764171600000,
  SyncRefused1764171700000,
  MatchingModels1764171800000,
  ConsoleReads1764171900000,
  ConsumerPositions1764330200000,
  DuplicateEdges1764760000000,
];
