// kv: a Redis-compatible key-value server on the stream layer (RESP2, pipelining, one shard per loop thread).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "samples/kv/kv_server.hpp"

using namespace updraft;

int main(int argc, char** argv) {
  CLI::App cli{"kv: a Redis-compatible key-value server (PING ECHO SET GET DEL EXISTS INCR MGET MSET EXPIRE TTL "
               "DBSIZE FLUSHALL QUIT)"};
  kv::KvOptions options;
  options.tcp.batch_scheduling = false;  // no worker threads to batch with: a woken loop answers at once
  options.tcp.net.batch_writes = true;   // many small pipelined requests: answers go out once per turn
  std::string address = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string log_level = "info";
  cli.set_version_flag("-v,--version", kVersion);
  cli.add_option("--address", address, "address to listen on")->capture_default_str();
  cli.add_option("-p,--port", port, "port to listen on (0 picks a free one)")->capture_default_str();
  cli.add_option("--threads", options.tcp.threads, "loop threads, each owning a shard of the keys")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cli.add_option("--max-bulk", options.resp.max_bulk, "longest argument in bytes (Redis's proto-max-bulk-len)")
      ->capture_default_str();
  cli.add_option("--log-level", log_level, "debug, info, warning, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
  CLI11_PARSE(cli, argc, argv);
  auto logger = spdlog::stderr_logger_mt("kv");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S %z] [%P] [%l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level == "warning" ? "warn" : log_level));
  try {
    kv::KvServer server(options);
    return serve(server, "kv", [&] { server.bind(port, address); }, 1);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kv: %s\n", e.what());
    return 1;
  }
}
