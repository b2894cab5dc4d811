/**
 * `npm run audit:verify` — recomputes every school's audit hash chain and names the first broken
 * record. Exit code 0 when every chain is intact, 1 otherwise.
 */
import path from 'node:path';
import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/database';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../src/db/embedded';
import { verifyAllChains, describeBreakVi } from '../src/audit/verify';

async function main(): Promise<number> {
  const config = loadConfig();
  let cluster: EmbeddedCluster | undefined;
  let url = config.databaseUrl;
  if (!url) {
    cluster = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: Number(process.env.EMBEDDED_PG_PORT ?? 54329) });
    url = cluster.url('postgres');
  }
  // A whole chain is verified in one statement: no statement timeout here.
  const database = openDatabase(url, { statementTimeoutMs: 0 });
  try {
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
    await database.close();
    await cluster?.stop();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(String((err as Error)?.message ?? err));
  process.exit(2);
});
