// The anonymization plan without a server: rules by glob, references following their keys
// (declared and virtual), refusals named, strict mode, and the select list for `sql`.
#include "pgtote/anonymize_plan.h"

#include <doctest/doctest.h>

#include "pgtote/error.h"

using namespace pgtote;

namespace {

Column col(const std::string& name, const std::string& type = "text", Encoding encoding = Encoding::text,
           bool not_null = false) {
  Column c;
  c.name = name;
  c.type = type;
  c.encoding = encoding;
  c.not_null = not_null;
  return c;
}

struct Schema {
  Table user, post, comment;
  Schema() {
    user.schema = post.schema = comment.schema = "public";
    user.name = "User";
    user.columns = {col("id", "text", Encoding::text, true), col("email"), col("note")};
    user.primary_key = {"id"};
    user.unique_keys = {{"User_email_key", {"email"}, true}};
    post.name = "Post";
    post.columns = {col("id", "integer", Encoding::number, true), col("authorId", "text", Encoding::text, true),
                    col("editorId"), col("body")};
    post.primary_key = {"id"};
    post.foreign_keys = {{"Post_authorId_fkey", {"authorId"}, "public", "User", {"id"}, false, false},
                         {"Post_editorId_fkey", {"editorId"}, "public", "User", {"id"}, false, false}};
    comment.name = "Comment";
    comment.columns = {col("id", "integer", Encoding::number, true), col("subject_id", "integer", Encoding::number)};
    comment.primary_key = {"id"};
  }
  std::vector<const Table*> tables() const { return {&user, &post, &comment}; }
};

AnonymizeRule rule(const std::string& pattern, const std::string& kind, const std::string& value = "") {
  return {pattern, {kind, value}, {}};
}

std::string refusal(const AnonymizeSpec& spec, const Schema& schema) {
  try {
    plan_anonymization(spec, schema.tables());
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("plan: first matching rule wins, references follow their key's transform and domain") {
  Schema schema;
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.rules = {rule("public.User.id", "hash"), rule("*.email", "email"), rule("*.e*", "null"),
                rule("public.Nothing.*", "null")};
  AnonymizePlan plan = plan_anonymization(spec, schema.tables());
  const auto& user = plan.tables[0].columns;
  CHECK(user[0].kind == TransformKind::hash);
  CHECK(user[0].unique_domain == "public.User.id");  // text hash: not a bijection
  CHECK(user[1].kind == TransformKind::email);       // *.email came before *.e*
  CHECK(user[1].unique_domain == "public.User.email");
  const auto& post = plan.tables[1].columns;
  CHECK(post[1].kind == TransformKind::hash);
  CHECK(post[1].follows == "public.User.id");
  CHECK(post[1].unique_domain == "public.User.id");
  CHECK(post[2].kind == TransformKind::null);  // a nullable reference may be nulled by its own rule
  // Post is read after User: its reference takes the outputs User's ids claimed, and claims none,
  // so the two tables may be read at once, Post once User is done.
  CHECK(post[1].looks_up);
  CHECK_FALSE(user[0].looks_up);
  CHECK(plan.read_after == std::vector<std::vector<size_t>>{{}, {0}, {}});
  CHECK_FALSE(plan.shared_domains);
  // A reference read before its key's table claims outputs too: one table at a time.
  plan = plan_anonymization(spec, {&schema.post, &schema.user, &schema.comment});
  CHECK_FALSE(plan.tables[0].columns[1].looks_up);
  CHECK(plan.shared_domains);
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].find("public.Nothing.*") != std::string::npos);
  CHECK(plan.transformed.size() == 4);
}

TEST_CASE("plan: integer and uuid keys hash as bijections, without a domain") {
  Schema schema;
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.rules = {rule("public.Post.id", "hash")};
  AnonymizePlan plan = plan_anonymization(spec, schema.tables());
  CHECK(plan.tables[1].columns[0].kind == TransformKind::hash);
  CHECK(plan.tables[1].columns[0].unique_domain.empty());
  CHECK_FALSE(plan.shared_domains);
}

TEST_CASE("plan: virtual foreign keys follow too") {
  Schema schema;
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.rules = {rule("public.Post.id", "hash")};
  AnonymizePlan plan = plan_anonymization(spec, schema.tables(),
                                          {{"public.Comment(subject_id)", "public.Post(id)", "subject_type = 'Post'"}});
  CHECK(plan.tables[2].columns[1].kind == TransformKind::hash);
  CHECK(plan.tables[2].columns[1].follows == "public.Post.id");

  // A polymorphic reference to a hashed key and to a kept one cannot follow both: refused.
  std::vector<VirtualForeignKey> both = {{"public.Comment(subject_id)", "public.Post(id)", "subject_type = 'Post'"},
                                         {"public.Comment(subject_id)", "public.User(id)", "subject_type = 'User'"}};
  std::string message;
  try {
    plan_anonymization(spec, schema.tables(), both);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    message = e.what();
  }
  CHECK_MESSAGE(message.find("public.Comment.subject_id references public.Post.id (hash) and public.User.id (kept)") !=
                    std::string::npos,
                message);
  spec.rules.push_back(rule("public.User.id", "hash"));
  CHECK(plan_anonymization(spec, schema.tables(), both).tables[2].columns[1].kind == TransformKind::hash);
}

TEST_CASE("plan: refusals name the column and the reason, all at once") {
  Schema schema;
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.rules = {rule("public.Post.authorId", "name"),  // breaks its reference to a kept key
                rule("public.User.email", "value", "x@example.com"), rule("public.Post.id", "email"),  // integer
                rule("public.User.id", "sql", "md5(id)"), rule("public.Post.body", "bogus")};
  std::string message = refusal(spec, schema);
  CHECK(message.find("value on public.User.email would give every row the same value") != std::string::npos);
  CHECK(message.find("email cannot keep the type integer of public.Post.id") != std::string::npos);
  CHECK(message.find("sql on key column public.User.id") != std::string::npos);
  CHECK(message.find("unknown transform 'bogus'") != std::string::npos);

  AnonymizeSpec breaking;
  breaking.salt = "s";
  breaking.rules = {rule("public.Post.authorId", "name")};
  CHECK(refusal(breaking, schema).find("public.Post.authorId would break its reference to public.User.id") !=
        std::string::npos);

  AnonymizeSpec conflict;
  conflict.salt = "s";
  conflict.rules = {rule("public.User.id", "hash"), rule("public.Post.authorId", "email")};
  CHECK(refusal(conflict, schema).find("conflicts with public.User.id") != std::string::npos);

  AnonymizeSpec no_salt;
  no_salt.rules = {rule("public.User.email", "email")};
  CHECK(refusal(no_salt, schema).find("salt is empty") != std::string::npos);
}

TEST_CASE("plan: strict names every column without a rule or keep, keys and references are exempt") {
  Schema schema;
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.strict = true;
  spec.keep = {"public.User.note"};
  spec.rules = {rule("public.User.email", "email")};
  std::string message = refusal(spec, schema);
  CHECK(message.find("strict anonymization: 2 column(s) have no rule and no keep: public.Post.editorId") ==
        std::string::npos);  // a reference: exempt
  CHECK(message.find("public.Post.body") != std::string::npos);
  CHECK(message.find("public.Comment.subject_id") != std::string::npos);
  CHECK(message.find("public.User.id") == std::string::npos);
}

TEST_CASE("plan: sql transforms are read through the select list, cast to the column's type") {
  Schema schema;
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.rules = {rule("public.Post.body", "sql", "left(body, 3) || '...'")};
  AnonymizePlan plan = plan_anonymization(spec, schema.tables());
  auto list = anonymized_select_list(schema.post, plan.tables[1]);
  REQUIRE(list.size() == 4);
  CHECK(list[1] == "\"authorId\"");
  CHECK(list[3] == "CAST((left(body, 3) || '...') AS text) AS \"body\"");
  CHECK_FALSE(plan.tables[1].any_client_side());
  CHECK(plan_anonymization(AnonymizeSpec{}, schema.tables()).tables.empty());
}
