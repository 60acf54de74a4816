// `pgtote init`: which framework a project folder uses, and a commented pgtote.yml written for it,
// so a team starts from examples with its own table names instead of from the README.
#pragma once

#include <string>

namespace pgtote {

enum class Framework { none, prisma, drizzle, rails, django, laravel };

// The first of prisma/schema.prisma, drizzle.config.*, config/database.yml (Rails), manage.py
// (Django) and artisan (Laravel) found in `dir`; none when there is none.
Framework detect_framework(const std::string& dir);

// "Prisma", "Drizzle", "Rails", "Django", "Laravel", "no framework".
std::string framework_name(Framework framework);
// Reads --framework (prisma, drizzle, rails, django, laravel, none); false when unknown.
bool framework_from_flag(const std::string& flag, Framework& framework);

// The starter file's text. Every setting is a commented example; `examples_active` writes them
// uncommented (tests parse that form to prove each example is valid). `project` names the
// folder (Rails' default database name).
std::string starter_config(Framework framework, const std::string& project, bool examples_active = false);

// Writes `path` only when it does not exist (Error(usage) then, Error(file) when it cannot).
void write_new_file(const std::string& path, const std::string& text);

}  // namespace pgtote
