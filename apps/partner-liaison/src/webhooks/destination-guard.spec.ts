import { LookupAddress } from 'node:dns';
import { DestinationGuard, DestinationRefused, Resolver } from './destination-guard';

const names: Record<string, LookupAddress[]> = {
  'partner.example.org': [{ address: '93.184.215.14', family: 4 }],
  'dual.example.org': [
    { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    { address: '93.184.215.14', family: 4 },
  ],
  localhost: [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ],
  'mixed.example.org': [
    { address: '93.184.215.14', family: 4 },
    { address: '10.0.0.7', family: 4 },
  ],
  'metadata.example.org': [{ address: '169.254.169.254', family: 4 }],
  'mapped.example.org': [{ address: '::ffff:192.168.1.1', family: 6 }],
};
const resolver: Resolver = async (host) => {
  if (!names[host]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return names[host];
};
const strict = new DestinationGuard({ allowHttp: false, allowPrivateDestinations: false }, resolver);
const lax = new DestinationGuard({ allowHttp: true, allowPrivateDestinations: true }, resolver);

describe('DestinationGuard.registrationProblem', () => {
  it.each<[string, string | undefined]>([
    ['https://partner.example.org/hook', undefined],
    ['https://dual.example.org/hook', undefined],
    ['https://localhost/hook', 'publicAddress'],
    ['https://mixed.example.org/hook', 'publicAddress'], // one internal address is enough to refuse
    ['https://metadata.example.org/hook', 'publicAddress'],
    ['https://mapped.example.org/hook', 'publicAddress'],
    ['https://nowhere.example.org/hook', 'resolvable'],
    ['https://127.0.0.1/hook', 'publicAddress'],
    ['http://partner.example.org/hook', 'httpsOnly'],
  ])('%s → %s', async (url, rule) => {
    expect((await strict.registrationProblem(url))?.rule).toBe(rule);
  });

  it('says which address a name resolved to, and what kind it is', async () => {
    expect((await strict.registrationProblem('https://localhost/x'))?.message).toMatch(
      /localhost resolves to 127\.0\.0\.1, a loopback address/,
    );
  });

  it('in tests, allows loopback and http://, never the metadata service', async () => {
    expect(await lax.registrationProblem('http://localhost:8080/hook')).toBeUndefined();
    expect(await lax.registrationProblem('http://127.0.0.1:8080/hook')).toBeUndefined();
    expect((await lax.registrationProblem('http://metadata.example.org/'))?.rule).toBe('publicAddress');
  });
});

describe('DestinationGuard.lookup (connection time)', () => {
  const lookup = (guard: DestinationGuard, host: string, options: { all?: boolean; family?: number } = {}) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
      guard.lookup(host, options, (err, address, family) => resolve({ err, address, family })),
    );

  it('answers with the addresses it checked, one or all', async () => {
    expect(await lookup(strict, 'partner.example.org')).toEqual({ err: null, address: '93.184.215.14', family: 4 });
    expect(await lookup(strict, 'dual.example.org', { all: true })).toEqual({
      err: null,
      address: names['dual.example.org'],
      family: undefined,
    });
    expect(await lookup(strict, 'dual.example.org', { family: 4 })).toMatchObject({ address: '93.184.215.14' });
  });

  it('refuses a name that now resolves to an internal address (DNS rebinding): no address to connect to', async () => {
    for (const host of ['localhost', 'mixed.example.org', 'metadata.example.org']) {
      const r = await lookup(strict, host, { all: true });
      expect(r.err).toBeInstanceOf(DestinationRefused);
      expect(r.address).toBe('');
    }
  });

  it('passes a resolution failure on', async () => {
    expect((await lookup(strict, 'nowhere.example.org')).err?.code).toBe('ENOTFOUND');
  });
});

describe('DestinationGuard.connectionRefusal', () => {
  it('refuses the scheme and address literals before any connection', () => {
    expect(strict.connectionRefusal(new URL('http://partner.example.org/'))?.message).toMatch(/https/);
    expect(strict.connectionRefusal(new URL('https://[::1]/'))).toBeInstanceOf(DestinationRefused);
    expect(strict.connectionRefusal(new URL('https://partner.example.org/'))).toBeUndefined();
    expect(lax.connectionRefusal(new URL('http://127.0.0.1:9/'))).toBeUndefined();
  });
});
