import { mapRoles } from '../../src/auth/roles';

// Roles per Moodle role: shared/docs/moodle-lti-behaviour.md §4 and shared/fixtures/moodle-4.5/launches/*.json
const INSTRUCTOR = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';
const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
const INST_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator';
const SYS_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator';

describe('LTI roles → Sổ Điểm roles', () => {
  it.each([
    ['editing or non-editing teacher (Instructor)', [INSTRUCTOR], [], false, ['subject_teacher']],
    ['student (Learner)', [LEARNER], [], false, ['student']],
    ['category manager: Instructor only, not a principal without the school list', [INSTRUCTOR], [], false, ['subject_teacher']],
    ['category manager on the school list', [INSTRUCTOR], ['principal'], false, ['principal', 'subject_teacher']],
    ['site admin / manager with mod/lti:admin', [INST_ADMIN, INSTRUCTOR, SYS_ADMIN], [], false, ['principal', 'school_admin', 'subject_teacher']],
    ['homeroom teacher by class record', [INSTRUCTOR], [], true, ['homeroom_teacher', 'subject_teacher']],
    ['short NRPS-style names are understood', ['Instructor'], ['vice_principal'], false, ['vice_principal', 'subject_teacher']],
    ['a Learner who is also designated staff keeps staff rights only', [LEARNER], ['school_admin'], false, ['school_admin']],
    ['Mentor or unknown roles give nothing', ['http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor'], [], false, []],
  ] as const)('%s', (_c, lti, designations, homeroom, expected) => {
    expect(mapRoles({ ltiRoles: lti, designations, isHomeroomTeacher: homeroom })).toEqual(expected);
  });
});
