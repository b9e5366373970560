// TCPServer: listening sockets, loop threads, the per-loop tick (timeouts, Date header), graceful shutdown, forking.
#include "core/net/tcp_server.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/basic_socket_acceptor.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstring>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "core/net/listener.hpp"
#include "core/net/loop_impl.hpp"
#include "core/net/operation_allocator.hpp"
#include "core/net/process.hpp"
#include "core/net/scheduling.hpp"
#include "core/net/socket_stream.hpp"
#include "core/net/systemd_notify.hpp"
#include "core/net/tls_context.hpp"

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

// One loop thread: its io_context, acceptors, streams and tick timer.
struct TCPServer::LoopWorker {
  // A listening socket and where its accepts put the peer's address.
  struct Listening {
    explicit Listening(asio::io_context& io) : acceptor(io) {}
    Acceptor acceptor;
    Protocol::endpoint peer;
  };

  LoopWorker(TCPServer& s, const NetOptions& options, std::size_t i)
      : server(s), index(i), net(loop, options), tick(loop.impl().io) {}

  void adopt(int fd) {
    auto& listening = acceptors.emplace_back(loop.impl().io);
    listening.acceptor.assign(protocol_of(fd), ::dup(fd));
  }

  void start() {
    server.on_loop_start(loop, index);
    for (auto& a : acceptors) accept(a);
    schedule_tick();
  }

  void accept(Listening& l) {
    // The peer's address comes with the accept: no getpeername() per connection. The operation is allocated at its
    // size, not as a recycled block that a stream's read would take over and keep while its connection idles.
    auto accepted = [this, &l](const error_code& ec, SocketStream::Socket socket) {
      if (ec == asio::error::operation_aborted) return;
      // Accepted just before the drain closed the acceptor: served all the same, its client may have sent a request.
      if (!ec) serve_accepted(l, std::move(socket));
      if (!l.acceptor.is_open()) return;
      if (ec) {
        // Out of descriptors or similar: back off briefly instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        retries[&l] = loop.call_later(std::chrono::milliseconds(100), [this, &l] { accept(l); });
        return;
      }
      accept(l);
    };
    l.acceptor.async_accept(loop.impl().io, l.peer, asio::bind_allocator(OperationAllocator<void>(), accepted));
  }

  void serve_accepted(Listening& l, SocketStream::Socket socket) {
    sockaddr_storage peer{};
    std::memcpy(&peer, l.peer.data(), std::min<std::size_t>(l.peer.size(), sizeof peer));
    StreamRef stream(SocketStream::create(net, std::move(socket), &peer));
    if (tls && !tls_after_preamble) stream->start_tls(*tls);
    server.handle_stream(*stream, index);
    stream->start();
    if (net.draining) stream->drain();
  }

  // Connections the kernel completed that nobody accepted yet are served: if this process holds the last copy of the
  // listening socket, closing it would reset them, requests and all.
  void take_pending(Listening& l) {
    error_code ec;
    l.acceptor.non_blocking(true, ec);
    while (!ec) {
      SocketStream::Socket socket(loop.impl().io);
      l.acceptor.accept(socket, l.peer, ec);
      if (!ec) serve_accepted(l, std::move(socket));
    }
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
    for (Stream* s = net.streams; s;) {
      StreamRef keep(s);  // a stream closed by its tick stays valid until its successor is known
      Stream* next = s->next;
      if (net.draining && now > drain_deadline) s->close("graceful timeout");
      else s->on_tick(now);
      s = next;
    }
    server.on_tick(index);
    net.keepalive_reads.on_tick();
    if (net.draining && net.stream_count == 0 && !drained) {
      // Loops stop together, once all have drained: until then this one still runs work other loops post to it
      // (a connection elsewhere may wait for its answer).
      drained = true;
      server.loop_drained();
    }
    schedule_tick();
  }

  void begin_drain(Clock::time_point deadline) {
    drain_deadline = deadline;
    net.draining = true;
    error_code ec;
    for (auto& l : acceptors) {
      take_pending(l);
      l.acceptor.close(ec);
    }
    retries.clear();
    for (Stream* s = net.streams; s;) {
      StreamRef keep(s);
      Stream* next = s->next;
      s->drain();
      s = next;
    }
  }

  TCPServer& server;
  std::size_t index;
  Loop loop;
  NetContext net;
  std::list<Listening> acceptors;  // stable addresses: pending accepts refer to them
  asio::steady_timer tick;
  std::map<Listening*, TimerHandle> retries;  // an acceptor's pending retry after a failed accept
  std::shared_ptr<const TlsContext> tls;       // set on TLS servers: what new streams' sessions are made from
  bool tls_after_preamble = false;             // the protocol starts TLS (TCPServer::start_tls), not the accept
  Clock::time_point drain_deadline;
  bool drained = false;
};

struct TCPServer::Impl {
  TCPServerOptions options;
  std::vector<ListenSpec> specs;
  std::vector<std::vector<int>> fds;  // per address: one fd per loop (TCP), or one shared by all loops
  std::vector<std::unique_ptr<LoopWorker>> workers;
  std::shared_ptr<const TlsContext> tls;  // the certificate new connections get (reload_tls() replaces it)
  std::mutex workers_mutex;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> drained_loops{0};
  std::optional<int> supervised_exit;  // set in a parent process of start(): run() returns it
  pid_t bound_by = ::getpid();         // only this process removes the unix sockets it made, not forked children

  ~Impl() { close_listeners(); }

  // Removes the unix socket files this process made, once, while its listening sockets are still open: they keep the
  // files' inodes alive, so a newer server's socket at the same path cannot have reused the inode number yet.
  void remove_socket_files() {
    if (::getpid() != bound_by) return;
    for (auto& spec : specs) {
      remove_socket_file(spec);
      spec.unix_file.reset();
    }
  }

  void close_listeners() {
    remove_socket_files();
    for (auto& list : fds)
      for (int fd : list) ::close(fd);
    fds.clear();
  }
};

TCPServer::TCPServer(TCPServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (impl_->options.tls.enabled()) impl_->tls = TlsContext::load(impl_->options.tls);
}

void TCPServer::start_tls(Stream& stream, std::size_t loop) {
  if (auto& tls = impl_->workers.at(loop)->tls) stream.start_tls(*tls);
}

void TCPServer::reload_tls() {
  if (!impl_->tls) return;
  std::shared_ptr<const TlsContext> fresh = TlsContext::load(impl_->options.tls);
  std::lock_guard lock(impl_->workers_mutex);
  impl_->tls = fresh;
  for (auto& w : impl_->workers) w->loop.post([&w = *w, fresh] { w.tls = fresh; });
}

TCPServer::~TCPServer() = default;

std::size_t TCPServer::loop_count() const { return static_cast<std::size_t>(std::max(1, impl_->options.threads)); }

std::uint16_t TCPServer::bind(std::string_view address) {
  sigset_t signals = shutdown_signals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // a supervisor may signal as soon as we listen
  ListenSpec& spec = impl_->specs.emplace_back(ListenSpec::parse(address));
  auto& list = impl_->fds.emplace_back();
  int count = spec.is_unix() ? 1 : static_cast<int>(loop_count());
  for (int i = 0; i < count; ++i) list.push_back(open_listener(spec, count > 1));
  return spec.port;
}

std::uint16_t TCPServer::bind(std::uint16_t port, const std::string& address) {
  if (address.starts_with("unix:")) return bind(std::string_view(address));  // a path: no port
  bool v6 = address.find(':') != std::string::npos;
  return bind((v6 ? "[" + address + "]" : address) + ":" + std::to_string(port));
}

std::uint16_t TCPServer::add_sockets(const std::vector<int>& fds) {
  sigset_t signals = shutdown_signals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const std::size_t first = impl_->specs.size();
  for (int fd : fds) {
    impl_->specs.push_back(describe_socket(fd));  // made elsewhere: no unix_file, never removed here
    impl_->fds.push_back({fd});
  }
  return fds.empty() ? 0 : impl_->specs[first].port;
}

int TCPServer::start(int processes, int max_restarts, std::function<void()> in_child) {
  if (processes == 1) return 0;
  ForkOptions o;
  o.processes = processes;
  o.max_restarts = max_restarts;
  o.in_child = [this, in_child = std::move(in_child)] {
    if (in_child) in_child();
    try {
      reload_tls();  // a reload's children serve the certificate on disk now
    } catch (const std::exception& e) {
      spdlog::error("{}; serving the certificate loaded before", e.what());
    }
  };
  o.graceful_timeout = impl_->options.graceful_timeout;
  o.on_stop = [this] { close_listeners(); };
  int code = 0;
  std::optional<int> id = fork_processes(o, code);
  if (id) return *id;
  impl_->supervised_exit = code;
  return -1;
}

Loop& TCPServer::loop(std::size_t index) { return impl_->workers.at(index)->loop; }

bool TCPServer::supervising() const { return impl_->supervised_exit.has_value(); }

void TCPServer::close_listeners() { impl_->close_listeners(); }

std::vector<std::string> TCPServer::describe_listeners() const {
  std::vector<std::string> out;
  for (auto& spec : impl_->specs) out.push_back(spec.describe(scheme()));
  return out;
}

int TCPServer::run() {
  if (impl_->supervised_exit) return *impl_->supervised_exit;
  if (impl_->specs.empty()) throw std::logic_error("TCPServer::run() with nothing bound");
  std::size_t loops = loop_count();
  {
    std::lock_guard lock(impl_->workers_mutex);
    for (std::size_t i = 0; i < loops; ++i) {
      auto worker = std::make_unique<LoopWorker>(*this, impl_->options.net, i);
      worker->tls = impl_->tls;
      worker->tls_after_preamble = impl_->options.tls_after_preamble;
      for (auto& list : impl_->fds) worker->adopt(list[i % list.size()]);
      impl_->workers.push_back(std::move(worker));
    }
    // The acceptors own duplicates now; without ours, closing them on drain stops the listening.
    for (auto& list : impl_->fds)
      for (int fd : list) ::close(fd);
    impl_->fds.clear();
  }
  serve_loops();
  {
    // Streams and their protocols go with their loops, while the protocols' per-loop state still exists.
    std::lock_guard lock(impl_->workers_mutex);
    impl_->workers.clear();
  }
  spdlog::info("shut down");
  return 0;
}

void TCPServer::serve_loops() {
  auto& first = *impl_->workers.front();
  asio::signal_set signals(first.loop.impl().io, SIGINT, SIGTERM);
  signals.async_wait([this](const error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received signal {}, shutting down gracefully", signo);
    shutdown();
  });
  // SIGHUP reloads the TLS certificate (a renewed one is served without a restart).
  asio::signal_set hup(first.loop.impl().io);
  std::function<void()> await_hup = [&] {
    hup.async_wait([&](const error_code& ec, int) {
      if (ec) return;
      try {
        reload_tls();
        spdlog::info("SIGHUP: TLS certificate reloaded from {}", impl_->options.tls.certfile);
      } catch (const std::exception& e) {
        spdlog::error("SIGHUP: {}; the current certificate stays", e.what());
      }
      await_hup();
    });
  };
  if (impl_->tls) {
    hup.add(SIGHUP);
    await_hup();
  }
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
  if (!impl_->stopping) notify_ready();
  first.loop.run();
  for (auto& t : threads) t.join();
  signals.cancel();
  hup.cancel();
}

void TCPServer::loop_drained() {
  if (impl_->drained_loops.fetch_add(1) + 1 < impl_->workers.size()) return;
  for (auto& w : impl_->workers) w->loop.stop();
}

void TCPServer::shutdown() {
  if (impl_->stopping.exchange(true)) return;
  shutdown_now();
}

void TCPServer::shutdown_now() {
  notify_stopping();
  std::lock_guard lock(impl_->workers_mutex);
  impl_->remove_socket_files();  // as gunicorn: the path goes when accepting stops, before the loops close them
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(impl_->options.graceful_timeout);
  for (auto& w : impl_->workers) w->loop.post([&w = *w, deadline] { w.begin_drain(deadline); });
}

}  // namespace updraft
