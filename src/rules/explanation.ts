/**
 * Structured explanations: the formula with the actual numbers, the clause that decided the result,
 * and for a rank the condition that failed and for which subject. A teacher answers a parent's
 * "why Khá and not Giỏi?" from `renderExplanationVi`.
 */
export type LegalDoc = 'TT58' | 'TT26' | 'TT22';

export interface Clause {
  readonly doc: LegalDoc;
  readonly article: number;
  readonly clause?: number;
  readonly point?: string;
}

/** One condition of a rank row (or of an outcome) as checked, with the numbers involved. */
export interface Check {
  readonly level?: string;
  readonly conditionVi: string;
  readonly clause: Clause;
  readonly ok: boolean;
  /** The subject that failed the condition, when one did. */
  readonly subjects?: readonly string[];
  readonly actual?: string;
  readonly required?: string;
}

export interface OptionUse {
  readonly id: string;
  readonly value: string;
}

export interface Explanation {
  /** Stable identifier of the kind of result, e.g. SUBJECT_SEMESTER_AVERAGE, LEARNING_RANK. */
  readonly code: string;
  readonly clause: Clause | null;
  /** One Vietnamese sentence with the conclusion. */
  readonly summaryVi: string;
  /** The formula with the actual numbers (decimal comma), when there is one. */
  readonly formula?: string;
  readonly checks?: readonly Check[];
  /** The §8 options that influenced this result. */
  readonly options?: readonly OptionUse[];
  readonly steps?: readonly Explanation[];
}

export const cite = (c: Clause): string =>
  `${c.doc} Điều ${c.article}${c.clause !== undefined ? `.${c.clause}` : ''}${c.point !== undefined ? `.${c.point}` : ''}`;

/** Long Vietnamese citation: "TT58 Điều 13 khoản 6 điểm a". */
export const citeVi = (c: Clause): string =>
  `${c.doc} Điều ${c.article}${c.clause !== undefined ? ` khoản ${c.clause}` : ''}${c.point !== undefined ? ` điểm ${c.point}` : ''}`;

export const clause = (doc: LegalDoc, article: number, cl?: number, point?: string): Clause => {
  const c: { doc: LegalDoc; article: number; clause?: number; point?: string } = { doc, article };
  if (cl !== undefined) c.clause = cl;
  if (point !== undefined) c.point = point;
  return c;
};

export interface RenderOptions {
  /** Include passed checks too (default: only failed ones, which answer "why not"). */
  readonly allChecks?: boolean;
  /** Depth of nested steps to print (default: all). */
  readonly depth?: number;
}

/** Renders an explanation (and its steps) as indented Vietnamese lines. */
export function renderExplanationVi(e: Explanation, opts: RenderOptions = {}): string {
  const lines: string[] = [];
  walk(e, 0, opts, lines);
  return lines.join('\n');
}

function walk(e: Explanation, depth: number, opts: RenderOptions, out: string[]): void {
  const pad = '  '.repeat(depth);
  out.push(`${pad}${e.summaryVi}${e.clause ? ` (${citeVi(e.clause)})` : ''}`);
  if (e.formula) out.push(`${pad}  Công thức: ${e.formula}`);
  for (const c of e.checks ?? []) {
    if (!c.ok || opts.allChecks) {
      const who = c.subjects && c.subjects.length ? ` — môn ${c.subjects.join(', ')}` : '';
      const nums = c.actual !== undefined ? `: ${c.actual}${c.required !== undefined ? ` (yêu cầu ${c.required})` : ''}` : '';
      out.push(`${pad}  ${c.ok ? '✓' : '✗'} ${c.level ? `[${c.level}] ` : ''}${c.conditionVi}${who}${nums} (${citeVi(c.clause)})`);
    }
  }
  if (e.options && e.options.length) out.push(`${pad}  Tuỳ chọn áp dụng: ${e.options.map((o) => `${o.id} = ${o.value}`).join('; ')}`);
  if (opts.depth === undefined || depth < opts.depth) for (const s of e.steps ?? []) walk(s, depth + 1, opts, out);
}
