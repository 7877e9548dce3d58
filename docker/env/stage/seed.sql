-- Ansible managed

-- Seed data for stage: each note is inserted once (the job may run again).
INSERT INTO notes (title, body)
SELECT 'Stage test note', 'Seeded test data (stage); safe to delete.'
WHERE NOT EXISTS (SELECT 1 FROM notes WHERE title = 'Stage test note');
