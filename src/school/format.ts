/** Display helpers for views (Vietnam time, dd/mm/yyyy); kept out of templates so views stay dumb. */
const dt = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });

export function formatDateTimeVi(d: Date | string | null | undefined): string {
  if (!d) return '—';
  return dt.format(new Date(d));
}

/** "2024-09-05" → "05/09/2024". */
export function formatDateVi(d: string | null | undefined): string {
  if (!d) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : d;
}

/** A Date → the value of an <input type="datetime-local"> in Vietnam time. */
export function toLocalInput(d: Date | string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(d));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

/** "2024-10-15T17:00" typed in Vietnam (UTC+7, no DST) → Date. */
export function fromLocalInput(v: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(v);
  if (!m) return null;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00+07:00`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export const viewFormat = { dateTime: formatDateTimeVi, date: formatDateVi, localInput: toLocalInput };
