#!/usr/bin/env node
// Writes the app's icon set into build/icons/ from the same drawing the tray uses (main/app-icon.ts).
// Run after `npm run build`: `node build/make-icons.mjs`. The PNGs are committed; electron-builder turns
// icon.png into the Windows .ico and the macOS .icns, and Linux takes the sized files from build/icons/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawAppIcon } from '../dist/main/app-icon.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'icons');
fs.mkdirSync(dir, { recursive: true });
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) {
  fs.writeFileSync(path.join(dir, `${size}x${size}.png`), drawAppIcon(size).encode());
}
// 1024 px: what electron-builder asks of the source image for macOS (it scales down from it).
fs.writeFileSync(path.join(dir, 'icon.png'), drawAppIcon(1024).encode());
console.log(`icons written to ${dir}`);
