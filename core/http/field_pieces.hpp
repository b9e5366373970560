// FieldPieces: a parser's pieces of field names and values (llhttp splits them where its input was cut) into a
// HeaderList, for the request and the response parsers.
#pragma once

#include <string_view>

#include "core/http/headers.hpp"

namespace updraft {

class FieldPieces {
 public:
  // A piece of a name: the first one after a complete field begins the next field.
  void name(HeaderList& list, std::string_view piece) {
    if (!open_) {
      list.begin_field();
      open_ = true;
    }
    list.append_name(piece);
  }
  void name_done() { open_ = false; }
  void value(HeaderList& list, std::string_view piece) { list.append_value(piece); }
  void value_done(HeaderList& list) { list.end_field(); }
  void reset() { open_ = false; }

 private:
  bool open_ = false;
};

}  // namespace updraft
