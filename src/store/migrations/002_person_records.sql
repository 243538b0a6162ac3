-- Schema version 2: each distinct person record is stored once, in person_record, and a
-- referral points at it (a person referred ten times with the same record holds it once, and
-- an export reads each record once). A record belongs to one person id: records are the same
-- only when their person ids and their JSON texts are, so forgetting one person never touches
-- another's row. The referral table is rebuilt (SQLite cannot change a column in place) with
-- foreign keys off, as SQLite's documented rebuild does; the migration checks them before it
-- commits. Ids, and the highest referral id ever given, are kept.
CREATE TABLE person_record (
    id INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL,
    record TEXT NOT NULL
) STRICT;
CREATE INDEX person_record_person ON person_record (person_id);

INSERT INTO person_record (person_id, record)
SELECT person_id, person FROM referral GROUP BY person_id, person ORDER BY min(id);

CREATE TABLE referral_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id TEXT NOT NULL,
    person_record INTEGER NOT NULL REFERENCES person_record (id),
    referred_at TEXT NOT NULL,
    referred_on INTEGER NOT NULL,
    staff TEXT,
    engine_version TEXT NOT NULL,
    referral_type TEXT NOT NULL,
    consent_follow_up INTEGER NOT NULL CHECK (consent_follow_up IN (0, 1)),
    consent_training INTEGER NOT NULL CHECK (consent_training IN (0, 1))
) STRICT;

INSERT INTO referral_v2 (id, person_id, person_record, referred_at, referred_on, staff,
    engine_version, referral_type, consent_follow_up, consent_training)
SELECT r.id, r.person_id, p.id, r.referred_at, r.referred_on, r.staff, r.engine_version,
    r.referral_type, r.consent_follow_up, r.consent_training
FROM referral r JOIN person_record p ON p.person_id = r.person_id AND p.record = r.person
ORDER BY r.id;
-- The highest id ever given (a forgotten referral's included) goes with the table.
DELETE FROM sqlite_sequence WHERE name = 'referral_v2';
UPDATE sqlite_sequence SET name = 'referral_v2' WHERE name = 'referral';

DROP TABLE referral;
ALTER TABLE referral_v2 RENAME TO referral;
CREATE INDEX referral_person ON referral (person_id);
CREATE INDEX referral_day ON referral (referred_on);
CREATE INDEX referral_due ON referral (referred_on, person_id) WHERE consent_follow_up = 1;
CREATE INDEX referral_record ON referral (person_record);
