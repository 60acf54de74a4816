// The list of migration-history tables, as data: adding a framework is adding one line here
// (and one row in docs/migration-tables.md).
#include "pgtote/migration_tables.h"

#include <algorithm>
#include <vector>

namespace pgtote {

namespace {

// Keep in step with docs/migration-tables.md. `columns` only where the name alone is too common.
constexpr MigrationTable kMigrationTables[] = {
    {"Rails", "", "schema_migrations", {"version"}},
    {"Rails", "", "ar_internal_metadata", {}},
    {"Django", "", "django_migrations", {}},
    {"Laravel", "", "migrations", {"id", "migration", "batch"}},
    {"Prisma", "", "_prisma_migrations", {}},
    {"Drizzle", "", "__drizzle_migrations", {}},  // schema drizzle by default, public in older setups
    {"Knex", "", "knex_migrations", {}},
    {"Knex", "", "knex_migrations_lock", {}},
    {"Kysely", "", "kysely_migration", {}},
    {"Kysely", "", "kysely_migration_lock", {}},
    {"TypeORM", "", "migrations", {"id", "timestamp", "name"}},
    {"TypeORM", "", "typeorm_metadata", {}},
    {"Sequelize", "", "SequelizeMeta", {}},
    {"Sequelize", "", "SequelizeData", {}},  // sequelize-cli's seeder history
    {"MikroORM", "", "mikro_orm_migrations", {}},
    {"node-pg-migrate", "", "pgmigrations", {}},
    {"postgres-migrations", "", "migrations", {"id", "name", "hash"}},
    {"EF Core", "", "__EFMigrationsHistory", {}},
    {"Flyway", "", "flyway_schema_history", {}},
    {"Flyway", "", "schema_version", {"installed_rank", "script", "checksum"}},  // before Flyway 5
    {"Liquibase", "", "databasechangelog", {}},
    {"Liquibase", "", "databasechangeloglock", {}},
    {"Alembic", "", "alembic_version", {}},
    {"goose", "", "goose_db_version", {}},
    {"golang-migrate", "", "schema_migrations", {"version", "dirty"}},
    {"dbmate", "", "schema_migrations", {"version"}},
    {"Ecto", "", "schema_migrations", {"version", "inserted_at"}},
    {"sqlx", "", "_sqlx_migrations", {}},
    {"Diesel", "", "__diesel_schema_migrations", {}},
    {"refinery", "", "refinery_schema_history", {}},
    {"Atlas", "", "atlas_schema_revisions", {}},  // in a schema of the same name by default
    {"Doctrine Migrations", "", "doctrine_migration_versions", {}},
    {"Phinx", "", "phinxlog", {}},
    {"Yii", "", "migration", {"version", "apply_time"}},
    {"Payload", "", "payload_migrations", {}},
    {"Sqitch", "sqitch", "", {}},
    {"Graphile Migrate", "graphile_migrate", "", {}},
    {"Supabase", "supabase_migrations", "", {}},
    {"Supabase Auth", "auth", "schema_migrations", {"version"}},
    {"Supabase Storage", "storage", "migrations", {"id", "name", "hash"}},
    {"Supabase Realtime", "realtime", "schema_migrations", {"version", "inserted_at"}},
    {"Hasura", "hdb_catalog", "", {}},
    // pgtote's own id mapping (match_map_schema:, pgtote by default): copied elsewhere, it would
    // claim rows were imported there.
    {"pgtote id mapping", "", "match_map", {"source_database", "snapshot_key", "target_key"}},
};

// Higher is more specific: a fixed schema outweighs any number of columns.
int specificity(const MigrationTable& entry) {
  int columns = static_cast<int>(
      std::count_if(entry.columns.begin(), entry.columns.end(), [](std::string_view c) { return !c.empty(); }));
  return (entry.schema.empty() ? 0 : 100) + columns;
}

}  // namespace

std::span<const MigrationTable> migration_tables() { return kMigrationTables; }

bool matches(const MigrationTable& entry, const Table& table) {
  if (!entry.schema.empty() && entry.schema != table.schema) return false;
  if (!entry.table.empty() && entry.table != table.name) return false;
  return std::all_of(entry.columns.begin(), entry.columns.end(),
                     [&](std::string_view c) { return c.empty() || table.find_column(std::string(c)); });
}

std::optional<std::string> migration_framework(const Table& table) {
  int best = -1;
  std::vector<std::string_view> frameworks;
  for (const auto& entry : kMigrationTables) {
    if (!matches(entry, table) || specificity(entry) < best) continue;
    if (specificity(entry) > best) frameworks.clear();
    best = specificity(entry);
    if (std::find(frameworks.begin(), frameworks.end(), entry.framework) == frameworks.end())
      frameworks.push_back(entry.framework);
  }
  if (frameworks.empty()) return std::nullopt;
  std::string text;
  for (auto framework : frameworks) text += (text.empty() ? "" : " or ") + std::string(framework);
  return text;
}

}  // namespace pgtote
