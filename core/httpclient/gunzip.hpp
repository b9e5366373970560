// Decoding a gzip response body (Content-Encoding: gzip) with zlib, within a size limit.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace updraft::httpclient {

// The decoded bytes; nullopt if they would exceed max_size. std::runtime_error for bytes that are not gzip.
std::optional<std::string> gunzip(std::string_view compressed, std::uint64_t max_size);

}  // namespace updraft::httpclient
