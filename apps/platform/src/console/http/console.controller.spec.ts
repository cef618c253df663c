import { Principal, Unauthorized } from '@ctp/auth';
import { toErrorBody } from '@ctp/observability';
import type { Request, Response } from 'express';
import { PlatformConfig } from '../../config/platform.config';
import { LiveChanges } from '../application/live-changes';
import { OperationsReport } from '../application/operations-report';
import { ConsoleController } from './console.controller';

const jwt = (exp: number) =>
  `Bearer eyJhbGciOiJFUzI1NiJ9.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.c2ln`;

/** GET /console/stream's request and response, as far as the handler reads and writes them. */
function exchange(authorization: string, gone: { req?: boolean; socket?: boolean; res?: boolean } = {}) {
  const socket = { destroyed: !!gone.socket, setNoDelay: jest.fn(), setTimeout: jest.fn() };
  const req = { header: () => authorization, destroyed: !!gone.req, socket } as unknown as Request;
  const res = {
    destroyed: !!gone.res,
    writableEnded: false,
    on: jest.fn(),
    status: jest.fn(),
    setHeader: jest.fn(),
    flushHeaders: jest.fn(),
    write: jest.fn(() => true),
    end: jest.fn(),
  };
  return { req, res: res as unknown as Response, raw: res };
}

describe('GET /console/stream', () => {
  const principal = { org: 'IP-GS-CTP', sub: 'dev:analyst' } as Principal;
  let live: { open: jest.Mock };
  let controller: ConsoleController;

  beforeEach(() => {
    live = { open: jest.fn(() => ({ close: jest.fn() })) };
    controller = new ConsoleController(
      { console: {} } as PlatformConfig,
      live as unknown as LiveChanges,
      {} as OperationsReport,
    );
  });

  it('opens a stream that ends when the token expires', () => {
    const { req, res, raw } = exchange(jwt(Date.now() / 1000 + 60));
    controller.stream(req, res, principal);
    expect(live.open).toHaveBeenCalledTimes(1);
    const [identity, , options] = live.open.mock.calls[0] as [string, unknown, { expiresInMs: number }];
    expect(identity).toBe('IP-GS-CTP\u0000dev:analyst');
    expect(options.expiresInMs).toBeGreaterThan(55_000);
    expect(options.expiresInMs).toBeLessThanOrEqual(60_000);
    expect(raw.on).toHaveBeenCalledWith('close', expect.any(Function));
    expect(raw.status).toHaveBeenCalledWith(200);
  });

  it('refuses 401 a token past its exp that the guard let through within its clock tolerance (no stream)', () => {
    for (const exp of [Date.now() / 1000 - 5, Date.now() / 1000]) {
      const { req, res, raw } = exchange(jwt(exp));
      let thrown: unknown;
      try {
        controller.stream(req, res, principal);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(Unauthorized);
      // The usual 401 body (the global filter sends it, with WWW-Authenticate: Bearer error="invalid_token").
      expect(toErrorBody(thrown)).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'a valid bearer token is required: the token has expired',
        details: [{ field: 'Authorization', rule: 'bearerToken', message: 'the token has expired' }],
      });
      expect(live.open).not.toHaveBeenCalled();
      expect(raw.status).not.toHaveBeenCalled();
    }
  });

  it.each([{ req: true }, { socket: true }, { res: true }])(
    'opens nothing when the client went away while its token was verified (%j)',
    (gone) => {
      const { req, res, raw } = exchange(jwt(Date.now() / 1000 + 60), gone);
      controller.stream(req, res, principal);
      expect(live.open).not.toHaveBeenCalled();
      expect(raw.on).not.toHaveBeenCalled();
      expect(raw.write).not.toHaveBeenCalled();
    },
  );
});
