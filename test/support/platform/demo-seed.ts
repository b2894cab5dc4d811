import type { TestPlatform, ToolRegistration } from './index';

/**
 * A small Vietnamese school for the demo LMS (`npm start`) and for end-to-end tests: one editing teacher,
 * one non-editing teacher, a principal (category manager), a site admin, five students (one suspended),
 * two classes, one graded Sổ Điểm activity per class.
 */
export function seedDemoSchool(
  p: TestPlatform,
  tool: { loginUrl: string; redirectUris: string[]; targetLinkUri: string; jwksUrl: string; clientId?: string; customParams?: Record<string, string> },
): { tool: ToolRegistration; cmids: { lop6A: string; lop6B: string } } {
  p.addUser({ id: '2', username: 'admin', givenName: 'Quản', familyName: 'Trị', email: 'admin@truong.example', siteAdmin: true });
  p.addUser({ id: '3', username: 'gv.hoa', givenName: 'Thị Hoa', familyName: 'Trần', email: 'hoa.tran@truong.example', idnumber: 'GV001' });
  p.addUser({ id: '4', username: 'gv.minh', givenName: 'Văn Minh', familyName: 'Lê', email: 'minh.le@truong.example', idnumber: 'GV002' });
  p.addUser({ id: '5', username: 'hs.an', givenName: 'Văn An', familyName: 'Nguyễn', email: 'an.nguyen@truong.example', idnumber: 'HS2024001' });
  p.addUser({ id: '6', username: 'hs.binh', givenName: 'Thị Bình', familyName: 'Trần', email: 'binh.tran@truong.example', idnumber: 'HS2024002' });
  p.addUser({ id: '7', username: 'hs.cuong', givenName: 'Quốc Cường', familyName: 'Phạm', email: 'cuong.pham@truong.example', idnumber: 'HS2024003' });
  p.addUser({ id: '8', username: 'hs.dung', givenName: 'Thị Dung', familyName: 'Lê', email: 'dung.le@truong.example', idnumber: 'HS2024004' });
  p.addUser({ id: '9', username: 'hs.duc', givenName: 'Minh Đức', familyName: 'Đỗ', email: 'duc.do@truong.example', idnumber: 'HS2024005' });
  p.addUser({ id: '10', username: 'ht.lan', givenName: 'Thị Lan', familyName: 'Vũ', email: 'lan.vu@truong.example', idnumber: 'HT001' });
  p.addCourse({ id: '2', shortname: '6A-TOAN', fullname: 'Lớp 6A - Toán', idnumber: '2024-2025-6A-TOAN', category: 'Khối 6' });
  p.addCourse({ id: '3', shortname: '6B-VAN', fullname: 'Lớp 6B - Ngữ văn', idnumber: '2024-2025-6B-VAN', category: 'Khối 6' });
  p.enrol('2', '3', 'editingteacher');
  p.enrol('2', '4', 'teacher');
  for (const s of ['5', '6', '7', '8']) p.enrol('2', s, 'student');
  p.enrol('2', '9', 'student', { suspended: true });
  p.enrol('3', '4', 'editingteacher');
  for (const s of ['7', '8']) p.enrol('3', s, 'student');
  p.addCategoryManager('10');
  const reg = p.registerTool({
    ...(tool.clientId ? { clientId: tool.clientId } : {}),
    loginUrl: tool.loginUrl,
    redirectUris: tool.redirectUris,
    targetLinkUri: tool.targetLinkUri,
    jwksUrl: tool.jwksUrl,
    customParams: tool.customParams ?? {
      nam_hoc: '2024-2025',
      user_username: '$User.username',
      person_sourcedid: '$Person.sourcedId',
      course_idnumber: '$CourseSection.sourcedId',
    },
  });
  p.addActivity('2', { toolClientId: reg.clientId, instanceId: '1', cmid: '3', title: 'Sổ điểm điện tử', gradeMax: 10, custom: { lop: '6A' } });
  p.addActivity('3', { toolClientId: reg.clientId, instanceId: '2', cmid: '5', title: 'Sổ điểm điện tử', gradeMax: 10, custom: { lop: '6B' } });
  return { tool: reg, cmids: { lop6A: '3', lop6B: '5' } };
}
