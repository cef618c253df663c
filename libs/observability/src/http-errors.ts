import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  ValidationError,
} from '@nestjs/common';
import { FieldProblem, flattenValidationErrors } from '@ctp/contracts';
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { CtpLogger } from './logger';
import { printable } from './request-text';

export { FieldProblem, flattenValidationErrors };

/** The error body of every HTTP endpoint (docs/errors.md): `{ statusCode, error, message, details[] }`. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details: FieldProblem[];
}

/** Thrown at the edge with the problems already named. */
export class RequestProblem extends HttpException {
  constructor(status: number, message: string, details: FieldProblem[] = []) {
    super({ statusCode: status, error: reasonPhrase(status), message, details }, status);
  }
}

export function validationExceptionFactory(errors: ValidationError[]): BadRequestException {
  const details = flattenValidationErrors(errors);
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: `invalid request: ${[...new Set(details.map((d) => d.field))].join(', ')}`,
    details,
  });
}

/** Maps every error that reaches the HTTP edge to the contract's error body; never leaks a stack trace. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly log: CtpLogger) {}

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Event handlers: hand the error back untouched, so the transport can tell a permanent failure from a transient one.
    if (host.getType() === 'rpc') return throwError(() => exception);
    const res = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(exception);
    if (body.statusCode >= 500) this.log.error({ msg: 'request failed', err: (exception as Error)?.stack });
    sendError(res, body);
  }
}

export function toErrorBody(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const r = exception.getResponse();
    if (typeof r === 'object' && r !== null) {
      const o = r as Partial<ErrorBody> & { message?: unknown };
      const message = Array.isArray(o.message) ? o.message.join('; ') : String(o.message ?? exception.message);
      return {
        statusCode: status,
        error: o.error ?? reasonPhrase(status),
        message,
        details: Array.isArray(o.details) ? o.details : [],
      };
    }
    return { statusCode: status, error: reasonPhrase(status), message: String(r), details: [] };
  }
  const parser = bodyParserErrorBody(exception);
  if (parser) return parser;
  return { statusCode: 500, error: 'Internal Server Error', message: 'internal error', details: [] };
}

/** What body-parser (and the decompression under it) failed with, as fields and rules; undefined for anything else. */
interface ParserError {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
  message?: unknown;
  code?: unknown;
  limit?: unknown;
  encoding?: unknown;
  charset?: unknown;
}

const BODY_PARSER_RULES: Record<string, { field: string; rule: string; message: (e: ParserError) => string }> = {
  'entity.parse.failed': {
    field: 'body',
    rule: 'isJson',
    message: () => 'the request body must be valid JSON',
  },
  'entity.too.large': {
    field: 'body',
    rule: 'maxSize',
    message: (e) =>
      `the request body is larger than ${typeof e.limit === 'number' ? `${e.limit} bytes` : 'allowed'} (once decoded)`,
  },
  'encoding.unsupported': {
    field: 'Content-Encoding',
    rule: 'isIn',
    message: () => 'Content-Encoding must be identity, gzip, deflate or br',
  },
  'charset.unsupported': {
    field: 'Content-Type',
    rule: 'charset',
    message: () => 'the body must be UTF-8 (charset=utf-8)',
  },
  'request.size.invalid': {
    field: 'Content-Length',
    rule: 'matchesBody',
    message: () => 'the body is not as long as Content-Length says',
  },
  'request.aborted': {
    field: 'body',
    rule: 'complete',
    message: () => 'the request was aborted before its body was complete',
  },
};

/**
 * body-parser's own refusals (they carry a 4xx `status` and `expose: true`; never an arbitrary error's message): a body
 * that is not JSON, too large, in an encoding or charset not accepted, or whose Content-Encoding could not be undone
 * (not gzip / deflate / br after all: zlib's error, passed on by body-parser as a 400 without a `type`).
 */
function bodyParserErrorBody(exception: unknown): ErrorBody | undefined {
  if (exception === null || typeof exception !== 'object') return undefined;
  const e = exception as ParserError;
  const unparsable = e.type === 'entity.parse.failed';
  if (!unparsable && (e.expose !== true || typeof e.status !== 'number' || e.status < 400 || e.status >= 500)) {
    return undefined;
  }
  const status = unparsable ? 400 : (e.status as number);
  const known =
    typeof e.type === 'string' && Object.hasOwn(BODY_PARSER_RULES, e.type) ? BODY_PARSER_RULES[e.type] : undefined;
  if (known) {
    const detail = known.message(e);
    const message =
      e.type === 'entity.parse.failed'
        ? `request body is not valid JSON: ${printable(String(e.message), 200)}`
        : detail;
    return {
      statusCode: status,
      error: reasonPhrase(status),
      message,
      details: [{ field: known.field, rule: known.rule, message: detail }],
    };
  }
  if (typeof e.code === 'string' && (e.code.startsWith('Z_') || e.code.startsWith('ERR_'))) {
    const message = `the request body could not be decoded as its Content-Encoding says (${printable(String(e.message), 80)})`;
    return {
      statusCode: 400,
      error: reasonPhrase(400),
      message,
      details: [{ field: 'Content-Encoding', rule: 'decodable', message }],
    };
  }
  if (typeof e.type === 'string') {
    return { statusCode: status, error: reasonPhrase(status), message: printable(String(e.message), 200), details: [] };
  }
  return undefined;
}

/** `Not Found` for 404: the same words Nest's own exceptions use. */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/** The OpenAPI schema of ErrorBody, added to every service's /docs. */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message', 'details'],
  properties: {
    statusCode: { type: 'integer', example: 422 },
    error: { type: 'string', example: 'Unprocessable Entity' },
    message: { type: 'string', example: 'the initiative breaks a rule: status IMPLEMENTATION needs dates.actualStart' },
    details: {
      type: 'array',
      description: 'One entry per bad field and rule',
      items: {
        type: 'object',
        required: ['field', 'rule', 'message'],
        properties: {
          field: { type: 'string', example: 'dates.actualStart' },
          rule: { type: 'string', example: 'actualStartRequired' },
          message: { type: 'string', example: 'status IMPLEMENTATION needs dates.actualStart' },
        },
      },
    },
  },
} as const;

/** Sends an error body and leaves its message where the request log line picks it up. */
export function sendError(res: Response, body: ErrorBody): void {
  res.locals.ctpError = body;
  if (body.statusCode === 401) {
    // RFC 6750: what was wrong with the token, for the client library to act on (a quote would end the value).
    // Printable ASCII only: a header cannot carry other characters (Node throws), whatever the token held.
    const reason = (body.details[0]?.message ?? body.message).replace(/[^\x20-\x7e]|["\\]/g, (c) =>
      c === '"' || c === '\\' ? "'" : '?',
    );
    res.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="${reason}"`);
  }
  res.status(body.statusCode).json(body);
}

/** A feature's domain error, as the features define them: a sentence and the problems, field by field. */
export interface DomainError {
  message: string;
  details: FieldProblem[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ErrorClass = abstract new (...args: any[]) => DomainError;

/**
 * The one place a feature's domain errors become HTTP statuses: a table of error classes and their status, the first
 * that matches wins, anything else is 500. The feature's filter only says which base class it catches.
 */
export class DomainErrorStatuses<E extends DomainError> {
  constructor(private readonly table: readonly (readonly [ErrorClass, number])[]) {}

  statusOf(err: E): number {
    return this.table.find(([errorClass]) => err instanceof errorClass)?.[1] ?? 500;
  }

  bodyOf(err: E): ErrorBody {
    const statusCode = this.statusOf(err);
    return { statusCode, error: reasonPhrase(statusCode), message: err.message, details: err.details };
  }

  /** Answers the HTTP request `host` is handling with the error's body. */
  send(err: E, host: ArgumentsHost): void {
    sendError(host.switchToHttp().getResponse<Response>(), this.bodyOf(err));
  }
}
