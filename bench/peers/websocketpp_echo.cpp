// websocketpp's echo server at its best (no locking, logging compiled out, TCP_NODELAY, one io_service thread), a peer
// in bench/ws_vs_peers.sh.
#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/logger/stub.hpp>
#include <websocketpp/server.hpp>

#include <cstdio>
#include <cstdlib>

// The asio config with the mutexes of concurrency::none, stub loggers and no strands (enable_multithreading false).
struct BenchConfig : websocketpp::config::asio {
  typedef BenchConfig type;
  typedef websocketpp::config::asio base;
  typedef websocketpp::concurrency::none concurrency_type;
  typedef websocketpp::log::stub elog_type;
  typedef websocketpp::log::stub alog_type;

  struct transport_config : base::transport_config {
    typedef type::concurrency_type concurrency_type;
    typedef type::alog_type alog_type;
    typedef type::elog_type elog_type;
    static const bool enable_multithreading = false;
  };
  typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;
};

using Server = websocketpp::server<BenchConfig>;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  boost::asio::io_service ios{1};
  Server server;
  server.init_asio(&ios);
  server.set_reuse_addr(true);
  server.set_tcp_pre_init_handler([&server](websocketpp::connection_hdl hdl) {  // accepted, before the handshake
    server.get_con_from_hdl(hdl)->get_socket().set_option(boost::asio::ip::tcp::no_delay(true));
  });
  server.set_message_handler([&server](websocketpp::connection_hdl hdl, Server::message_ptr message) {
    server.send(hdl, message);  // the received message itself: its payload and opcode, one copy fewer
  });
  server.listen(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                               static_cast<unsigned short>(std::atoi(argv[1]))));
  server.start_accept();
  server.run();
}
