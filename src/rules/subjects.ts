/**
 * Subject identity: which subjects are comment-assessed per regime (TT58 Điều 6.1.a; TT22 Điều 5)
 * and which are key subjects (TT58 Điều 13: Toán, Ngữ văn; TT26 adds Ngoại ngữ).
 */
import type { Regime } from './regime';

export type KeyRole = 'math' | 'literature' | 'foreign-language';
export type AssessmentMode = 'scored' | 'comment';

export interface SubjectRef {
  /** Display name, e.g. "Toán", "Ngữ văn". Also the identifier in results. */
  readonly name: string;
  /** Explicit key-subject role; otherwise recognised from the name. */
  readonly key?: KeyRole;
  /** Explicit assessment mode; otherwise from the regime's list of comment subjects. */
  readonly assessment?: AssessmentMode;
}

/** Memo of folded names: a school has a few dozen subject names; bounded so it cannot grow without limit. */
const FOLDED = new Map<string, string>();

/** Lowercase, no diacritics, single spaces: "Ngữ  Văn" → "ngu van". */
export function foldName(s: string): string {
  const hit = FOLDED.get(s);
  if (hit !== undefined) return hit;
  const f = foldUncached(s);
  if (FOLDED.size < 4096) FOLDED.set(s, f);
  return f;
}

function foldUncached(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const KEY_NAMES: Record<string, KeyRole> = {
  toan: 'math',
  'ngu van': 'literature',
  van: 'literature',
  'ngoai ngu': 'foreign-language',
  'ngoai ngu 1': 'foreign-language',
  'tieng anh': 'foreign-language',
  'tieng phap': 'foreign-language',
  'tieng nga': 'foreign-language',
  'tieng trung': 'foreign-language',
  'tieng nhat': 'foreign-language',
};

export function keyRoleOf(s: SubjectRef): KeyRole | undefined {
  return s.key ?? KEY_NAMES[foldName(s.name)];
}

/** Key subjects of the rank table: TT58 Điều 13 (Toán, Ngữ văn); TT26 amending Điều 13 adds Ngoại ngữ. */
export const keyRolesOf = (regime: Regime): readonly KeyRole[] =>
  regime === 'TT58' ? ['math', 'literature'] : regime === 'TT58_TT26' ? ['math', 'literature', 'foreign-language'] : [];

const COMMENT_58 = new Set(['am nhac', 'my thuat', 'mi thuat', 'the duc']);
const COMMENT_22 = new Set([
  'giao duc the chat',
  'gdtc',
  'nghe thuat',
  'am nhac',
  'mi thuat',
  'my thuat',
  'noi dung giao duc cua dia phuong',
  'noi dung giao duc dia phuong',
  'giao duc dia phuong',
  'ndgddp',
  'hoat dong trai nghiem huong nghiep',
  'hoat dong trai nghiem',
  'hdtn hn',
  'hdtn',
]);

export function assessmentModeOf(s: SubjectRef, regime: Regime): AssessmentMode {
  if (s.assessment) return s.assessment;
  const f = foldName(s.name);
  return (regime === 'TT22' ? COMMENT_22 : COMMENT_58).has(f) ? 'comment' : 'scored';
}

/** Subjects that may be exempted: TT58 Điều 12.1 (whole subject); TT22 Điều 10 (practical part only). */
const EXEMPTABLE_58 = new Set(['the duc', 'am nhac', 'my thuat', 'mi thuat']);
const EXEMPTABLE_22 = new Set(['giao duc the chat', 'gdtc', 'giao duc quoc phong va an ninh', 'giao duc quoc phong an ninh', 'gdqp an', 'gdqp']);
export const isExemptable = (name: string, regime: Regime): boolean =>
  (regime === 'TT22' ? EXEMPTABLE_22 : EXEMPTABLE_58).has(foldName(name));
