// libpq behind RAII owners. Errors carry the server's message and the SQL that failed.
#include "pgtote/pg_conn.h"

#include <libpq-fe.h>

#include <cstdlib>

#include "pgtote/password_mask.h"

namespace pgtote {

void Result::Free::operator()(pg_result* r) const { PQclear(r); }
int Result::rows() const { return PQntuples(result_.get()); }
int Result::columns() const { return PQnfields(result_.get()); }
bool Result::is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column); }
std::string_view Result::value(int row, int column) const {
  return std::string_view(PQgetvalue(result_.get(), row, column), PQgetlength(result_.get(), row, column));
}
std::optional<std::string> Result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}
uint64_t Result::affected_rows() const { return std::strtoull(PQcmdTuples(result_.get()), nullptr, 10); }
long long Result::number(int row, int column) const { return std::atoll(PQgetvalue(result_.get(), row, column)); }

std::string text_array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::optional<std::string> unsupported_server(int server_version_num) {
  // 0: libpq could not tell (no server_version reported); the catalog queries will say what fails.
  if (server_version_num == 0 || server_version_num >= minimum_server_version) return std::nullopt;
  // From 10 on the number is major * 10000 + minor; before, major * 10000 + minor * 100 + patch.
  int major = server_version_num / 10000;
  std::string version = server_version_num >= 100000
                            ? std::to_string(major) + "." + std::to_string(server_version_num % 10000)
                            : std::to_string(major) + "." + std::to_string(server_version_num / 100 % 100) + "." +
                                  std::to_string(server_version_num % 100);
  return "pgtote needs PostgreSQL 12 or newer; this server is " + version;
}

void Connection::Finish::operator()(pg_conn* c) const { PQfinish(c); }

// libpq messages end with a newline and may span lines; keep them to one line.
static std::string one_line(const char* message) {
  std::string out = message ? message : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  for (auto& c : out)
    if (c == '\n' || c == '\t') c = ' ';
  return out;
}

Connection Connection::open(const std::string& conninfo) {
  Connection connection(PQconnectdb(conninfo.c_str()));
  pg_conn* c = connection.conn_.get();
  if (!c) throw Error(ExitCode::connection, "cannot connect: out of memory");
  // Server notices (NOTICE, WARNING) are not pgtote's output; keep stderr for pgtote's own lines.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  if (PQstatus(c) != CONNECTION_OK) {
    // PQhost() and friends are valid even after a failed attempt, and never hold the password;
    // libpq's message may (it quotes a malformed URL back), so the password is taken out of it.
    throw Error(ExitCode::connection, "cannot connect to " + connection.describe() + ": " +
                                          hide_password(one_line(PQerrorMessage(c)), conninfo) +
                                          " (check --source/--target, DATABASE_URL or PG* variables)");
  }
  // The version arrives with the connection (server_version_num), so no query runs before this.
  if (auto refusal = unsupported_server(PQserverVersion(c)))
    throw Error(ExitCode::database, *refusal + " (" + connection.describe() + ")");
  return connection;
}

std::string Connection::describe() const {
  pg_conn* c = conn_.get();
  auto field = [](const char* v) { return std::string(v && *v ? v : "?"); };
  return "host " + field(PQhost(c)) + " port " + field(PQport(c)) + " database " + field(PQdb(c)) + " user " +
         field(PQuser(c));
}

std::string Connection::database() const { return PQdb(conn_.get()); }
std::string Connection::host() const {
  const char* host = PQhost(conn_.get());
  return host ? host : "";
}

std::string Connection::server_version() const {
  const char* v = PQparameterStatus(conn_.get(), "server_version");
  return v ? v : "";
}

int Connection::server_version_num() const { return PQserverVersion(conn_.get()); }

void Connection::fail(const std::string& sql, pg_result* result) const {
  ServerError server;
  auto field = [&](int code) { return one_line(result ? PQresultErrorField(result, code) : nullptr); };
  server.sqlstate = field(PG_DIAG_SQLSTATE);
  server.message = field(PG_DIAG_MESSAGE_PRIMARY);
  server.detail = field(PG_DIAG_MESSAGE_DETAIL);
  server.schema = field(PG_DIAG_SCHEMA_NAME);
  server.table = field(PG_DIAG_TABLE_NAME);
  server.column = field(PG_DIAG_COLUMN_NAME);
  server.constraint = field(PG_DIAG_CONSTRAINT_NAME);
  server.sql = sql;
  std::string message = server.message;
  if (message.empty()) message = one_line(PQerrorMessage(conn_.get()));
  if (!server.detail.empty()) message += " (" + server.detail + ")";
  server.context = field(PG_DIAG_CONTEXT);
  if (!server.context.empty()) message += " [" + server.context + "]";
  std::string shown = sql.size() > 300 ? sql.substr(0, 300) + "..." : sql;
  for (auto& ch : shown)
    if (ch == '\n') ch = ' ';
  ExitCode code = PQstatus(conn_.get()) == CONNECTION_OK ? ExitCode::database : ExitCode::connection;
  throw Error(code, message + " [" + PQdb(conn_.get()) + "; SQL: " + shown + "]", std::move(server));
}

Result Connection::exec(const std::string& sql) {
  Result result(PQexec(conn_.get(), sql.c_str()));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(sql, result.get());
  return result;
}

Result Connection::exec(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  Result result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0));
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(sql, result.get());
  return result;
}

Connection::CopyOut Connection::copy_out(const std::string& copy_sql) {
  Result result(PQexec(conn_.get(), copy_sql.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COPY_OUT) fail(copy_sql, result.get());
  return CopyOut(*this, copy_sql);
}

Connection::CopyOut::CopyOut(CopyOut&& other) noexcept
    : connection_(other.connection_), sql_(std::move(other.sql_)), buffer_(other.buffer_), done_(other.done_) {
  other.buffer_ = nullptr;
  other.done_ = true;
}

Connection::CopyOut::~CopyOut() {
  if (buffer_) PQfreemem(buffer_);
  if (!done_) {
    // Abandoned mid-stream (an error elsewhere): drain so the connection stays usable.
    pg_conn* c = connection_->conn_.get();
    char* rest = nullptr;
    while (PQgetCopyData(c, &rest, 0) > 0) PQfreemem(rest);
    while (PGresult* r = PQgetResult(c)) PQclear(r);
  }
}

bool Connection::CopyOut::next_row(std::string_view& row) {
  if (buffer_) {
    PQfreemem(buffer_);
    buffer_ = nullptr;
  }
  if (done_) return false;
  pg_conn* c = connection_->conn_.get();
  int length = PQgetCopyData(c, &buffer_, 0);
  if (length > 0) {
    row = std::string_view(buffer_, static_cast<size_t>(length));
    return true;
  }
  done_ = true;
  if (length == -2) connection_->fail(sql_, nullptr);
  Result result(PQgetResult(c));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) connection_->fail(sql_, result.get());
  while (PGresult* extra = PQgetResult(c)) PQclear(extra);
  return false;
}

Connection::CopyIn Connection::copy_in(const std::string& copy_sql) {
  Result result(PQexec(conn_.get(), copy_sql.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COPY_IN) fail(copy_sql, result.get());
  return CopyIn(*this, copy_sql);
}

Connection::CopyIn::CopyIn(CopyIn&& other) noexcept
    : connection_(other.connection_), sql_(std::move(other.sql_)), done_(other.done_) {
  other.done_ = true;
}

Connection::CopyIn::~CopyIn() {
  if (done_) return;
  // Abandoned (an error while producing rows): abort the COPY so the connection stays usable.
  pg_conn* c = connection_->conn_.get();
  PQputCopyEnd(c, "pgtote: import aborted");
  while (PGresult* r = PQgetResult(c)) PQclear(r);
}

void Connection::CopyIn::put(std::string_view data) {
  if (PQputCopyData(connection_->conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
    done_ = true;
    connection_->fail(sql_, nullptr);
  }
}

void Connection::CopyIn::finish() {
  pg_conn* c = connection_->conn_.get();
  done_ = true;
  if (PQputCopyEnd(c, nullptr) != 1) connection_->fail(sql_, nullptr);
  Result result(PQgetResult(c));
  while (PGresult* extra = PQgetResult(c)) PQclear(extra);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) connection_->fail(sql_, result.get());
}

}  // namespace pgtote
