import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { migrations } from './migrations';

export class MigrationError extends Error {
  readonly code = 'DB_MIGRATION_FAILED';
  constructor(readonly failed: string | undefined, cause: unknown) {
    super(`Không chạy được migration ${failed ?? ''} / migration failed: ${String((cause as Error)?.message ?? cause)}`);
  }
}

/**
 * Applies every pending migration. Kysely's Postgres adapter takes a session advisory lock first,
 * so two app instances starting together run them once, one after the other.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'schema_migration',
    migrationLockTableName: 'schema_migration_lock',
    // Features land in parallel branches with their own migration numbers; order among them does not matter.
    allowUnorderedMigrations: true,
  });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(failed, error);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
