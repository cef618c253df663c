import { Injectable, NestMiddleware } from '@nestjs/common';
import { NextFunction, Request, Response, text } from 'express';
import { toErrorBody } from '@ctp/observability';

export const CSV_BODY_LIMIT = '5mb';

/**
 * Reads a `text/csv` request body as text, for the CSV import only: the application's own parser reads JSON, and
 * nothing else should accept 5 MB. A body that is too large, or in a charset that cannot be decoded, gets the
 * contract's error body here, as the JSON parser's failures do.
 */
@Injectable()
export class CsvBodyMiddleware implements NestMiddleware {
  private readonly parse = text({ type: 'text/csv', limit: CSV_BODY_LIMIT, defaultCharset: 'utf-8' });

  use(req: Request, res: Response, next: NextFunction): void {
    this.parse(req, res, (err?: unknown) => {
      if (!err) return next();
      const body = toErrorBody(err);
      if (body.statusCode === 413) {
        body.message = `the CSV file is larger than ${CSV_BODY_LIMIT.toUpperCase()}: split it and send the parts one by one`;
        body.details = [{ field: 'body', rule: 'maxSize', message: body.message }];
      }
      res.status(body.statusCode).json(body);
    });
  }
}
