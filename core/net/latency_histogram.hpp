// LatencyHistogram: request durations counted into fixed buckets (Prometheus's histogram), lock-free to observe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace updraft {

class LatencyHistogram {
 public:
  // Upper bounds of the buckets in seconds, 100 us to 10 s; a last one holds the rest (+Inf).
  static constexpr std::array<double, 16> kBounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};

  void observe(std::chrono::steady_clock::duration took);
  // Appends the _bucket, _sum and _count lines of the series name{labels}.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace updraft
