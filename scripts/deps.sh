#!/usr/bin/env bash
# Installs the Debian 12 packages relance builds and tests with. Idempotent; skips apt when
# everything is already there.
set -euo pipefail
packages=(
  g++ cmake ninja-build pkg-config ccache ca-certificates
  libboost-dev liblua5.4-dev libre2-dev libyaml-cpp-dev libcpp-httplib-dev libspdlog-dev
  libsqlite3-dev libsqlitecpp-dev nlohmann-json3-dev libssl-dev libvalijson-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev libhowardhinnant-date-dev tzdata
  libidn2-dev libphonenumber-dev libjemalloc-dev prometheus-cpp-dev libgmime-3.0-dev libsodium-dev
  wrk curl openssl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
