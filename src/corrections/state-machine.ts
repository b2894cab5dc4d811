/**
 * The correction workflow as data: ONE table of transitions, and a pure function that says
 * whether a given actor may take a given action from a given state. No I/O here.
 *
 * requested → confirmed (homeroom teacher, TT58 Điều 20) → approved | rejected (principal, or a
 * vice-principal when the school's rules delegate 'correction.approve') → applied.
 * The requester may withdraw before a decision; the approver may still reject an approval not yet
 * applied; the system expires requests nobody acted on.
 */
import type { Action } from '../auth/permissions';

export type CorrectionState = 'requested' | 'confirmed' | 'approved' | 'rejected' | 'applied' | 'withdrawn' | 'expired';
export type CorrectionAction = 'confirm' | 'approve' | 'reject' | 'apply' | 'withdraw' | 'expire';

/** Who, besides holding the permission, must the actor be. */
export type Party = 'homeroom' | 'approver' | 'requester' | 'system';

export interface Transition {
  readonly from: CorrectionState;
  readonly action: CorrectionAction;
  readonly to: CorrectionState;
  readonly party: Party;
  /** The school's rule that must allow the actor's role (null: the party check alone). */
  readonly permission: Action | null;
  readonly labelVi: string;
  readonly commentRequired: boolean;
}

export const TRANSITIONS: readonly Transition[] = [
  { from: 'requested', action: 'confirm', to: 'confirmed', party: 'homeroom', permission: 'correction.confirm', labelVi: 'GVCN xác nhận', commentRequired: false },
  { from: 'confirmed', action: 'approve', to: 'approved', party: 'approver', permission: 'correction.approve', labelVi: 'Duyệt', commentRequired: false },
  { from: 'confirmed', action: 'reject', to: 'rejected', party: 'approver', permission: 'correction.approve', labelVi: 'Không duyệt', commentRequired: true },
  { from: 'requested', action: 'reject', to: 'rejected', party: 'approver', permission: 'correction.approve', labelVi: 'Không duyệt', commentRequired: true },
  { from: 'approved', action: 'apply', to: 'applied', party: 'approver', permission: 'correction.approve', labelVi: 'Cập nhật điểm', commentRequired: false },
  // An approval not yet applied can still be turned down (e.g. the cell changed meanwhile: the request is stale).
  { from: 'approved', action: 'reject', to: 'rejected', party: 'approver', permission: 'correction.approve', labelVi: 'Không duyệt', commentRequired: true },
  { from: 'requested', action: 'withdraw', to: 'withdrawn', party: 'requester', permission: null, labelVi: 'Rút đề nghị', commentRequired: false },
  { from: 'confirmed', action: 'withdraw', to: 'withdrawn', party: 'requester', permission: null, labelVi: 'Rút đề nghị', commentRequired: false },
  { from: 'requested', action: 'expire', to: 'expired', party: 'system', permission: null, labelVi: 'Hết hạn', commentRequired: false },
  { from: 'confirmed', action: 'expire', to: 'expired', party: 'system', permission: null, labelVi: 'Hết hạn', commentRequired: false },
];

export const STATE_LABEL_VI: Record<CorrectionState, string> = {
  requested: 'Chờ GVCN xác nhận',
  confirmed: 'Chờ hiệu trưởng duyệt',
  approved: 'Đã duyệt, chờ cập nhật',
  rejected: 'Không được duyệt',
  applied: 'Đã sửa điểm',
  withdrawn: 'Đã rút',
  expired: 'Hết hạn',
};

export const OPEN_STATES: readonly CorrectionState[] = ['requested', 'confirmed', 'approved'];

export interface Actor {
  readonly personId: number | null;
  /** Which parties the actor is for this request (computed from assignment by the caller). */
  readonly parties: ReadonlySet<Party>;
  /** The school's rules already evaluated for the actor's roles. */
  readonly permits: (a: Action) => boolean;
}

export interface RequestFacts {
  readonly state: CorrectionState;
  readonly requestedBy: number;
}

export type Decision =
  | { ok: true; transition: Transition }
  | { ok: false; code: string; vi: string; en: string; kind: 'bad_request' | 'forbidden' | 'conflict' };

const refuse = (code: string, kind: 'bad_request' | 'forbidden' | 'conflict', vi: string, en: string): Decision => ({ ok: false, code, kind, vi, en });

/** Pure: may `actor` take `action` on a request in `facts.state`? */
export function decide(facts: RequestFacts, action: CorrectionAction, actor: Actor, comment = ''): Decision {
  const t = TRANSITIONS.find((x) => x.from === facts.state && x.action === action);
  if (!t) {
    if (action === 'apply' && facts.state === 'applied') return refuse('CORRECTION_ALREADY_APPLIED', 'conflict', 'Đề nghị này đã được cập nhật vào sổ điểm; không thể cập nhật lần thứ hai.', 'Already applied.');
    if (action === 'approve' && facts.state === 'requested') {
      return refuse('CORRECTION_NOT_CONFIRMED', 'conflict', 'Chưa thể duyệt: giáo viên chủ nhiệm chưa xác nhận đề nghị này (TT58 Điều 20).', 'The homeroom teacher has not confirmed yet.');
    }
    return refuse('CORRECTION_BAD_TRANSITION', 'conflict', `Không thể thực hiện thao tác này khi đề nghị đang ở trạng thái "${STATE_LABEL_VI[facts.state]}".`, `Action ${action} not allowed from ${facts.state}.`);
  }
  if (t.party === 'approver' && actor.personId !== null && actor.personId === facts.requestedBy) {
    return refuse('CORRECTION_SELF_APPROVAL', 'forbidden', 'Không được tự duyệt đề nghị sửa điểm của chính mình.', 'You cannot decide on your own request.');
  }
  if (t.party === 'homeroom' && actor.personId !== null && actor.personId === facts.requestedBy) {
    return refuse('CORRECTION_SELF_APPROVAL', 'forbidden', 'Không được tự xác nhận đề nghị sửa điểm của chính mình; cần giáo viên chủ nhiệm khác hoặc Ban giám hiệu.', 'You cannot confirm your own request.');
  }
  if (t.permission && !actor.permits(t.permission)) {
    return refuse('CORRECTION_NOT_PERMITTED', 'forbidden', `Theo quy chế của trường, vai trò của bạn không được phép: ${t.labelVi.toLowerCase()}.`, `Not permitted: ${t.permission}.`);
  }
  if (!actor.parties.has(t.party)) {
    const who: Record<Party, string> = { homeroom: 'giáo viên chủ nhiệm của lớp', approver: 'hiệu trưởng (hoặc người được ủy quyền)', requester: 'người gửi đề nghị', system: 'hệ thống' };
    return refuse('CORRECTION_NOT_YOUR_REQUEST', 'forbidden', `Chỉ ${who[t.party]} mới được: ${t.labelVi.toLowerCase()}.`, `Only the ${t.party} may ${action}.`);
  }
  if (t.commentRequired && comment.trim().length < 5) {
    return refuse('CORRECTION_COMMENT_REQUIRED', 'bad_request', 'Hãy ghi rõ lý do không duyệt (ít nhất 5 ký tự).', 'A comment is required.');
  }
  return { ok: true, transition: t };
}

/** The actions open to the actor now (for buttons); same rules as decide(). */
export function availableActions(facts: RequestFacts, actor: Actor): CorrectionAction[] {
  const out: CorrectionAction[] = [];
  for (const t of TRANSITIONS) if (t.from === facts.state && t.party !== 'system' && decide(facts, t.action, actor, 'x'.repeat(5)).ok && !out.includes(t.action)) out.push(t.action);
  return out;
}

/** Expiry: a request still open (requested/confirmed) whose last change is older than `days`. */
export function isExpired(state: CorrectionState, lastChange: Date, days: number | null, now: Date): boolean {
  if (days === null || (state !== 'requested' && state !== 'confirmed')) return false;
  return now.getTime() - lastChange.getTime() > days * 86_400_000;
}
