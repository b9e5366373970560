// Metrics: process-wide counters, gauges and latency histograms, rendered in Prometheus text format by the native
// /metrics endpoint.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/net/latency_histogram.hpp"

namespace updraft {

class Metrics {
 public:
  static Metrics& instance();

  void count_response(int status) {
    if (status >= 100 && status < 600) responses_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
  }
  void count_deferred_reads(std::size_t n) { deferred_reads_.fetch_add(n, std::memory_order_relaxed); }
  // A gauge or counter read when /metrics is scraped (e.g. the WSGI queue depth).
  void add_sampler(std::string name, std::string help, std::string type, std::function<double()> read);
  // The histogram of the series name{label="value"}, made on first use; it lives as long as the process.
  LatencyHistogram& histogram(std::string_view name, std::string_view help, std::string_view label,
                              std::string_view value);
  std::string render_prometheus();

 private:
  struct Sampler {
    std::string name, help, type;
    std::function<double()> read;
  };
  std::array<std::atomic<std::uint64_t>, 600> responses_{};
  std::atomic<std::uint64_t> deferred_reads_{0};
  struct Histogram {
    Histogram(std::string n, std::string h, std::string l) : name(std::move(n)), help(std::move(h)), labels(std::move(l)) {}
    std::string name, help, labels;
    LatencyHistogram histogram;
  };
  std::mutex mutex_;
  std::vector<Sampler> samplers_;
  std::deque<Histogram> histograms_;  // a deque: references to them stay valid
};

}  // namespace updraft
