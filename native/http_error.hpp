// HTTPError: throw it anywhere in a handler to answer with that status (Tornado's tornado.web.HTTPError).
#pragma once

#include <stdexcept>
#include <string>

namespace updraft {

class HTTPError : public std::runtime_error {
 public:
  explicit HTTPError(int status, std::string log_message = {}, std::string reason = {})
      : std::runtime_error(log_message.empty() ? "HTTP " + std::to_string(status) : log_message),
        status_(status),
        reason_(std::move(reason)) {}
  int status() const { return status_; }
  // A custom reason phrase for the body; empty means the standard one.
  const std::string& reason() const { return reason_; }

 private:
  int status_;
  std::string reason_;
};

}  // namespace updraft
