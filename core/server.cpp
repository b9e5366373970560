// Server: listeners, loop threads, the per-loop tick (timeouts, Date header, access log) and graceful shutdown.
#include "core/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/connection.hpp"
#include "core/loop_context.hpp"
#include "core/loop_impl.hpp"

namespace updraft {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kTick = std::chrono::milliseconds(250);
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}  // namespace

// One loop thread: its io_context, acceptor, connections and tick timer.
struct LoopWorker {
  LoopWorker(const ServerConfig& config) : context(loop, config), acceptor(loop.impl().io), tick(loop.impl().io) {}

  void open(const tcp::endpoint& endpoint) {
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.set_option(reuse_port(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  }

  void start() {
    accept();
    schedule_tick();
  }

  void accept() {
    acceptor.async_accept(loop.impl().io, [this](const error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors or similar: back off briefly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        retry = loop.call_later(std::chrono::milliseconds(100), [this] { accept(); });
        return;
      }
      (new Connection(context, std::move(socket)))->start();
      accept();
    });
  }

  void schedule_tick() {
    tick.expires_after(kTick);
    tick.async_wait([this](const error_code& ec) {
      if (ec) return;
      on_tick();
    });
  }

  void on_tick() {
    auto now = Clock::now();
    loop.refresh_date();
    for (Connection* c = context.connections; c;) {
      Connection* next = c->next;
      if (context.draining && now > drain_deadline) c->drain_hard();
      else c->on_tick(now);
      c = next;
    }
    context.access_log.flush();
    if (context.draining && context.connection_count == 0) {
      loop.stop();
      return;
    }
    schedule_tick();
  }

  void begin_drain(Clock::time_point deadline) {
    drain_deadline = deadline;
    context.draining = true;
    error_code ec;
    acceptor.close(ec);
    retry.cancel();
    for (Connection* c = context.connections; c;) {
      Connection* next = c->next;
      c->drain();
      c = next;
    }
  }

  Loop loop;
  LoopContext context;
  tcp::acceptor acceptor;
  asio::steady_timer tick;
  TimerHandle retry;
  Clock::time_point drain_deadline;
};

struct Server::Impl {
  ServerOptions options;
  ServerConfig config;
  std::vector<std::unique_ptr<LoopWorker>> workers;
  std::atomic<bool> stopping{false};
};

Server::Server(ServerOptions options, HandlerFactory& factory) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->config.limits = impl_->options.limits;
  impl_->config.timeouts = impl_->options.timeouts;
  impl_->config.factory = &factory;
  impl_->config.access_log_fd = impl_->options.access_log_fd;
}

Server::~Server() = default;

std::uint16_t Server::bind() {
  const ServerOptions& o = impl_->options;
  error_code ec;
  auto address = asio::ip::make_address(o.address, ec);
  if (ec) throw std::runtime_error("invalid address '" + o.address + "': " + ec.message());
  tcp::endpoint endpoint(address, o.port);
  int threads = std::max(1, o.threads);
  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<LoopWorker>(impl_->config);
    try {
      worker->open(endpoint);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot listen on " + o.address + ":" + std::to_string(endpoint.port()) + ": " +
                               e.code().message());
    }
    endpoint.port(worker->acceptor.local_endpoint().port());
    impl_->workers.push_back(std::move(worker));
  }
  return endpoint.port();
}

int Server::run() {
  if (impl_->workers.empty()) bind();
  auto& first = *impl_->workers.front();
  asio::signal_set signals(first.loop.impl().io, SIGINT, SIGTERM);
  signals.async_wait([this](const error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down gracefully", signo);
    shutdown();
  });
  std::signal(SIGPIPE, SIG_IGN);
  for (auto& w : impl_->workers) asio::post(w->loop.impl().io, [&w = *w] { w.start(); });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->workers.size(); ++i)
    threads.emplace_back([&w = *impl_->workers[i]] { w.loop.run(); });
  first.loop.run();
  for (auto& t : threads) t.join();
  signals.cancel();
  spdlog::info("shut down");
  return 0;
}

void Server::shutdown() {
  if (impl_->stopping.exchange(true)) return;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(impl_->options.timeouts.graceful);
  for (auto& w : impl_->workers) w->loop.post([&w = *w, deadline] { w.begin_drain(deadline); });
}

}  // namespace updraft
