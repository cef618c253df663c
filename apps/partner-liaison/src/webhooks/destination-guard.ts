import { Inject, Injectable, Optional } from '@nestjs/common';
import { lookup as dnsLookup, LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { WEBHOOK_SECURITY_CONFIG, WebhookSecurityConfig } from '../config/webhook-security.config';
import { addressRefusal, describeClass, DestinationPolicy, hostOf, UrlProblem, urlProblem } from './destination';

/** Every address a name resolves to (the system resolver, as a connection would use it). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** Replaces the system resolver (unit tests). */
export const DNS_RESOLVER = Symbol('DNS_RESOLVER');

const RESOLVE_TIMEOUT_MS = 5000;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })),
      RESOLVE_TIMEOUT_MS,
    );
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(addresses);
    });
  });

/** A connection refused by the destination policy: our own message, never anything the receiver said. */
export class DestinationRefused extends Error {
  readonly code = 'EDESTINATIONREFUSED';
  constructor(reason: string) {
    super(`destination refused: ${reason}`);
    this.name = 'DestinationRefused';
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Where webhooks may go. At registration and on every URL change: the scheme, and every address the host resolves
 * to. At connection time again, through `lookup` (given to the HTTP request): the name is resolved once more, every
 * address checked, and the socket connects only to the addresses just checked — a name that resolved to a public
 * address at registration and now to an internal one (DNS rebinding) is refused, not connected to.
 */
@Injectable()
export class DestinationGuard {
  readonly policy: DestinationPolicy;
  private readonly resolver: Resolver;

  constructor(
    @Inject(WEBHOOK_SECURITY_CONFIG) config: Pick<WebhookSecurityConfig, 'allowHttp' | 'allowPrivateDestinations'>,
    @Optional() @Inject(DNS_RESOLVER) resolver?: Resolver,
  ) {
    this.resolver = resolver ?? systemResolver;
    this.policy = { allowHttp: config.allowHttp, allowPrivateDestinations: config.allowPrivateDestinations };
  }

  /** Why `url` may not be registered as a webhook, or undefined when it may (resolving its host). */
  async registrationProblem(url: string): Promise<UrlProblem | undefined> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { rule: 'httpsOnly', message: 'webhook.url is not a URL' };
    }
    const problem = urlProblem(parsed, this.policy);
    if (problem) return problem;
    const host = hostOf(parsed);
    if (isIP(host)) return undefined;
    let addresses: LookupAddress[];
    try {
      addresses = await this.resolver(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'no answer';
      return {
        rule: 'resolvable',
        message: `webhook.url host ${host} could not be resolved (${code}): it must resolve to public addresses`,
      };
    }
    if (addresses.length === 0) {
      return { rule: 'resolvable', message: `webhook.url host ${host} resolves to no address` };
    }
    for (const a of addresses) {
      const refused = addressRefusal(a.address, this.policy);
      if (refused) {
        return {
          rule: 'publicAddress',
          message: `webhook.url host ${host} resolves to ${a.address}, ${describeClass(refused)}: webhooks go only to public internet addresses`,
        };
      }
    }
    return undefined;
  }

  /**
   * Checked just before connecting: the scheme and an address literal (a socket connects to a literal without any
   * lookup). A name is checked by `lookup`. Undefined when the connection may be attempted.
   */
  connectionRefusal(url: URL): DestinationRefused | undefined {
    const problem = urlProblem(url, this.policy);
    if (!problem) return undefined;
    return new DestinationRefused(
      problem.rule === 'httpsOnly'
        ? 'only https:// destinations are allowed'
        : problem.rule === 'noCredentials'
          ? 'a URL with credentials'
          : 'not a public address',
    );
  }

  /** A `lookup` for http(s).request: resolves, refuses if any address is not allowed, returns the checked ones. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    this.resolver(hostname).then(
      (all) => {
        const wanted = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (wanted.length === 0) {
          callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
          return;
        }
        for (const a of all) {
          const refused = addressRefusal(a.address, this.policy);
          if (refused) {
            callback(new DestinationRefused(`the host resolves to ${describeClass(refused)}`), '', 0);
            return;
          }
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
