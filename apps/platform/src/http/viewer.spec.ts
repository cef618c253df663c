import { Principal } from '@ctp/auth';
import { eventViewerOf, registryViewerOf } from './viewer';

const who = (org: string, scope: string): Principal => ({ sub: 'someone', org, scopes: new Set(scope.split(' ')) });

describe('what a caller may see', () => {
  it.each([
    ['IP-GS-CTP', 'registry:read-restricted', true],
    ['IP-HUB-EUR', 'registry:read-restricted', true],
    ['IP-GS-CTP', 'registry:read', false],
    ['IP-GS-CTP', 'registry:read ops:read', false],
    ['PT-UNODC', 'registry:read-restricted', false],
    ['PT-UNODC', 'registry:read', false],
  ])('registry, overlaps, rollups: %s with "%s" sees restricted records: %s', (org, scope, restricted) => {
    expect(registryViewerOf(who(org, scope))).toEqual({ restricted });
  });

  it.each([
    ['IP-GS-CTP', 'registry:read-restricted', true],
    ['IP-GS-CTP', 'ops:read', true],
    ['IP-HUB-AFR', 'ops:read', true],
    ['IP-GS-CTP', 'registry:read', false],
    ['PT-UNODC', 'ops:read', false],
    ['PT-UNODC', 'registry:read-restricted ops:read', false],
    ['PT-UNODC', 'registry:read', false],
  ])('event outcomes: %s with "%s" sees those of restricted records: %s', (org, scope, restricted) => {
    expect(eventViewerOf(who(org, scope))).toEqual({ restricted });
  });
});
