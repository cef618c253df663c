import {
  BadRequestException,
  ConflictException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
  ValidationError,
} from '@nestjs/common';
import createError from 'http-errors';
import { gunzipSync } from 'node:zlib';
import type { Response } from 'express';
import {
  DomainErrorStatuses,
  flattenValidationErrors,
  RequestProblem,
  sendError,
  toErrorBody,
  validationExceptionFactory,
} from './http-errors';

const v = (property: string, constraints?: Record<string, string>, children?: ValidationError[]): ValidationError => ({
  property,
  constraints,
  children,
});

/** What class-validator produces for a bad initiative body: nested objects and arrays of primitives and objects. */
const nestedErrors: ValidationError[] = [
  v('kind', { isIn: 'kind must be one of PRJ, OPS' }),
  v('title', undefined, [
    v('lang', { isIn: 'lang must be one of en, fr, es, ar' }),
    v('text', { isNotEmpty: 'text should not be empty', maxLength: 'text is too long' }),
  ]),
  v('recipientCountries', undefined, [v('1', { isISO31661Alpha2: 'must be an ISO 3166-1 alpha-2 code' })]),
  v('titleAlt', { arrayMaxSize: 'titleAlt must contain no more than 3 elements' }, [
    v('0', undefined, [v('lang', { isIn: 'lang must be one of en, fr, es, ar' })]),
  ]),
  v('dates', undefined, [v('plannedEnd', undefined, [])]),
];

describe('flattenValidationErrors', () => {
  it('gives one entry per field and rule, with dotted and indexed paths', () => {
    expect(flattenValidationErrors(nestedErrors)).toEqual([
      { field: 'kind', rule: 'isIn', message: 'kind must be one of PRJ, OPS' },
      { field: 'title.lang', rule: 'isIn', message: 'lang must be one of en, fr, es, ar' },
      { field: 'title.text', rule: 'isNotEmpty', message: 'text should not be empty' },
      { field: 'title.text', rule: 'maxLength', message: 'text is too long' },
      { field: 'recipientCountries[1]', rule: 'isISO31661Alpha2', message: 'must be an ISO 3166-1 alpha-2 code' },
      { field: 'titleAlt', rule: 'arrayMaxSize', message: 'titleAlt must contain no more than 3 elements' },
      { field: 'titleAlt[0].lang', rule: 'isIn', message: 'lang must be one of en, fr, es, ar' },
    ]);
  });

  it.each<[string, ValidationError[], string[]]>([
    ['a top-level property', [v('status', { isIn: 'x' })], ['status']],
    ['a nested property', [v('a', undefined, [v('b', undefined, [v('c', { r: 'x' })])])], ['a.b.c']],
    ['an array index', [v('list', undefined, [v('12', { r: 'x' })])], ['list[12]']],
    ['an index inside an index', [v('grid', undefined, [v('0', undefined, [v('3', { r: 'x' })])])], ['grid[0][3]']],
    [
      'a property inside an array element',
      [v('orgs', undefined, [v('2', undefined, [v('ref', { r: 'x' })])])],
      ['orgs[2].ref'],
    ],
    ['a numeric top-level property (not an index)', [v('0', { r: 'x' })], ['0']],
    ['a property that only looks numeric', [v('a', undefined, [v('1a', { r: 'x' })])], ['a.1a']],
  ])('%s', (_label, errors, fields) => {
    expect(flattenValidationErrors(errors).map((p) => p.field)).toEqual(fields);
  });

  it.each<[string, ValidationError[]]>([
    ['no errors', []],
    ['an error without constraints or children', [v('x')]],
    ['an error with empty constraints and children', [v('x', {}, [])]],
  ])('yields nothing for %s', (_label, errors) => {
    expect(flattenValidationErrors(errors)).toEqual([]);
  });

  it('prefixes every path with the given parent', () => {
    expect(flattenValidationErrors([v('lang', { isIn: 'm' })], 'title')).toEqual([
      { field: 'title.lang', rule: 'isIn', message: 'm' },
    ]);
  });
});

describe('validationExceptionFactory', () => {
  it('builds a 400 whose message names each bad field once and whose details are the flattened problems', () => {
    const ex = validationExceptionFactory(nestedErrors);
    expect(ex).toBeInstanceOf(BadRequestException);
    expect(ex.getStatus()).toBe(400);
    expect(ex.getResponse()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid request: kind, title.lang, title.text, recipientCountries[1], titleAlt, titleAlt[0].lang',
      details: flattenValidationErrors(nestedErrors),
    });
  });
});

describe('toErrorBody', () => {
  describe('HttpException', () => {
    it('keeps the details of a validation failure', () => {
      const body = toErrorBody(validationExceptionFactory(nestedErrors));
      expect(body.statusCode).toBe(400);
      expect(body.error).toBe('Bad Request');
      expect(body.message).toMatch(/^invalid request: kind, title\.lang/);
      expect(body.details).toHaveLength(7);
      expect(body.details).toContainEqual({
        field: 'recipientCountries[1]',
        rule: 'isISO31661Alpha2',
        message: expect.any(String),
      });
    });

    it('keeps the status, message and details of a RequestProblem', () => {
      const details = [{ field: 'version', rule: 'conflict', message: 'stale version' }];
      const body = toErrorBody(new RequestProblem(409, 'version conflict', details));
      expect(body).toMatchObject({ statusCode: 409, message: 'version conflict', details });
      expect(body.error).toEqual(expect.any(String));
    });

    it('gives a RequestProblem without details an empty list', () => {
      expect(toErrorBody(new RequestProblem(404, 'initiative X not found'))).toMatchObject({
        statusCode: 404,
        message: 'initiative X not found',
        details: [],
      });
    });

    it.each<[string, HttpException, Partial<ReturnType<typeof toErrorBody>>]>([
      [
        'NotFoundException',
        new NotFoundException('no such route'),
        { statusCode: 404, error: 'Not Found', message: 'no such route' },
      ],
      ['ConflictException', new ConflictException('taken'), { statusCode: 409, error: 'Conflict', message: 'taken' }],
      [
        'a message array (class-validator default)',
        new BadRequestException(['title must be a string', 'kind is invalid']),
        { statusCode: 400, error: 'Bad Request', message: 'title must be a string; kind is invalid' },
      ],
      [
        'a response object without a message',
        new HttpException({ error: 'Teapot' }, 418),
        { statusCode: 418, error: 'Teapot', message: 'Http Exception' },
      ],
      [
        'a response object with details that are not an array',
        new HttpException({ message: 'm', details: 'oops' }, 422),
        { statusCode: 422, message: 'm', details: [] },
      ],
      [
        'a response object without error (falls back to the status name)',
        new HttpException({ message: 'm' }, 503),
        { statusCode: 503, error: 'Service Unavailable', message: 'm' },
      ],
      [
        'a string response',
        new HttpException('forbidden here', 403),
        { statusCode: 403, error: 'Forbidden', message: 'forbidden here', details: [] },
      ],
    ])('%s', (_label, exception, expected) => {
      const body = toErrorBody(exception);
      expect(body).toMatchObject({ details: [], ...expected });
      expect(Object.keys(body).sort()).toEqual(['details', 'error', 'message', 'statusCode']);
    });

    it('passes through a deliberate 500 from an HttpException', () => {
      expect(toErrorBody(new InternalServerErrorException('upstream down'))).toMatchObject({
        statusCode: 500,
        message: 'upstream down',
      });
    });
  });

  describe('express JSON parse errors', () => {
    it('becomes a 400 naming the body', () => {
      const parseError = Object.assign(new SyntaxError('Unexpected token } in JSON at position 10'), {
        type: 'entity.parse.failed',
        status: 400,
        body: '{"a":1,}',
      });
      expect(toErrorBody(parseError)).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'request body is not valid JSON: Unexpected token } in JSON at position 10',
        details: [{ field: 'body', rule: 'isJson', message: 'the request body must be valid JSON' }],
      });
    });

    it('recognises a plain object carrying the type', () => {
      expect(toErrorBody({ type: 'entity.parse.failed', message: 'bad' })).toMatchObject({
        statusCode: 400,
        message: 'request body is not valid JSON: bad',
      });
    });
  });

  describe('anything else → 500 without leaking the message', () => {
    it.each<[string, unknown]>([
      ['an Error', new Error('password authentication failed for user "ctp" at 10.0.0.5')],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'secret')")],
      ['an error with a status', Object.assign(new Error('secret detail'), { status: 400 })],
      ['an error of another body-parser type', { type: 'entity.verify.failed', message: 'secret detail' }],
      ['a thrown string', 'secret detail'],
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
    ])('%s', (_label, exception) => {
      const body = toErrorBody(exception);
      expect(body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error', details: [] });
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/secret|password|10\.0\.0\.5/);
    });
  });

  describe("the body parser's refusals: a 4xx naming the field and rule", () => {
    /** How body-parser passes on an error from the decompression stream: createError(400, …) twice, no `type`. */
    const zlibError = (input: Buffer) => {
      try {
        gunzipSync(input);
      } catch (err) {
        return createError(400, createError(400, err as Error));
      }
      throw new Error('it decompressed');
    };

    it.each<[string, unknown, number, string, string]>([
      ['not gzip after all', zlibError(Buffer.from('plain text')), 400, 'Content-Encoding', 'decodable'],
      [
        'too large',
        createError(413, 'request entity too large', { type: 'entity.too.large', limit: 1048576 }),
        413,
        'body',
        'maxSize',
      ],
      [
        'an encoding not accepted',
        createError(415, 'unsupported content encoding "compress"', {
          type: 'encoding.unsupported',
          encoding: 'compress',
        }),
        415,
        'Content-Encoding',
        'isIn',
      ],
      [
        'a charset not accepted',
        createError(415, 'unsupported charset "LATIN1"', { type: 'charset.unsupported', charset: 'latin1' }),
        415,
        'Content-Type',
        'charset',
      ],
      [
        'shorter than Content-Length',
        createError(400, 'request size did not match content length', { type: 'request.size.invalid' }),
        400,
        'Content-Length',
        'matchesBody',
      ],
    ])('%s', (_label, err, status, field, rule) => {
      const body = toErrorBody(err);
      expect(body).toMatchObject({ statusCode: status, details: [{ field, rule }] });
    });

    it("keeps the verify hook's own problem (body-parser wraps it with status and type)", () => {
      const problem = new RequestProblem(400, 'too deep', [{ field: 'body', rule: 'maxDepth', message: 'too deep' }]);
      const wrapped = createError(403, problem, { body: Buffer.from('[[['), type: 'entity.verify.failed' });
      expect(toErrorBody(wrapped)).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'too deep',
        details: [{ field: 'body', rule: 'maxDepth', message: 'too deep' }],
      });
    });

    it('echoes no control character or lone surrogate from a parse error', () => {
      const err = createError(400, 'Unexpected token \u0000 in "\ud800\u001b[31m"', { type: 'entity.parse.failed' });
      const body = toErrorBody(err);
      // eslint-disable-next-line no-control-regex -- finding control characters is the point
      expect(body.message).not.toMatch(/[\u0000-\u001f\ud800-\udfff]/);
      expect(body.details).toEqual([{ field: 'body', rule: 'isJson', message: 'the request body must be valid JSON' }]);
    });
  });

  describe('sendError', () => {
    it('puts only printable ASCII in WWW-Authenticate, whatever the reason holds', () => {
      const headers: Record<string, string> = {};
      const res = {
        locals: {},
        setHeader: (k: string, v: string) => {
          if (/[^\t\x20-\x7e]/.test(v)) throw new TypeError('Invalid character in header content');
          headers[k] = v;
        },
        status: () => res,
        json: () => res,
      } as unknown as Response;
      sendError(res, {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'm',
        details: [{ field: 'Authorization', rule: 'valid', message: 'kid "é\ud800\u0000" is unknown\\' }],
      });
      expect(headers['WWW-Authenticate']).toBe(
        `Bearer error="invalid_token", error_description="kid '???' is unknown'"`,
      );
    });
  });
});

describe('DomainErrorStatuses', () => {
  class FeatureError extends Error {
    details: { field: string; rule: string; message: string }[] = [];
  }
  class Missing extends FeatureError {}
  class Gone extends Missing {}
  class Unmapped extends FeatureError {}
  const statuses = new DomainErrorStatuses<FeatureError>([
    [Gone, 410],
    [Missing, 404],
  ]);

  it('gives the first matching class its status, subclasses included, and 500 to anything unmapped', () => {
    expect(statuses.statusOf(new Gone('gone'))).toBe(410);
    expect(statuses.statusOf(new Missing('missing'))).toBe(404);
    expect(statuses.statusOf(new Unmapped('a bug'))).toBe(500);
  });

  it('builds the contract error body from the error', () => {
    const err = new Missing('no initiative X');
    err.details = [{ field: 'initiativeId', rule: 'exists', message: 'no initiative X' }];
    expect(statuses.bodyOf(err)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no initiative X',
      details: [{ field: 'initiativeId', rule: 'exists', message: 'no initiative X' }],
    });
  });
});
