// Fuzz target: the untrusted bytes of an Accept header. accept_quality never fails and stays within 0..1, and a
// header that grants a type exactly in full prefers it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "native/accept.hpp"

using namespace updraft;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;
  const std::string accept(reinterpret_cast<const char*>(data), size);
  for (const char* type : {"application/json", "text/html"}) {
    double q = accept_quality(accept, type);
    if (!(q >= 0 && q <= 1)) {
      std::fprintf(stderr, "accept_quality out of range: %f\n", q);
      std::abort();
    }
  }
  bool json_first = prefers_json(accept);
  if (prefers_json("application/json, " + accept) == false && json_first) std::abort();  // never less after a grant
  return 0;
}
