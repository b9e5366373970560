// The native notes list: one bound query on the loop's pool, rows turned into JSON with Boost.JSON.
#include "samples/mixed/notes_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace updraft {

namespace {
pg::Database* notes_database = nullptr;

// Newest first, as Django's Note.Meta.ordering; created in UTC to the millisecond, as the Django view writes it.
constexpr const char* latest_notes =
    "select id, title, body, to_char(created at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
    "from notes_note order by created desc, id desc limit $1";

struct NotesJsonHandler : RequestHandler {
  Task<> get() {
    pg::Result rows;
    try {
      rows = co_await notes_database->pool(loop()).query(latest_notes, 20);
    } catch (const pg::Error& e) {
      if (e.kind() == pg::Error::Kind::connection || e.kind() == pg::Error::Kind::timeout)
        throw HTTPError(503, e.what(), "Database unavailable");
      throw;
    }
    boost::json::array notes;
    notes.reserve(rows.size());
    for (pg::Row row : rows) {
      notes.push_back(boost::json::object{{"id", row.get<std::int64_t>(0)},
                                          {"title", row.get<std::string_view>(1)},
                                          {"body", row.get<std::string_view>(2)},
                                          {"created", row.get<std::string_view>(3)}});
    }
    set_header("Content-Type", "application/json");
    write(boost::json::serialize(notes));
  }
};
}  // namespace

void add_notes_json_route(Application& app, std::string_view path, pg::Database& database) {
  notes_database = &database;
  app.add<NotesJsonHandler>(path);
}

}  // namespace updraft
