import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { BadUserInputError } from '@herck/common';

/** Addresses a webhook must not reach from our network: loopback, private, link-local, carrier NAT, unspecified. */
const PRIVATE = new BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
// ::/96 holds the old IPv4-compatible forms (::7f00:1), 64:ff9b::/96 NAT64 translations of IPv4 addresses,
// 64:ff9b:1::/48 local-use NAT64 (RFC 8215), 2001::/32 Teredo (whose client IPv4 address is obscured).
for (const [network, prefix] of [['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2001::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}
const SIX_TO_FOUR = new BlockList();
SIX_TO_FOUR.addSubnet('2002::', 16, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  // 6to4 reaches the IPv4 address it embeds (through a relay): it is as private as that address.
  if (SIX_TO_FOUR.check(address, 'ipv6')) return PRIVATE.check(sixToFourIpv4(address), 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

/** The IPv4 address in bits 16–47 of a 2002::/16 address. */
function sixToFourIpv4(address: string): string {
  // Groups 1 and 2 of the address written out in full (a `::` may stand for them).
  const [head = '', tail = ''] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bits = ((parseInt(groups[1]!, 16) << 16) | parseInt(groups[2]!, 16)) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}

export interface WebhookPolicy {
  production: boolean;
  allowPrivate: boolean;
}

const MAX_URL_LENGTH = 2048;

/** Checks a webhook URL when it is saved: https in production, no credentials, no literal private address. */
export function checkedWebhookUrl(value: string, policy: WebhookPolicy, field = 'channels.webhookUrl'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new BadUserInputError('The webhook URL is not a valid URL', field);
  }
  // Counted as a receiver is sent it (`href`: ASCII, so characters are bytes): 600 CJK characters written are
  // 5,400 once percent-encoded, past what servers take in a request line. And as kept (trimmed), which the
  // parser may have shortened (`./` segments).
  if (Math.max(url.href.length, value.trim().length) > MAX_URL_LENGTH) throw new BadUserInputError(`The webhook URL is longer than ${MAX_URL_LENGTH} characters (as sent, non-ASCII percent-encoded)`, field);
  const allowed = policy.production ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) throw new BadUserInputError(`The webhook URL must use ${policy.production ? 'https' : 'http or https'}`, field);
  if (url.username || url.password) throw new BadUserInputError('The webhook URL must not carry credentials', field);
  // The parser takes port 0, which nothing listens on: every delivery to it would fail.
  if (url.port === '0') throw new BadUserInputError('The webhook URL must not use port 0', field);
  // A trailing dot names the same host (`localhost.` is localhost).
  const host = url.hostname.replace(/\.$/, '');
  if (!policy.allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || isPrivateLiteral(host))) {
    throw new BadUserInputError('The webhook URL points at a loopback or private address', field);
  }
  // Kept as written (the owner reads back what they saved); every sender parses it exactly as above.
  return value.trim();
}

/** Whether a URL's hostname is an address (IPv6 in its brackets) that is loopback or private: one no lookup checks. */
export function isPrivateLiteral(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return isIP(host) !== 0 && isPrivateAddress(host);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for outgoing webhook requests that refuses private addresses:
 * a public name that resolves to one (or is re-pointed at one later) is not reached.
 */
export function publicOnlyLookup(allowPrivate: boolean) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      const refused = !allowPrivate && addresses.some((entry) => isPrivateAddress(entry.address));
      if (refused) return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' }), []);
      const all = (options as { all?: boolean }).all;
      if (all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
