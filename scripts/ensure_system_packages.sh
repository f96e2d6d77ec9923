#!/bin/sh
# Install the Debian packages named as arguments that are not installed yet, e.g.
#   scripts/ensure_system_packages.sh nginx prometheus
# Installed packages are left alone (no apt-get at all when none is missing). Only root can install: anyone
# else is told what to run, and the script fails.
set -eu

missing=""
for package in "$@"; do
    if ! dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "$0: missing Debian packages:$missing; as root: apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update --quiet --quiet
# shellcheck disable=SC2086 # one argument per package
apt-get install --yes --quiet --quiet --no-install-recommends $missing
