#!/usr/bin/env bash
# Installs the Debian packages the differential and interop suites need (Apache ZooKeeper 3.8
# as the reference and for zkCli, kazoo, a JDK and Curator for the Java interop test, netcat)
# and the netns fault suite needs (iproute2, iptables, python3 for netem-lite, faketime for the
# fault campaign's clock jumps), chromium for the dashboard's browser test (puppeteer-core
# drives it; that test skips without it), and openssl for
# the certificates the TLS tests make (ZooKeeper's Netty, for its TLS port, and kazoo's SASL
# library come with zookeeper and python3-kazoo), when they are
# missing and we are root. Without root it says what is missing; the ZooKeeper suites then
# fail with the same message, and the netns suite skips.
set -euo pipefail

readonly APT_PACKAGES=(zookeeper zookeeper-bin python3-kazoo default-jre-headless netcat-openbsd
  default-jdk-headless libcurator-recipes-java iproute2 iptables python3 openssl faketime
  chromium)

# True when every package is installed (dpkg -s also succeeds for removed-but-configured ones).
all_installed() {
  local package
  for package in "$@"; do
    [[ $(dpkg-query -W -f '${db:Status-Status}' "$package" 2>/dev/null) == installed ]] || return 1
  done
}

if ! command -v dpkg-query >/dev/null; then
  echo "ensure-test-deps: not a Debian system; install ZooKeeper 3.8 and kazoo by hand" >&2
  exit 0
fi
if all_installed "${APT_PACKAGES[@]}"; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "ensure-test-deps: missing Debian packages; run as root: apt-get install ${APT_PACKAGES[*]}" >&2
  exit 0
fi
echo "ensure-test-deps: installing ${APT_PACKAGES[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
dpkg-query -W -f '${Package} ${Version}\n' "${APT_PACKAGES[@]}"
