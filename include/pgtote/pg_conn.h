// The only module that talks to libpq: owns connections, results and COPY streams, and turns
// every server error into a pgtote::Error that names the host, database and the SQL that failed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgtote/error.h"

struct pg_conn;
struct pg_result;

namespace pgtote {

class Result {
 public:
  explicit Result(pg_result* result = nullptr) : result_(result) {}
  int rows() const;
  int columns() const;
  bool is_null(int row, int column) const;
  std::string_view value(int row, int column) const;
  std::string text(int row, int column) const { return std::string(value(row, column)); }
  std::optional<std::string> optional_text(int row, int column) const;
  bool boolean(int row, int column) const { return value(row, column) == "t"; }
  long long number(int row, int column) const;
  uint64_t affected_rows() const;  // rows an INSERT/UPDATE/DELETE touched
  pg_result* get() const { return result_.get(); }

 private:
  struct Free {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Free> result_;
};

// The oldest PostgreSQL whose catalogs pgtote reads (server_version_num): 12.
constexpr int minimum_server_version = 120000;

// The refusal for a server older than minimum_server_version, naming its version
// ("pgtote needs PostgreSQL 12 or newer; this server is 11.22"); nothing for a supported one.
std::optional<std::string> unsupported_server(int server_version_num);

// A text-array parameter, e.g. for `= ANY($1::text[])`, built safely from strings.
std::string text_array_literal(const std::vector<std::string>& items);

class Connection {
 public:
  // Connects with a libpq conninfo string (URI or key=value). The message of a failure names
  // host, port, database and user, never the password. A server older than PostgreSQL 12 is
  // refused right after connecting, before any query (ExitCode::database).
  static Connection open(const std::string& conninfo);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  Result exec(const std::string& sql);
  Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params);

  // "host /tmp port 5432 database app user me"
  std::string describe() const;
  std::string database() const;
  std::string host() const;  // as libpq resolved it: a name, an address or a socket folder
  std::string server_version() const;
  int server_version_num() const;  // 180004 for 18.4; catalog queries branch on it

  // COPY ... TO STDOUT. next_row() gives each row (with its trailing newline) until it returns
  // false; the view stays valid until the next call.
  class CopyOut {
   public:
    bool next_row(std::string_view& row);
    ~CopyOut();
    CopyOut(CopyOut&&) noexcept;
    CopyOut(const CopyOut&) = delete;

   private:
    friend class Connection;
    CopyOut(Connection& connection, std::string sql) : connection_(&connection), sql_(std::move(sql)) {}
    Connection* connection_;
    std::string sql_;
    char* buffer_ = nullptr;
    bool done_ = false;
  };
  CopyOut copy_out(const std::string& copy_sql);

  // COPY ... FROM STDIN: put() sends data (whole lines), finish() ends it and reports the
  // server's verdict (a bad value: the error names the COPY line and column).
  class CopyIn {
   public:
    void put(std::string_view data);
    void finish();
    ~CopyIn();
    CopyIn(CopyIn&&) noexcept;
    CopyIn(const CopyIn&) = delete;

   private:
    friend class Connection;
    CopyIn(Connection& connection, std::string sql) : connection_(&connection), sql_(std::move(sql)) {}
    Connection* connection_;
    std::string sql_;
    bool done_ = false;
  };
  CopyIn copy_in(const std::string& copy_sql);

 private:
  struct Finish {
    void operator()(pg_conn* c) const;
  };
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  [[noreturn]] void fail(const std::string& sql, pg_result* result) const;
  std::unique_ptr<pg_conn, Finish> conn_;
};

}  // namespace pgtote
