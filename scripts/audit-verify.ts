/**
 * `npm run audit:verify` — recomputes every school's audit hash chain and names the first broken
 * record. Exit code 0 when every chain is intact, 1 otherwise.
 */
import { loadConfig } from '../src/config/config';
import { openConfiguredDatabase } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { verifyAllChains, describeBreakVi } from '../src/audit/verify';

async function main(): Promise<number> {
  // A whole chain is verified in one statement: no statement timeout here.
  const conn = await openConfiguredDatabase(loadConfig(), { statementTimeoutMs: 0 });
  const { database } = conn;
  try {
    await migrateToLatest(database.db);
    const t0 = Date.now();
    const reports = await verifyAllChains(database.db);
    let bad = 0;
    for (const r of reports) {
      if (r.ok) console.log(`Trường #${r.schoolId}: ${r.records} bản ghi, chuỗi nguyên vẹn / chain intact`);
      else {
        bad += 1;
        console.log(`Trường #${r.schoolId}: CHUỖI BỊ PHÁ / CHAIN BROKEN — ${describeBreakVi(r.firstBreak!)} (${JSON.stringify(r.firstBreak)})`);
      }
    }
    console.log(`(${Date.now() - t0} ms)`);
    return bad ? 1 : 0;
  } finally {
    await conn.close();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(String((err as Error)?.message ?? err));
  process.exit(2);
});
