/**
 * Rotates the tool key of one platform registration: a new key pair, the old public key kept in
 * the JWKS for the overlap so Moodle (which caches our JWKS) keeps verifying in-flight requests.
 *   npm run lti:rotate-key -- <platform kid> [--overlap-days 7]
 */
import { loadConfig } from '../src/config/config';
import { openConfiguredDatabase } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { rotateToolKey } from '../src/lti/key-rotation';

async function main(): Promise<void> {
  const [kid, ...rest] = process.argv.slice(2);
  const i = rest.indexOf('--overlap-days');
  const overlapDays = i >= 0 ? Number(rest[i + 1]) : 7;
  if (!kid || !Number.isFinite(overlapDays) || overlapDays < 0) {
    console.error('Cách dùng / usage: npm run lti:rotate-key -- <platform kid> [--overlap-days 7]');
    process.exit(2);
  }
  const config = loadConfig();
  const conn = await openConfiguredDatabase(config);
  const { database } = conn;
  try {
    await migrateToLatest(database.db);
    const newKid = await rotateToolKey(database.db, { kek: config.ltiKek }, kid, { overlapDays });
    console.log(`Khoá mới / new kid: ${newKid} (khoá cũ còn công bố ${overlapDays} ngày / old key published for ${overlapDays} days)`);
  } finally {
    await conn.close();
  }
}

void main().catch((err) => {
  console.error(String((err as Error)?.message ?? err));
  process.exit(1);
});
