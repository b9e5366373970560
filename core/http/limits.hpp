// Limits and timeouts a server enforces on every connection, with defaults a gunicorn or nginx user expects.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace updraft {

struct Limits {
  // The head limits stay below this: the parser counts head bytes in 32 bits.
  static constexpr std::size_t max_head_limit = std::size_t{1} << 30;
  std::size_t max_request_line = 8190;        // 414 past this (gunicorn --limit-request-line)
  std::size_t max_header_count = 100;         // 431 past this (gunicorn --limit-request-fields)
  std::size_t max_header_field_size = 8190;   // 431 for one field past this (--limit-request-field_size)
  std::size_t max_header_bytes = 64 * 1024;   // 431 past this, all fields together
  std::uint64_t max_body_size = 100u << 20;   // 413 past this (Tornado's max_body_size)
  std::size_t max_chunk_extension_bytes = 1024;  // 400 past this, per chunk
};

struct Timeouts {
  using seconds = std::chrono::duration<double>;
  seconds header{20};    // whole request head, from its first byte (slowloris)
  seconds body{60};      // between two reads of the body
  seconds idle{75};      // keep-alive connection with no request
  seconds write{60};     // between two writes making progress
  seconds graceful{30};  // shutdown: how long in-flight requests may take
};

}  // namespace updraft
