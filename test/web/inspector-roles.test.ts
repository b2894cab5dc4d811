import { mapRoles, isBoard, isBoardMember, isStaff } from '../../src/auth/roles';
import { allowed, DEFAULT_PERMISSIONS, ACTIONS, type Action } from '../../src/auth/permissions';
import { inspectorMayRequest } from '../../src/auth/inspector';

/** Issue 8 — the inspector's role mapping and fixed rights (pure parts; the HTTP side is test/corrections/inspector-http.test.ts). */
const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

describe('mapRoles with an inspector designation', () => {
  it('is inspector only, whatever Moodle sends (site Administrator + Instructor, or homeroom)', () => {
    expect(mapRoles({ ltiRoles: [`${LIS}institution/person#Administrator`, `${LIS}membership#Instructor`, `${LIS}system/person#Administrator`], designations: ['inspector'], isHomeroomTeacher: true })).toEqual(['inspector']);
    expect(mapRoles({ ltiRoles: [`${LIS}membership#Instructor`], designations: ['principal', 'inspector'], isHomeroomTeacher: false })).toEqual(['inspector']);
  });
  it('without the designation nothing changes', () => {
    expect(mapRoles({ ltiRoles: [`${LIS}membership#Instructor`], designations: ['vice_principal'], isHomeroomTeacher: false })).toEqual(['vice_principal', 'subject_teacher']);
  });
  it('reads like the board, is not a board member nor school staff', () => {
    expect(isBoard(['inspector'])).toBe(true);
    expect(isBoardMember(['inspector'])).toBe(false);
    expect(isStaff(['inspector'])).toBe(false);
  });
});

describe("the inspector's rights do not follow the school's rules", () => {
  it('only the print archive among the actions, even if a school rule names the inspector', () => {
    const perms = { ...DEFAULT_PERMISSIONS, 'correction.approve': ['principal', 'inspector'] } as typeof DEFAULT_PERMISSIONS;
    const granted = (Object.keys(ACTIONS) as Action[]).filter((a) => allowed(perms, ['inspector'], a));
    expect(granted).toEqual(['print.books']);
  });
});

describe('inspectorMayRequest', () => {
  it('refuses every method but GET/HEAD, and GETs outside the inspection pages', () => {
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(inspectorMayRequest(m, '/audit')).toBe('read_only');
    expect(inspectorMayRequest('GET', '/audit')).toBe('ok');
    expect(inspectorMayRequest('HEAD', '/corrections/12/minutes.pdf')).toBe('ok');
    expect(inspectorMayRequest('GET', '/grid/3')).toBe('page');
    expect(inspectorMayRequest('GET', '/corrections/12/evidence')).toBe('page');
    expect(inspectorMayRequest('GET', '/audit/verify/x')).toBe('page');
  });
});
