/**
 * A small RFC 4180 reader for uploaded CSV: quoted fields, doubled quotes, CRLF/LF, and the
 * separator Excel uses in the user's locale (',' or ';', guessed from the first line outside quotes).
 * Decoding is strict UTF-8: a Windows-1258 file is refused rather than turned into mojibake.
 */
import { importErrors } from './errors';

export function decodeUtf8Strict(buf: Buffer): string {
  let b = buf;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b).normalize('NFC');
  } catch {
    throw importErrors.encoding();
  }
}

function guessSeparator(text: string): ',' | ';' {
  let commas = 0;
  let semis = 0;
  let q = false;
  for (const ch of text) {
    if (ch === '"') q = !q;
    else if (!q && (ch === '\n' || ch === '\r')) break;
    else if (!q && ch === ',') commas++;
    else if (!q && ch === ';') semis++;
  }
  return semis > commas ? ';' : ',';
}

export function parseCsv(text: string): string[][] {
  const sep = guessSeparator(text);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === sep) {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\r' || ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
