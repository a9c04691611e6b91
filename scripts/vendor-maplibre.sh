#!/usr/bin/env bash
# Refresh the vendored MapLibre GL JS behind `roof serve` from the npm registry.
#
#   scripts/vendor-maplibre.sh 5.24.1
#
# The workbench must work with the network off and under a CSP with no external origin, so the map
# library ships inside the package. The 5.x line is pinned: its UMD build (dist/maplibre-gl.js)
# starts its worker from a blob: URL, which the page's CSP allows (`worker-src blob:`); 6.x ships
# only ES modules whose worker is loaded by URL as a module worker and would need another CSP.
# The sha256 of each vendored file is printed and recorded in VERSION, so a review sees what changed.
set -euo pipefail

version="${1:?usage: $0 VERSION (e.g. 5.24.1)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/securityroof/present/web/static/vendor/maplibre-gl"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "maplibre-gl@$version" >/dev/null)
tar -xzf "$work/maplibre-gl-$version.tgz" -C "$work" \
    package/dist/maplibre-gl.js package/dist/maplibre-gl.css package/LICENSE.txt

mkdir -p "$dest"
cp "$work/package/dist/maplibre-gl.js" "$work/package/dist/maplibre-gl.css" "$work/package/LICENSE.txt" "$dest/"
{
    echo "maplibre-gl $version"
    echo "source: npm registry, maplibre-gl-$version.tgz (dist/maplibre-gl.js, dist/maplibre-gl.css, LICENSE.txt)"
    echo "refresh: scripts/vendor-maplibre.sh VERSION"
    echo "sha256:"
    (cd "$dest" && sha256sum maplibre-gl.js maplibre-gl.css LICENSE.txt | sed 's/^/  /')
} >"$dest/VERSION"
cat "$dest/VERSION"
