/**
 * Exact rationals on bigint. Averages are defined on the exact value and rounded once
 * (TT58 Điều 10.1.c, 11.3; assessment-rules §1.3), so binary floating point never decides a result.
 */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint; // always > 0, fraction in lowest terms
}

export type RoundingMode = 'half-up' | 'half-even' | 'truncate';

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

export function rational(num: bigint | number, den: bigint | number = 1n): Rational {
  let n = typeof num === 'bigint' ? num : BigInt(num);
  let d = typeof den === 'bigint' ? den : BigInt(den);
  if (d === 0n) throw new RangeError('rational: zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { num: n / g, den: d / g } : { num: n, den: d };
}

export const fromTenths = (tenths: number | bigint): Rational => rational(tenths, 10n);
export const add = (a: Rational, b: Rational): Rational => rational(a.num * b.den + b.num * a.den, a.den * b.den);
export const mul = (a: Rational, k: bigint | number): Rational => rational(a.num * BigInt(k), a.den);
export const div = (a: Rational, k: bigint | number): Rational => rational(a.num, a.den * BigInt(k));
export const compare = (a: Rational, b: Rational): -1 | 0 | 1 => {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
};
/** a ≥ tenths/10, the inclusive thresholds of the regulations ("từ 8,0 trở lên"). */
export const geTenths = (a: Rational, tenths: number): boolean => a.num * 10n >= BigInt(tenths) * a.den;
export const ltTenths = (a: Rational, tenths: number): boolean => !geTenths(a, tenths);

/** Floor division for bigint (bigint `/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/**
 * Round to tenths with integer arithmetic only. Default half up on the exact value:
 * 6.45 → 6.5, 83.8/13 = 6.446… → 6.4 (never via two decimals first, §1.3).
 */
export function roundToTenths(r: Rational, mode: RoundingMode = 'half-up'): bigint {
  const n10 = r.num * 10n;
  switch (mode) {
    case 'half-up':
      return floorDiv(2n * n10 + r.den, 2n * r.den);
    case 'truncate':
      return n10 < 0n ? -floorDiv(-n10, r.den) : floorDiv(n10, r.den);
    case 'half-even': {
      const q = floorDiv(n10, r.den);
      const rem2 = 2n * (n10 - q * r.den);
      if (rem2 > r.den) return q + 1n;
      if (rem2 < r.den) return q;
      return q % 2n === 0n ? q : q + 1n;
    }
  }
}

/** Exact decimal expansion for explanations: "6,45", "6,44615…" (digits cut, marked with …). */
export function formatRational(r: Rational, sep: ',' | '.' = ',', maxDigits = 5): string {
  const neg = r.num < 0n;
  const n = neg ? -r.num : r.num;
  const ip = n / r.den;
  let rem = n % r.den;
  let digits = '';
  for (let i = 0; i < maxDigits && rem !== 0n; i++) {
    rem *= 10n;
    digits += (rem / r.den).toString();
    rem %= r.den;
  }
  const body = digits ? `${ip}${sep}${digits}${rem !== 0n ? '…' : ''}` : `${ip}`;
  return neg ? `-${body}` : body;
}

/** Tenths as a decimal string with one decimal: 65 → "6.5"/"6,5", 70 → "7.0". */
export function formatTenths(tenths: number | bigint, sep: ',' | '.' = '.'): string {
  const t = typeof tenths === 'bigint' ? tenths : BigInt(tenths);
  const neg = t < 0n;
  const a = neg ? -t : t;
  return `${neg ? '-' : ''}${a / 10n}${sep}${a % 10n}`;
}

/** Tenths printed the short way in formulas: 60 → "6", 63 → "6,3". */
export function formatTenthsShort(tenths: number | bigint, sep: ',' | '.' = ','): string {
  const t = typeof tenths === 'bigint' ? tenths : BigInt(tenths);
  const neg = t < 0n;
  const a = neg ? -t : t;
  const frac = a % 10n;
  return `${neg ? '-' : ''}${a / 10n}${frac === 0n ? '' : `${sep}${frac}`}`;
}
