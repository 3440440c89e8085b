/**
 * A picked logo made small enough to travel with the practice's data (a synced field holds 20,000
 * characters): drawn at most 256 px on its longer side (never enlarged), as PNG, or WebP when the PNG is
 * too big, smaller until it fits. The browser decodes the file, so anything that is not an image it can read
 * is refused; the result is always a PNG or WebP data URL (never the file's own bytes, never SVG).
 */
import { LOGO_MAX_CHARS } from '../../../protocol/primitives';

export type LogoResult = { ok: true; dataUrl: string } | { ok: false; code: 'logo_unreadable' | 'logo_too_large' };

const SIZES = [256, 192, 128, 96] as const;

export async function logoDataUrl(file: Blob): Promise<LogoResult> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return { ok: false, code: 'logo_unreadable' };
  }
  try {
    for (const size of SIZES) {
      const scale = Math.min(1, size / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      for (const encoded of [canvas.toDataURL('image/png'), canvas.toDataURL('image/webp', 0.85)])
        if (encoded.length <= LOGO_MAX_CHARS && /^data:image\/(png|webp);/.test(encoded))
          return { ok: true, dataUrl: encoded };
    }
    return { ok: false, code: 'logo_too_large' };
  } finally {
    bitmap.close();
  }
}
