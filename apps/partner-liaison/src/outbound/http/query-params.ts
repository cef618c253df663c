import { FieldProblem } from '@ctp/contracts';
import { RequestProblem } from '@ctp/observability';

/** Reads the query parameters of the outbound endpoints, collecting every problem into one 400. */
export class QueryParams {
  private readonly problems: FieldProblem[] = [];

  constructor(private readonly query: Record<string, unknown>) {}

  /** A cursor these endpoints gave out: a whole number (a seq or an audit id); absent means from the start. */
  cursor(name = 'cursor'): number {
    const v = this.query[name];
    if (v === undefined || v === '') return 0;
    if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) {
      this.problems.push({ field: name, rule: 'valid', message: `${name} is not one this endpoint gave out` });
      return 0;
    }
    return Number(v);
  }

  limit(fallback: number, max: number): number {
    const v = this.query.limit;
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isInteger(n) || n < 1 || n > max) {
      this.problems.push({ field: 'limit', rule: 'range', message: `limit must be a whole number from 1 to ${max}` });
      return fallback;
    }
    return n;
  }

  optionalString(name: string, pattern: RegExp = /^[A-Za-z0-9._-]{1,200}$/): string | undefined {
    const v = this.query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string' || !pattern.test(v)) {
      this.problems.push({ field: name, rule: 'matches', message: `${name} is not a valid value` });
      return undefined;
    }
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.query[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.problems.push({ field: name, rule: 'isIn', message: `${name} must be one of ${allowed.join(', ')}` });
      return undefined;
    }
    return v as T;
  }

  /** Throws the 400 if anything was wrong. */
  done(): void {
    if (this.problems.length) {
      throw new RequestProblem(
        400,
        `invalid query: ${[...new Set(this.problems.map((p) => p.field))].join(', ')}`,
        this.problems,
      );
    }
  }
}
