import { z } from 'zod';
import type { LtijsProvider } from '../lti/provider';
import { rosterError, type RosterErrorCode } from './errors';
import { AppError } from '../shared/errors';

/** One NRPS member as Moodle sends it (moodle-lti-behaviour.md §6); every field but user_id may be withheld. */
const Member = z.object({
  user_id: z.union([z.string().min(1), z.number()]).transform(String),
  roles: z.array(z.string()).default([]),
  status: z.string().optional(),
  given_name: z.string().optional().nullable(),
  family_name: z.string().optional().nullable(),
  name: z.string().optional().nullable(),
  email: z.string().optional().nullable(),
  lis_person_sourcedid: z.string().optional().nullable(),
});
const Container = z.object({ members: z.array(Member) });

export type NrpsMember = z.output<typeof Member>;

/** Where to read a course's roster without a user session (ltijs-on-postgres.md §1.9). */
export interface NrpsTarget {
  issuer: string;
  clientId: string;
  membershipsUrl: string;
  resourceLinkId: string | null;
  lineitemsUrl: string | null;
}

export interface NrpsReader {
  readMembers(t: NrpsTarget): Promise<NrpsMember[]>;
}

/**
 * Reads every page through ltijs (`pages: false` follows Link rel="next"). ltijs' HTTP client has
 * no timeout, so one is imposed here; `pageSize` (NRPS `limit`) is only set when asked, e.g. by tests.
 */
export function ltijsNrpsReader(provider: LtijsProvider, opts: { timeoutMs?: number; pageSize?: number } = {}): NrpsReader {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return {
    async readMembers(t) {
      const idtoken = {
        iss: t.issuer,
        clientId: t.clientId,
        platformContext: {
          namesRoles: { context_memberships_url: t.membershipsUrl },
          resource: { id: t.resourceLinkId },
          endpoint: { lineitems: t.lineitemsUrl },
        },
      };
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(rosterError('ROSTER_NRPS_TIMEOUT')), timeoutMs);
      });
      let body: unknown;
      try {
        body = await Promise.race([provider.NamesAndRoles.getMembers(idtoken, { pages: false, ...(opts.pageSize ? { limit: opts.pageSize } : {}) }), timeout]);
      } catch (e) {
        throw classify(e);
      } finally {
        clearTimeout(timer);
      }
      const parsed = Container.safeParse(body);
      if (!parsed.success) throw rosterError('ROSTER_NRPS_MALFORMED');
      return parsed.data.members;
    },
  };
}

/** Maps got/ltijs failures onto stable codes; never keeps the response body (it holds names). */
export function classify(e: unknown): AppError {
  if (e instanceof AppError) return e;
  const err = e as { name?: string; code?: string; message?: string; response?: { statusCode?: number } };
  const status = err?.response?.statusCode;
  let code: RosterErrorCode = 'ROSTER_FAILED';
  if (status === 401) code = 'ROSTER_NRPS_UNAUTHORIZED';
  else if (status === 403) code = 'ROSTER_NRPS_FORBIDDEN';
  else if (status === 404) code = 'ROSTER_NRPS_NOT_FOUND';
  else if (status !== undefined && status >= 500) code = 'ROSTER_NRPS_SERVER_ERROR';
  else if (err instanceof SyntaxError || err?.name === 'SyntaxError' || err?.name === 'ParseError') code = 'ROSTER_NRPS_MALFORMED';
  else if (err?.name === 'TimeoutError' || err?.code === 'ETIMEDOUT') code = 'ROSTER_NRPS_TIMEOUT';
  else if (err?.message === 'PLATFORM_NOT_ACTIVATED' || err?.message === 'PLATFORM_NOT_FOUND') code = 'ROSTER_PLATFORM_INACTIVE';
  else if (err?.name === 'RequestError' || ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE'].includes(err?.code ?? '')) code = 'ROSTER_NRPS_UNREACHABLE';
  // ltijs' token request failing with 401 surfaces as a plain Error from got with a status.
  return rosterError(code, status !== undefined ? { status } : undefined);
}

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';
/** NRPS role names may be short ("Learner") or full URIs; compare on the local part. */
export function shortRole(r: string): string {
  const s = r.startsWith(LIS) ? r.slice(LIS.length) : r;
  return s.replace(/^membership#/, '');
}
