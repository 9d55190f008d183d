import { checkedWebhookUrl, isPrivateAddress } from '../src/modules/delivery/webhook-target';
import { signWebhook, verifyWebhook } from '../src/modules/delivery/webhook-signature';

const production = { production: true, allowPrivate: false };
const development = { production: false, allowPrivate: false };

describe('webhook targets', () => {
  it('must be https in production; http is allowed in development', () => {
    expect(checkedWebhookUrl('https://hooks.example.com/herck', production)).toBe('https://hooks.example.com/herck');
    expect(() => checkedWebhookUrl('http://hooks.example.com/herck', production)).toThrow(/https/);
    expect(checkedWebhookUrl('http://hooks.example.com/herck', development)).toBe('http://hooks.example.com/herck');
    expect(() => checkedWebhookUrl('ftp://hooks.example.com/', development)).toThrow();
    expect(() => checkedWebhookUrl('https://user:secret@hooks.example.com/', production)).toThrow(/credentials/);
    expect(() => checkedWebhookUrl('not a url', production)).toThrow(/valid URL/);
  });

  it('refuses port 0, which no receiver listens on (every delivery would fail), and takes any other port', () => {
    expect(() => checkedWebhookUrl('https://hooks.example.com:0/herck', production)).toThrow(/port 0/);
    expect(() => checkedWebhookUrl('https://hooks.example.com:00/herck', production)).toThrow(/port 0/);
    expect(checkedWebhookUrl('https://hooks.example.com:1/herck', production)).toBe('https://hooks.example.com:1/herck');
    expect(checkedWebhookUrl('https://hooks.example.com:65535/herck', production)).toBe('https://hooks.example.com:65535/herck');
    expect(() => checkedWebhookUrl('https://hooks.example.com:65536/herck', production)).toThrow(/valid URL/);
  });

  it('are kept as the owner wrote them, only trimmed', () => {
    // The URL parser would have answered `https://hooks.example.com/`: not what the owner saved.
    expect(checkedWebhookUrl('  https://Hooks.Example.com ', production)).toBe('https://Hooks.Example.com');
    // Checked as parsed all the same: a private address in another spelling is refused.
    expect(() => checkedWebhookUrl('https://0x7f.0.0.1/x', production)).toThrow(/loopback or private/);
  });

  it('are at most 2048 characters as a receiver is sent them (non-ASCII percent-encoded), the spaces trimmed around them not counted', () => {
    const base = 'https://hooks.example.com/';
    expect(checkedWebhookUrl(`${base}${'a'.repeat(2048 - base.length)}`, production)).toHaveLength(2048);
    expect(() => checkedWebhookUrl(`${base}${'a'.repeat(2049 - base.length)}`, production)).toThrow(/longer than 2048/);
    // 600 characters written (one UTF-16 unit each), 5,400 sent: %E6%A0%AA for each.
    expect(() => checkedWebhookUrl(`${base}${'株'.repeat(600)}`, production)).toThrow(/longer than 2048/);
    expect(checkedWebhookUrl(`  ${base}${'a'.repeat(2000)}${' '.repeat(100)}`, production)).toBe(`${base}${'a'.repeat(2000)}`);
  });

  it('refuses loopback and private addresses unless allowed', () => {
    for (const url of ['https://localhost/x', 'https://localhost./x', 'https://api.localhost./x', 'https://127.0.0.1/x', 'https://10.1.2.3/x', 'https://192.168.0.10/x', 'https://172.20.0.1/x', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://[::ffff:127.0.0.1]/x', 'https://[fd00::1]/x', 'https://[fec0::1]/x']) {
      expect(() => checkedWebhookUrl(url, production)).toThrow(/loopback or private/);
    }
    expect(checkedWebhookUrl('https://127.0.0.1:8443/x', { production: true, allowPrivate: true })).toBe('https://127.0.0.1:8443/x');
    expect(isPrivateAddress('93.184.216.34')).toBe(false);
    expect(isPrivateAddress('2606:2800:220:1:248:1893:25c8:1946')).toBe(false);
    expect(isPrivateAddress('64:ff9b::7f00:1')).toBe(true);
  });

  it('refuses IPv6 forms that carry a private IPv4 address: 6to4, local-use NAT64 and Teredo', () => {
    // 6to4 embeds the IPv4 address in bits 16–47: 2002:7f00:1:: is 127.0.0.1, 2002:a00:1:: 10.0.0.1.
    for (const address of ['2002:7f00:1::', '2002:a00:1::1', '2002:a9fe:a9fe::', '64:ff9b:1::a00:1', '2001:0:4136:e378:8000:63bf:3fff:fdd2']) {
      expect({ address, refused: isPrivateAddress(address) }).toEqual({ address, refused: true });
    }
    expect(() => checkedWebhookUrl('http://[2002:7f00:1::]/', development)).toThrow(/loopback or private/);
    // 6to4 of a public IPv4 address (93.184.216.34) is as public as that address.
    expect(isPrivateAddress('2002:5db8:d822::1')).toBe(false);
    expect(isPrivateAddress('2002:5db8:d822:0:0:0:0:1')).toBe(false);
    // Written with `::` over the embedded address: 2002:0:0::1 embeds 0.0.0.0.
    expect(isPrivateAddress('2002::5db8:d822')).toBe(true);
  });

  it('are signed so a receiver can check body, secret and age', () => {
    const header = signWebhook('whsec_test', '{"a":1}', 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook('whsec_test', '{"a":1}', header, 1_700_000_100)).toBe(true);
    expect(verifyWebhook('whsec_test', '{"a":2}', header, 1_700_000_100)).toBe(false);
    expect(verifyWebhook('whsec_other', '{"a":1}', header, 1_700_000_100)).toBe(false);
    expect(verifyWebhook('whsec_test', '{"a":1}', header, 1_700_001_000)).toBe(false);
  });
});
