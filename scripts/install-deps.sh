#!/usr/bin/env bash
# Installs the Debian packages updraft needs to build, test and benchmark; idempotent, does nothing when all are present.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  node-llhttp libre2-dev libssl-dev zlib1g-dev libsystemd-dev
  libbrotli-dev  # compress_response's br (native/content_encoding.cpp) and the unit tests' decoder
  libcli11-dev libspdlog-dev libfmt-dev
  libkainjow-mustache-dev  # templates (native/templates.cpp): kainjow's Mustache, header-only
  python3-dev python3-flask python3-django python3-venv
  catch2 python3-pytest python3-pytest-timeout python3-requests python3-websockets
  curl procps
  chromium chromium-driver python3-selenium  # the chat sample's browser tests (tests/e2e/test_chat_browser.py)
  systemd redis-tools python3-redis  # systemd-socket-activate; redis-cli and redis-py against the kv sample
  libhiredis-dev redis-server  # WebSocket topics across processes through Redis pub/sub
  nodejs node-ws  # Node's ws client in the WebSocket interoperability tests
  haproxy  # PROXY protocol v1/v2 from a real load balancer (tests/e2e/test_proxy_protocol.py)
  python3-tornado  # signed cookies and XSRF tokens checked against Tornado's (tests/e2e/test_native_cookies.py); bench peer
  python3-brotli  # decodes br responses in tests/e2e/test_native_compression.py
  dpkg-dev file  # cpack -G DEB: dpkg-shlibdeps finds the packages' dependencies (tests/e2e/test_install.py)
  openssl  # the certificates the TLS tests make (tests/e2e/test_tls.py, tests/core/net/tls_session_test.cpp)
  libpq-dev  # core/pg: PostgreSQL from native handlers (libpq's asynchronous API)
  postgresql python3-psycopg2  # the throwaway clusters of the PostgreSQL tests; the Django sample on PostgreSQL
  clang-14 libclang-rt-14-dev libfuzzer-14-dev  # the fuzz targets (scripts/fuzz.sh)
  nginx-light  # AsyncHTTPClient against nginx (tests/e2e/test_async_http_client_nginx.py); a bench peer too
)
if [[ "${1:-}" == "--bench" ]]; then
  PACKAGES+=(wrk gunicorn uwsgi-core uwsgi-plugin-python3 python3-waitress util-linux
             libwebsocketpp-dev)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
