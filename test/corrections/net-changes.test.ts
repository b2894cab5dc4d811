import { netChanges, REENTRY_WINDOW_MS, type TrailRow } from '../../src/corrections/audit-trail';

/** Delete-and-re-enter of one cell by one person is one net change (pure function). */
const t0 = new Date('2025-03-10T08:00:00Z');
const row = (seq: number, action: string, oldText: string, newText: string, opts: Partial<TrailRow> = {}): TrailRow => ({
  id: seq, seq, at: new Date(t0.getTime() + seq * 60_000), actorId: 7, actorName: 'Trần Thị Hoa', actorRole: 'subject_teacher', action, entity: 'score', entityId: '42', source: 'grid',
  className: '6A', subjectName: 'Toán', columnLabel: 'ĐĐGtx 1', studentName: 'Lê Thị Bình', oldText, newText, mergedSeqs: [seq], noteVi: '', ...opts,
});

describe('netChanges()', () => {
  it('clear 8 then enter 8,5 → one change 8 → 8,5 naming both records', () => {
    const out = netChanges([row(1, 'score.clear', '8', '(trống)'), row(2, 'score.update', '(trống)', '8,5')]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ action: 'score.net_change', oldText: '8', newText: '8,5', mergedSeqs: [1, 2] });
  });
  it('re-entering the same value nets to "no change", still listed', () => {
    const out = netChanges([row(1, 'score.clear', '8', '(trống)'), row(2, 'score.update', '(trống)', '8')]);
    expect(out[0]!.noteVi).toMatch(/không thay đổi/);
  });
  it('another person, another cell or after the window: kept apart', () => {
    expect(netChanges([row(1, 'score.clear', '8', ''), row(2, 'score.update', '', '9', { actorId: 8 })])).toHaveLength(2);
    expect(netChanges([row(1, 'score.clear', '8', ''), row(2, 'score.update', '', '9', { entityId: '43' })])).toHaveLength(2);
    const late = row(2, 'score.update', '', '9', { at: new Date(t0.getTime() + 60_000 + REENTRY_WINDOW_MS + 60_001) });
    expect(netChanges([row(1, 'score.clear', '8', ''), late])).toHaveLength(2);
  });
  it('an edit in between closes the pair', () => {
    expect(netChanges([row(1, 'score.clear', '8', ''), row(2, 'score.update', '', '9', { actorId: 8 }), row(3, 'score.update', '9', '7')])).toHaveLength(3);
  });
});
