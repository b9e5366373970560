// Decimal integers as Redis reads them (its string2ll), for lengths in the protocol and numbers in commands and values.
#pragma once

#include <string_view>

namespace updraft::kv {

// Parses the whole of text as a signed 64-bit decimal: an optional '-', then digits with no leading zero ("0" itself
// aside), at most 20 characters. No '+', spaces or "-0". False if text is not such a number or is out of range.
bool parse_integer(std::string_view text, long long& value);

}  // namespace updraft::kv
