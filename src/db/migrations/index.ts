import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation';
import * as m0002 from './0002_lti_store';
import * as m0003 from './0003_school_structure';
import * as m0004 from './0004_gradebook';
import * as m0008 from './0008_audit_append_only';
import * as m0005s from './0005_school_launch_roles';
import * as m0007 from './0007_print_archive';
import * as m0010 from './0010_lms_sync';
import * as m0011 from './0011_corrections';
import * as m0009 from './0009_attendance_conduct_results';
import * as m0012 from './0012_school_calendar';
import * as m0013 from './0013_results_exemptions_retest';
import * as m0015 from './0015_inspector';
import * as m0014 from './0014_lms_sync_averages_tokens';
import * as m0018 from './0018_exemption_reject';

/** Static list: no filesystem glob, so compiled and ts-node runs see the same migrations. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_lti_store': m0002,
  '0003_school_structure': m0003,
  '0004_gradebook': m0004,
  '0008_audit_append_only': m0008,
  '0005_school_launch_roles': m0005s,
  '0007_print_archive': m0007,
  '0010_lms_sync': m0010,
  '0011_corrections': m0011,
  '0009_attendance_conduct_results': m0009,
  '0012_school_calendar': m0012,
  '0013_results_exemptions_retest': m0013,
  '0015_inspector': m0015,
  '0014_lms_sync_averages_tokens': m0014,
  '0018_exemption_reject': m0018,
};
