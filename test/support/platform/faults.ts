import type { NextFunction, Request, Response } from 'express';
import { setReason } from './http-util';

export interface FaultSpec {
  /** RegExp tested against the full request URL (`http://127.0.0.1:PORT/mod/lti/...?...`), or a substring of it. */
  match: RegExp | string;
  /** Only this HTTP method (case-insensitive). */
  method?: string;
  /** Answer with this status instead of the real endpoint (omit with delayMs to only slow the request down). */
  status?: number;
  /** HTTP reason phrase (Moodle puts service error messages there). */
  statusText?: string;
  /** Response body; sent as application/json when it parses as JSON, else text/plain. */
  body?: string;
  /** Wait this long before answering (or before passing the request on). */
  delayMs?: number;
  /** How many matching requests this fault affects (default: every one until clearFaults()). */
  times?: number;
  /** Destroy the TCP connection without any response. */
  closeConnection?: boolean;
  /**
   * Extra response headers of the faulted answer, e.g. `{ 'Retry-After': '2' }` or an HTTP date with a
   * 429/503 (Moodle itself never sends one; a proxy or a rate-limiting front end in front of it does).
   */
  headers?: Record<string, string>;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
}

export class Faults {
  private list: ActiveFault[] = [];

  add(f: FaultSpec): void {
    this.list.push({ ...f, remaining: f.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.list = [];
  }

  middleware(baseUrl: () => string) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const full = `${baseUrl()}${req.originalUrl}`;
      const f = this.list.find(
        (x) =>
          x.remaining > 0 &&
          (x.method === undefined || x.method.toUpperCase() === req.method) &&
          (typeof x.match === 'string' ? full.includes(x.match) : x.match.test(full)),
      );
      if (!f) return next();
      f.remaining--;
      const act = (): void => {
        if (f.closeConnection) {
          req.socket.destroy();
          return;
        }
        if (f.status === undefined) return next();
        if (f.statusText !== undefined) setReason(res, f.statusText);
        for (const [k, v] of Object.entries(f.headers ?? {})) res.setHeader(k, v);
        res.status(f.status);
        const body = f.body ?? '';
        let isJson = false;
        try {
          JSON.parse(body);
          isJson = body !== '';
        } catch {
          isJson = false;
        }
        res.type(isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8').send(Buffer.from(body, 'utf8'));
      };
      if (f.delayMs && f.delayMs > 0) setTimeout(act, f.delayMs);
      else act();
    };
  }
}
