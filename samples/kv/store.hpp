// Store: one shard's keys and string values with their expiry, owned by one loop thread (no locks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

namespace updraft::kv {

// A key with a deadline is gone from that millisecond on: lazily, when it is next looked at, or by expire_due().
class Store {
 public:
  // Milliseconds on a clock that never goes back; read only when a key has a deadline or gets one.
  using Clock = std::function<std::int64_t()>;
  static std::int64_t steady_ms();
  static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();  // a deadline: no expiry

  explicit Store(Clock clock = steady_ms) : clock_(std::move(clock)) {}

  std::int64_t now() const { return clock_(); }
  // Keys held, expired ones not yet removed included (Redis's DBSIZE counts them too).
  std::size_t size() const { return map_.size(); }
  void clear();

  // The value of key, or null if it is missing or expired (then it is removed). The pointer is valid until the
  // store next changes.
  std::string* find(std::string_view key);
  bool contains(std::string_view key) { return find(key) != nullptr; }

  // Sets key to value, with a deadline on the clock (or never); a key set again loses its old deadline.
  // With if_missing (NX) or if_present (XX) nothing happens, and false is returned, unless the key is so.
  enum class Condition { always, if_missing, if_present };
  bool set(std::string_view key, std::string_view value, std::int64_t deadline = never,
           Condition condition = Condition::always);
  // Removes key; false if it was missing or expired.
  bool erase(std::string_view key);

  // Adds delta to the decimal integer in key (a missing key counts as 0), keeping its deadline, as Redis's INCRBY.
  enum class IncrStatus { ok, not_integer, overflow };
  struct IncrResult {
    IncrStatus status;
    long long value;  // the new value when ok
  };
  IncrResult incr(std::string_view key, long long delta);

  // Gives key a deadline; one already due removes the key. False if the key is missing or expired.
  bool expire_at(std::string_view key, std::int64_t deadline);
  // Milliseconds until key expires: -1 if it has no deadline, -2 if it is missing or expired.
  std::int64_t ttl(std::string_view key);

  // For the loop's expiry timer: removes keys whose deadline has passed, looking at no more than budget scheduled
  // deadlines, and returns how many keys it removed. next_expiry() is when to call it next (on the clock; it may be
  // a deadline since moved or removed: an early call does no harm), none when no key has a deadline.
  std::size_t expire_due(std::size_t budget);
  std::optional<std::int64_t> next_expiry() const;
  // Deadlines held for expire_due(), out-of-date ones included: those are pruned when the count has doubled since the
  // last pruning (or reaches 64), and otherwise go when they come due.
  std::size_t scheduled() const { return heap_.size(); }

 private:
  struct Entry {
    Entry(std::string_view v, std::int64_t d) : value(v), deadline(d) {}
    std::string value;
    std::int64_t deadline;
  };
  // Keys are looked up by string_view without making a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept;
  };
  using Map = boost::unordered_flat_map<std::string, Entry, Hash, std::equal_to<>>;
  // A deadline as scheduled; out of date once the key is removed or its deadline changes (the entry then no longer
  // matches it) and dropped when it comes up or when the heap is pruned.
  struct Scheduled {
    std::int64_t deadline;
    std::string key;
    bool operator>(const Scheduled& other) const { return deadline > other.deadline; }
  };

  bool expired(const Entry& entry) const { return entry.deadline != never && entry.deadline <= clock_(); }
  Map::iterator find_live(std::string_view key);
  void schedule(const std::string& key, std::int64_t deadline);
  void prune();

  Clock clock_;
  Map map_;
  std::vector<Scheduled> heap_;  // a min-heap on deadline
  std::size_t prune_at_ = 64;    // heap size at which out-of-date deadlines are dropped
};

}  // namespace updraft::kv
