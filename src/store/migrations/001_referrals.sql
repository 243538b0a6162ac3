-- Schema version 1: referrals, what was shown and chosen, and the events after them.
-- Dates are whole days since 1970-01-01 (UTC), so due follow-ups and labels compare integers;
-- referred_at keeps the instant as RFC 3339 text.
CREATE TABLE referral (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id TEXT NOT NULL,
    person TEXT NOT NULL,
    referred_at TEXT NOT NULL,
    referred_on INTEGER NOT NULL,
    staff TEXT,
    engine_version TEXT NOT NULL,
    referral_type TEXT NOT NULL,
    consent_follow_up INTEGER NOT NULL CHECK (consent_follow_up IN (0, 1)),
    consent_training INTEGER NOT NULL CHECK (consent_training IN (0, 1))
) STRICT;
CREATE INDEX referral_person ON referral (person_id);
CREATE INDEX referral_day ON referral (referred_on);
CREATE INDEX referral_due ON referral (referred_on, person_id) WHERE consent_follow_up = 1;

CREATE TABLE shown (
    referral INTEGER NOT NULL REFERENCES referral (id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    group_id TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (referral, rank)
) STRICT, WITHOUT ROWID;

CREATE TABLE chosen (
    referral INTEGER NOT NULL REFERENCES referral (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL,
    PRIMARY KEY (referral, group_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE event (
    id INTEGER PRIMARY KEY,
    referral INTEGER NOT NULL REFERENCES referral (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    on_day INTEGER NOT NULL,
    group_id TEXT,
    reason TEXT
) STRICT;
CREATE INDEX event_referral ON event (referral, on_day, kind, group_id);

-- Events are appended, never changed: a correction is a new event.
CREATE TRIGGER event_append_only BEFORE UPDATE ON event
BEGIN
    SELECT RAISE(ABORT, 'events are appended, never updated');
END;
