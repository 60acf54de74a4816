-- A small task-tracker application schema (Prisma style: quoted names, text ids), used by
-- scripts/demo.sh. Teams and users reference each other; tasks have subtasks.
CREATE TYPE "TaskStatus" AS ENUM ('TODO', 'DOING', 'DONE');

CREATE TABLE "Team" (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  "ownerId" text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}'
);
CREATE TABLE "User" (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,
  "fullName" text,
  "teamId" text NOT NULL REFERENCES "Team"(id),
  "createdAt" timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE "Team" ADD FOREIGN KEY ("ownerId") REFERENCES "User"(id);
CREATE TABLE "Project" (
  id serial PRIMARY KEY,
  "teamId" text NOT NULL REFERENCES "Team"(id),
  title text NOT NULL,
  budget numeric(12,2)
);
CREATE TABLE "Task" (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "projectId" int NOT NULL REFERENCES "Project"(id),
  "parentId" bigint REFERENCES "Task"(id),
  "assigneeId" text REFERENCES "User"(id),
  title text NOT NULL,
  status "TaskStatus" NOT NULL DEFAULT 'TODO',
  tags text[] NOT NULL DEFAULT '{}',
  "dueOn" date
);
CREATE TABLE "AuditLog" (
  id bigserial PRIMARY KEY,
  "userId" text REFERENCES "User"(id),
  action text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE "_prisma_migrations" (
  id varchar(36) PRIMARY KEY,
  migration_name varchar(255) NOT NULL,
  finished_at timestamptz
);
