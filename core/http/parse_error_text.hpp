// What an llhttp error means, in words a person reading a 400 page understands.
#pragma once

namespace updraft {

// A sentence for llhttp's error number (an llhttp_errno_t) of a request; llhttp_reason, llhttp's own short text, for
// the errors it has no sentence for.
const char* parse_error_text(int llhttp_errno, const char* llhttp_reason);

}  // namespace updraft
