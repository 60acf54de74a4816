// Subset resolution without a server: names to tables and keys, downward rules, cycles, errors.
#include "pgtote/subset_graph.h"

#include <doctest/doctest.h>

#include "pgtote/error.h"

using namespace pgtote;

namespace {
Column column(const std::string& name, const std::string& type, bool not_null) {
  Column c;
  c.name = name;
  c.type = type;
  c.not_null = not_null;
  return c;
}

// User <- Post <- Comment (self-reference parentId), Comment(subject_id) virtually -> Post.
std::vector<Table> blog() {
  Table user, post, comment;
  user.schema = post.schema = comment.schema = "public";
  user.name = "User";
  user.columns = {column("id", "integer", true), column("createdAt", "timestamp", true)};
  user.primary_key = {"id"};
  post.name = "Post";
  post.columns = {column("id", "integer", true), column("authorId", "integer", true)};
  post.primary_key = {"id"};
  post.foreign_keys = {{"post_author", {"authorId"}, "public", "User", {"id"}}};
  comment.name = "Comment";
  comment.columns = {column("id", "bigint", true), column("postId", "integer", true),
                     column("parentId", "bigint", false), column("subject_id", "text", false)};
  comment.primary_key = {"id"};
  comment.foreign_keys = {{"comment_parent", {"parentId"}, "public", "Comment", {"id"}},
                          {"comment_post", {"postId"}, "public", "Post", {"id"}}};
  return {user, post, comment};
}

std::vector<const Table*> pointers(const std::vector<Table>& tables) {
  std::vector<const Table*> out;
  for (const auto& t : tables) out.push_back(&t);
  return out;
}

const SubsetEdge& edge_named(const SubsetGraph& graph, const std::string& foreign_key) {
  for (const auto& edge : graph.edges)
    if (edge.foreign_key == foreign_key) return edge;
  FAIL("no edge " << foreign_key);
  return graph.edges.front();
}

void check_usage_error(const SubsetSpec& spec, const std::vector<Table>& tables, const std::string& names) {
  try {
    resolve_subset(spec, pointers(tables));
    FAIL("expected a usage error naming " << names);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK_MESSAGE(std::string(e.what()).find(names) != std::string::npos, e.what());
  }
}
}  // namespace

TEST_CASE("a subset follows every foreign key down but a self-reference, which needs its own rule") {
  auto tables = blog();
  SubsetSpec spec;
  spec.start = {{"public.User", "\"createdAt\" > now() - interval '30 days'", 100, ""}};
  SubsetGraph graph = resolve_subset(spec, pointers(tables));
  CHECK(edge_named(graph, "post_author").follow_down);
  CHECK(edge_named(graph, "comment_post").follow_down);
  CHECK(edge_named(graph, "comment_parent").in_cycle);
  CHECK_FALSE(edge_named(graph, "comment_parent").follow_down);
  CHECK(subset_start_sql(graph, graph.start[0]) ==
        R"(SELECT t."id" FROM ONLY "public"."User" t WHERE ("createdAt" > now() - interval '30 days') )"
        R"(ORDER BY t."id" LIMIT 100)");

  spec.children = {{"public.Comment", true, 20}, {"Comment(parentId)", true, std::nullopt}, {"public.Post", false, {}}};
  graph = resolve_subset(spec, pointers(tables));
  CHECK(edge_named(graph, "comment_parent").follow_down);
  CHECK_FALSE(edge_named(graph, "comment_parent").limit_per_parent);
  CHECK(edge_named(graph, "comment_post").limit_per_parent == 20u);
  CHECK_FALSE(edge_named(graph, "post_author").follow_down);
  CHECK(subset_children_sql(graph, edge_named(graph, "comment_post")) ==
        R"(SELECT ranked.v0, ranked.v1, ranked.v2 FROM (SELECT t."id" AS v0, t."parentId" AS v1, t."postId" AS v2, )"
        R"(pg_catalog.row_number() OVER (PARTITION BY t."postId" ORDER BY t."id") AS pgtote_rank FROM ONLY )"
        R"("public"."Comment" t WHERE (t."postId") IN (SELECT u.c0::integer FROM )"
        R"(ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[])) AS u(c0))) ranked WHERE ranked.pgtote_rank <= 20)");
  // A self-reference is walked to its end in one recursive query; upward, each step probes the key.
  CHECK(
      subset_parents_sql(graph, edge_named(graph, "comment_parent")) ==
      R"(WITH RECURSIVE found(v0, v1, v2) AS (SELECT t."id", t."parentId", t."postId" FROM ONLY "public"."Comment" t )"
      R"(WHERE (t."id") IN (SELECT u.c0::bigint FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[])) AS u(c0)) )"
      R"(UNION SELECT probe.v0, probe.v1, probe.v2 FROM found CROSS JOIN LATERAL (SELECT t."id", t."parentId", )"
      R"(t."postId" FROM ONLY "public"."Comment" t WHERE t."id" = found.v1 OFFSET 0) AS probe(v0, v1, v2)) )"
      R"(SELECT found.v0, found.v1, found.v2 FROM found)");
  CHECK(subset_parents_sql(graph, edge_named(graph, "post_author")) ==
        R"(SELECT t."id" FROM ONLY "public"."User" t WHERE (t."id") IN )"
        R"((SELECT u.c0::integer FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[])) AS u(c0)))");
}

TEST_CASE("virtual foreign keys and null_outside resolve to edges") {
  auto tables = blog();
  SubsetSpec spec;
  spec.start = {{"public.Post", "", std::nullopt, ""}};
  spec.virtual_foreign_keys = {{"public.Comment(subject_id)", "public.Post(id)", "subject_type = 'Post'"}};
  spec.parents = {{"public.Comment(parentId)", "null_outside"}};
  SubsetGraph graph = resolve_subset(spec, pointers(tables));
  const SubsetEdge& virtual_edge = graph.edges.back();
  CHECK(virtual_edge.foreign_key.empty());
  CHECK(virtual_edge.follow_down);
  REQUIRE(virtual_edge.when_value);
  CHECK(graph.shapes[virtual_edge.child].values[*virtual_edge.when_value].sql == "(subject_type = 'Post')");
  CHECK(edge_named(graph, "comment_parent").null_outside);
  CHECK(subset_children_sql(graph, virtual_edge).find("AND (subject_type = 'Post')") != std::string::npos);
}

TEST_CASE("a subset name that matches nothing is a usage error naming it") {
  auto tables = blog();
  SubsetSpec spec;
  spec.start = {{"public.Nope", "", std::nullopt, ""}};
  check_usage_error(spec, tables, "\"public.Nope\"");
  spec.start = {{"public.User", "", std::nullopt, ""}};
  spec.children = {{"public.Comment(nope)", true, {}}};
  check_usage_error(spec, tables, "no column \"nope\"");
  spec.children = {{"public.Comment(id)", true, {}}};
  check_usage_error(spec, tables, "no foreign key of public.Comment");
  spec.children = {};
  spec.parents = {{"public.Comment(postId)", "null_outside"}};
  check_usage_error(spec, tables, "NOT NULL");
  spec.parents = {{"public.Comment(parentId)", "drop"}};
  check_usage_error(spec, tables, "null_outside");
  spec.parents = {};
  spec.virtual_foreign_keys = {{"public.Comment(subject_id)", "public.Ghost(id)", ""}};
  check_usage_error(spec, tables, "\"public.Ghost\"");
}

TEST_CASE("edges into one table without an index on their columns are read together, in one scan") {
  auto tables = blog();
  tables[2].foreign_keys.push_back({"comment_author", {"subject_id"}, "public", "User", {"id"}});
  tables[2].columns[3].type = "integer";
  SubsetSpec spec;
  spec.start = {{"public.User", "", std::nullopt, ""}};
  SubsetGraph graph = resolve_subset(spec, pointers(tables));
  const SubsetEdge& by_post = edge_named(graph, "comment_post");
  const SubsetEdge& by_author = edge_named(graph, "comment_author");
  CHECK(scanned_edge(graph, by_post));
  CHECK(scanned_edge(graph, by_author));
  CHECK_FALSE(scanned_edge(graph, edge_named(graph, "comment_parent")));  // recursive: its own query
  CHECK(subset_children_sql(graph, {&by_post, &by_author}) ==
        R"(SELECT t."id", t."parentId", t."postId", t."subject_id" FROM ONLY "public"."Comment" t WHERE )"
        R"(((t."postId") IN (SELECT u.c0::integer FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[])) AS )"
        R"(u(c0))) OR ((t."subject_id") IN (SELECT u.c0::integer FROM ROWS FROM )"
        R"((pg_catalog.unnest($2::pg_catalog.text[])) AS u(c0))))");

  // An index leading with the edge's column: the edge is looked up through it, on its own.
  tables[2].index_leading_columns = {"id", "postId"};
  SubsetGraph indexed = resolve_subset(spec, pointers(tables));
  CHECK_FALSE(scanned_edge(indexed, edge_named(indexed, "comment_post")));
  CHECK(scanned_edge(indexed, edge_named(indexed, "comment_author")));
}

TEST_CASE("a table only scans reach, and that leads nowhere, is read once, whole, and keys match by = ANY on 14+") {
  auto tables = blog();
  Table like;
  like.schema = "public";
  like.name = "Like";
  like.columns = {column("id", "integer", true), column("postId", "integer", true), column("userId", "integer", true)};
  like.primary_key = {"id"};
  like.foreign_keys = {{"like_post", {"postId"}, "public", "Post", {"id"}},
                       {"like_user", {"userId"}, "public", "User", {"id"}}};
  like.index_leading_columns = {"id", "userId"};  // rows reach it from posts, which are scanned
  tables.push_back(like);
  SubsetSpec spec;
  spec.start = {{"public.Post", "", std::nullopt, ""}};
  auto once = read_in_one_scan(resolve_subset(spec, pointers(tables)));
  // User: a parent; Post: a start table and a parent; Comment: its own parent; Like: the index on
  // userId does not count, since no row reaches User going down.
  CHECK(once == std::vector<bool>{false, false, false, true});
  // Like also references User, whose rows found as parents it does not lead to: the closure reads
  // it. A table whose one reference is the way down is read by the export, with that filter.
  CHECK(read_by_filter(resolve_subset(spec, pointers(tables))) == std::vector<bool>{false, false, false, false});
  Table view;
  view.schema = "public";
  view.name = "View";
  view.columns = {column("id", "integer", true), column("postId", "integer", true)};
  view.primary_key = {"id"};
  view.foreign_keys = {{"view_post", {"postId"}, "public", "Post", {"id"}}};
  auto with_view = tables;
  with_view.push_back(view);
  SubsetGraph viewed = resolve_subset(spec, pointers(with_view));
  CHECK(read_by_filter(viewed) == std::vector<bool>{false, false, false, false, true});
  CHECK(subset_children_filter(viewed, 4, {&edge_named(viewed, "view_post")}, {{{"7"}}}) ==
        R"(((t."postId") IN (SELECT u.c0::integer FROM ROWS FROM (pg_catalog.unnest(E'{"7"}'::pg_catalog.text[])) )"
        R"(AS u(c0))))");

  spec.start = {{"public.User", "", std::nullopt, ""}};  // now rows reach Like through the index
  CHECK(read_in_one_scan(resolve_subset(spec, pointers(tables)))[3] == false);
  spec.start = {{"public.Post", "", std::nullopt, ""}};
  spec.children = {{"public.Like", false, std::nullopt}};  // not followed: nothing reaches it
  CHECK(read_in_one_scan(resolve_subset(spec, pointers(tables)))[3] == false);

  spec.children.clear();
  ExportPlan plan = plan_table(tables[3]);
  plan.select_list[2] = "t.\"userId\" + 0";
  for (bool hashed : {false, true}) {
    SubsetGraph graph = resolve_subset(spec, pointers(tables), hashed);
    const SubsetEdge& by_post = edge_named(graph, "like_post");
    std::string sql = subset_whole_rows_sql(graph, 3, plan, {&by_post}, {{{"1"}, {"2"}}});
    CAPTURE(sql);
    // The plan's select list (named as the table's columns), then the subset values, in the plan's order.
    CHECK(sql.starts_with(R"(SELECT t."id", t."postId", t."userId" + 0 AS "userId", t."id", t."postId", t."userId" )"
                          R"(FROM ONLY "public"."Like" t WHERE ()"));
    CHECK(sql.ends_with(R"() ORDER BY t."id")"));
    if (hashed)
      CHECK(sql.find(R"(t."postId" = ANY(E'{"1","2"}'::integer[]))") != std::string::npos);
    else
      CHECK(sql.find(R"((t."postId") IN (SELECT u.c0::integer)") != std::string::npos);
    CHECK(subset_whole_rows_sql(graph, 3, plan, {&by_post}, {{}}).find("WHERE (false)") != std::string::npos);
    CHECK(subset_start_whole_rows_sql(graph, graph.start[0], plan_table(tables[1])) ==
          R"(SELECT t."id", t."authorId", t."id", t."authorId" FROM ONLY "public"."Post" t ORDER BY t."id")");
  }
}
