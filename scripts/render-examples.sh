#!/usr/bin/env bash
# Runs the two example experiments and converts their rasters to the PNGs
# the README shows (needs rsvg-convert: Debian's librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
for name in feedforward recurrent; do
  node bin/spiking.js run "examples/$name.json" --out "out/examples/$name" --force --quiet
  rsvg-convert "out/examples/$name/raster.svg" -o "docs/$name-raster.png"
done
echo "wrote docs/feedforward-raster.png and docs/recurrent-raster.png"
