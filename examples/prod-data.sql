-- The "prod" database lags behind dev: fewer rows, and rows edited since.
INSERT INTO "_prisma_migrations" VALUES ('m1', '20260101_init', '2026-01-01 00:00:00+00');
WITH t AS (INSERT INTO "Team" VALUES ('team_core', 'Core', 'usr_ada', '{"plan": "free"}'))
INSERT INTO "User" (id, email, "fullName", "teamId", "createdAt") VALUES
  ('usr_ada', 'ada@example.com', 'Ada King', 'team_core', '2026-01-02 09:00:00+00'),
  ('usr_grace', 'grace@example.com', 'Grace Hopper', 'team_core', '2026-01-04 09:00:00+00'),
  ('usr_ops', 'ops@example.com', 'Prod-only operator', 'team_core', '2026-01-06 09:00:00+00');
INSERT INTO "Project" ("teamId", title, budget) VALUES ('team_core', 'Compiler', 10000.00);
INSERT INTO "Task" ("projectId", "parentId", "assigneeId", title, status, tags, "dueOn") VALUES
  (1, NULL, 'usr_ada', 'Parser', 'TODO', '{backend}', '2026-03-01');
