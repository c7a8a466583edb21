// Draws the app icon (three overlapping segments on a violet tile) as PNGs: run once, the files are committed.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

function crc32(buf) {
  let c,
    crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x / size, y / size);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r;
      raw[o + 1] = g;
      raw[o + 2] = b;
      raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0))
  ]);
}
function icon(scale, rounded) {
  const circles = [
    [0.4, 0.4],
    [0.6, 0.4],
    [0.5, 0.58]
  ];
  return (u, v) => {
    if (rounded) {
      const dx = Math.max(0, Math.abs(u - 0.5) - 0.32),
        dy = Math.max(0, Math.abs(v - 0.5) - 0.32);
      if (dx * dx + dy * dy > 0.18 * 0.18) return [0, 0, 0, 0];
    }
    const x = 0.5 + (u - 0.5) / scale,
      y = 0.5 + (v - 0.5) / scale;
    const inside = circles.filter(([cx, cy]) => (x - cx) ** 2 + (y - cy) ** 2 < 0.2 * 0.2).length;
    const shades = [
      [59, 47, 143],
      [140, 128, 230],
      [190, 182, 245],
      [255, 255, 255]
    ];
    return [...shades[inside], 255];
  };
}
writeFileSync('static/icons/icon-192.png', png(192, icon(1, true)));
writeFileSync('static/icons/icon-512.png', png(512, icon(1, true)));
writeFileSync('static/icons/maskable-512.png', png(512, icon(0.75, false)));
writeFileSync('static/favicon.png', png(64, icon(1, true)));
