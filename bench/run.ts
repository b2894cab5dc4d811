import { stopBenchCluster, type BenchResult } from './support';

/**
 * `npm run bench`: every benchmark, one after the other, printing its figures.
 * `npm run bench -- launch` runs only the benchmarks whose name contains "launch".
 */
const BENCHES: Array<[string, () => Promise<BenchResult>]> = [
  // require, not import(): these are TypeScript files run through ts-node in CommonJS mode.
  ['rules', async () => (require('./rules.bench') as { benchRules(): Promise<BenchResult> }).benchRules()],
  ['launch', async () => (require('./launch.bench') as typeof import('./launch.bench')).benchLaunch()],
  ['grid', async () => (require('./grid.bench') as typeof import('./grid.bench')).benchGrid()],
  ['audit', async () => (require('./audit.bench') as typeof import('./audit.bench')).benchAudit()],
  ['print', async () => (require('./print.bench') as typeof import('./print.bench')).benchPrint()],
  ['results', async () => (require('./results.bench') as typeof import('./results.bench')).benchResults()],
  ['ags', async () => (require('./ags.bench') as typeof import('./ags.bench')).benchAgs()],
  ['export', async () => (require('./export.bench') as typeof import('./export.bench')).benchExport()],
];

async function main(): Promise<void> {
  const filter = process.argv[2];
  for (const [name, run] of BENCHES) {
    if (filter && !name.includes(filter)) continue;
    const t0 = process.hrtime.bigint();
    try {
      const r = await run();
      console.log(`\n## ${r.name}`);
      for (const l of r.lines) console.log(`  ${l}`);
      console.log(`  (bench took ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s)`);
    } catch (err) {
      console.log(`\n## ${name}: FAILED — ${String((err as Error)?.stack ?? err)}`);
      process.exitCode = 1;
    }
  }
  await stopBenchCluster();
}

void main();
