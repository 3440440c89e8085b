/** The service PIN as a one-page PDF the user can keep (pdf-lib: no browser, no native code). */
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

export interface PinPdfText {
  title: string;
  intro: string;
  account: string;
  created: string;
}

export async function pinPdf(pin: string, text: PinPdfText): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(text.title);
  doc.setCreator('ClinicDesk');
  const page = doc.addPage([595.28, 841.89]); // A4
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  // The standard fonts cover WinAnsi only; ä, ö, å, ø, æ and ß are in it.
  page.drawText(text.title, { x: 56, y: 760, size: 22, font: bold, color: rgb(0.1, 0.2, 0.4) });
  page.drawText(text.intro, { x: 56, y: 720, size: 11, font: regular, maxWidth: 480, lineHeight: 15 });
  page.drawText(pin.replace(/(\d{4})(\d{4})/, '$1 $2'), { x: 56, y: 640, size: 40, font: bold });
  page.drawText(text.account, { x: 56, y: 600, size: 11, font: regular });
  page.drawText(text.created, { x: 56, y: 584, size: 11, font: regular });
  return doc.save();
}
