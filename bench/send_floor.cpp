// send_floor: what one send(2) per subscriber costs on this machine with nothing else: N loopback TCP connections,
// then rounds of one 66-byte send (a 64-byte WebSocket message) to each, timed; the floor under a publish's fan-out.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int connections = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 || listen(listener, 4096) < 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) < 0) {
    std::perror("send_floor: listen");
    return 1;
  }
  std::vector<int> clients, servers;
  for (int i = 0; i < connections; ++i) {
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 || connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
      std::fprintf(stderr, "send_floor: connection %d of %d: ", i + 1, connections);
      std::perror("");  // RLIMIT_NOFILE must allow two descriptors per connection
      return 1;
    }
    int server = accept(listener, nullptr, nullptr);
    int one = 1;
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    clients.push_back(client);
    servers.push_back(server);
  }
  char message[66] = {};
  char sink[256];
  for (int round = 0; round < rounds; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (int server : servers) send(server, message, sizeof message, MSG_NOSIGNAL | MSG_DONTWAIT);
    std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    std::printf("%d sends: %.1f ms, %.2f us each\n", connections, took.count() / 1000, took.count() / connections);
    for (int client : clients) recv(client, sink, sizeof sink, MSG_DONTWAIT);
  }
}
