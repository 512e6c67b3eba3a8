#!/bin/sh
# Install the Debian packages hivemon needs to build, run and test.
# Idempotent: quiet and fast when everything is already present.
set -eu

PKGS="make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev pkg-config
libinih-dev libjansson-dev libcurl4-openssl-dev libssl-dev libncurses-dev
libmicrohttpd-dev libpq-dev postgresql pgbouncer openssl
libcmocka-dev bats bats-assert bats-support jq tmux wrk python3 python3-yaml curl iproute2
prometheus prometheus-alertmanager clang-format nginx-light scdoc mandoc
libjemalloc2 libtcmalloc-minimal4 procps util-linux time redis-server redis-tools"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "hivemon: missing packages:$missing (run as root: sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Services from these packages are started by the tests themselves, on loopback.
apt-get install -y -qq --no-install-recommends $missing >/dev/null
