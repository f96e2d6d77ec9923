#!/bin/sh
# Install the contract tools package.json pins (Spectral, Redocly, the AsyncAPI CLI) into node_modules/, exactly
# as package-lock.json has them: the step of `make install` that is not Python's.
#
# They need Node.js 20.19+ with its own npm: the machine's `nodejs` package brings both (Debian's separate `npm`
# package conflicts with it; Debian 12's own nodejs is 18, too old for Redocly CLI 2). Package scripts are not
# run: none of the three needs one, and one of their dependencies would send usage data from it.
set -eu
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
    scripts/ensure_system_packages.sh nodejs
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "$0: no npm beside node $(node --version 2>/dev/null || echo '(none)'): install Node.js 20.19+ with npm" >&2
    exit 1
fi
npm ci --ignore-scripts --no-audit --no-fund
