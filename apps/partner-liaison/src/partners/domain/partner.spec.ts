import {
  changedFields,
  newPartner,
  Partner,
  rotationRequestProblems,
  samePartner,
  updatedPartner,
  withFreshSecret,
  withRotatedSecret,
} from './partner';
import { MalformedRequest, RuleViolation } from './partner-errors';

const valid = (over: Record<string, unknown> = {}) => ({
  ref: 'PT-UNODC',
  acronym: 'UNODC',
  name: 'United Nations Office on Drugs and Crime',
  type: 'UN_ENTITY',
  regions: ['GLB', 'AFR'],
  agreement: 'MoU 2019-07',
  ...over,
});

function problemsOf(fn: () => unknown): { status: number; fields: string[]; rules: string[] } {
  try {
    fn();
  } catch (err) {
    if (err instanceof MalformedRequest || err instanceof RuleViolation) {
      return {
        status: err instanceof MalformedRequest ? 400 : 422,
        fields: err.details.map((d) => d.field),
        rules: err.details.map((d) => d.rule),
      };
    }
    throw err;
  }
  throw new Error('no error');
}

describe('newPartner', () => {
  it('derives the code from the acronym and puts regions in a fixed order', () => {
    expect(newPartner(valid())).toEqual({
      ref: 'PT-UNODC',
      code: 'unodc',
      name: 'United Nations Office on Drugs and Crime',
      acronym: 'UNODC',
      type: 'UN_ENTITY',
      regions: ['AFR', 'GLB'],
      agreement: 'MoU 2019-07',
    });
  });

  it('keeps the webhook URL, without any secret (the registry generates it)', () => {
    const p = newPartner(valid({ webhook: { url: 'https://unodc.example.org/hook' } }));
    expect(p.webhook).toEqual({ url: 'https://unodc.example.org/hook' });
  });

  it('refuses a supplied webhook secret with 400 naming webhook.secret, and says why', () => {
    try {
      newPartner(valid({ webhook: { url: 'https://x.org/h', secret: 'x'.repeat(32) } }));
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(MalformedRequest);
      expect((err as MalformedRequest).details).toEqual([
        { field: 'webhook.secret', rule: 'whitelistValidation', message: expect.stringMatching(/server generates it/) },
      ]);
    }
  });

  it.each([
    ['a body that is not an object', [], 'body', 'isObject'],
    ['a ref without PT-', valid({ ref: 'UNODC' }), 'ref', 'matches'],
    ['a lower-case ref', valid({ ref: 'PT-unodc' }), 'ref', 'matches'],
    ['a one-letter acronym', valid({ ref: 'PT-U', acronym: 'U' }), 'acronym', 'matches'],
    ['an acronym of 21 characters', valid({ acronym: 'A'.repeat(21) }), 'acronym', 'matches'],
    ['an acronym with a dash', valid({ acronym: 'UN-ODC' }), 'acronym', 'matches'],
    ['no name', valid({ name: undefined }), 'name', 'isString'],
    ['a blank name', valid({ name: '   ' }), 'name', 'matches'],
    ['an unknown type', valid({ type: 'NGO' }), 'type', 'isIn'],
    ['no regions', valid({ regions: [] }), 'regions', 'arrayNotEmpty'],
    ['an unknown region', valid({ regions: ['AMR'] }), 'regions', 'isIn'],
    ['a repeated region', valid({ regions: ['AFR', 'AFR'] }), 'regions', 'arrayUnique'],
    ['regions as a string', valid({ regions: 'AFR' }), 'regions', 'isArray'],
    ['no agreement', valid({ agreement: undefined }), 'agreement', 'isString'],
    ['a code (derived)', valid({ code: 'unodc' }), 'code', 'whitelistValidation'],
    ['an unknown field', valid({ budget: 1 }), 'budget', 'whitelistValidation'],
    ['an ftp webhook', valid({ webhook: { url: 'ftp://x.org/h' } }), 'webhook.url', 'isUrl'],
    ['a webhook that is no URL', valid({ webhook: { url: 'hook' } }), 'webhook.url', 'isUrl'],
    [
      'a supplied secret',
      valid({ webhook: { url: 'https://x.org/h', secret: 'x'.repeat(32) } }),
      'webhook.secret',
      'whitelistValidation',
    ],
    [
      'an unknown webhook field',
      valid({ webhook: { url: 'https://x.org/h', x: 1 } }),
      'webhook.x',
      'whitelistValidation',
    ],
  ])('refuses %s with 400 naming the field', (_name, body, field, rule) => {
    const p = problemsOf(() => newPartner(body));
    expect(p.status).toBe(400);
    expect(p.fields.map((f, i) => `${f} ${p.rules[i]}`)).toContain(`${field} ${rule}`);
  });

  it('says why a code may not be sent', () => {
    try {
      newPartner(valid({ code: 'x' }));
    } catch (err) {
      expect((err as MalformedRequest).details[0].message).toMatch(/derived from the acronym/);
    }
  });

  it('refuses a ref that is not PT-<acronym> with 422', () => {
    expect(problemsOf(() => newPartner(valid({ acronym: 'UNOCT' })))).toEqual({
      status: 422,
      fields: ['acronym'],
      rules: ['matchesRef'],
    });
  });
});

describe('updatedPartner', () => {
  const secrets = { current: 'v1.sealed-current', createdAt: '2026-01-01T00:00:00.000Z' };
  const current: Partner = {
    ...newPartner(valid({ webhook: { url: 'https://a.org/h' } })),
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  current.webhook = { url: 'https://a.org/h', secrets };
  const edit = (over: Record<string, unknown> = {}) => ({
    name: current.name,
    regions: current.regions,
    agreement: current.agreement,
    ...over,
  });

  it('replaces the editable fields and keeps the identity', () => {
    const next = updatedPartner(current, edit({ name: 'UNODC', regions: ['EUR'], agreement: 'MoU 2024-01' }));
    expect(next).toMatchObject({
      ref: 'PT-UNODC',
      code: 'unodc',
      name: 'UNODC',
      regions: ['EUR'],
      agreement: 'MoU 2024-01',
    });
  });

  it('removes a webhook left out or null', () => {
    expect(updatedPartner(current, edit()).webhook).toBeUndefined();
    expect(updatedPartner(current, edit({ webhook: null })).webhook).toBeUndefined();
  });

  it('keeps the secrets for the same URL', () => {
    expect(updatedPartner(current, edit({ webhook: { url: 'https://a.org/h' } })).webhook).toEqual({
      url: 'https://a.org/h',
      secrets,
    });
  });

  it('drops the secrets for a new URL: the old secret never signs for another URL', () => {
    expect(updatedPartner(current, edit({ webhook: { url: 'https://b.org/h' } })).webhook).toEqual({
      url: 'https://b.org/h',
    });
  });

  it('refuses a supplied secret with 400 naming webhook.secret', () => {
    expect(
      problemsOf(() => updatedPartner(current, edit({ webhook: { url: 'https://a.org/h', secret: 'x'.repeat(40) } }))),
    ).toEqual({
      status: 400,
      fields: ['webhook.secret'],
      rules: ['whitelistValidation'],
    });
  });

  it.each(['ref', 'code', 'acronym', 'type'])('refuses to change %s, saying so', (field) => {
    const p = problemsOf(() => updatedPartner(current, edit({ [field]: 'X' })));
    expect(p).toEqual({ status: 400, fields: [field], rules: ['whitelistValidation'] });
  });

  it('tells an update that changes nothing, and names what changed', () => {
    const same = updatedPartner(current, edit({ webhook: { url: 'https://a.org/h' } }));
    expect(samePartner(current, same)).toBe(true);
    expect(changedFields(current, same)).toEqual([]);
    const moved = updatedPartner(current, edit({ name: 'X', webhook: { url: 'https://b.org/h' } }));
    expect(samePartner(current, moved)).toBe(false);
    expect(changedFields(current, moved)).toEqual(['name', 'webhook.url']);
    expect(changedFields(current, updatedPartner(current, edit()))).toEqual(['webhook.url']);
  });
});

describe('webhook secrets: fresh and rotated', () => {
  const now = new Date('2026-03-01T10:00:00.000Z');
  const webhook = { url: 'https://a.org/h', secrets: { current: 'old', createdAt: '2026-01-01T00:00:00.000Z' } };

  it('a fresh secret replaces everything: no previous secret signs', () => {
    const rotatedEarlier = withRotatedSecret(webhook, 'mid', now, 3_600_000);
    expect(withFreshSecret(rotatedEarlier, 'new', now)).toEqual({
      url: 'https://a.org/h',
      secrets: { current: 'new', createdAt: now.toISOString() },
    });
  });

  it('a rotation keeps the replaced secret for the grace period', () => {
    expect(withRotatedSecret(webhook, 'new', now, 86_400_000)).toEqual({
      url: 'https://a.org/h',
      secrets: {
        current: 'new',
        createdAt: now.toISOString(),
        previous: { sealed: 'old', validUntil: '2026-03-02T10:00:00.000Z' },
      },
    });
  });

  it('a second rotation drops the oldest: only the latest two ever sign', () => {
    const twice = withRotatedSecret(withRotatedSecret(webhook, 'mid', now, 1000), 'new', now, 1000);
    expect(twice.secrets).toMatchObject({ current: 'new', previous: { sealed: 'mid' } });
  });

  it('no grace: the replaced secret stops at once; no secret before: nothing to keep', () => {
    expect(withRotatedSecret(webhook, 'new', now, 0).secrets?.previous).toBeUndefined();
    expect(withRotatedSecret({ url: 'https://a.org/h' }, 'new', now, 1000).secrets?.previous).toBeUndefined();
  });
});

describe('rotationRequestProblems', () => {
  it('accepts no body or {}', () => {
    expect(rotationRequestProblems(undefined)).toEqual([]);
    expect(rotationRequestProblems({})).toEqual([]);
  });

  it('refuses a supplied secret naming the field, and any other field', () => {
    expect(rotationRequestProblems({ secret: 'whsec_x', graceMs: 1 })).toEqual([
      { field: 'secret', rule: 'whitelistValidation', message: expect.stringMatching(/^secret cannot be supplied/) },
      { field: 'graceMs', rule: 'whitelistValidation', message: expect.stringMatching(/not a field/) },
    ]);
    expect(rotationRequestProblems('x')).toMatchObject([{ field: 'body' }]);
  });
});
