import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import {
  CtpLogger,
  ERROR_BODY_SCHEMA,
  HttpErrorFilter,
  HttpLoggingMiddleware,
  JSON_BODY_LIMIT,
  NestPinoLogger,
  refuseUnreadableRequestText,
  sendError,
  toErrorBody,
  validationExceptionFactory,
  verifyJsonBody,
} from '@ctp/observability';
import { bearerToken, InvalidToken, TokenVerifier, Unauthorized } from '@ctp/auth';
import { JetStreamServer } from '@ctp/messaging';

export interface ServiceBootstrap {
  service: string;
  title: string;
  description: string;
  port: number;
  logger: CtpLogger;
  /** Consume JetStream events through the module's JetStreamServer. */
  consume: boolean;
  /** Schemas to add to the OpenAPI document's components (e.g. the contract's, generated from class-validator). */
  openApiSchemas?: Record<string, unknown>;
  /** Runs once the application is initialised (migrations applied), before it listens (e.g. to start a thread). */
  beforeListen?: (app: INestApplication) => Promise<void>;
  /** Web pages the service serves to browsers (the platform's console), each under its own path and policy. */
  web?: (app: INestApplication) => WebMount[];
}

/**
 * A web page served under `path` (e.g. `/console`): `handler` answers first (static files carry no data: before the
 * API's routes and their guard; it calls `next()` for what it does not serve, such as the API routes under the same
 * path), and every answer under the path carries `contentSecurityPolicy` instead of the API's strict one.
 */
export interface WebMount {
  path: string;
  /** helmet's directives, whole (no defaults are added): e.g. `{ 'default-src': ["'self'"], … }`. */
  contentSecurityPolicy: Record<string, string[]>;
  handler: RequestHandler;
}

/** Whether the request path `path` is `mount` or under it. */
export function isUnder(path: string, mount: string): boolean {
  return path === mount || path.startsWith(`${mount}/`);
}

/** Builds and starts one service: HTTP (with OpenAPI at /docs), the JetStream consumer, graceful shutdown. */
export async function bootstrapService(
  module: Parameters<typeof NestFactory.create>[0],
  spec: ServiceBootstrap,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: new NestPinoLogger(spec.logger),
    bufferLogs: false,
    bodyParser: false,
    // Let start-up errors (NATS refusing the credentials, a missing stream) reach exitOnStartupFailure: one fatal
    // line saying why, then exit 1. Nest's default logs them itself at error level and exits first.
    abortOnError: false,
  });
  // The request's log line (and correlation id) first, so that a request refused below is logged like any other.
  const requestLog = app.get(HttpLoggingMiddleware);
  app.use((req: Request, res: Response, next: NextFunction) => requestLog.use(req, res, next));
  // Security headers on every answer (no sniffing, no framing, HSTS, a strict CSP: the API serves JSON and CSV only);
  // a web page's own paths get its own CSP (its scripts and styles, the sign-in provider it talks to).
  const api = helmet();
  const web = (spec.web?.(app) ?? []).map((w) => ({
    ...w,
    headers: helmet({ contentSecurityPolicy: { useDefaults: false, directives: w.contentSecurityPolicy } }),
  }));
  app.use((req: Request, res: Response, next: NextFunction) =>
    (web.find((w) => isUnder(req.path, w.path))?.headers ?? api)(req, res, next),
  );
  // A path or query that cannot be read safely (malformed %-encoding, control characters, lone surrogates): 400.
  app.use(refuseUnreadableRequestText);
  // Web pages' static files, before the API's routes and guard.
  for (const w of web) app.use(w.path, w.handler);
  // Our own JSON parser, so that a body that is not JSON (or too large, too deep, not UTF-8, not the gzip/deflate/br
  // its Content-Encoding says) gets the contract's error body naming the rule.
  app.use(json({ limit: JSON_BODY_LIMIT, verify: verifyJsonBody }));
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!err) return next();
    const body = toErrorBody(err);
    if (body.statusCode >= 500)
      spec.logger.error({ msg: 'request body could not be read', err: (err as Error)?.stack });
    sendError(res, body);
  });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationExceptionFactory,
    }),
  );
  app.useGlobalFilters(new HttpErrorFilter(spec.logger));
  app.enableShutdownHooks();
  const docs = new DocumentBuilder()
    .setTitle(spec.title)
    .setDescription(spec.description)
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An OAuth 2.0 access token (JWT) from the configured issuer, with `org` and `scope` claims. Each operation names the scope it needs (x-ctp-access).',
      },
      'bearer',
    )
    .build();
  // The documentation describes the whole API: a valid token is needed to read it, like every route but health.
  const verifier = app.get(TokenVerifier);
  app.use(['/docs', '/docs-json', '/docs-yaml'], (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => verifier.verify(bearerToken(req.header('authorization'))))
      .then(
        () => next(),
        (err: unknown) => {
          const reason = err instanceof InvalidToken ? err.message : 'the token could not be verified';
          sendError(res, toErrorBody(new Unauthorized(reason)));
        },
      );
  });
  SwaggerModule.setup('docs', app, () => {
    const document = SwaggerModule.createDocument(app, docs);
    document.components = {
      ...document.components,
      schemas: {
        ...document.components?.schemas,
        ErrorBody: ERROR_BODY_SCHEMA as never,
        ...(spec.openApiSchemas as Record<string, never>),
      },
    };
    return document;
  });
  if (spec.consume) {
    // inheritAppConfig: the HttpErrorFilter passes handler errors through untouched for the transport to classify.
    app.connectMicroservice({ strategy: app.get(JetStreamServer) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  if (spec.beforeListen) {
    await app.init();
    await spec.beforeListen(app);
  }
  answerUnparseableRequests(app.getHttpServer() as Server, spec.logger);
  await app.listen(spec.port, '0.0.0.0');
  spec.logger.info({ msg: 'service started', port: spec.port, docs: `http://127.0.0.1:${spec.port}/docs` });
  return app;
}

/** Turns a start-up failure into one clear line and a non-zero exit. */
export function exitOnStartupFailure(service: string, logger: CtpLogger | undefined) {
  return (err: unknown): never => {
    const message = err instanceof Error ? err.message : String(err);
    if (logger) logger.fatal({ msg: 'service failed to start', err: message });
    else process.stderr.write(`${service}: failed to start: ${message}\n`);
    process.exit(1);
  };
}

/** What Node's HTTP parser refuses before the application sees a request, as the contract's error body. */
const CLIENT_ERRORS: Record<string, { status: number; field: string; rule: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    field: 'headers',
    rule: 'maxSize',
    message: 'the request line and headers are larger than the server accepts (16 KB): shorten the URL or the headers',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    field: 'request',
    rule: 'timeout',
    message: 'the request was not received in time',
  },
};

/**
 * Requests that Node's HTTP parser refuses (headers over 16 KB, a malformed request line, a request too slow to
 * arrive) get the error body every other refusal gets and a log line, instead of a bare status line and silence.
 */
export function answerUnparseableRequests(server: Server, log: CtpLogger): void {
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const known = CLIENT_ERRORS[err.code ?? ''] ?? {
      status: 400,
      field: 'request',
      rule: 'httpSyntax',
      message: 'the request is not valid HTTP/1.1',
    };
    const body = JSON.stringify({
      statusCode: known.status,
      error: STATUS_CODES[known.status] ?? 'Error',
      message: known.message,
      details: [{ field: known.field, rule: known.rule, message: known.message }],
    });
    log.warn({ msg: 'http request refused by the parser', status: known.status, code: err.code, rule: known.rule });
    socket.end(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
