// KvConnection: pipelined commands run at once on this loop's shard, or as parts posted to the shards that own their
// keys; replies go out in command order.
#include "samples/kv/kv_connection.hpp"

#include <algorithm>

#include "core/net/loop.hpp"
#include "samples/kv/kv_server.hpp"
#include "samples/kv/reply.hpp"

namespace updraft::kv {

namespace {
// A client that pipelines without reading its replies is not read from while this much output waits for it.
constexpr std::size_t kMaxQueuedOutput = 1 << 20;
}  // namespace

KvConnection::KvConnection(KvServer& server, std::size_t loop, Stream& stream)
    : server_(server), loop_(loop), stream_(stream), parser_(server.options().resp) {}

void KvConnection::on_data(Stream&) {
  while (!closing_) {
    if (stream_.write_buffer_size() > kMaxQueuedOutput) {
      stream_.stop_reading();
      stream_.write({}, [this] { stream_.start_reading(); });
      break;
    }
    RespParser::Result r = parser_.parse(stream_.buffered(), args_);
    if (r.status == RespParser::Status::command) run(args_);  // before consume(): args_ are views into the input
    stream_.consume(r.consumed);
    if (r.status == RespParser::Status::command) continue;
    if (r.status == RespParser::Status::need_more) {
      if (r.needed > 0) stream_.reserve(r.needed);  // a large argument arrives in one piece
      break;
    }
    Pending& bad = pending_.emplace_back(Pending{next_sequence_++, {}, {}, {}, 0, {}, true});
    reply::error(bad.reply, r.error);  // a malformed frame: the answer, then the connection closes
    break;
  }
  if (stream_.at_end() && !closing_) pending_.emplace_back(Pending{next_sequence_++, {}, {}, {}, 0, {}, true});
  flush_ready();
}

void KvConnection::run(Args args) {
  Route route;
  if (server_.loop_count() > 1) {
    route = kv::route(args);
    if (route.kind == Route::Kind::keys) {
      bool all_here = true;
      for (std::size_t p = route.first; p < route.end && all_here; p += route.step)
        all_here = server_.shard_of(args[p]) == loop_;
      if (all_here) route = Route{};
    }
  }
  if (route.kind != Route::Kind::local) return send_parts(args, route);
  if (pending_.empty()) {  // the common case: the reply goes straight to the output
    if (execute(server_.store(loop_), args, stream_.output()) == After::close) {
      closing_ = true;
      stream_.close_after_writes();
    }
    return;
  }
  Pending& p = pending_.emplace_back(Pending{next_sequence_++, route, {}, {}, 0, {}, false});
  p.close_after = execute(server_.store(loop_), args, p.reply) == After::close;
}

// Splits a command by the shards of its keys (or sends it to every shard) and posts each part to its loop; each
// reply is posted back here. The stream is referenced for each part, on this loop, until its reply is back.
void KvConnection::send_parts(Args args, const Route& route) {
  Pending& p = pending_.emplace_back(Pending{next_sequence_++, route, {}, {}, 0, {}, false});
  std::vector<std::vector<std::string>> commands;
  std::vector<std::size_t> shards;
  if (route.kind == Route::Kind::every_shard) {
    for (std::size_t s = 0; s < server_.loop_count(); ++s) {
      commands.emplace_back(args.begin(), args.end());
      shards.push_back(s);
    }
  } else if (route.merge == Merge::none) {  // a single-key command runs whole on its key's shard
    commands.emplace_back(args.begin(), args.end());
    shards.push_back(server_.shard_of(args[route.first]));
  } else {
    for (std::size_t pos = route.first; pos < route.end; pos += route.step) {
      std::size_t shard = server_.shard_of(args[pos]);
      auto at = std::find(shards.begin(), shards.end(), shard);
      if (at == shards.end()) {
        shards.push_back(shard);
        commands.push_back({std::string(args[0])});
        at = shards.end() - 1;
      }
      std::size_t part = static_cast<std::size_t>(at - shards.begin());
      for (std::size_t i = pos; i < pos + route.step; ++i) commands[part].emplace_back(args[i]);
      p.key_parts.push_back(part);
    }
  }
  p.parts.resize(commands.size());
  p.outstanding = commands.size();
  for (std::size_t part = 0; part < commands.size(); ++part) {
    intrusive_ptr_add_ref(&stream_);
    server_.loop(shards[part]).post([server = &server_, shard = shards[part], home = loop_, stream = &stream_,
                                     sequence = p.sequence, part, command = std::move(commands[part])] {
      std::vector<std::string_view> views(command.begin(), command.end());
      std::string reply;
      execute(server->store(shard), views, reply);
      server->loop(home).post([stream, sequence, part, reply = std::move(reply)]() mutable {
        StreamRef adopted(stream, false);
        if (adopted->closed()) return;
        static_cast<KvConnection*>(adopted->handler())->part_done(sequence, part, std::move(reply));
      });
    });
  }
}

void KvConnection::part_done(std::uint64_t sequence, std::size_t part, std::string reply) {
  Pending& p = pending_[static_cast<std::size_t>(sequence - pending_.front().sequence)];
  p.parts[part] = std::move(reply);
  if (--p.outstanding > 0) return;
  std::vector<std::string_view> parts(p.parts.begin(), p.parts.end());
  merge_replies(p.route.merge, parts, p.key_parts, p.reply);
  flush_ready();
}

// Writes the replies that are complete, up to the first one still waiting for a shard.
void KvConnection::flush_ready() {
  while (!pending_.empty() && pending_.front().outstanding == 0 && !closing_) {
    stream_.output().append(pending_.front().reply);
    if (pending_.front().close_after) {
      closing_ = true;
      stream_.close_after_writes();
    }
    pending_.pop_front();
  }
  stream_.write({});
}

}  // namespace updraft::kv
