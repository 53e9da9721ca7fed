// Writes examples/data/digits.npy: eight 28 x 28 images of the digits 0-7,
// drawn as thick seven-segment strokes, uint8 intensities 0-255, shape
// (8, 784). A stand-in for MNIST that the repository can ship (no download).
// Run: node scripts/make-digits.js (after npm run build).
const path = require('node:path');
const { writeNpy } = require('..');

// Segments: a top, b upper right, c lower right, d bottom, e lower left, f upper left, g middle.
const DIGITS = ['abcdef', 'bc', 'abged', 'abgcd', 'fgbc', 'afgcd', 'afgedc', 'abc'];
const SEGMENTS = {
  a: [[8, 5], [19, 5]],
  b: [[20, 6], [20, 13]],
  c: [[20, 15], [20, 22]],
  d: [[8, 23], [19, 23]],
  e: [[7, 15], [7, 22]],
  f: [[7, 6], [7, 13]],
  g: [[8, 14], [19, 14]],
};

function distanceToSegment(x, y, [[x1, y1], [x2, y2]]) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x1 + t * dx), y - (y1 + t * dy));
}

const images = new Uint8Array(DIGITS.length * 784);
DIGITS.forEach((segments, digit) => {
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const d = Math.min(...[...segments].map((s) => distanceToSegment(x, y, SEGMENTS[s])));
      // Full intensity within 1 pixel of a stroke, fading to 0 at 2.5 pixels.
      const v = Math.max(0, Math.min(1, (2.5 - d) / 1.5));
      images[digit * 784 + y * 28 + x] = Math.round(255 * v);
    }
  }
});
const file = path.join(__dirname, '..', 'examples', 'data', 'digits.npy');
writeNpy(file, '|u1', [DIGITS.length, 784], images);
console.log(`wrote ${file}`);
