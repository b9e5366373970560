// ResponseSpool: response bytes a slow client has not taken yet, kept by the loop (in memory up to a limit, then in
// an unlinked temporary file) so that the WSGI thread that produced them is free at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace updraft {

struct SpoolLimits {
  std::size_t memory = 256 * 1024;     // bytes kept in memory per response before the file is used
  std::uint64_t max = std::uint64_t{1} << 30;  // bytes spooled in all, past which the app waits for the client
  std::string dir;                     // where the temporary file goes; empty: $TMPDIR, else /tmp
};

class ResponseSpool {
 public:
  // One piece to hand to the writer, in order: bytes, or a range of a file whose descriptor the writer now owns.
  struct Piece {
    std::string data;
    int fd = -1;
    std::uint64_t offset = 0, length = 0;
  };

  explicit ResponseSpool(const SpoolLimits& limits) : limits_(limits) {}
  ~ResponseSpool();
  ResponseSpool(const ResponseSpool&) = delete;
  ResponseSpool& operator=(const ResponseSpool&) = delete;

  bool empty() const { return next_ == items_.size(); }
  // True when the producer should wait: the spool holds its maximum, or the temporary file could not be written.
  bool full() const { return bytes_ >= limits_.max || file_failed_; }
  std::uint64_t bytes() const { return bytes_; }

  void push(std::string_view data);
  // Queues a range of an open file (the spool owns fd until it is popped).
  void push_file(int fd, std::uint64_t offset, std::uint64_t length);
  // Takes the oldest piece; call only when !empty().
  Piece pop();

 private:
  struct Item {
    enum class Kind { memory, spool_file, file } kind;
    std::string data;                    // memory
    int fd = -1;                         // file
    std::uint64_t offset = 0, length = 0;  // spool_file and file
  };
  bool append_to_file(std::string_view data);
  bool open_file();

  const SpoolLimits& limits_;
  std::vector<Item> items_;         // a vector, not a deque: an unused spool allocates nothing
  std::size_t next_ = 0;            // items_[next_] is the oldest queued
  std::uint64_t bytes_ = 0;         // everything queued
  std::size_t memory_bytes_ = 0;    // queued in memory
  int file_ = -1;                   // the spool file, written at file_end_
  std::uint64_t file_end_ = 0;
  bool file_failed_ = false;
};

}  // namespace updraft
