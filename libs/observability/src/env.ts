import { LevelWithSilent } from 'pino';
import { LOG_LEVELS } from './logger';

/**
 * Reads and checks environment variables, collecting every problem so that a misconfigured service says everything
 * that is wrong in one message at start-up, instead of failing later on the first use.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  string(name: string, fallback: string): string {
    const v = this.env[name];
    return v === undefined || v === '' ? fallback : v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    const v = this.env[name];
    if (v === undefined || v === '') {
      if (fallback !== undefined) return fallback;
      this.problems.push(`${name} is required: one of ${allowed.join(', ')}`);
      return allowed[0];
    }
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name}=${JSON.stringify(v)} is not allowed: use one of ${allowed.join(', ')}`);
      return allowed[0];
    }
    return v as T;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}=${JSON.stringify(v)} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const v = this.string(name, fallback);
    for (const part of v.split(',')) {
      try {
        const u = new URL(part.trim());
        if (!protocols.includes(u.protocol)) throw new Error();
      } catch {
        // A URL may hold a password (DATABASE_URL): never in the message.
        this.problems.push(
          `${name}=${JSON.stringify(redactPasswords(v))} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
        );
        break;
      }
    }
    return v;
  }

  logLevel(): LevelWithSilent {
    return this.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');
  }

  /** Throws one error listing every problem, if any. */
  done(service: string): void {
    if (this.problems.length) {
      throw new Error(`${service}: invalid configuration:\n  - ${this.problems.join('\n  - ')}`);
    }
  }
}

/** Hides `user:password@` passwords in a URL-ish value, even a malformed one, before it is printed. */
export function redactPasswords(value: string): string {
  return value.replace(/\/\/([^:/@\s]+):([^@/\s]*)@/g, '//$1:***@');
}
