// WebSocket load for bench/ws_vs_peers.sh: N connections each keeping one masked binary message in flight (rate,
// round-trip latency, echoes verified), or with --idle N connections held open for a memory reading, or with
// --fanout R N subscribers timing R publishes from the moment the POST leaves to each frame's arrival; one thread, epoll.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// RFC 6455's example key and the Sec-WebSocket-Accept every server must answer it with.
constexpr std::string_view kKey = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
constexpr int kMaxConnecting = 256;  // handshakes in progress at once (the servers' listen backlogs)

struct Options {
  int port = 0;
  std::string path = "/ws/echo";
  int connections = 100;
  std::size_t size = 64;
  double warmup = 1, duration = 3;
  int server_pid = 0;
  bool idle = false;
  int fanout = 0;                        // rounds of publish timing (--fanout R)
  std::string publish = "/publish/all";  // with --fanout: the POST that publishes to every connection's topic
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ws_load: %s\n", what.c_str());
  std::exit(1);
}

std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

double self_cpu_s() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in seconds; 0 without a pid.
double process_cpu_s(int pid) {
  if (pid == 0) return 0;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), {});
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) die("cannot read /proc/" + std::to_string(pid) + "/stat");
  unsigned long utime = 0, stime = 0;
  std::sscanf(stat.c_str() + paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime);
  return double(utime + stime) / sysconf(_SC_CLK_TCK);
}

std::uint64_t next_random() {  // xorshift64: masking keys
  static std::uint64_t x = 0x9E3779B97F4A7C15ULL ^ std::uint64_t(now_ns());
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return x;
}

struct Connection {
  int fd = -1;
  bool open = false;          // handshake answered with 101
  std::string out;            // the handshake request, then the frame in flight: header, mask, masked payload
  std::size_t sent = 0;       // bytes of `out` written
  bool want_out = false;      // EPOLLOUT registered: the socket did not take all of `out`
  std::size_t header = 0;     // frame header size, masking key included
  std::string payload;        // the message in flight as sent, unmasked: what the echo must be
  std::vector<char> in;       // bytes read and not yet parsed
  std::size_t in_len = 0;
  std::size_t echoed = 0;     // payload bytes of the echo verified so far
  std::int64_t sent_at = 0;
  std::uint64_t sequence = 0;
};

class Load {
 public:
  explicit Load(const Options& o) : o_(o), conns_(o.connections), handshake_out_(o.connections) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < o_.connections; ++i) prepare(i);
  }

  // Opens every connection and completes its handshake (at most kMaxConnecting at once).
  void open_all() {
    int started = 0, opened = 0;
    const std::int64_t deadline = now_ns() + 60'000'000'000LL;
    while (opened < o_.connections) {
      while (started < o_.connections && started - opened < kMaxConnecting) connect_one(started++);
      if (now_ns() > deadline) die("handshakes not done in 60 s");
      for (int i : wait(100)) {
        Connection& c = conns_[i];
        if (c.open) {
          if (o_.fanout) continue;  // a subscriber's greeting: read when publishes are timed
          die("the server sent something before any message");
        }
        if (handshake(i, c)) ++opened;
      }
    }
  }

  // Keeps one message in flight per connection: warm-up, then the timed part; prints the JSON result line.
  void run() {
    std::int64_t t = now_ns();
    for (int i = 0; i < o_.connections; ++i) send_message(i, t);
    const std::int64_t timed_from = t + std::int64_t(o_.warmup * 1e9);
    const std::int64_t timed_to = timed_from + std::int64_t(o_.duration * 1e9);
    std::int64_t start = 0;
    double server_cpu = 0, client_cpu = 0;
    std::uint64_t messages = 0;
    std::vector<std::uint32_t> rtt_ns;
    rtt_ns.reserve(1 << 20);
    for (std::int64_t last_echo = t;;) {
      for (int i : wait(10)) {
        if (!receive(i)) continue;
        t = last_echo = now_ns();
        if (start) {
          ++messages;
          rtt_ns.push_back(std::uint32_t(std::min<std::int64_t>(t - conns_[i].sent_at, UINT32_MAX)));
        }
        send_message(i, t);
      }
      t = now_ns();
      if (t - last_echo > 10'000'000'000LL) die("no echo for 10 s");
      if (!start && t >= timed_from) {
        start = t;
        server_cpu = process_cpu_s(o_.server_pid);
        client_cpu = self_cpu_s();
      } else if (start && t >= timed_to) {
        server_cpu = process_cpu_s(o_.server_pid) - server_cpu;
        client_cpu = self_cpu_s() - client_cpu;
        break;
      }
    }
    const double seconds = (t - start) / 1e9;
    std::printf(
        "{\"connections\": %d, \"size\": %zu, \"messages\": %llu, \"seconds\": %.3f, \"rate\": %.1f, "
        "\"p50_us\": %.1f, \"p99_us\": %.1f, \"server_cpu_s\": %.3f, \"client_cpu_s\": %.3f}\n",
        o_.connections, o_.size, static_cast<unsigned long long>(messages), seconds, messages / seconds,
        percentile(rtt_ns, 0.50) / 1e3, percentile(rtt_ns, 0.99) / 1e3, server_cpu, client_cpu);
  }

  // Every connection is a subscriber whose first frame says so; each round POSTs one publish and times, from just
  // before the POST is sent, when each connection's frame has arrived whole. Prints one JSON line per round.
  void time_publishes() {
    take_one_frame_each(30'000'000'000LL);  // the "subscribed" greeting
    for (int round = 0; round < o_.fanout; ++round) {
      const double server_cpu = process_cpu_s(o_.server_pid);
      const std::int64_t start = now_ns();
      post_publish();
      std::vector<std::int64_t> arrivals = take_one_frame_each(30'000'000'000LL);
      std::vector<std::uint32_t> after_us;
      for (std::int64_t t : arrivals) after_us.push_back(std::uint32_t((t - start) / 1000));
      std::printf("{\"round\": %d, \"subscribers\": %d, \"first_us\": %.0f, \"p50_us\": %.0f, \"p99_us\": %.0f, "
                  "\"last_us\": %.0f, \"server_cpu_ms\": %.1f}\n",
                  round, o_.connections, percentile(after_us, 0), percentile(after_us, 0.5),
                  percentile(after_us, 0.99), percentile(after_us, 1), (process_cpu_s(o_.server_pid) - server_cpu) * 1e3);
      std::fflush(stdout);
      usleep(200'000);
    }
  }

  // One echoed message per connection, then holds them; on a line from stdin prints how many the server kept open.
  void hold_idle() {
    std::int64_t t = now_ns();
    for (int i = 0; i < o_.connections; ++i) send_message(i, t);
    for (int echoed = 0; echoed < o_.connections;)
      for (int i : wait(100)) echoed += receive(i);
    std::printf("{\"open\": %d}\n", o_.connections);
    std::fflush(stdout);
    char line[64];
    if (!std::fgets(line, sizeof line, stdin)) die("stdin closed before the check");
    // Nothing is in flight: a connection with anything to read (a Close frame, an end) was closed by the server.
    std::vector<epoll_event> events(o_.connections);
    const int ready = epoll_wait(epoll_, events.data(), o_.connections, 0);
    std::printf("{\"still_open\": %d}\n", o_.connections - std::max(ready, 0));
  }

 private:
  void prepare(int i) {
    Connection& c = conns_[i];
    const std::size_t n = o_.size;
    c.payload.resize(n);
    for (std::size_t k = 0; k < n; ++k) c.payload[k] = char(k * 31 + i);
    char header[14] = {char(0x82)};  // FIN, binary
    if (n < 126) {
      header[1] = char(0x80 | n);
      c.header = 2;
    } else if (n <= 0xFFFF) {
      header[1] = char(0x80 | 126);
      header[2] = char(n >> 8);
      header[3] = char(n);
      c.header = 4;
    } else {
      header[1] = char(0x80 | 127);
      for (int b = 0; b < 8; ++b) header[2 + b] = char(std::uint64_t(n) >> (56 - 8 * b));
      c.header = 10;
    }
    c.header += 4;  // the masking key
    c.out.assign(header, c.header - 4);
    c.out.resize(c.header + n);
    c.in.resize(std::max<std::size_t>(n + 64, 4096));  // the handshake response; a whole frame and the start of another
  }

  void connect_one(int i) {
    Connection& c = conns_[i];
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(std::uint16_t(o_.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS)
      die(std::string("connect: ") + std::strerror(errno));
    std::string request = "GET " + o_.path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(o_.port) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + std::string(kKey) +
                          "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    handshake_out_[i] = std::move(request);
    epoll_event ev{EPOLLOUT, {.u32 = std::uint32_t(i)}};
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
  }

  // Advances connection i's handshake on readiness; true once it is open.
  bool handshake(int i, Connection& c) {
    if (!handshake_out_[i].empty()) {  // connected (or failed): send the request
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) die("connect to port " + std::to_string(o_.port) + ": " + std::strerror(err));
      const std::string& r = handshake_out_[i];
      if (send(c.fd, r.data(), r.size(), MSG_NOSIGNAL) != ssize_t(r.size())) die("handshake request not sent whole");
      std::string().swap(handshake_out_[i]);
      epoll_event ev{EPOLLIN, {.u32 = std::uint32_t(i)}};
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
      return false;
    }
    ssize_t n = recv(c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
    if (n == 0) die("connection closed during the handshake");
    if (n < 0) {
      if (errno == EAGAIN) return false;
      die(std::string("recv: ") + std::strerror(errno));
    }
    c.in_len += n;
    std::string_view got(c.in.data(), c.in_len);
    auto end = got.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (c.in_len == c.in.size()) die("handshake response too long");
      return false;
    }
    if (!got.starts_with("HTTP/1.1 101") || got.substr(0, end).find(kAccept) == std::string_view::npos)
      die("not a WebSocket handshake response: " + std::string(got.substr(0, std::min<std::size_t>(end, 200))));
    c.in_len -= end + 4;
    std::memmove(c.in.data(), c.in.data() + end + 4, c.in_len);
    c.open = true;
    return true;
  }

  // Writes the next message: a fresh sequence number and masking key, the payload masked 8 bytes at a time.
  void send_message(int i, std::int64_t t) {
    Connection& c = conns_[i];
    const std::size_t n = o_.size;
    ++c.sequence;
    std::memcpy(c.payload.data(), &c.sequence, std::min<std::size_t>(n, 8));
    const std::uint32_t key = std::uint32_t(next_random());
    char* mask_at = c.out.data() + c.header - 4;
    std::memcpy(mask_at, &key, 4);
    const std::uint64_t key8 = std::uint64_t(key) << 32 | key;  // the key's 4 bytes twice, in memory order
    const char* src = c.payload.data();
    char* dst = c.out.data() + c.header;
    std::size_t k = 0;
    for (; k + 8 <= n; k += 8) {
      std::uint64_t w;
      std::memcpy(&w, src + k, 8);
      w ^= key8;
      std::memcpy(dst + k, &w, 8);
    }
    for (; k < n; ++k) dst[k] = char(src[k] ^ mask_at[k % 4]);
    c.sent = 0;
    c.echoed = 0;
    c.sent_at = t;
    flush(i, c);
  }

  // One send for the whole frame; what the socket does not take waits for EPOLLOUT.
  void flush(int i, Connection& c) {
    ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) die(std::string("send: ") + std::strerror(errno));
    if (n > 0) c.sent += n;
    if (const bool waiting = c.sent < c.out.size(); waiting != c.want_out) {
      c.want_out = waiting;
      epoll_event ev{waiting ? EPOLLIN | EPOLLOUT : EPOLLIN, {.u32 = std::uint32_t(i)}};
      epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
    }
  }

  // Reads what connection i has and verifies the echo so far; true when the whole message has come back.
  bool receive(int i) {
    Connection& c = conns_[i];
    if (c.sent < c.out.size()) {
      flush(i, c);
      return false;
    }
    if (!read_more(i, c)) return false;
    const auto* b = reinterpret_cast<const unsigned char*>(c.in.data());
    std::size_t at = 0;
    bool done = false;
    while (!done) {
      const auto [h, len] = frame_header(b + at, c.in_len - at);
      if (h == 0) break;
      const unsigned char b0 = b[at];
      if (b[at + 1] & 0x80) die("the server masked a frame");
      if ((b0 & 0x0F) != (c.echoed == 0 ? 0x2 : 0x0))
        die("expected a binary frame or its continuation, got opcode " + std::to_string(b0 & 0x0F));
      if (c.echoed + len > o_.size) die("echo longer than the message");
      if (c.in_len - at < h + len) break;
      if (std::memcmp(b + at + h, c.payload.data() + c.echoed, len) != 0) die("echo differs from the message");
      c.echoed += len;
      at += h + len;
      if (b0 & 0x80) {
        if (c.echoed != o_.size) die("echo shorter than the message");
        done = true;
      }
    }
    c.in_len -= at;
    if (done && c.in_len) die("bytes after the echo, with no message in flight");
    std::memmove(c.in.data(), c.in.data() + at, c.in_len);
    return done;
  }

  // Reads until every connection has one whole frame (of any kind), dropping it; when each one's arrived.
  std::vector<std::int64_t> take_one_frame_each(std::int64_t timeout_ns) {
    std::vector<std::int64_t> arrived(o_.connections, 0);
    const std::int64_t deadline = now_ns() + timeout_ns;
    int pending = o_.connections;
    for (int i = 0; i < o_.connections; ++i) {  // frames that came with the handshake's response
      Connection& c = conns_[i];
      if (const std::size_t size = frame_size(c); size && c.in_len == size) {
        c.in_len = 0;
        arrived[i] = now_ns();
        --pending;
      }
    }
    while (pending > 0) {
      if (now_ns() > deadline) die(std::to_string(pending) + " subscribers got no frame in time");
      for (int i : wait(100)) {
        if (arrived[i] || !take_frame(i)) continue;
        arrived[i] = now_ns();
        --pending;
      }
    }
    return arrived;
  }

  // Reads what connection i has; true once a whole frame is there (it is dropped, and nothing may follow it).
  bool take_frame(int i) {
    Connection& c = conns_[i];
    if (!frame_size(c) && !read_more(i, c)) return false;
    const std::size_t size = frame_size(c);
    if (!size || c.in_len < size) return false;
    if (c.in_len > size) die("more than one frame for one publish");
    c.in_len = 0;
    return true;
  }

  // Reads what connection i has into c.in; false if nothing was there yet. A closed connection stops the run.
  bool read_more(int i, Connection& c) {
    ssize_t n = recv(c.fd, c.in.data() + c.in_len, c.in.size() - c.in_len, 0);
    if (n == 0) die("the server closed connection " + std::to_string(i));
    if (n < 0) {
      if (errno == EAGAIN) return false;
      die(std::string("recv: ") + std::strerror(errno));
    }
    c.in_len += n;
    return true;
  }

  // The whole size of the frame at the start of c.in (header and payload), or 0 while its header is incomplete.
  static std::size_t frame_size(const Connection& c) {
    const auto [h, len] = frame_header(reinterpret_cast<const unsigned char*>(c.in.data()), c.in_len);
    return h ? h + len : 0;
  }

  // A server frame's header size and payload length from the bytes at b, or {0, 0} while they do not hold it all.
  static std::pair<std::size_t, std::size_t> frame_header(const unsigned char* b, std::size_t available) {
    if (available < 2) return {0, 0};
    std::size_t len = b[1] & 0x7F;
    const std::size_t h = len == 126 ? 4 : len == 127 ? 10 : 2;
    if (available < h) return {0, 0};
    if (len == 126) len = std::size_t(b[2]) << 8 | b[3];
    if (len == 127) {
      len = 0;
      for (int k = 0; k < 8; ++k) len = len << 8 | b[2 + k];
    }
    return {h, len};
  }

  // POST o_.publish on a connection of its own (blocking: it is sent before the frames can come).
  void post_publish() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(std::uint16_t(o_.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
      die(std::string("connect for the publish: ") + std::strerror(errno));
    const std::string request = "POST " + o_.publish + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                                std::to_string(o_.size) + "\r\nConnection: close\r\n\r\n" + std::string(o_.size, 'p');
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != ssize_t(request.size())) die("publish not sent");
    close(fd);  // the answer is not needed: the frames are
  }

  // The connections ready after at most timeout_ms.
  std::vector<int>& wait(int timeout_ms) {
    events_.resize(1024);
    int n = epoll_wait(epoll_, events_.data(), int(events_.size()), timeout_ms);
    if (n < 0 && errno != EINTR) die(std::string("epoll_wait: ") + std::strerror(errno));
    ready_.clear();
    for (int k = 0; k < n; ++k) ready_.push_back(int(events_[k].data.u32));
    return ready_;
  }

  static double percentile(std::vector<std::uint32_t>& v, double q) {
    if (v.empty()) return 0;
    auto nth = v.begin() + std::ptrdiff_t(q * double(v.size() - 1));
    std::nth_element(v.begin(), nth, v.end());
    return *nth;
  }

  Options o_;
  std::vector<Connection> conns_;
  std::vector<std::string> handshake_out_;
  std::vector<epoll_event> events_;
  std::vector<int> ready_;
  int epoll_;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int k = 1; k < argc; ++k) {
    std::string_view a = argv[k];
    auto value = [&] { return k + 1 < argc ? argv[++k] : (die("missing value for " + std::string(a)), nullptr); };
    if (a == "--port") o.port = std::atoi(value());
    else if (a == "--path") o.path = value();
    else if (a == "--connections") o.connections = std::atoi(value());
    else if (a == "--size") o.size = std::strtoul(value(), nullptr, 10);
    else if (a == "--warmup") o.warmup = std::atof(value());
    else if (a == "--duration") o.duration = std::atof(value());
    else if (a == "--server-pid") o.server_pid = std::atoi(value());
    else if (a == "--idle") o.idle = true;
    else if (a == "--fanout") o.fanout = std::atoi(value());
    else if (a == "--publish") o.publish = value();
    else die("usage: ws_load --port P [--path /ws/echo] [--connections 100] [--size 64] [--warmup 1] [--duration 3] "
             "[--server-pid PID] [--idle | --fanout ROUNDS [--publish /publish/all]]");
  }
  if (o.port <= 0 || o.connections <= 0 || o.size == 0) die("--port, --connections and --size must be positive");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  rlimit nofile;
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);
  Load load(o);
  load.open_all();
  if (o.idle) load.hold_idle();
  else if (o.fanout) load.time_publishes();
  else load.run();
}
