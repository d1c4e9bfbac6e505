-- A push URL may reach internal addresses only if the admin allows it for
-- the app (package netguard); existing apps start with it off.
ALTER TABLE apps ADD COLUMN push_allow_private BOOLEAN NOT NULL DEFAULT FALSE;
