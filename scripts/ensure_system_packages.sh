#!/usr/bin/env bash
# Install the Debian packages that some tests run (`make test` calls this first), when they are missing.
# Only as root with apt-get (CI, containers): elsewhere it names what is missing, and those tests skip
# with the reason (with CI=true they fail instead).
set -euo pipefail

# program:package
needed=(
  "prometheus:prometheus"
  "promtool:prometheus"
)

missing=()
for entry in "${needed[@]}"; do
  program=${entry%%:*}
  package=${entry##*:}
  if ! command -v "$program" >/dev/null 2>&1 && [[ " ${missing[*]} " != *" $package "* ]]; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "missing Debian packages (not root, or no apt-get): ${missing[*]}; the tests that need them skip" >&2
fi
