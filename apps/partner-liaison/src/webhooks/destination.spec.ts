import { AddressClass, addressRefusal, classifyAddress, urlProblem } from './destination';

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    // IPv4
    ['8.8.8.8', 'public'],
    ['93.184.215.14', 'public'],
    ['1.1.1.1', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.0', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.0', 'public'],
    ['192.169.0.1', 'public'],
    ['223.255.255.255', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.0.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['203.0.113.5', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    // IPv6
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'private'],
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'], // Teredo
    ['100::1', 'reserved'],
    ['::2', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4 inside IPv6: judged as the IPv4 address it carries
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::FFFF:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:192.168.0.1', 'private'],
    ['::127.0.0.1', 'reserved'], // deprecated IPv4-compatible
    ['64:ff9b::127.0.0.1', 'loopback'], // NAT64
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b:1::1', 'private'],
    ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
    ['2002:0a00:0001::1', 'private'], // 6to4 of 10.0.0.1
    ['2002:0808:0808::1', 'public'],
    // zones, and what is not an address at all
    ['fe80::1%eth0', 'link-local'],
    ['2606:4700::1%1', 'reserved'],
    ['localhost', 'reserved'],
    ['1.2.3', 'reserved'],
    ['', 'reserved'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('addressRefusal', () => {
  const strict = { allowHttp: false, allowPrivateDestinations: false };
  const tests = { allowHttp: true, allowPrivateDestinations: true };

  it('refuses everything but public addresses', () => {
    expect(addressRefusal('8.8.8.8', strict)).toBeUndefined();
    expect(addressRefusal('127.0.0.1', strict)).toBe('loopback');
    expect(addressRefusal('::ffff:10.0.0.1', strict)).toBe('private');
  });

  it('with private destinations allowed (tests), allows loopback, private, link-local and CGNAT only', () => {
    for (const a of ['127.0.0.1', '::1', '10.0.0.1', '192.168.0.1', 'fd00::1', 'fe80::1', '100.64.0.1']) {
      expect([a, addressRefusal(a, tests)]).toEqual([a, undefined]);
    }
    for (const [a, cls] of [
      ['169.254.169.254', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['192.0.2.1', 'reserved'],
    ]) {
      expect([a, addressRefusal(a, tests)]).toEqual([a, cls]);
    }
  });
});

describe('urlProblem (no DNS)', () => {
  const strict = { allowHttp: false, allowPrivateDestinations: false };
  const rule = (url: string, policy = strict) => urlProblem(new URL(url), policy)?.rule;

  it.each<[string, string | undefined]>([
    ['https://partner.example.org/hook', undefined],
    ['https://8.8.8.8/hook', undefined],
    ['http://partner.example.org/hook', 'httpsOnly'],
    ['ftp://partner.example.org/hook', 'httpsOnly'],
    ['https://user:pw@partner.example.org/hook', 'noCredentials'],
    ['https://127.0.0.1/hook', 'publicAddress'],
    ['https://10.0.0.1/hook', 'publicAddress'],
    ['https://169.254.169.254/latest/meta-data', 'publicAddress'],
    ['https://[::1]/hook', 'publicAddress'],
    ['https://[::ffff:127.0.0.1]/hook', 'publicAddress'],
    ['https://[fd00:ec2::254]/hook', 'publicAddress'],
    ['https://2130706433/hook', 'publicAddress'], // 127.0.0.1 as one number: the URL parser reads it so
    ['https://0x7f.1/hook', 'publicAddress'],
    ['https://0/hook', 'publicAddress'],
    ['https://localhost/hook', undefined], // a name: judged once resolved
  ])('%s → %s', (url, expected) => {
    expect(rule(url)).toBe(expected);
  });

  it('allows http:// when told to (development), and says why it refuses it otherwise', () => {
    expect(
      rule('http://partner.example.org/hook', { allowHttp: true, allowPrivateDestinations: false }),
    ).toBeUndefined();
    expect(urlProblem(new URL('http://x.example.org/'), strict)?.message).toMatch(/https:\/\/.*development only/);
  });

  it('names the address class in its message', () => {
    expect(urlProblem(new URL('https://169.254.169.254/'), strict)?.message).toMatch(/cloud metadata/);
  });
});
