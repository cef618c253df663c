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

export { FieldProblem, flattenValidationErrors };

/** The error body of every HTTP endpoint (CONTRACT.md): `{ statusCode, error, message, details[] }`. */
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
  const syntax = exception as { type?: string; status?: number; message?: string };
  if (syntax?.type === 'entity.parse.failed') {
    return {
      statusCode: 400,
      error: 'Bad Request',
      message: `request body is not valid JSON: ${syntax.message}`,
      details: [{ field: 'body', rule: 'isJson', message: 'the request body must be valid JSON' }],
    };
  }
  // Other body-parser failures (too large, bad encoding) carry their own 4xx status.
  // Only body-parser's own errors (they carry a `type` and `expose: true`), never an arbitrary error's message.
  const parser = exception as { expose?: boolean };
  if (
    typeof syntax?.type === 'string' &&
    parser.expose === true &&
    typeof syntax.status === 'number' &&
    syntax.status >= 400 &&
    syntax.status < 500
  ) {
    return {
      statusCode: syntax.status,
      error: reasonPhrase(syntax.status),
      message: String(syntax.message),
      details: [],
    };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'internal error', details: [] };
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
    const reason = (body.details[0]?.message ?? body.message).replace(/["\\]/g, "'");
    res.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="${reason}"`);
  }
  res.status(body.statusCode).json(body);
}
