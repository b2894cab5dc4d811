/** Small helpers shared by the roll-call, conduct, results and year-end routes. */
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../shared/errors';

export const idSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export function parseWith<T>(code: string, schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new AppError(code, 'bad_request', 'Dữ liệu gửi lên không hợp lệ.', 'Invalid request data.', { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return r.data;
}

export const wantsJson = (req: Request) => req.accepts(['html', 'json']) === 'json' || req.is('application/json') === 'application/json';

export const handle = (fn: (req: Request, res: Response) => Promise<void>): RequestHandler => (req: Request, res: Response, next: NextFunction) => {
  fn(req, res).catch(next);
};
