#!/usr/bin/env bash
# The dashboard in a real browser (crates/web/tests/browser.rs): installs Debian's Chromium
# and chromedriver when missing. With `--run`, also runs the browser test alone with the
# browser required (a missing browser fails instead of skipping); screenshots of each step go
# to target/screenshots/. .ci/run calls it without `--run` and sets QUARTIER_REQUIRE_BROWSER=1
# for the workspace test command, which includes the browser test.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi
/usr/bin/chromium --version 2>/dev/null || true
/usr/bin/chromedriver --version

if [ "${1:-}" = "--run" ]; then
  QUARTIER_REQUIRE_BROWSER=1 cargo test -p quartier-web --locked --test browser -- --nocapture
  echo "screenshots: $(pwd)/target/screenshots"
fi
