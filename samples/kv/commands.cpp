// The command table and handlers: Redis's replies and errors for the string commands a shard serves.
#include "samples/kv/commands.hpp"

#include <array>
#include <limits>
#include <cstdint>

#include "samples/kv/integer.hpp"
#include "samples/kv/reply.hpp"

namespace updraft::kv {

namespace {

using Handler = void (*)(Store&, Args, std::string&);

// Which arguments are keys: none, args[1] only, every one after the name, or every other one (key value pairs);
// every_shard: no key, but the command concerns the keys of all shards.
enum class Keys { none, first, each, pairs, every_shard };

struct Spec {
  std::string_view name;  // lower-case letters, as Redis names it in errors
  int arity;              // Redis's: the exact number of arguments with the name, or at least -arity if negative
  Keys keys;
  Merge merge;
  Handler run;
  After after = After::read_on;
};

// Whether arg is the keyword `lower` (lower-case letters) in any case: c | 0x20 is c in lower case for an ASCII
// letter, and a lower-case letter for no other byte.
bool is_keyword(std::string_view arg, std::string_view lower) {
  if (arg.size() != lower.size()) return false;
  for (std::size_t i = 0; i < arg.size(); ++i)
    if ((arg[i] | 0x20) != lower[i]) return false;
  return true;
}

void wrong_arity(std::string& out, std::string_view name) {
  reply::error(out, "wrong number of arguments for '" + std::string(name) + "' command");
}

void not_integer(std::string& out) { reply::error(out, "value is not an integer or out of range"); }

// The deadline now + amount * unit_ms, or false with the error reply: amount must be an integer (for SET, above 0)
// and the deadline must not overflow.
bool deadline_after(Store& store, std::string_view amount, long long unit_ms, bool positive, std::string_view command,
                    std::string& out, std::int64_t& deadline) {
  long long value = 0;
  if (!parse_integer(amount, value)) {
    not_integer(out);
    return false;
  }
  long long ms = 0;
  if ((positive && value <= 0) || __builtin_mul_overflow(value, unit_ms, &ms) ||
      __builtin_add_overflow(store.now(), ms, &deadline)) {
    reply::error(out, "invalid expire time in '" + std::string(command) + "' command");
    return false;
  }
  return true;
}

void ping(Store&, Args args, std::string& out) {
  if (args.size() > 2) return wrong_arity(out, "ping");
  if (args.size() == 2) return reply::bulk(out, args[1]);
  reply::simple(out, "PONG");
}

void echo(Store&, Args args, std::string& out) { reply::bulk(out, args[1]); }

// SET key value [NX|XX] [EX seconds|PX milliseconds], options in any order and case, as Redis parses them.
void set(Store& store, Args args, std::string& out) {
  using Condition = Store::Condition;
  Condition condition = Condition::always;
  long long unit_ms = 0;  // 1000 after EX, 1 after PX
  std::string_view expire;
  for (std::size_t i = 3; i < args.size(); ++i) {
    const std::string_view option = args[i];
    const bool has_value = i + 1 < args.size();
    if (is_keyword(option, "nx") && condition != Condition::if_present) {
      condition = Condition::if_missing;
    } else if (is_keyword(option, "xx") && condition != Condition::if_missing) {
      condition = Condition::if_present;
    } else if (is_keyword(option, "ex") && unit_ms != 1 && has_value) {
      unit_ms = 1000;
      expire = args[++i];
    } else if (is_keyword(option, "px") && unit_ms != 1000 && has_value) {
      unit_ms = 1;
      expire = args[++i];
    } else {
      return reply::error(out, "syntax error");
    }
  }
  std::int64_t deadline = Store::never;
  if (unit_ms != 0 && !deadline_after(store, expire, unit_ms, true, "set", out, deadline)) return;
  if (store.set(args[1], args[2], deadline, condition))
    reply::simple(out, "OK");
  else
    reply::nil(out);
}

void value_of(Store& store, std::string_view key, std::string& out) {
  if (const std::string* value = store.find(key))
    reply::bulk(out, *value);
  else
    reply::nil(out);
}

void get(Store& store, Args args, std::string& out) { value_of(store, args[1], out); }

void del(Store& store, Args args, std::string& out) {
  long long removed = 0;
  for (std::string_view key : args.subspan(1)) removed += store.erase(key);
  reply::integer(out, removed);
}

void exists(Store& store, Args args, std::string& out) {
  long long found = 0;
  for (std::string_view key : args.subspan(1)) found += store.contains(key);
  reply::integer(out, found);
}

void add_to(Store& store, std::string_view key, long long delta, std::string& out) {
  const Store::IncrResult result = store.incr(key, delta);
  switch (result.status) {
    case Store::IncrStatus::ok: return reply::integer(out, result.value);
    case Store::IncrStatus::not_integer: return not_integer(out);
    case Store::IncrStatus::overflow: return reply::error(out, "increment or decrement would overflow");
  }
}

void incr(Store& store, Args args, std::string& out) { add_to(store, args[1], 1, out); }
void decr(Store& store, Args args, std::string& out) { add_to(store, args[1], -1, out); }

// INCRBY and DECRBY key delta (redis-py's incr() and decr() send these).
void add_by(Store& store, Args args, std::string& out, bool negate) {
  long long delta = 0;
  if (!parse_integer(args[2], delta) || (negate && delta == std::numeric_limits<long long>::min()))
    return not_integer(out);
  add_to(store, args[1], negate ? -delta : delta, out);
}
void incrby(Store& store, Args args, std::string& out) { add_by(store, args, out, false); }
void decrby(Store& store, Args args, std::string& out) { add_by(store, args, out, true); }

void mget(Store& store, Args args, std::string& out) {
  reply::array(out, args.size() - 1);
  for (std::string_view key : args.subspan(1)) value_of(store, key, out);
}

void mset(Store& store, Args args, std::string& out) {
  for (std::size_t i = 1; i < args.size(); i += 2) store.set(args[i], args[i + 1]);
  reply::simple(out, "OK");
}

// EXPIRE key seconds (PEXPIRE: milliseconds): a time not in the future removes the key, as in Redis.
void expire_in(Store& store, Args args, std::string& out, long long unit_ms, std::string_view command) {
  std::int64_t deadline = 0;
  if (deadline_after(store, args[2], unit_ms, false, command, out, deadline))
    reply::integer(out, store.expire_at(args[1], deadline));
}
void expire(Store& store, Args args, std::string& out) { expire_in(store, args, out, 1000, "expire"); }
void pexpire(Store& store, Args args, std::string& out) { expire_in(store, args, out, 1, "pexpire"); }

// TTL key: seconds, rounded, as Redis's TTL (PTTL: milliseconds); -1 without a deadline, -2 for no key.
void ttl(Store& store, Args args, std::string& out) {
  const std::int64_t ms = store.ttl(args[1]);
  reply::integer(out, ms < 0 ? ms : (ms + 500) / 1000);
}
void pttl(Store& store, Args args, std::string& out) { reply::integer(out, store.ttl(args[1])); }

void dbsize(Store& store, Args, std::string& out) { reply::integer(out, static_cast<long long>(store.size())); }

void flushall(Store& store, Args args, std::string& out) {
  if (args.size() > 2 || (args.size() == 2 && !is_keyword(args[1], "async") && !is_keyword(args[1], "sync")))
    return reply::error(out, "syntax error");
  store.clear();
  reply::simple(out, "OK");
}

void quit(Store&, Args, std::string& out) { reply::simple(out, "OK"); }

// COMMAND DOCS, COMMAND COUNT...: a server may answer an empty array, and redis-cli then uses its own help.
void command(Store&, Args, std::string& out) { reply::array(out, 0); }

// CONFIG GET: redis-benchmark reads save and appendonly before it starts; this server has neither.
void config(Store&, Args args, std::string& out) {
  if (!is_keyword(args[1], "get"))
    return reply::error(out, "unknown subcommand '" + std::string(args[1].substr(0, 128)) + "'. Try CONFIG HELP.");
  if (args.size() < 3) return wrong_arity(out, "config|get");
  static constexpr std::array<std::array<std::string_view, 2>, 2> kParameters{{{"save", ""}, {"appendonly", "no"}}};
  std::array<bool, kParameters.size()> asked{};
  std::size_t count = 0;
  for (std::size_t i = 0; i < kParameters.size(); ++i) {
    for (std::string_view name : args.subspan(2)) asked[i] = asked[i] || is_keyword(name, kParameters[i][0]);
    count += asked[i];
  }
  reply::array(out, 2 * count);
  for (std::size_t i = 0; i < kParameters.size(); ++i) {
    if (!asked[i]) continue;
    reply::bulk(out, kParameters[i][0]);
    reply::bulk(out, kParameters[i][1]);
  }
}

// The most frequent commands first: a lookup compares the name's length, then the name, in order.
constexpr Spec kSpecs[] = {
    {"get", 2, Keys::first, Merge::none, get},
    {"set", -3, Keys::first, Merge::none, set},
    {"incr", 2, Keys::first, Merge::none, incr},
    {"incrby", 3, Keys::first, Merge::none, incrby},
    {"decr", 2, Keys::first, Merge::none, decr},
    {"decrby", 3, Keys::first, Merge::none, decrby},
    {"mget", -2, Keys::each, Merge::array, mget},
    {"mset", -3, Keys::pairs, Merge::ok, mset},
    {"ping", -1, Keys::none, Merge::none, ping},
    {"del", -2, Keys::each, Merge::sum, del},
    {"exists", -2, Keys::each, Merge::sum, exists},
    {"expire", 3, Keys::first, Merge::none, expire},
    {"pexpire", 3, Keys::first, Merge::none, pexpire},
    {"ttl", 2, Keys::first, Merge::none, ttl},
    {"pttl", 2, Keys::first, Merge::none, pttl},
    {"echo", 2, Keys::none, Merge::none, echo},
    {"dbsize", 1, Keys::every_shard, Merge::sum, dbsize},
    {"flushall", -1, Keys::every_shard, Merge::ok, flushall},
    {"quit", -1, Keys::none, Merge::none, quit, After::close},
    {"command", -1, Keys::none, Merge::none, command},
    {"config", -2, Keys::none, Merge::none, config},
};

const Spec* find_spec(std::string_view name) {
  for (const Spec& spec : kSpecs)
    if (is_keyword(name, spec.name)) return &spec;
  return nullptr;
}

// Whether args has the spec's number of arguments (and whole key value pairs).
bool arity_fits(const Spec& spec, Args args) {
  const std::size_t n = args.size();
  const bool count_fits = spec.arity >= 0 ? n == static_cast<std::size_t>(spec.arity)
                                          : n >= static_cast<std::size_t>(-spec.arity);
  return count_fits && (spec.keys != Keys::pairs || n % 2 == 1);
}

// Redis's reply to an unknown command: its name and the start of its arguments, each cut to what fits in 128 bytes.
void unknown_command(Args args, std::string& out) {
  std::string text = "unknown command '" + std::string(args[0].substr(0, 128)) + "', with args beginning with: ";
  std::string quoted;
  for (std::size_t i = 1; i < args.size() && quoted.size() < 128; ++i) {
    const std::string_view shown = args[i].substr(0, 128 - quoted.size());
    quoted.append("'").append(shown).append("' ");
  }
  reply::error(out, text + quoted);
}

}  // namespace

After execute(Store& store, Args args, std::string& out) {
  const Spec* spec = find_spec(args[0]);
  if (spec == nullptr) {
    unknown_command(args, out);
    return After::read_on;
  }
  if (!arity_fits(*spec, args)) {
    wrong_arity(out, spec->name);
    return After::read_on;
  }
  spec->run(store, args, out);
  return spec->after;
}

Route route(Args args) {
  const Spec* spec = find_spec(args[0]);
  if (spec == nullptr || !arity_fits(*spec, args)) return {};
  switch (spec->keys) {
    case Keys::none: return {};
    case Keys::first: return {Route::Kind::keys, 1, 1, 2, Merge::none};
    case Keys::each: return {Route::Kind::keys, 1, 1, args.size(), spec->merge};
    case Keys::pairs: return {Route::Kind::keys, 1, 2, args.size(), spec->merge};
    case Keys::every_shard: return {Route::Kind::every_shard, 0, 1, 0, spec->merge};
  }
  return {};
}

}  // namespace updraft::kv
