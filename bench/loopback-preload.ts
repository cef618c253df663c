/**
 * Preloaded (NODE_OPTIONS=--require …) into every service the bench starts. The services bind their HTTP port on all
 * interfaces (0.0.0.0, as in a container); the bench keeps everything on loopback, so a wildcard host becomes
 * 127.0.0.1. Only the address changes: nothing else about the service does.
 */
import { Server } from 'node:net';

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const listen = Server.prototype.listen;

Server.prototype.listen = function (this: Server, ...args: unknown[]): Server {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null && 'port' in first) {
    const options = first as { host?: string };
    if (options.host === undefined || WILDCARD.has(options.host)) args[0] = { ...options, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof second === 'string' && WILDCARD.has(second)) args[1] = '127.0.0.1';
    else if (typeof second !== 'string') args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args as Parameters<typeof listen>);
} as typeof listen;
