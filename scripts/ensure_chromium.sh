#!/bin/sh
# Install Debian's chromium for the chat page's browser test when it is missing, as root only (CI and
# containers run as root); anyone else gets the command to run, and the test skips (fails under CI=true).
set -eu
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing: the browser test needs it (sudo apt-get install -y chromium)" >&2
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
