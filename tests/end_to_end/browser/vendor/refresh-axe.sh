#!/usr/bin/env bash
# Replace the vendored axe-core with a version from the npm registry: refresh-axe.sh [VERSION]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${1:-$(npm view axe-core version)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$version" >/dev/null && tar xzf axe-core-*.tgz)
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$work/package/LICENSE-3RD-PARTY.txt" "$here/axe-core/"
printf 'axe-core %s (npm package "axe-core", Deque Systems, MPL-2.0: LICENSE beside this file).\nRefresh: tests/end_to_end/browser/vendor/refresh-axe.sh\n' "$version" > "$here/axe-core/VERSION"
