import { TRANSITIONS, decide, availableActions, isExpired, type Actor, type Party, type CorrectionState } from '../../src/corrections/state-machine';
import type { Action } from '../../src/auth/permissions';

/** The pure transition function, table-driven: every refusal has its stable code. */
const actor = (personId: number, parties: Party[], permits: Action[] = ['correction.confirm', 'correction.approve']): Actor => ({ personId, parties: new Set(parties), permits: (a) => permits.includes(a) });
const REQUESTER = 1;
const HOMEROOM = 2;
const PRINCIPAL = 3;

describe('the transitions table', () => {
  it('has one row per (from, action) and only known states', () => {
    const keys = TRANSITIONS.map((t) => `${t.from}:${t.action}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
  it('terminal states have no way out', () => {
    for (const s of ['applied', 'rejected', 'withdrawn', 'expired'] as CorrectionState[]) expect(TRANSITIONS.filter((t) => t.from === s)).toEqual([]);
  });
});

describe('decide()', () => {
  const facts = (state: CorrectionState) => ({ state, requestedBy: REQUESTER });
  it('the happy path: confirm → approve → apply', () => {
    expect(decide(facts('requested'), 'confirm', actor(HOMEROOM, ['homeroom']))).toMatchObject({ ok: true, transition: { to: 'confirmed' } });
    expect(decide(facts('confirmed'), 'approve', actor(PRINCIPAL, ['approver']))).toMatchObject({ ok: true, transition: { to: 'approved' } });
    expect(decide(facts('approved'), 'apply', actor(PRINCIPAL, ['approver']))).toMatchObject({ ok: true, transition: { to: 'applied' } });
  });
  it.each([
    ['approve before confirmation', 'requested', 'approve', actor(PRINCIPAL, ['approver']), 'CORRECTION_NOT_CONFIRMED'],
    ['apply twice', 'applied', 'apply', actor(PRINCIPAL, ['approver']), 'CORRECTION_ALREADY_APPLIED'],
    ['approve one\'s own request', 'confirmed', 'approve', actor(REQUESTER, ['approver', 'requester']), 'CORRECTION_SELF_APPROVAL'],
    ['confirm one\'s own request', 'requested', 'confirm', actor(REQUESTER, ['homeroom', 'requester']), 'CORRECTION_SELF_APPROVAL'],
    ['a vice-principal without delegation', 'confirmed', 'approve', actor(4, ['approver'], ['correction.confirm']), 'CORRECTION_NOT_PERMITTED'],
    ['a homeroom teacher of another class', 'requested', 'confirm', actor(5, []), 'CORRECTION_NOT_YOUR_REQUEST'],
    ['withdraw by someone else', 'requested', 'withdraw', actor(HOMEROOM, ['homeroom']), 'CORRECTION_NOT_YOUR_REQUEST'],
    ['withdraw after approval', 'approved', 'withdraw', actor(REQUESTER, ['requester']), 'CORRECTION_BAD_TRANSITION'],
  ] as const)('refuses: %s', (_name, state, action, a, code) => {
    const d = decide(facts(state), action, a);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.code).toBe(code);
      expect(d.vi.length).toBeGreaterThan(10);
    }
  });
  it('a reject needs a comment', () => {
    expect(decide(facts('confirmed'), 'reject', actor(PRINCIPAL, ['approver']), '')).toMatchObject({ ok: false, code: 'CORRECTION_COMMENT_REQUIRED' });
    expect(decide(facts('confirmed'), 'reject', actor(PRINCIPAL, ['approver']), 'Không có minh chứng')).toMatchObject({ ok: true, transition: { to: 'rejected' } });
  });
  it('an approval not yet applied can still be rejected (a stale request must have a way out), with a comment', () => {
    expect(decide(facts('approved'), 'reject', actor(PRINCIPAL, ['approver']), '')).toMatchObject({ ok: false, code: 'CORRECTION_COMMENT_REQUIRED' });
    expect(decide(facts('approved'), 'reject', actor(PRINCIPAL, ['approver']), 'Ô điểm đã thay đổi')).toMatchObject({ ok: true, transition: { to: 'rejected' } });
    expect(decide(facts('approved'), 'reject', actor(REQUESTER, ['requester']), 'Ô điểm đã thay đổi')).toMatchObject({ ok: false });
  });
  it('availableActions lists what the buttons may offer', () => {
    expect(availableActions(facts('confirmed'), actor(PRINCIPAL, ['approver']))).toEqual(['approve', 'reject']);
    expect(availableActions(facts('requested'), actor(REQUESTER, ['requester']))).toEqual(['withdraw']);
  });
});

describe('isExpired()', () => {
  const now = new Date('2025-03-10T00:00:00Z');
  it('open requests older than the configured days expire; never when not configured or decided', () => {
    // 8 days > 7 days
    expect(isExpired('requested', new Date('2025-03-02T00:00:00Z'), 7, now)).toBe(true);
    // exactly 7 days is not older than 7 days
    expect(isExpired('confirmed', new Date('2025-03-03T00:00:00Z'), 7, now)).toBe(false);
    expect(isExpired('requested', new Date('2024-01-01T00:00:00Z'), null, now)).toBe(false);
    expect(isExpired('approved', new Date('2024-01-01T00:00:00Z'), 7, now)).toBe(false);
  });
});
