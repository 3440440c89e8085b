// Draws the tray icons (issue 14) so they can be made again: a rounded square with a cross (the app's mark),
// in colour for Windows (ICO with 16 and 32 px) and Linux (PNG), as a black-and-alpha template for the macOS
// menu bar (16 px and @2x; macOS tints templates itself), each also with a dot for missed calls.
// Run: node scripts/trayIcons.mjs (writes assets/tray*.png and assets/tray*.ico).
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const TEAL = [11, 110, 110, 255];
const WHITE = [255, 255, 255, 255];
const RED = [214, 40, 40, 255];
const BLACK = [0, 0, 0, 255];
const CLEAR = [0, 0, 0, 0];

/** One pixel of the mark at (x, y) in a size × size square, sampled 4× per axis for smooth edges. */
function pixel(size, x, y, { template, missed }) {
  const samples = [];
  for (let sy = 0; sy < 4; sy++)
    for (let sx = 0; sx < 4; sx++) {
      const u = (x + (sx + 0.5) / 4) / size;
      const v = (y + (sy + 0.5) / 4) / size;
      samples.push(shade(u, v, template, missed));
    }
  return samples[0].map((_, i) => Math.round(samples.reduce((sum, s) => sum + s[i], 0) / samples.length));
}

function shade(u, v, template, missed) {
  // The missed-call dot, top right, with a clear ring around it.
  const dot = Math.hypot(u - 0.8, v - 0.2);
  if (missed && dot < 0.2) return template ? BLACK : RED;
  if (missed && dot < 0.27) return CLEAR;
  const r = 0.2; // corner radius
  const inset = 0.06;
  const cx = Math.min(Math.max(u, inset + r), 1 - inset - r);
  const cy = Math.min(Math.max(v, inset + r), 1 - inset - r);
  const inSquare = Math.hypot(u - cx, v - cy) <= r;
  const arm = 0.11;
  const len = 0.3;
  const inCross =
    (Math.abs(u - 0.5) <= arm && Math.abs(v - 0.5) <= len) || (Math.abs(v - 0.5) <= arm && Math.abs(u - 0.5) <= len);
  if (!inSquare) return CLEAR;
  if (inCross) return template ? CLEAR : WHITE;
  return template ? BLACK : TEAL;
}

function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(size, options) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    rows.push(0); // filter: none
    for (let x = 0; x < size; x++) rows.push(...pixel(size, x, y, options));
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ICO holding PNG images (Windows Vista and later read PNG entries). */
function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // icon
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, data }) => {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0);
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    return entry;
  });
  return Buffer.concat([header, ...entries, ...images.map((i) => i.data)]);
}

const out = process.argv[2] ?? 'assets';
for (const missed of [false, true]) {
  const suffix = missed ? '-missed' : '';
  const colour = (size) => png(size, { template: false, missed });
  writeFileSync(`${out}/tray${suffix}.png`, colour(32));
  writeFileSync(`${out}/tray${suffix}@2x.png`, colour(64));
  writeFileSync(`${out}/tray${suffix}.ico`, ico([16, 32].map((size) => ({ size, data: colour(size) }))));
  // macOS: names ending in "Template" are template images (nativeImage docs).
  writeFileSync(`${out}/tray${missed ? 'Missed' : ''}Template.png`, png(16, { template: true, missed }));
  writeFileSync(`${out}/tray${missed ? 'Missed' : ''}Template@2x.png`, png(32, { template: true, missed }));
}
