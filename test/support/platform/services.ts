import express, { type Request, type Response, type Router } from 'express';
import { handleLineitem, handleLineitems, handleResults, handleScores } from './ags';
import { handleMemberships } from './nrps';
import { MEDIA, serviceError } from './services-common';
import type { PlatformState } from './state';

interface Resource {
  pattern: RegExp;
  formats: string[];
  handle: (state: PlatformState, req: Request, res: Response, a: string, b: string) => void;
}

/** Moodle's resources under mod/lti/services.php, each with the media types it handles. */
const RESOURCES: Resource[] = [
  { pattern: /^\/CourseSection\/([^/]+)\/bindings\/([^/]+)\/memberships$/, formats: [MEDIA.memberships], handle: handleMemberships },
  { pattern: /^\/([^/]+)\/lineitems$/, formats: [MEDIA.lineitems, MEDIA.lineitem], handle: (s, q, r, c) => handleLineitems(s, q, r, c) },
  { pattern: /^\/([^/]+)\/lineitems\/([^/]+)\/lineitem$/, formats: [MEDIA.lineitem], handle: handleLineitem },
  { pattern: /^\/([^/]+)\/lineitems\/([^/]+)\/lineitem\/results$/, formats: [MEDIA.results], handle: handleResults },
  { pattern: /^\/([^/]+)\/lineitems\/([^/]+)\/lineitem\/scores$/, formats: [MEDIA.score], handle: handleScores },
];

export function servicesRouter(state: PlatformState): Router {
  const r = express.Router();
  r.use('/mod/lti/services.php', express.text({ type: () => true, limit: '2mb' }), (req, res) => {
    const path = req.path;
    const accept = (req.headers.accept ?? '').trim();
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const isGet = req.method === 'GET';
    const isDelete = req.method === 'DELETE';
    for (const resource of RESOURCES) {
      // services.php: GET needs an Accept it knows (or */*); writes need a Content-Type it knows.
      if (isGet && accept !== '' && !accept.includes('*/*') && !resource.formats.includes(accept)) continue;
      if (!isGet && !isDelete && !resource.formats.includes(contentType)) continue;
      const match = resource.pattern.exec(path);
      if (!match) continue;
      resource.handle(state, req, res, match[1] ?? '', match[2] ?? '');
      return;
    }
    // nrps/09-nrps-accept-json.json (note the trailing space of Moodle's message).
    serviceError(req, res, 400, `No handler found for ${path} ${isGet || isDelete ? accept : contentType} `);
  });
  return r;
}
