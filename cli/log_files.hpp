// Log files: the error and access logs opened by path, reopened in place on SIGUSR1 (after logrotate moved them).
#pragma once

#include <memory>
#include <string>

#include <spdlog/sinks/sink.h>

namespace updraft {

// Opens path for appending (created 0644) and remembers it for reopen_log_files(); throws std::runtime_error naming
// `what` on failure. Returns the descriptor, which stays the same across reopens.
int open_log_file(const std::string& path, const char* what);
// Opens each remembered path afresh onto its descriptor (dup2), so writers keep writing to the same number but reach
// the file now at the path. Async-signal-safe.
void reopen_log_files();
// A spdlog sink writing each line to a descriptor with write(2) (so that reopen_log_files() redirects it).
std::shared_ptr<spdlog::sinks::sink> descriptor_sink(int fd);

}  // namespace updraft
