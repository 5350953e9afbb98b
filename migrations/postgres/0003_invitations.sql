-- Membership by consent. Until now a manager "added" a phone number: that created an
-- account without a password and a code that set its password, so whoever held the code
-- took over the account with every role it had elsewhere. Now an invitation is an offer
-- of one role in one cooperative to a phone number; nobody's account is created or changed
-- until its owner accepts it while signed in (or signing up) with that number.
--
-- Same version and meaning as migrations/sqlite/0003_invitations.sql, in PostgreSQL's dialect.

CREATE TABLE invitations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id BIGINT  NOT NULL REFERENCES cooperatives (id),
    -- Normalised +84… number: only an account with this number can accept.
    phone          TEXT    NOT NULL,
    -- How the manager named the person, shown in the member list until accepted.
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('manager', 'farmer')),
    -- blake3 of the code, like session tokens: a copy of this table lets nobody in.
    code_hash      BYTEA   NOT NULL UNIQUE,
    -- NULL: the operator at the command line (goc), who has no account.
    created_by     BIGINT  REFERENCES users (id),
    created_at     BIGINT  NOT NULL,
    expires_at     BIGINT  NOT NULL,
    -- Set once, when the invitation is accepted, withdrawn or replaced by a new code:
    -- a closed invitation never opens again.
    closed_at      BIGINT,
    accepted_by    BIGINT  REFERENCES users (id)
);
-- At most one open invitation per number and cooperative (reissuing closes the old one).
CREATE UNIQUE INDEX invitations_open ON invitations (cooperative_id, phone) WHERE closed_at IS NULL;

-- One-time password reset codes, issued by a manager or an administrator to a person who
-- forgot the password of a phone account (there is no SMS here to send one).
CREATE TABLE password_resets (
    code_hash  BYTEA   PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id),
    created_by BIGINT  REFERENCES users (id),
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- Pending members of the old scheme become open invitations with the codes already handed
-- out (so they keep working, now only for that cooperative's role); their password-less
-- accounts go.
INSERT INTO invitations (cooperative_id, phone, name, role, code_hash, created_by, created_at, expires_at)
SELECT i.cooperative_id, u.phone, u.name, m.role, i.code_hash, i.created_by, i.created_at, i.expires_at
FROM invites i
JOIN users u ON u.id = i.user_id
JOIN memberships m ON m.user_id = u.id AND m.cooperative_id = i.cooperative_id
WHERE u.password_hash IS NULL AND u.phone IS NOT NULL AND i.used_at IS NULL
  AND i.created_at = (SELECT MAX(j.created_at) FROM invites j
                      WHERE j.user_id = i.user_id AND j.cooperative_id = i.cooperative_id AND j.used_at IS NULL);
DELETE FROM memberships WHERE user_id IN (SELECT id FROM users WHERE password_hash IS NULL);
DROP TABLE invites;
DELETE FROM users WHERE password_hash IS NULL;

-- What the public log names a member by: a pseudonym per membership (random, so it links
-- neither to the account nor across cooperatives), never the internal account number.
ALTER TABLE memberships ADD COLUMN alias TEXT NOT NULL DEFAULT '';
UPDATE memberships SET alias = substr(md5(random()::text || user_id::text || cooperative_id::text), 1, 10);
