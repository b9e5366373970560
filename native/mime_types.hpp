// MIME types of static files by extension, from a small table in code (the types a web site serves; no
// /etc/mime.types, whose presence and contents vary from machine to machine).
#pragma once

#include <string_view>

namespace updraft {

// The Content-Type for a file name, by its extension (case-insensitive); application/octet-stream when unknown.
// Compressed files are application/gzip etc. whatever they hold, as Tornado answers (RFC 6713).
std::string_view mime_type_for(std::string_view filename);

}  // namespace updraft
