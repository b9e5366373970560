// Exchange: the one object that crosses the loop/worker boundary: request head, bounded body channel in,
// bounded response channel out (with its spool), and a cancel flag. No Python here: workers release the GIL around
// its waits and its disk writes.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/http/headers.hpp"
#include "core/net/loop.hpp"
#include "core/net/loop_inbox.hpp"

namespace updraft {
struct SpoolLimits;
}

namespace updraft {

// What a worker needs of the request, copied off the loop's buffers.
struct WsgiRequestInfo {
  std::string method;
  std::string target;
  int version_minor = 1;
  HeaderList headers;
  std::string remote_ip;             // RequestHead's: the client, as a trusted proxy may have named it
  std::uint16_t remote_port = 0;     // 0: not known
  std::string_view protocol = "http";  // "http" or "https" (static text): wsgi.url_scheme
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
};

// Status line and headers as the app gave them.
struct ResponseHead {
  int status = 0;
  std::string reason;  // the app's reason phrase (latin-1, validated)
  HeaderList headers;
};

// One batch of a worker's output, in wire order: head, data, file, end.
struct ExchangeOutput {
  const ResponseHead* head = nullptr;
  std::string_view data;
  int file_fd = -1;  // owned by the receiver from now on
  std::uint64_t file_offset = 0, file_length = 0;
  bool last = false;     // the response ends with this batch
  bool aborted = false;  // ... and it is incomplete: abort the connection
};

// Loop-side receiver of a worker's output; called on the loop thread only.
class ExchangeSink {
 public:
  virtual ~ExchangeSink() = default;
  // Unless last, call Exchange::output_taken() once the batch has been taken by the writer.
  virtual void on_response(const ExchangeOutput& out) = 0;
  virtual void on_body_room() = 0;  // the worker drained the body channel: resume reading
};

// What the worker produces while the client is slow to take it waits in the response channel (memory, up to the
// spool's memory limit) and then in an unlinked temporary file the worker appends to and the loop sends from with
// sendfile(2): the worker is free as soon as it has produced the response, and the loop never writes to disk.
struct SpoolLimits {
  std::size_t memory = 256 * 1024;             // the response channel's bytes in memory
  std::uint64_t max = std::uint64_t{1} << 30;  // bytes waiting in the file, past which the worker waits
  std::string dir;                             // where the file goes; empty: $TMPDIR, else /tmp
};

class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  static constexpr std::size_t kBodyHighMark = 256 * 1024;

  // spool: where output the client is slow to take may go (its memory limit bounds the channel); its default when
  // null: the memory limit only, no file.
  // Made on the connection's loop thread.
  Exchange(Loop& loop, WsgiRequestInfo info, const SpoolLimits* spool = nullptr);
  ~Exchange();
  const WsgiRequestInfo& info() const { return info_; }

  // --- loop thread ---
  void attach(ExchangeSink* sink) { sink_ = sink; }
  void detach() { sink_ = nullptr; cancel(); }
  // Appends body bytes; returns false while the channel is paused (pause reading): from a push over its mark until
  // the worker drains it to half, when on_body_room() tells the loop to resume.
  bool push_body(std::string_view chunk);
  void end_body();
  // The writer took the last batch: the worker may produce more.
  void output_taken();

  // --- worker thread (blocking calls: release the GIL around them) ---
  // Copies up to max body bytes into dst; 0 means end of body (or cancelled).
  std::size_t read_body(char* dst, std::size_t max);
  // After read_body() returned 0: true if the client went away before the body ended.
  bool body_truncated();
  void send_head(ResponseHead head);
  // Queues data: in the channel while it has room, else appended to the spool file; waits only while the spool is
  // at its maximum (or no file can be written). False if cancelled.
  bool send_data(std::string_view data);
  // Queues data if the channel has room now; false if it would wait, or spool (or was cancelled).
  bool try_send_data(std::string_view data);
  // Hands an open file to the loop for sendfile(2) (the exchange owns fd); false if cancelled.
  bool send_file(int fd, std::uint64_t offset, std::uint64_t length);
  void finish(bool aborted);

  // Exactly one of these wins: the worker starting the request, or the loop expiring it in the queue.
  bool start_running() { return claim(Stage::running); }
  bool expire_in_queue() { return claim(Stage::expired); }
  bool running() const { return stage_.load(std::memory_order_acquire) == Stage::running; }

  // --- any thread ---
  void cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  enum class Stage { queued, running, expired };
  bool claim(Stage to) {
    Stage expected = Stage::queued;
    return stage_.compare_exchange_strong(expected, to, std::memory_order_acq_rel);
  }
  class PostingLock;
  void notify_loop_locked();
  // Under the mutex: on the loop thread, posts at once; on the worker, defers to the PostingLock that must hold it.
  void post_locked(std::function<void()> fn);
  void deliver();
  std::size_t memory_mark() const;
  bool spool_pending_locked() const { return spool_written_ > spool_handed_; }
  // Appends data to the spool file (the worker, without the lock); false if it cannot be written.
  bool write_spool(std::string_view data, std::uint64_t at);

  Loop& loop_;
  const std::thread::id loop_thread_;
  const std::shared_ptr<LoopInbox> inbox_;  // outlives the loop: posts from the worker go through it
  const WsgiRequestInfo info_;
  ExchangeSink* sink_ = nullptr;  // loop thread only

  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> cancelled_{false};
  std::atomic<Stage> stage_{Stage::queued};
  // body channel
  std::deque<std::string> body_;
  std::size_t body_bytes_ = 0;
  std::size_t body_offset_ = 0;  // consumed bytes of body_.front()
  bool body_ended_ = false;
  bool body_paused_ = false;
  bool body_discard_ = false;  // the app has answered: further body bytes are dropped
  // response channel
  std::optional<ResponseHead> head_;
  std::string out_;
  struct FileItem {
    int fd;
    std::uint64_t offset, length;
  };
  std::optional<FileItem> out_file_;  // goes after out_, before out_last_
  // The spool file: the worker appends at spool_written_, the loop has been handed bytes up to spool_handed_, and
  // the writer has sent them up to spool_sent_.
  const SpoolLimits* spool_limits_;
  int spool_fd_ = -1;
  std::uint64_t spool_written_ = 0, spool_handed_ = 0, spool_sent_ = 0;
  std::uint64_t spool_in_writer_ = 0;  // the range the loop's writer has not taken yet
  bool spool_failed_ = false;
  bool out_last_ = false;
  bool out_aborted_ = false;
  bool out_in_writer_ = false;  // the loop's writer is still busy with the previous batch
  bool post_pending_ = false;
  std::vector<std::function<void()>> deferred_posts_;  // post_locked()'s, sent once the PostingLock lets go
};

}  // namespace updraft
