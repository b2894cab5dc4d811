import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Config } from '../config/config';
import type { Server } from '../server';
import { populateDemoLms, seedDemoSchool, type DemoLms } from './seed-demo';

/**
 * Demo mode only: our test LTI platform (test/support/platform, Moodle-true) serves as the demo
 * LMS. It is loaded lazily so production never loads test code.
 */
export async function startDemoLms(db: Kysely<DB>, server: Server, config: Config): Promise<{ close(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { startPlatform } = require('../../test/support/platform') as {
    startPlatform(o: { port?: number; host?: string; name?: string; description?: string }): Promise<DemoLms & { close(): Promise<void> }>;
  };
  const lms = await startPlatform({ port: config.demoLmsPort, host: '127.0.0.1', name: 'LMS mô phỏng', description: 'Trường THCS Thử Nghiệm (demo)' });
  populateDemoLms(lms, config.publicUrl);
  const { created } = await seedDemoSchool(db, server.lti.provider, lms.url);
  console.log(created ? 'Đã tạo dữ liệu mẫu / demo data seeded' : 'Dữ liệu mẫu đã có / demo data present');
  console.log(`\n  LMS mô phỏng (demo LMS): ${lms.url}/   ← mở địa chỉ này để khởi chạy Sổ Điểm với tư cách giáo viên, GVCN, hiệu trưởng, học sinh\n`);
  return lms;
}
