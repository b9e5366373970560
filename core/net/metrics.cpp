// Metrics: relaxed atomic counters per status, plus registered samplers, rendered on demand.
#include "core/net/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace updraft {

Metrics& Metrics::instance() {
  static Metrics metrics;
  return metrics;
}

void Metrics::add_sampler(std::string name, std::string help, std::string type, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  samplers_.push_back({std::move(name), std::move(help), std::move(type), std::move(read)});
}

LatencyHistogram& Metrics::histogram(std::string_view name, std::string_view help, std::string_view label,
                                     std::string_view value) {
  std::string labels = fmt::format("{}=\"", label);
  for (char c : value) {  // the text format's escapes
    if (c == '\\' || c == '"') labels += '\\';
    labels += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  labels += '"';
  std::lock_guard lock(mutex_);
  for (Histogram& h : histograms_)
    if (h.name == name && h.labels == labels) return h.histogram;
  return histograms_.emplace_back(std::string(name), std::string(help), std::move(labels)).histogram;
}

std::string Metrics::render_prometheus() {
  std::string out =
      "# HELP updraft_responses_total Responses sent, by status code.\n"
      "# TYPE updraft_responses_total counter\n";
  for (std::size_t status = 100; status < responses_.size(); ++status) {
    std::uint64_t n = responses_[status].load(std::memory_order_relaxed);
    if (n) out += fmt::format("updraft_responses_total{{status=\"{}\"}} {}\n", status, n);
  }
  out += fmt::format(
      "# HELP updraft_keepalive_reads_deferred_total Keep-alive reads a saturated loop started after its turn.\n"
      "# TYPE updraft_keepalive_reads_deferred_total counter\n"
      "updraft_keepalive_reads_deferred_total {}\n",
      deferred_reads_.load(std::memory_order_relaxed));
  std::lock_guard lock(mutex_);
  for (auto& s : samplers_)
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", s.name, s.help, s.type, s.read());
  // Each histogram's name once, all its series after it.
  std::vector<const std::string*> names;
  for (const Histogram& h : histograms_)
    if (std::none_of(names.begin(), names.end(), [&](const std::string* n) { return *n == h.name; }))
      names.push_back(&h.name);
  for (const std::string* name : names) {
    bool declared = false;
    for (const Histogram& h : histograms_) {
      if (h.name != *name) continue;
      if (!std::exchange(declared, true)) out += fmt::format("# HELP {0} {1}\n# TYPE {0} histogram\n", h.name, h.help);
      h.histogram.render(out, h.name, h.labels);
    }
  }
  return out;
}

}  // namespace updraft
