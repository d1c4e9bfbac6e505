-- A conversation whose session ended used to lose its team, which opened
-- its history to every agent of the app. It now keeps the team of its last
-- session (engine/session.go endSession); give the conversations that ended
-- before that theirs back.

UPDATE conversations SET team_id = (SELECT s.team_id FROM sessions s WHERE s.conversation_id = conversations.id ORDER BY s.id DESC LIMIT 1)
WHERE state = 'developer' AND team_id = 0 AND EXISTS (SELECT 1 FROM sessions s WHERE s.conversation_id = conversations.id);
