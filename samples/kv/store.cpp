// One shard's key-value map with lazy expiry and a heap of deadlines for the loop's expiry timer.
#include "samples/kv/store.hpp"

#include <algorithm>
#include <chrono>
#include <charconv>

#include <boost/container_hash/hash.hpp>

#include "samples/kv/integer.hpp"

namespace updraft::kv {

std::int64_t Store::steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::size_t Store::Hash::operator()(std::string_view key) const noexcept {
  return boost::hash_range(key.begin(), key.end());
}

void Store::clear() {
  map_.clear();
  heap_.clear();
  prune_at_ = 64;
}

Store::Map::iterator Store::find_live(std::string_view key) {
  auto it = map_.find(key);
  if (it != map_.end() && expired(it->second)) {
    map_.erase(it);
    return map_.end();
  }
  return it;
}

std::string* Store::find(std::string_view key) {
  auto it = find_live(key);
  return it == map_.end() ? nullptr : &it->second.value;
}

bool Store::set(std::string_view key, std::string_view value, std::int64_t deadline, Condition condition) {
  auto it = find_live(key);
  const bool present = it != map_.end();
  if ((condition == Condition::if_missing && present) || (condition == Condition::if_present && !present)) return false;
  if (present) {
    it->second.value.assign(value);
    it->second.deadline = deadline;
  } else {
    it = map_.try_emplace(std::string(key), value, deadline).first;
  }
  if (deadline != never) schedule(it->first, deadline);
  return true;
}

bool Store::erase(std::string_view key) {
  auto it = find_live(key);
  if (it == map_.end()) return false;
  map_.erase(it);
  return true;
}

Store::IncrResult Store::incr(std::string_view key, long long delta) {
  auto it = find_live(key);
  long long value = 0;
  if (it != map_.end() && !parse_integer(it->second.value, value)) return {IncrStatus::not_integer, 0};
  if (__builtin_add_overflow(value, delta, &value)) return {IncrStatus::overflow, 0};
  char digits[24];
  const auto written = std::to_chars(digits, digits + sizeof digits, value).ptr;
  const std::string_view text(digits, static_cast<std::size_t>(written - digits));
  if (it == map_.end())
    map_.try_emplace(std::string(key), text, never);
  else
    it->second.value.assign(text);
  return {IncrStatus::ok, value};
}

bool Store::expire_at(std::string_view key, std::int64_t deadline) {
  auto it = find_live(key);
  if (it == map_.end()) return false;
  if (deadline <= clock_()) {
    map_.erase(it);
  } else {
    it->second.deadline = deadline;
    schedule(it->first, deadline);
  }
  return true;
}

std::int64_t Store::ttl(std::string_view key) {
  auto it = find_live(key);
  if (it == map_.end()) return -2;
  if (it->second.deadline == never) return -1;
  return it->second.deadline - clock_();
}

std::size_t Store::expire_due(std::size_t budget) {
  const std::int64_t now = clock_();
  std::size_t removed = 0;
  for (; budget > 0 && !heap_.empty() && heap_.front().deadline <= now; --budget) {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    auto it = map_.find(heap_.back().key);
    if (it != map_.end() && it->second.deadline == heap_.back().deadline) {
      map_.erase(it);
      ++removed;
    }
    heap_.pop_back();
  }
  return removed;
}

std::optional<std::int64_t> Store::next_expiry() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;
}

void Store::schedule(const std::string& key, std::int64_t deadline) {
  heap_.push_back({deadline, key});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  if (heap_.size() >= prune_at_) prune();
}

// Drops the out-of-date deadlines (a key set with EX again and again leaves one each time). The next pruning waits
// until the heap has doubled, so pruning costs O(1) per scheduled deadline however many are out of date.
void Store::prune() {
  std::erase_if(heap_, [this](const Scheduled& s) {
    auto it = map_.find(s.key);
    return it == map_.end() || it->second.deadline != s.deadline;
  });
  std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
  prune_at_ = std::max<std::size_t>(64, 2 * heap_.size());
}

}  // namespace updraft::kv
