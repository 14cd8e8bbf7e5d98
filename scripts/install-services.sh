#!/usr/bin/env bash
# Installs the Debian packages behind the real services the tests and the demo start.
# Needs root; does nothing for packages already present.
set -euo pipefail
want=(git openssl mariadb-server mariadb-client docker.io docker-registry prometheus busybox-static apache2-utils time iproute2)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "services: all packages present"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
