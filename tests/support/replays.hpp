// Cuts bytes into the pieces a connection may receive them in and replays them through any parser's Replay, for the
// parsers' unit tests and fuzz targets: the same bytes must give the same transcript however they are cut.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace updraft::testing {

// Replays bytes through a fresh Replay, made from config..., in the pieces a connection may receive them in, and
// returns its transcript. A Replay has feed(piece) (false once it stops taking bytes) and finish() (the transcript).
template <class Replay, class... Config>
struct Replays {
  static std::string run(const Config&... config, const std::vector<std::string_view>& pieces) {
    Replay replay(config...);
    for (std::string_view piece : pieces)
      if (!replay.feed(piece)) break;
    return replay.finish();
  }
  // The whole input in one piece, in pieces of `size` bytes, or cut once at `cut`.
  static std::string whole(const Config&... config, std::string_view data) { return run(config..., {data}); }
  static std::string in_pieces(const Config&... config, std::string_view data, std::size_t size) {
    std::vector<std::string_view> pieces;
    for (std::size_t i = 0; i < data.size(); i += size) pieces.push_back(data.substr(i, size));
    return run(config..., pieces);
  }
  static std::string cut_at(const Config&... config, std::string_view data, std::size_t cut) {
    return run(config..., {data.substr(0, cut), data.substr(cut)});
  }
  // The transcript of the whole input if cutting it in two (every cut_step bytes), byte by byte and in pieces of 3
  // all give it too; else what differed.
  static std::string every_way(const Config&... config, std::string_view data, std::size_t cut_step = 1) {
    const std::string transcript = whole(config..., data);
    auto differs = [&](const std::string& how, const std::string& other) {
      return "whole:\n" + transcript + how + ":\n" + other;
    };
    for (std::size_t cut = 0; cut <= data.size(); cut += cut_step)
      if (std::string other = cut_at(config..., data, cut); other != transcript)
        return differs("cut at " + std::to_string(cut), other);
    for (std::size_t size : {1, 3})
      if (std::string other = in_pieces(config..., data, size); other != transcript)
        return differs("pieces of " + std::to_string(size), other);
    return transcript;
  }
};

// Appends bytes to a transcript in double quotes, bytes outside printable ASCII (and the quote and backslash) as \xHH.
inline void append_quoted(std::string& transcript, std::string_view bytes) {
  transcript += '"';
  for (char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      transcript += c;
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      transcript += escaped;
    }
  }
  transcript += '"';
}

// For fuzz targets: aborts, printing both transcripts, unless they agree once normalized (normalize drops what may
// legitimately differ with the cut, such as an error's words).
inline void require_same(const std::string& whole, const std::string& other, const char* how,
                         std::string (*normalize)(const std::string&) = nullptr) {
  if (normalize ? normalize(whole) == normalize(other) : whole == other) return;
  std::fprintf(stderr, "transcripts differ\n--- whole:\n%s--- %s:\n%s", whole.c_str(), how, other.c_str());
  std::abort();
}

}  // namespace updraft::testing
