import { newPartner, Partner, samePartner, updatedPartner } from './partner';
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

  it('keeps a webhook with its secret', () => {
    const p = newPartner(valid({ webhook: { url: 'http://127.0.0.1:8080/hook', secret: 'x'.repeat(16) } }));
    expect(p.webhook).toEqual({ url: 'http://127.0.0.1:8080/hook', secret: 'x'.repeat(16) });
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
    ['an ftp webhook', valid({ webhook: { url: 'ftp://x.org/h', secret: 'x'.repeat(16) } }), 'webhook.url', 'isUrl'],
    ['a webhook that is no URL', valid({ webhook: { url: 'hook', secret: 'x'.repeat(16) } }), 'webhook.url', 'isUrl'],
    ['a short secret', valid({ webhook: { url: 'https://x.org/h', secret: 'short' } }), 'webhook.secret', 'isLength'],
    ['no secret', valid({ webhook: { url: 'https://x.org/h' } }), 'webhook.secret', 'isString'],
    [
      'an unknown webhook field',
      valid({ webhook: { url: 'https://x.org/h', secret: 'x'.repeat(16), x: 1 } }),
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
  const current: Partner = {
    ...newPartner(valid({ webhook: { url: 'https://a.org/h', secret: 's'.repeat(20) } })),
    createdAt: '2026-01-01T00:00:00.000Z',
  };
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

  it('keeps the stored secret when only the URL is sent', () => {
    expect(updatedPartner(current, edit({ webhook: { url: 'https://b.org/h' } })).webhook).toEqual({
      url: 'https://b.org/h',
      secret: 's'.repeat(20),
    });
  });

  it('needs a secret when none is stored', () => {
    const bare = updatedPartner(current, edit());
    expect(problemsOf(() => updatedPartner(bare, edit({ webhook: { url: 'https://b.org/h' } })))).toEqual({
      status: 422,
      fields: ['webhook.secret'],
      rules: ['secretRequired'],
    });
  });

  it.each(['ref', 'code', 'acronym', 'type'])('refuses to change %s, saying so', (field) => {
    const p = problemsOf(() => updatedPartner(current, edit({ [field]: 'X' })));
    expect(p).toEqual({ status: 400, fields: [field], rules: ['whitelistValidation'] });
  });

  it('tells an update that changes nothing', () => {
    const same = updatedPartner(current, edit({ webhook: { url: 'https://a.org/h' } }));
    expect(samePartner(current, same)).toBe(true);
    expect(samePartner(current, updatedPartner(current, edit()))).toBe(false);
  });
});
