/**
 * Vietnamese alphabetical order of the class list (book-forms.md §0.1): by given name, then the
 * middle name(s), then the family name. Moodle puts middle + given into given_name ("Thị Ngọc
 * Ánh"), so the given name is its LAST word. Base letters first (a < ă < â, d < đ per the 'vi'
 * collation), tones only break ties.
 */
const base = new Intl.Collator('vi', { sensitivity: 'base' });
const full = new Intl.Collator('vi');

export interface NameParts {
  readonly familyName: string;
  readonly givenName: string;
}

export function nameKey(n: NameParts): [string, string, string] {
  const words = n.givenName.normalize('NFC').trim().split(/\s+/).filter(Boolean);
  const given = words.pop() ?? '';
  return [given, words.join(' '), n.familyName.normalize('NFC').trim()];
}

export function compareNames(a: NameParts, b: NameParts): number {
  const ka = nameKey(a);
  const kb = nameKey(b);
  for (let i = 0; i < 3; i++) {
    const c = base.compare(ka[i]!, kb[i]!) || full.compare(ka[i]!, kb[i]!);
    if (c) return c;
  }
  return 0;
}

/** "Nguyễn Thị Ngọc" + "Ánh": the two cells of the TT58 form. */
export function splitName(n: NameParts): { familyMiddle: string; given: string; full: string } {
  const [given, middle, family] = nameKey(n);
  const familyMiddle = [family, middle].filter(Boolean).join(' ');
  return { familyMiddle, given, full: [familyMiddle, given].filter(Boolean).join(' ') };
}

/** ASCII for file names: "Lớp 6A" → "Lop-6A". */
export function asciiSlug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'))
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
