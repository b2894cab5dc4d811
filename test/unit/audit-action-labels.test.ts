import fs from 'node:fs';
import path from 'node:path';
import { ACTION_VI } from '../../src/corrections/audit-trail';

/**
 * The audit trail is read by principals and inspectors: every action the code records must have a
 * Vietnamese label, or the trail shows raw codes such as `calendar.holiday.add`.
 */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

it('every audited action written in src/ has a Vietnamese label in the trail', () => {
  const actions = new Set<string>();
  for (const file of sourceFiles(path.join(__dirname, '../../src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/action: '([a-z_]+\.[a-z_.]+)'/g)) actions.add(m[1]!);
  }
  // The corrections state machine records `correction.<transition>` from its transitions table.
  expect(actions.size).toBeGreaterThan(30);
  const missing = [...actions].filter((a) => !(a in ACTION_VI)).sort();
  expect(missing).toEqual([]);
});
