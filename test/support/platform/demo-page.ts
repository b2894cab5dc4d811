import express, { type Router } from 'express';
import { escapeHtml, isoPlus7 } from './http-util';
import type { CourseRole, User } from './model';
import type { PlatformState } from './state';

const ROLE_VI: Record<CourseRole, string> = {
  editingteacher: 'giáo viên',
  teacher: 'giáo viên không quyền sửa',
  student: 'học sinh',
};

function displayName(u: User): string {
  return `${u.familyName} ${u.givenName}`;
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2125}
header{background:#0f6cbf;color:#fff;padding:.9rem 1.4rem}
header h1{margin:0;font-size:1.3rem}
header p{margin:.2rem 0 0;opacity:.85;font-size:.9rem}
main{max-width:960px;margin:1.2rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #dee2e6;border-radius:8px;padding:1rem 1.2rem;margin-bottom:1rem}
h2{margin:0 0 .3rem;font-size:1.15rem}
h3{margin:1rem 0 .4rem;font-size:1rem;color:#343a40}
.muted{color:#6a737b;font-size:.88rem}
ul{margin:.3rem 0;padding-left:1.2rem}
li{margin:.25rem 0}
a{color:#0f6cbf}
.badge{display:inline-block;font-size:.75rem;padding:.05rem .45rem;border-radius:.6rem;background:#e9ecef;color:#495057;margin-left:.3rem}
.warn{background:#fff3cd;color:#664d03}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #dee2e6;padding:.3rem .5rem;text-align:left}
th{background:#f1f3f5}
`;

export function demoRouter(state: PlatformState, launchPageUrl: (userId: string, cmid: string) => string): Router {
  const r = express.Router();
  const m = state.model;

  r.get('/', (_req, res) => {
    const sections: string[] = [];
    for (const course of m.courses.values()) {
      const activities = [...m.activities.values()].filter((a) => a.courseId === course.id);
      const people: Array<{ u: User; label: string; note?: string }> = [];
      for (const e of m.enrolments.filter((x) => x.courseId === course.id)) {
        const u = m.users.get(e.userId);
        if (u) people.push({ u, label: ROLE_VI[e.role], ...(e.suspended ? { note: 'đã tạm ngưng ghi danh' } : {}) });
      }
      for (const mgr of m.categoryManagers.values()) {
        const u = m.users.get(mgr.userId);
        if (u && !people.some((p) => p.u.id === u.id)) people.push({ u, label: mgr.ltiAdminCapability ? 'quản lý (có quyền quản trị LTI)' : 'quản lý / hiệu trưởng' });
      }
      for (const u of m.users.values()) {
        if (u.siteAdmin && !people.some((p) => p.u.id === u.id)) people.push({ u, label: 'quản trị hệ thống' });
      }
      const blocks = activities.map((a) => {
        const tool = m.tools.get(a.toolTypeId);
        const pending = tool?.state === 'pending' ? '<span class="badge warn">công cụ chờ kích hoạt</span>' : '';
        const links = people
          .map(
            (p) =>
              `<li><a href="${escapeHtml(launchPageUrl(p.u.id, a.cmid))}">Mở với tư cách ${escapeHtml(displayName(p.u))} (${escapeHtml(p.label)})</a>` +
              (p.note ? `<span class="badge warn">${escapeHtml(p.note)}</span>` : '') +
              `</li>`,
          )
          .join('\n');
        return `<h3>${escapeHtml(a.title)}${pending}</h3><ul>${links || '<li class="muted">Chưa có ai trong lớp.</li>'}</ul>`;
      });
      sections.push(
        `<section><h2>${escapeHtml(course.fullname)}</h2>` +
          `<p class="muted">Mã lớp: ${escapeHtml(course.shortname)}${course.idnumber ? ` · ${escapeHtml(course.idnumber)}` : ''}${course.category ? ` · ${escapeHtml(course.category)}` : ''} · ` +
          `<a href="/grade/report/index.php?id=${encodeURIComponent(course.id)}">Xem sổ điểm của LMS</a></p>` +
          (blocks.join('\n') || '<p class="muted">Lớp này chưa có hoạt động LTI.</p>') +
          `</section>`,
      );
    }
    res.type('html').send(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>LMS mô phỏng (demo)</title><style>${STYLE}</style></head>
<body><header><h1>LMS mô phỏng (demo)</h1><p>${escapeHtml(state.siteDescription)} — hành xử như Moodle 4.5 (LTI 1.3)</p></header>
<main>${sections.join('\n') || '<section><p>Chưa có lớp học nào.</p></section>'}</main></body></html>
`);
  });

  r.get('/grade/report/index.php', (req, res) => {
    const course = m.courses.get(String(req.query.id ?? ''));
    if (!course) return res.status(404).type('html').send('<p>Không tìm thấy lớp.</p>');
    const items = [...m.gradeItems.values()].filter((g) => g.courseId === course.id).sort((a, b) => Number(a.id) - Number(b.id));
    const students = m.enrolments.filter((e) => e.courseId === course.id && e.role === 'student');
    const head = items.map((g) => `<th>${escapeHtml(g.label)}<br><span class="muted">/ ${g.scoreMaximum}</span></th>`).join('');
    const rows = students
      .map((e) => {
        const u = m.users.get(e.userId);
        const cells = items
          .map((g) => {
            const gr = m.grades.get(g.id)?.get(e.userId);
            if (!gr || gr.score === null) return '<td class="muted">–</td>';
            return `<td title="${escapeHtml(isoPlus7(gr.timemodified))}${gr.comment ? ` — ${escapeHtml(gr.comment)}` : ''}">${gr.score}</td>`;
          })
          .join('');
        return `<tr><td>${escapeHtml(u ? displayName(u) : e.userId)}${e.suspended ? '<span class="badge warn">tạm ngưng</span>' : ''}</td>${cells}</tr>`;
      })
      .join('\n');
    res.type('html').send(`<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>Sổ điểm — ${escapeHtml(course.fullname)}</title><style>${STYLE}</style></head>
<body><header><h1>Sổ điểm của LMS — ${escapeHtml(course.fullname)}</h1><p><a style="color:#fff" href="/">← Về trang chủ</a></p></header>
<main><section><table><thead><tr><th>Học sinh</th>${head}</tr></thead><tbody>${rows}</tbody></table></section></main></body></html>
`);
  });
  return r;
}
