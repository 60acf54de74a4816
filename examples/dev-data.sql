-- The "dev" database: the data the team wants to carry to prod.
INSERT INTO "_prisma_migrations" VALUES ('m1', '20260101_init', '2026-01-01 00:00:00+00');
-- Teams and their owners reference each other (NOT NULL both ways): one statement.
WITH t AS (INSERT INTO "Team" VALUES
    ('team_core', 'Core', 'usr_ada', '{"plan": "pro"}'),
    ('team_web', 'Web', 'usr_lin', '{"plan": "free", "beta": true}'))
INSERT INTO "User" (id, email, "fullName", "teamId", "createdAt") VALUES
  ('usr_ada', 'ada@example.com', 'Ada Lovelace', 'team_core', '2026-01-02 09:00:00+00'),
  ('usr_lin', 'linus@example.com', 'Linus T.', 'team_web', '2026-01-03 09:00:00+00'),
  ('usr_grace', 'grace@example.com', 'Grace Hopper', 'team_core', '2026-01-04 09:00:00+00'),
  ('usr_ken', 'ken@example.com', NULL, 'team_web', '2026-01-05 09:00:00+00');
INSERT INTO "Project" ("teamId", title, budget) VALUES
  ('team_core', 'Compiler', 12000.00), ('team_web', 'Website', 3500.50), ('team_core', 'Docs', NULL);
INSERT INTO "Task" ("projectId", "parentId", "assigneeId", title, status, tags, "dueOn") VALUES
  (1, NULL, 'usr_ada', 'Parser', 'DOING', '{backend}', '2026-03-01'),
  (1, 1, 'usr_grace', 'Lexer', 'DONE', '{backend,"good first issue"}', NULL),
  (1, 1, NULL, 'Error messages', 'TODO', '{}', '2026-04-15'),
  (2, NULL, 'usr_lin', 'Landing page', 'DOING', '{frontend}', '2026-02-20'),
  (3, NULL, 'usr_ken', 'Getting started', 'TODO', '{docs}', NULL);
INSERT INTO "AuditLog" ("userId", action, at)
SELECT (ARRAY['usr_ada', 'usr_lin', 'usr_grace', 'usr_ken'])[1 + i % 4], 'login', '2026-01-10 00:00:00+00'::timestamptz + i * interval '1 hour'
FROM generate_series(1, 200) i;
