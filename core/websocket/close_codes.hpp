// The WebSocket close codes (RFC 6455 7.4.1) and which of them a Close frame may carry.
#pragma once

#include <cstdint>

namespace updraft::websocket {

inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kCloseNoStatus = 1005;  // a Close frame without a code; never sent as a code
inline constexpr std::uint16_t kCloseAbnormal = 1006;  // the connection ended without a Close frame; never sent
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kClosePolicyViolation = 1008;
inline constexpr std::uint16_t kCloseMessageTooBig = 1009;
inline constexpr std::uint16_t kCloseMandatoryExtension = 1010;
inline constexpr std::uint16_t kCloseInternalError = 1011;

// A code a Close frame may carry (RFC 6455 7.4): the protocol's 1000-1003 and 1007-1011, and 3000-4999 for
// libraries, frameworks and applications. 1004 is reserved, 1005, 1006 and 1015 are only ever reported locally, the
// rest below 3000 is unassigned and 5000 and up is out of range.
constexpr bool valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) || (code >= 3000 && code <= 4999);
}

}  // namespace updraft::websocket
