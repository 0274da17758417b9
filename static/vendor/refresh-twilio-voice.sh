#!/usr/bin/env bash
# Replace the vendored Twilio Voice JavaScript SDK with a version from the npm registry:
#   static/vendor/refresh-twilio-voice.sh [VERSION]     (no VERSION: the one in VERSION, to check it)
# The router serves the SDK's own minified build as it is: no build step.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pinned="$(sed -n 's/^@twilio\/voice-sdk \([0-9.]*\).*/\1/p' "$here/twilio-voice/VERSION" 2>/dev/null || true)"
version="${1:-$pinned}"
[ -n "$version" ] || { echo "usage: $0 VERSION" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@twilio/voice-sdk@$version" >/dev/null && tar xzf twilio-voice-sdk-*.tgz)
mkdir -p "$here/twilio-voice"
cp "$work/package/dist/twilio.min.js" "$work/package/LICENSE.md" "$here/twilio-voice/"
sha="$(sha256sum "$here/twilio-voice/twilio.min.js" | cut -d' ' -f1)"
printf '@twilio/voice-sdk %s (npm package "@twilio/voice-sdk", Twilio Inc., Apache-2.0: LICENSE.md beside this file).\nFile: dist/twilio.min.js, sha256 %s\nRefresh: static/vendor/refresh-twilio-voice.sh VERSION\n' \
  "$version" "$sha" > "$here/twilio-voice/VERSION"
