// Server: listener sockets, loop threads, the per-loop tick (timeouts, Date header, access log), graceful shutdown.
#include "core/server.hpp"

#include <spdlog/spdlog.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/connection.hpp"
#include "core/listener.hpp"
#include "core/loop_context.hpp"
#include "core/loop_impl.hpp"
#include "core/scheduling.hpp"

namespace updraft {

namespace asio = boost::asio;
using Protocol = asio::generic::stream_protocol;
using Acceptor = asio::basic_socket_acceptor<Protocol>;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto kTick = std::chrono::milliseconds(250);

// SIGINT and SIGTERM, held pending from bind() until run() can turn them into a graceful shutdown.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

Protocol protocol_of(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return Protocol(addr.ss_family, addr.ss_family == AF_UNIX ? 0 : IPPROTO_TCP);
}
}  // namespace

// One loop thread: its io_context, acceptors, connections and tick timer.
struct LoopWorker {
  explicit LoopWorker(const ServerConfig& config) : context(loop, config), tick(loop.impl().io) {}

  void adopt(int fd) {
    auto& acceptor = acceptors.emplace_back(loop.impl().io);
    acceptor.assign(protocol_of(fd), ::dup(fd));
  }

  void start() {
    for (auto& a : acceptors) accept(a);
    schedule_tick();
  }

  void accept(Acceptor& acceptor) {
    acceptor.async_accept(loop.impl().io, [this, &acceptor](const error_code& ec, Connection::Socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors or similar: back off briefly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        retries[&acceptor] = loop.call_later(std::chrono::milliseconds(100), [this, &acceptor] { accept(acceptor); });
        return;
      }
      (new Connection(context, std::move(socket)))->start();
      accept(acceptor);
    });
  }

  void schedule_tick() {
    tick.expires_after(kTick);
    tick.async_wait([this](const error_code& ec) {
      if (!ec) on_tick();
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
    context.keepalive_reads.on_tick();
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
    for (auto& a : acceptors) a.close(ec);
    retries.clear();
    for (Connection* c = context.connections; c;) {
      Connection* next = c->next;
      c->drain();
      c = next;
    }
  }

  Loop loop;
  LoopContext context;
  std::list<Acceptor> acceptors;  // stable addresses: pending accepts refer to them
  asio::steady_timer tick;
  std::map<Acceptor*, TimerHandle> retries;  // an acceptor's pending retry after a failed accept
  Clock::time_point drain_deadline;
};

struct Server::Impl {
  ServerOptions options;
  ServerConfig config;
  std::vector<ListenSpec> specs;
  std::vector<std::vector<int>> fds;  // per listener: one fd per loop (TCP) or one shared (unix)
  std::vector<std::unique_ptr<LoopWorker>> workers;
  std::mutex workers_mutex;
  std::atomic<bool> stopping{false};

  ~Impl() {
    for (auto& list : fds)
      for (int fd : list) ::close(fd);
    for (auto& spec : specs)
      if (spec.is_unix()) ::unlink(spec.unix_path.c_str());
  }
};

Server::Server(ServerOptions options, HandlerFactory* factory) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->config.limits = impl_->options.limits;
  impl_->config.timeouts = impl_->options.timeouts;
  impl_->config.factory = factory;
  impl_->config.access_log_fd = impl_->options.access_log_fd;
  impl_->config.defer_keepalive_reads = impl_->options.defer_keepalive_reads;
  if (!impl_->options.access_log_format.empty()) impl_->config.access_log_format = impl_->options.access_log_format;
  AccessLog check(-1, impl_->config.access_log_format);  // a bad format fails here, not in a loop thread
}

Server::~Server() = default;

void Server::set_factory(HandlerFactory& factory) { impl_->config.factory = &factory; }

std::uint16_t Server::bind() {
  sigset_t signals = shutdown_signals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // a supervisor may signal as soon as we listen
  const ServerOptions& o = impl_->options;
  if (o.binds.empty()) {
    ListenSpec spec;
    spec.host = o.address;
    spec.port = o.port;
    impl_->specs.push_back(spec);
  } else {
    for (auto& b : o.binds) impl_->specs.push_back(ListenSpec::parse(b));
  }
  int loops = std::max(1, o.threads);
  for (auto& spec : impl_->specs) {
    auto& list = impl_->fds.emplace_back();
    int count = spec.is_unix() ? 1 : loops;
    for (int i = 0; i < count; ++i) list.push_back(open_listener(spec, count > 1));
  }
  return impl_->specs.front().port;
}

void Server::close_listeners() {
  for (auto& list : impl_->fds)
    for (int fd : list) ::close(fd);
  impl_->fds.clear();
}

std::vector<std::string> Server::describe_listeners() const {
  std::vector<std::string> out;
  for (auto& spec : impl_->specs) out.push_back(spec.describe());
  return out;
}

int Server::run() {
  if (!impl_->config.factory) throw std::logic_error("Server::run() without a handler factory");
  if (impl_->specs.empty()) bind();
  int loops = std::max(1, impl_->options.threads);
  {
    std::lock_guard lock(impl_->workers_mutex);
    for (int i = 0; i < loops; ++i) {
      auto worker = std::make_unique<LoopWorker>(impl_->config);
      for (auto& list : impl_->fds) worker->adopt(list[static_cast<std::size_t>(i) % list.size()]);
      impl_->workers.push_back(std::move(worker));
    }
    // The acceptors own duplicates now; without ours, closing them on drain stops the listening.
    for (auto& list : impl_->fds)
      for (int fd : list) ::close(fd);
    impl_->fds.clear();
  }
  auto& first = *impl_->workers.front();
  asio::signal_set signals(first.loop.impl().io, SIGINT, SIGTERM);
  signals.async_wait([this](const error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down gracefully", signo);
    shutdown();
  });
  sigset_t held = shutdown_signals();
  ::pthread_sigmask(SIG_UNBLOCK, &held, nullptr);  // a signal that arrived since bind() is delivered now
  std::signal(SIGPIPE, SIG_IGN);
  for (auto& w : impl_->workers) asio::post(w->loop.impl().io, [&w = *w] { w.start(); });
  if (impl_->stopping) shutdown_now();
  bool batch = impl_->options.batch_scheduling;
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->workers.size(); ++i)
    threads.emplace_back([&w = *impl_->workers[i], batch] {
      ::pthread_setname_np(::pthread_self(), "updraft-loop");  // the first loop runs on the calling thread
      if (batch) use_batch_scheduling("a loop thread");
      w.loop.run();
    });
  if (batch) use_batch_scheduling("a loop thread");
  first.loop.run();
  for (auto& t : threads) t.join();
  signals.cancel();
  spdlog::info("shut down");
  return 0;
}

void Server::shutdown() {
  if (impl_->stopping.exchange(true)) return;
  shutdown_now();
}

void Server::shutdown_now() {
  std::lock_guard lock(impl_->workers_mutex);
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(impl_->options.timeouts.graceful);
  for (auto& w : impl_->workers) w->loop.post([&w = *w, deadline] { w.begin_drain(deadline); });
}

}  // namespace updraft
