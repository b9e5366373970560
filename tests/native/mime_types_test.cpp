// Unit tests for the MIME table: known extensions in any case, and octet-stream for the rest.
#include <catch2/catch.hpp>

#include "native/mime_types.hpp"

using updraft::mime_type_for;

TEST_CASE("MIME types by extension", "[static]") {
  CHECK(mime_type_for("admin/css/base.css") == "text/css");
  CHECK(mime_type_for("index.HTML") == "text/html");
  CHECK(mime_type_for("app.js") == "text/javascript");
  CHECK(mime_type_for("logo.svg") == "image/svg+xml");
  CHECK(mime_type_for("font.woff2") == "font/woff2");
  CHECK(mime_type_for("archive.tar.gz") == "application/gzip");
  CHECK(mime_type_for("a.7z") == "application/x-7z-compressed");
  CHECK(mime_type_for("README") == "application/octet-stream");
  CHECK(mime_type_for("dir.css/file") == "application/octet-stream");
  CHECK(mime_type_for("trailing.") == "application/octet-stream");
  CHECK(mime_type_for("x.unknownext") == "application/octet-stream");
}
