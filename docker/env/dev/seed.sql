-- Ansible managed

-- Seed data for dev: each note is inserted once (the job may run again).
INSERT INTO notes (title, body)
SELECT 'Welcome to the dev stack', 'Seeded by the compose role (dev). Edit app/src and the API reloads.'
WHERE NOT EXISTS (SELECT 1 FROM notes WHERE title = 'Welcome to the dev stack');
INSERT INTO notes (title, body)
SELECT 'Dev shopping list', 'Milk, eggs, coffee.'
WHERE NOT EXISTS (SELECT 1 FROM notes WHERE title = 'Dev shopping list');
