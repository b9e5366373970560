// A throwaway PostgreSQL cluster for the tests: Debian's initdb into a temporary directory, run as the postgres user
// when the tests run as root (PostgreSQL refuses to run as root), listening on a unix socket in that directory only;
// stopped and removed at exit.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace updraft::testing {

class PgCluster {
 public:
  // The process's cluster, started on first use.
  static PgCluster& shared() {
    static PgCluster cluster;
    return cluster;
  }

  // libpq's connection string for the cluster's postgres database.
  std::string conninfo() const { return "host=" + dir_ + " port=5432 dbname=postgres user=postgres"; }

  // A fast shutdown: running queries are cancelled, sessions ended.
  void stop() { run(as_postgres(pg_ctl("stop -m fast"))); }
  void start() {
    run(as_postgres(pg_ctl("start -w -t 60 -l " + dir_ + "/log -o \"-k " + dir_ + " -c listen_addresses='' -c fsync=off -p 5432\"")));
  }

  ~PgCluster() {
    std::system((as_postgres(pg_ctl("stop -m immediate")) + " >/dev/null 2>&1").c_str());
    std::filesystem::remove_all(dir_);
  }

 private:
  static constexpr const char* bin = "/usr/lib/postgresql/15/bin/";

  PgCluster() {
    char path[] = "/tmp/updraft-pg-XXXXXX";
    if (!mkdtemp(path)) throw std::runtime_error("mkdtemp failed");
    dir_ = path;
    if (geteuid() == 0) run("chown postgres: " + dir_);
    run(as_postgres(std::string(bin) + "initdb -D " + dir_ + "/data -U postgres -A trust --no-sync -E UTF8 --locale C"));
    start();
  }

  std::string pg_ctl(const std::string& args) const { return std::string(bin) + "pg_ctl -D " + dir_ + "/data " + args; }
  static std::string as_postgres(const std::string& command) {
    return geteuid() == 0 ? "runuser -u postgres -- " + command : command;
  }
  void run(const std::string& command) const {
    const std::string line = command + " >>" + dir_ + "/setup.log 2>&1";
    if (std::system(line.c_str()) != 0)
      throw std::runtime_error("PostgreSQL test cluster: `" + command + "` failed; see " + dir_ + "/setup.log");
  }

  std::string dir_;
};

}  // namespace updraft::testing
