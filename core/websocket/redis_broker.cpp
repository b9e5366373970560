// RedisBroker: two hiredis async connections (one SUBSCRIBEd, one to PUBLISH) driven by Asio on the broker's own loop
// thread, reconnected when Redis goes away; each message is its kind ('t'ext or 'b'inary) then its bytes.
#include "core/websocket/redis_broker.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/net/loop_impl.hpp"

namespace updraft::websocket {

namespace {
namespace asio = boost::asio;

// hiredis' event hooks on Asio: waits for the descriptor to be readable or writable while hiredis wants it to be.
struct AsioWatcher {
  AsioWatcher(asio::io_context& io, redisAsyncContext* ac) : descriptor(io, ac->c.fd), context(ac) {}

  void arm(bool read) {
    bool& armed = read ? read_armed : write_armed;
    if (armed || dead) return;
    armed = true;
    descriptor.async_wait(read ? asio::posix::descriptor_base::wait_read : asio::posix::descriptor_base::wait_write,
                          [self = self_ref, read](const boost::system::error_code& ec) { self->ready(read, ec); });
  }

  void ready(bool read, const boost::system::error_code& ec) {
    (read ? read_armed : write_armed) = false;
    if (ec || dead || !(read ? reading : writing)) return;
    if (read) redisAsyncHandleRead(context);
    else redisAsyncHandleWrite(context);
    if (!dead && (read ? reading : writing)) arm(read);  // hiredis' hooks are level-triggered, Asio's waits one-shot
  }

  static void add_read(void* w) { static_cast<AsioWatcher*>(w)->want(true, true); }
  static void del_read(void* w) { static_cast<AsioWatcher*>(w)->want(true, false); }
  static void add_write(void* w) { static_cast<AsioWatcher*>(w)->want(false, true); }
  static void del_write(void* w) { static_cast<AsioWatcher*>(w)->want(false, false); }
  // hiredis is freeing the context and will close the descriptor itself.
  static void cleanup(void* w) {
    auto* self = static_cast<AsioWatcher*>(w);
    self->dead = true;
    self->descriptor.cancel();
    self->descriptor.release();
    self->self_ref.reset();  // the pending waits keep it until they return
  }

  void want(bool read, bool on) {
    (read ? reading : writing) = on;
    if (on) arm(read);
  }

  static void attach(asio::io_context& io, redisAsyncContext* ac) {
    auto watcher = std::make_shared<AsioWatcher>(io, ac);
    watcher->self_ref = watcher;
    ac->ev.data = watcher.get();
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
  }

  asio::posix::stream_descriptor descriptor;
  redisAsyncContext* context;
  std::shared_ptr<AsioWatcher> self_ref;  // alive until hiredis' cleanup
  bool reading = false, writing = false, read_armed = false, write_armed = false, dead = false;
};
}  // namespace

struct RedisBroker::Impl {
  Impl(Topics& t, std::string h, std::uint16_t p, std::string pre)
      : topics(t), host(std::move(h)), port(p), prefix(std::move(pre)) {}

  // --- on the broker's thread ---
  void connect() {
    publisher = open_connection();
    subscriber = open_connection();
    if (!publisher || !subscriber) return lost();
  }

  redisAsyncContext* open_connection() {
    redisAsyncContext* ac = redisAsyncConnect(host.c_str(), port);
    if (!ac) return nullptr;
    if (ac->err) {
      spdlog::warn("Redis broker at {}:{}: {}", host, port, ac->errstr);
      redisAsyncFree(ac);
      return nullptr;
    }
    ac->data = this;
    AsioWatcher::attach(loop.impl().io, ac);
    redisAsyncSetConnectCallback(ac, [](const redisAsyncContext* c, int status) {
      static_cast<Impl*>(c->data)->on_connect(c, status);
    });
    redisAsyncSetDisconnectCallback(ac, [](const redisAsyncContext* c, int status) {
      static_cast<Impl*>(c->data)->on_disconnect(c);
    });
    return ac;
  }

  void on_connect(const redisAsyncContext* c, int status) {
    if (status != REDIS_OK) {
      forget(c);  // hiredis frees it after this call
      return lost();
    }
    if (c == subscriber) {
      for (const std::string& topic : subscribed) send_subscription("SUBSCRIBE", topic);
      subscriber_up = true;
    } else {
      publisher_up = true;
    }
    if (publisher_up && subscriber_up) {
      if (failures) spdlog::info("Redis broker at {}:{}: connected again", host, port);
      failures = 0;
      up = true;
    }
  }

  void on_disconnect(const redisAsyncContext* c) {
    forget(c);  // hiredis frees it after this call
    if (!stopping) lost();
  }

  void forget(const redisAsyncContext* c) {
    if (c == publisher) publisher = nullptr, publisher_up = false;
    if (c == subscriber) subscriber = nullptr, subscriber_up = false;
  }

  // One of the connections failed: drop the other, and try again later.
  void lost() {
    up = false;
    if (publisher) redisAsyncDisconnect(std::exchange(publisher, nullptr));
    if (subscriber) redisAsyncDisconnect(std::exchange(subscriber, nullptr));
    publisher_up = subscriber_up = false;
    if (stopping || retry.has_value()) return;
    if (failures++ == 0) spdlog::warn("Redis broker at {}:{} unreachable; retrying", host, port);
    auto pause = std::chrono::milliseconds(std::min(2000, 100 << std::min(failures, 5u)));
    retry = loop.call_later(pause, [this] {
      retry.reset();
      connect();
    });
  }

  void send_subscription(const char* command, const std::string& topic) {
    if (!subscriber) return;
    std::string channel = prefix + topic;
    const char* argv[] = {command, channel.data()};
    const std::size_t lengths[] = {std::strlen(command), channel.size()};
    redisAsyncCommandArgv(subscriber, &Impl::on_message, this, 2, argv, lengths);
  }

  // A reply on the subscriber connection: ["message", channel, payload] (or a subscribe/unsubscribe confirmation).
  static void on_message(redisAsyncContext*, void* reply_ptr, void* impl_ptr) {
    auto* reply = static_cast<redisReply*>(reply_ptr);
    auto* impl = static_cast<Impl*>(impl_ptr);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) return;
    const redisReply* kind = reply->element[0];
    const redisReply* channel = reply->element[1];
    const redisReply* payload = reply->element[2];
    if (std::string_view(kind->str, kind->len) != "message" || payload->type != REDIS_REPLY_STRING ||
        payload->len < 1)
      return;
    std::string_view topic(channel->str, channel->len);
    if (!topic.starts_with(impl->prefix)) return;
    topic.remove_prefix(impl->prefix.size());
    impl->topics.deliver(topic, std::string_view(payload->str + 1, payload->len - 1), payload->str[0] == 'b');
  }

  void do_publish(const std::string& channel, const std::string& payload) {
    if (!publisher) return;
    const char* argv[] = {"PUBLISH", channel.data(), payload.data()};
    const std::size_t lengths[] = {7, channel.size(), payload.size()};
    redisAsyncCommandArgv(publisher, nullptr, nullptr, 3, argv, lengths);
  }

  void stop() {
    stopping = true;
    retry.reset();
    if (publisher) redisAsyncFree(std::exchange(publisher, nullptr));
    if (subscriber) redisAsyncFree(std::exchange(subscriber, nullptr));
    loop.stop();
  }

  // --- from any thread ---
  void start_once() {
    std::call_once(started, [this] {
      thread = std::thread([this] { loop.run(); });
      loop.post([this] { connect(); });
    });
  }

  Topics& topics;
  const std::string host;
  const std::uint16_t port;
  const std::string prefix;
  Loop loop;
  std::thread thread;
  std::once_flag started;
  std::atomic<bool> up{false};
  // The broker thread's:
  redisAsyncContext* publisher = nullptr;
  redisAsyncContext* subscriber = nullptr;
  bool publisher_up = false, subscriber_up = false, stopping = false;
  unsigned failures = 0;
  std::optional<TimerHandle> retry;
  std::set<std::string> subscribed;
};

RedisBroker::RedisBroker(Topics& topics, std::string host, std::uint16_t port, std::string prefix)
    : impl_(std::make_unique<Impl>(topics, std::move(host), port, std::move(prefix))), topics_(topics) {
  topics_.set_broker(this);
}

RedisBroker::~RedisBroker() {
  topics_.set_broker(nullptr);
  if (impl_->thread.joinable()) {
    impl_->loop.post([impl = impl_.get()] { impl->stop(); });
    impl_->thread.join();
  }
}

bool RedisBroker::publish(std::string_view topic, std::string_view message, bool binary) {
  impl_->start_once();
  if (!impl_->up.load(std::memory_order_acquire)) return false;
  std::string payload;
  payload.reserve(message.size() + 1);
  payload.push_back(binary ? 'b' : 't');
  payload.append(message);
  impl_->loop.post([impl = impl_.get(), channel = impl_->prefix + std::string(topic), payload = std::move(payload)] {
    impl->do_publish(channel, payload);
  });
  return true;
}

void RedisBroker::subscribe(std::string_view topic) {
  impl_->start_once();
  impl_->loop.post([impl = impl_.get(), topic = std::string(topic)] {
    if (impl->subscribed.insert(topic).second && impl->subscriber_up) impl->send_subscription("SUBSCRIBE", topic);
  });
}

void RedisBroker::unsubscribe(std::string_view topic) {
  impl_->loop.post([impl = impl_.get(), topic = std::string(topic)] {
    if (impl->subscribed.erase(topic) && impl->subscriber_up) impl->send_subscription("UNSUBSCRIBE", topic);
  });
}

bool RedisBroker::connected() const { return impl_->up.load(std::memory_order_acquire); }

}  // namespace updraft::websocket
