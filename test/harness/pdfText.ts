/** The text of a PDF as pdf.js (Mozilla's reader, independent of pdf-lib that wrote it) extracts it. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// The standard 14 fonts (Helvetica …) are not embedded in the PDFs we write: pdf.js reads their metrics here.
const standardFontDataUrl = `${join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

export async function pdfText(data: Uint8Array, options: { pages?: 'first' | 'all' } = {}): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(data), useSystemFonts: false, standardFontDataUrl })
    .promise;
  const count = options.pages === 'all' ? doc.numPages : 1;
  const texts: string[] = [];
  for (let n = 1; n <= count; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    texts.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  return texts.join('\n');
}
