// Unit tests for Store: values, NX/XX, INCR's integers, deadlines with lazy and timed expiry on an injected clock.
#include <catch2/catch.hpp>

#include <climits>
#include <string>

#include "samples/kv/store.hpp"

using updraft::kv::Store;

namespace {
// A store whose clock the test sets.
struct Fixture {
  std::int64_t now = 1000;
  Store store{[this] { return now; }};
};
}  // namespace

TEST_CASE_METHOD(Fixture, "values are set, found, replaced and erased", "[kv][store]") {
  CHECK(store.find("k") == nullptr);
  CHECK(store.set("k", "v1"));
  REQUIRE(store.find("k") != nullptr);
  CHECK(*store.find("k") == "v1");
  CHECK(store.set("k", "a longer value than fits in a small string"));
  CHECK(*store.find("k") == "a longer value than fits in a small string");
  CHECK(store.size() == 1);
  CHECK(store.contains("k"));
  CHECK(store.erase("k"));
  CHECK_FALSE(store.erase("k"));
  CHECK_FALSE(store.contains("k"));
  CHECK(store.size() == 0);
}

TEST_CASE_METHOD(Fixture, "if_missing and if_present set only a missing or a present key", "[kv][store]") {
  CHECK_FALSE(store.set("k", "v", Store::never, Store::Condition::if_present));
  CHECK(store.find("k") == nullptr);
  CHECK(store.set("k", "v", Store::never, Store::Condition::if_missing));
  CHECK_FALSE(store.set("k", "w", Store::never, Store::Condition::if_missing));
  CHECK(*store.find("k") == "v");
  CHECK(store.set("k", "w", Store::never, Store::Condition::if_present));
  CHECK(*store.find("k") == "w");
  // An expired key counts as missing.
  store.set("e", "v", now + 5);
  now += 5;
  CHECK(store.set("e", "x", Store::never, Store::Condition::if_missing));
}

TEST_CASE_METHOD(Fixture, "a key is gone from its deadline on, whether or not the timer ran", "[kv][store]") {
  store.set("k", "v", now + 100);
  now += 99;
  CHECK(store.contains("k"));
  CHECK(store.ttl("k") == 1);
  now += 1;
  CHECK(store.size() == 1);  // still held until looked at
  CHECK(store.find("k") == nullptr);
  CHECK(store.size() == 0);
  CHECK(store.ttl("k") == -2);
}

TEST_CASE_METHOD(Fixture, "a key set again loses its deadline; INCR keeps it", "[kv][store]") {
  store.set("k", "1", now + 100);
  CHECK(store.ttl("k") == 100);
  CHECK(store.incr("k", 1).value == 2);
  CHECK(store.ttl("k") == 100);
  store.set("k", "v");
  CHECK(store.ttl("k") == -1);
  now += 1000;
  CHECK(store.contains("k"));
}

TEST_CASE_METHOD(Fixture, "expire_at sets a deadline; one already due removes the key", "[kv][store]") {
  CHECK_FALSE(store.expire_at("missing", now + 10));
  store.set("k", "v");
  CHECK(store.expire_at("k", now + 10));
  CHECK(store.ttl("k") == 10);
  CHECK(store.expire_at("k", now + 20));
  CHECK(store.ttl("k") == 20);
  CHECK(store.expire_at("k", now));
  CHECK(store.size() == 0);
}

TEST_CASE_METHOD(Fixture, "incr adds to decimal integers as Redis does", "[kv][store]") {
  using Status = Store::IncrStatus;
  CHECK(store.incr("n", 1).value == 1);
  CHECK(*store.find("n") == "1");
  CHECK(store.incr("n", 41).value == 42);
  CHECK(store.incr("n", -50).value == -8);
  CHECK(*store.find("n") == "-8");
  for (const char* bad : {"abc", "", " 1", "1 ", "+1", "01", "-0", "1.5", "99999999999999999999"}) {
    store.set("b", bad);
    CHECK(store.incr("b", 1).status == Status::not_integer);
    CHECK(*store.find("b") == bad);
  }
  store.set("max", std::to_string(LLONG_MAX));
  CHECK(store.incr("max", 1).status == Status::overflow);
  CHECK(*store.find("max") == std::to_string(LLONG_MAX));
  store.set("min", std::to_string(LLONG_MIN));
  CHECK(store.incr("min", -1).status == Status::overflow);
  CHECK(store.incr("min", 1).value == LLONG_MIN + 1);
}

TEST_CASE_METHOD(Fixture, "expire_due removes due keys within its budget; next_expiry says when to come back", "[kv][store]") {
  CHECK_FALSE(store.next_expiry());
  for (int i = 0; i < 10; ++i) store.set("k" + std::to_string(i), "v", now + 10 + i);
  store.set("forever", "v");
  CHECK(store.next_expiry() == now + 10);
  CHECK(store.expire_due(100) == 0);  // nothing due yet
  now += 14;                          // k0..k4 due
  CHECK(store.expire_due(3) == 3);
  CHECK(store.size() == 8);
  CHECK(store.next_expiry() == now - 1);  // k3
  CHECK(store.expire_due(100) == 2);
  CHECK(store.size() == 6);
  CHECK(store.next_expiry() == now + 1);
  now += 100;
  CHECK(store.expire_due(100) == 5);
  CHECK(store.size() == 1);
  CHECK(store.contains("forever"));
  CHECK_FALSE(store.next_expiry());
}

TEST_CASE_METHOD(Fixture, "an out-of-date deadline removes nothing", "[kv][store]") {
  store.set("moved", "v", now + 10);
  store.expire_at("moved", now + 50);  // later
  store.set("persisted", "v", now + 10);
  store.set("persisted", "v");         // no deadline now
  store.set("erased", "v", now + 10);
  store.erase("erased");
  store.set("erased", "again");        // a new key of the same name
  now += 10;
  CHECK(store.expire_due(100) == 0);
  CHECK(store.size() == 3);
  now += 40;
  CHECK(store.expire_due(100) == 1);
  CHECK_FALSE(store.contains("moved"));
  CHECK(store.contains("persisted"));
  CHECK(store.contains("erased"));
}

TEST_CASE_METHOD(Fixture, "deadlines set again and again do not pile up", "[kv][store]") {
  for (int i = 0; i < 100000; ++i) store.set("k", "v", now + 1000 + i);
  CHECK(store.scheduled() <= 64);
  for (int i = 0; i < 100000; ++i) {
    store.set("k" + std::to_string(i % 100), "v", now + 1000 + i);
    store.erase("k" + std::to_string((i + 50) % 100));
  }
  CHECK(store.scheduled() <= 2 * 101 + 64);
  now += 1000000;
  store.expire_due(1000);
  CHECK(store.scheduled() == 0);
  CHECK(store.size() == 0);
}

TEST_CASE_METHOD(Fixture, "clear removes every key and deadline", "[kv][store]") {
  store.set("a", "v", now + 10);
  store.set("b", "v");
  store.clear();
  CHECK(store.size() == 0);
  CHECK_FALSE(store.next_expiry());
}

TEST_CASE("the default clock is the steady clock in milliseconds", "[kv][store]") {
  Store store;
  const std::int64_t before = Store::steady_ms();
  store.set("k", "v", store.now() + 60000);
  CHECK(store.ttl("k") > 59000);
  CHECK(store.now() >= before);
}
