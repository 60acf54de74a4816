// The starter pgtote.yml per framework: one template, filled with the table and column names that
// framework's projects use, so the examples are close to right before anyone edits them.
#include "pgtote/config_starter.h"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "pgtote/error.h"

namespace pgtote {

namespace {

namespace fs = std::filesystem;

// Lines starting with "#~ " are examples: commented ("# ") in the file `init` writes, active in
// the form the tests parse. {name} holes are filled per framework.
constexpr const char* starter_template =
    R"yaml(# pgtote.yml: settings every pgtote command in this folder reads (`pgtote COMMAND --help`,
# README "pgtote.yml"). A flag on the command line beats the same setting here.
# Values may use ${VAR} and ${VAR:-default}, read from the environment and then .env, so
# passwords stay out of this file. Unknown keys are refused. Written by `pgtote init` for
# {framework}{detected}.
{note}
# Databases. Without these: DATABASE_URL, then DATABASE_URL in .env, then the PG* variables.
#~ source: {source}
#~ target: {target}

# Tables, as -t, -T and -n: shell globs on name or schema.name. A glob that matches no table
# is an error.
#~ tables: ["public.*"]
#~ exclude_tables: {exclude}
#~ schemas: [public]
#~ skip_audit: true                  # leave out *audit* tables (or those audit_patterns names)
#~ audit_patterns: ["*audit*", "*_history"]
#~ include_migration_tables: false   # {migrations} stays out unless true
#~ jobs: 2                           # export: read 2 tables at once (-j)

# A subset for staging (export): the start rows, their children, and every parent they need,
# so each foreign key in the snapshot is satisfied.
#~ subset:
#~   start:
#~     - table: {users}
#~       where: {where}
#~       limit: 100
#~       order_by: {order_by}
#~   children:                       # which references to follow downward
#~     {child_limited}: { limit_per_parent: 20 }
#~     {child_off}: false
#~     "{self_reference}": true
#~   parents:                        # nullable keys only: NULL when the parent is left out
#~     "{self_reference}": null_outside
#~   virtual_foreign_keys:           # relations the schema does not declare
#~     - { from: "{virtual_from}", to: "{virtual_to}", when: {virtual_when} }

# Anonymization (export): rules on schema.table.column globs, the first match wins. Fakes are
# deterministic for one salt, and unique where the column is unique.
#~ anonymize:
#~   salt: ${PGTOTE_SALT}            # keep it in the environment or .env, never here
#~   strict: false                   # true: every exported non-key column needs a rule or keep
#~   keep: {keep}
#~   rules:
#~     {email}: email
{name_rules}#~     "*.phone": phone
#~     {password}: { value: {password_value} }
#~     {null_column}: null
#~     {json_column}: { json: { "$.address.street": address } }
#~     {sql_column}: { sql: {sql_expression} }
)yaml";

struct Starter {
  Framework framework;
  const char* name;
  const char* flag;
  const char* marker;  // what detection found; empty for none
  std::map<std::string, std::string> holes;
};

std::map<std::string, std::string> snake_case_holes(const std::string& password) {
  return {{"note", ""},
          {"migrations", "the migration history"},
          {"source", "${DATABASE_URL}"},
          {"target", "${STAGING_DATABASE_URL}"},
          {"exclude", "[\"public.sessions\"]"},
          {"users", "public.users"},
          {"where", "\"created_at > now() - interval '30 days'\""},
          {"order_by", "created_at DESC"},
          {"child_limited", "public.posts"},
          {"child_off", "public.sessions"},
          {"self_reference", "public.users(invited_by_id)"},
          {"virtual_from", "public.comments(commentable_id)"},
          {"virtual_to", "public.posts(id)"},
          {"virtual_when", "\"commentable_type = 'Post'\""},
          {"keep", "[\"public.*.created_at\", \"public.*.updated_at\"]"},
          {"email", "public.users.email"},
          {"name_rules", "#~     public.users.name: name\n"},
          {"password", "public.users." + password},
          {"password_value", "\"$2b$10$invalid\""},
          {"null_column", "public.users.last_sign_in_ip"},
          {"json_column", "public.users.settings"},
          {"sql_column", "public.posts.body"},
          {"sql_expression", "\"left(body, 20)\""}};
}

std::vector<Starter> starters(const std::string& project) {
  std::vector<Starter> list;
  auto prisma = snake_case_holes("password");
  for (auto& [key, value] : std::map<std::string, std::string>{
           {"note",
            "#\n# Prisma names tables after models (public.User, not users). In SQL (where, order_by, sql)\n"
            "# quote them and their camelCase columns: \"createdAt\".\n"},
           {"exclude", "[\"public.Session\", \"public.VerificationToken\"]"},
           {"migrations", "_prisma_migrations"},
           {"users", "public.User"},
           {"where", "'\"createdAt\" > now() - interval ''30 days'''"},
           {"order_by", "'\"createdAt\" DESC'"},
           {"child_limited", "public.Post"},
           {"child_off", "public.Session"},
           {"self_reference", "public.User(invitedById)"},
           {"virtual_from", "public.Comment(subjectId)"},
           {"virtual_to", "public.Post(id)"},
           {"virtual_when", "'\"subjectType\" = ''Post'''"},
           {"keep", "[\"public.*.createdAt\", \"public.*.updatedAt\"]"},
           {"email", "public.User.email"},
           {"name_rules", "#~     public.User.name: name\n"},
           {"password", "public.User.password"},
           {"null_column", "public.User.lastLoginIp"},
           {"json_column", "public.User.settings"},
           {"sql_column", "public.Post.content"},
           {"sql_expression", "'left(\"content\", 20)'"}})
    prisma[key] = value;
  list.push_back({Framework::prisma, "Prisma", "prisma", "prisma/schema.prisma", prisma});

  auto drizzle = snake_case_holes("password_hash");
  drizzle["migrations"] = "drizzle.__drizzle_migrations";
  list.push_back({Framework::drizzle, "Drizzle", "drizzle", "drizzle.config.*", drizzle});

  auto rails = snake_case_holes("encrypted_password");
  rails["source"] = "${DATABASE_URL:-postgresql://localhost/" + project + "_development}";
  rails["migrations"] = "schema_migrations (with ar_internal_metadata)";
  rails["exclude"] = "[\"public.versions\"]   # PaperTrail's history";
  list.push_back({Framework::rails, "Rails", "rails", "config/database.yml", rails});

  auto django = snake_case_holes("password");
  django["note"] = "#\n# Django names tables app_model (auth_user, blog_post).\n";
  django["migrations"] = "django_migrations";
  django["exclude"] = "[\"public.django_session\", \"public.django_admin_log\"]";
  django["users"] = "public.auth_user";
  django["where"] = "\"date_joined > now() - interval '30 days'\"";
  django["order_by"] = "date_joined DESC";
  django["child_limited"] = "public.blog_post";
  django["child_off"] = "public.django_admin_log";
  django["self_reference"] = "public.blog_comment(parent_id)";
  django["virtual_from"] = "public.blog_comment(object_id)";
  django["virtual_to"] = "public.blog_post(id)";
  django["virtual_when"] = "\"content_type_id = 7\"";
  django["keep"] = "[\"public.*.date_joined\", \"public.*.created_at\"]";
  django["email"] = "public.auth_user.email";
  django["name_rules"] =
      "#~     public.auth_user.first_name: first_name\n#~     public.auth_user.last_name: last_name\n"
      "#~     public.auth_user.username: hash\n";
  django["password"] = "public.auth_user.password";
  django["password_value"] = "\"!\"";  // Django's mark of an unusable password
  django["null_column"] = "public.blog_comment.ip_address";
  django["json_column"] = "public.blog_profile.settings";
  django["sql_column"] = "public.blog_post.body";
  list.push_back({Framework::django, "Django", "django", "manage.py", django});

  auto laravel = snake_case_holes("password");
  laravel["note"] = "#\n# Laravel keeps its database settings in .env (DB_HOST, DB_DATABASE...): source reads them.\n";
  laravel["source"] =
      "\"host=${DB_HOST:-127.0.0.1} port=${DB_PORT:-5432} dbname=${DB_DATABASE} user=${DB_USERNAME} "
      "password=${DB_PASSWORD:-}\"";
  laravel["migrations"] = "migrations";
  laravel["exclude"] = "[\"public.sessions\", \"public.failed_jobs\"]";
  laravel["child_off"] = "public.personal_access_tokens";
  laravel["virtual_from"] = "public.personal_access_tokens(tokenable_id)";
  laravel["virtual_to"] = "public.users(id)";
  laravel["virtual_when"] = "\"tokenable_type = 'App\\\\Models\\\\User'\"";
  laravel["password_value"] = "\"$2y$12$invalid\"";
  list.push_back({Framework::laravel, "Laravel", "laravel", "artisan", laravel});

  list.push_back({Framework::none, "no framework", "none", "", snake_case_holes("password_hash")});
  return list;
}

const Starter& starter_for(const std::vector<Starter>& list, Framework framework) {
  for (const auto& starter : list)
    if (starter.framework == framework) return starter;
  return list.back();
}

std::string fill(std::string text, const std::map<std::string, std::string>& holes) {
  for (const auto& [name, value] : holes) {
    std::string hole = "{" + name + "}";
    for (size_t at = text.find(hole); at != std::string::npos; at = text.find(hole, at + value.size()))
      text.replace(at, hole.size(), value);
  }
  return text;
}

std::string with_examples(std::string text, bool active) {
  for (size_t at = text.find("#~ "); at != std::string::npos; at = text.find("#~ ", at))
    text.replace(at, 3, active ? "" : "# ");
  return text;
}

}  // namespace

Framework detect_framework(const std::string& dir) {
  fs::path root(dir);
  std::error_code ignored;
  if (fs::exists(root / "prisma" / "schema.prisma", ignored)) return Framework::prisma;
  for (const auto& entry : fs::directory_iterator(root, ignored))
    if (entry.path().filename().string().rfind("drizzle.config.", 0) == 0) return Framework::drizzle;
  if (fs::exists(root / "config" / "database.yml", ignored)) return Framework::rails;
  if (fs::exists(root / "manage.py", ignored)) return Framework::django;
  if (fs::exists(root / "artisan", ignored)) return Framework::laravel;
  return Framework::none;
}

std::string framework_name(Framework framework) { return starter_for(starters(""), framework).name; }

bool framework_from_flag(const std::string& flag, Framework& framework) {
  for (const auto& starter : starters(""))
    if (flag == starter.flag) {
      framework = starter.framework;
      return true;
    }
  return false;
}

std::string starter_config(Framework framework, const std::string& project, bool examples_active) {
  std::string database;  // the folder's name as Rails names its database: my-shop -> my_shop
  for (unsigned char c : project) database += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
  auto list = starters(database.empty() ? "app" : database);
  const Starter& starter = starter_for(list, framework);
  auto holes = starter.holes;
  holes["framework"] = starter.name;
  holes["detected"] = *starter.marker ? std::string(" (found ") + starter.marker + ")" : "";
  return with_examples(fill(starter_template, holes), examples_active);
}

void write_new_file(const std::string& path, const std::string& text) {
  // "x": create only; an existing file is never opened for writing, not even in a race.
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wx"), &std::fclose);
  if (!file && fs::exists(path))
    throw Error(ExitCode::usage, path + " already exists; pgtote init never overwrites it (edit it, or move it away)");
  if (!file || std::fwrite(text.data(), 1, text.size(), file.get()) != text.size())
    throw Error(ExitCode::file, "cannot write " + path);
  if (std::fclose(file.release()) != 0) throw Error(ExitCode::file, "cannot write " + path);
}

}  // namespace pgtote
