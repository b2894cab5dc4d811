/**
 * Vietnamese class-list order: by the given name proper (the LAST word of Moodle's firstname,
 * "Văn An" → "An"), then the middle names, then the family name. Moodle's `name` is not used:
 * its word order differs between the launch and NRPS (moodle-lti-behaviour.md §6).
 */
const collator = new Intl.Collator('vi', { sensitivity: 'base', numeric: true });

export interface NamedPerson {
  family_name: string;
  given_name: string;
  lms_user_id: string;
}

export function nameKey(p: NamedPerson): [string, string, string] {
  const words = p.given_name.trim().split(/\s+/).filter(Boolean);
  const given = words.pop() ?? '';
  return [given, words.join(' '), p.family_name.trim()];
}

export function compareVietnamese(a: NamedPerson, b: NamedPerson): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  for (let i = 0; i < 3; i++) {
    // An unknown name (withheld by the LMS) sorts last rather than first.
    const x = ka[i]!;
    const y = kb[i]!;
    if (i === 0 && !x !== !y) return x ? -1 : 1;
    const c = collator.compare(x, y);
    if (c !== 0) return c;
  }
  return collator.compare(a.lms_user_id, b.lms_user_id);
}

/** "Nguyễn Văn An", or the LMS user id when the platform withheld the names. */
export function displayName(p: NamedPerson): string {
  const n = [p.family_name, p.given_name].map((s) => s.trim()).filter(Boolean).join(' ');
  return n || `#${p.lms_user_id}`;
}
