import { sql, type Kysely } from 'kysely';

/**
 * The print archive (issue 10): every official print kept with its PDF, the PDF's SHA-256, who
 * printed it, when, and the "data version" it reflects (hash of the print's view model). A print
 * of the same kind, scope and period whose data differ becomes version n+1; identical data reuse
 * the existing entry. The principal's monthly sign-off is a recorded event on one archived print.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE print_archive (
      id                bigserial PRIMARY KEY,
      school_id         bigint NOT NULL REFERENCES school(id),
      kind              text NOT NULL CHECK (kind IN ('class_book','teacher_sheet','correction_minutes')),
      class_id          bigint NOT NULL REFERENCES class(id),
      class_subject_id  bigint REFERENCES class_subject(id),
      -- '2024-11' (a month), 'HK1', 'HK2' or 'CN' (the school year)
      period            text NOT NULL CHECK (period ~ '^([0-9]{4}-(0[1-9]|1[0-2])|HK1|HK2|CN)$'),
      version           integer NOT NULL CHECK (version >= 1),
      sha256            text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      data_hash         text NOT NULL CHECK (data_hash ~ '^[0-9a-f]{64}$'),
      paper             text NOT NULL DEFAULT 'A4' CHECK (paper IN ('A4','A3')),
      page_count        integer NOT NULL CHECK (page_count >= 1),
      byte_size         integer NOT NULL,
      pdf               bytea NOT NULL,
      printed_by        bigint NOT NULL REFERENCES person(id),
      printed_at        timestamptz NOT NULL DEFAULT now()
    );
    -- One version number per kind + scope + period; concurrent prints of the same scope race here.
    CREATE UNIQUE INDEX print_archive_version ON print_archive (school_id, kind, class_id, COALESCE(class_subject_id, 0), period, version);
    CREATE INDEX print_archive_class ON print_archive (class_id, printed_at DESC);

    CREATE TABLE print_signoff (
      id          bigserial PRIMARY KEY,
      archive_id  bigint NOT NULL REFERENCES print_archive(id),
      person_id   bigint NOT NULL REFERENCES person(id),
      role        text NOT NULL,
      signed_at   timestamptz NOT NULL DEFAULT now(),
      UNIQUE (archive_id, person_id)
    );
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS print_signoff, print_archive CASCADE`.execute(db);
}
