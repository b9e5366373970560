// Unit tests for the per-loop pools of request heads and write buffers: reuse, and no memory pinned by one large request.
#include <catch2/catch.hpp>

#include <string>

#include "core/http/request_head.hpp"
#include "core/net/pool.hpp"

using updraft::Pool;
using updraft::RequestHead;

TEST_CASE("a pooled head is reused while it stays small", "[pool]") {
  Pool<RequestHead> pool(4, RequestHead::kMaxPooledBytes);
  auto head = pool.acquire();
  head->target = "/path";
  head->headers.add("Host", "a");
  head->clear();
  RequestHead* kept = head.get();
  pool.release(std::move(head));
  CHECK(pool.acquire().get() == kept);
}

TEST_CASE("a head grown by a large request is freed, not pooled", "[pool]") {
  Pool<RequestHead> pool(4, RequestHead::kMaxPooledBytes);
  auto head = pool.acquire();
  head->headers.add("X-Big", std::string(60000, 'A'));
  head->clear();
  CHECK(head->retained_bytes() > RequestHead::kMaxPooledBytes);
  pool.release(std::move(head));
  CHECK(pool.acquire()->retained_bytes() <= RequestHead::kMaxPooledBytes);
}

TEST_CASE("a write buffer grown past the mark is freed, not pooled", "[pool]") {
  Pool<std::string> pool(4, 64 * 1024);
  auto small = pool.acquire();
  small->assign(1000, 'x');
  small->clear();
  std::string* kept = small.get();
  pool.release(std::move(small));
  auto big = pool.acquire();
  CHECK(big.get() == kept);
  big->assign(1 << 20, 'x');
  big->clear();
  pool.release(std::move(big));
  CHECK(pool.acquire()->capacity() < 64 * 1024);
}
