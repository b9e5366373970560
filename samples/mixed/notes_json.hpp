// GET /native/notes.json: the Django sample's latest 20 notes, read from its PostgreSQL table (notes_note) through
// core/pg on the loop, as the same JSON list Django's /notes.json answers with.
#pragma once

#include <string_view>

#include "core/pg/database.hpp"
#include "native/application.hpp"

namespace updraft {

// Adds the route at path, reading from database (which must outlive the application's requests).
void add_notes_json_route(Application& app, std::string_view path, pg::Database& database);

}  // namespace updraft
