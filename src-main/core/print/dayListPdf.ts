/**
 * The front desk's day list as a PDF (pdf-lib: no browser, no native code): per practitioner, each
 * appointment's time, patient, mobile number, type, room and state, on as many A4 pages as it needs.
 * The standard fonts cover WinAnsi only (ä, ö, å, ø, æ and ß are in it); other letters lose their accents
 * or become "?", never an exception.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import type { AgendaDay, Appointment, Practitioner, Room } from '../../../src-preload/contract';

export interface DayListText {
  title: string;
  /** Column heads: time, patient, phone, type, room, state. */
  heads: [string, string, string, string, string, string];
  status: (status: Appointment['status']) => string;
  blocked: string;
  empty: string;
  printed: string;
  page: (n: number, of: number) => string;
}

export interface DayListInput {
  day: AgendaDay;
  practitioners: Practitioner[];
  rooms: Room[];
  /** null: every practitioner, one section each. */
  practitionerId: string | null;
  time: (at: number) => string;
  phone: (e164: string | null) => string;
  text: DayListText;
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 48;
const COLUMNS = [0, 52, 200, 300, 390, 450]; // x offsets of the six columns
const WIDTHS = [48, 144, 96, 86, 56, 50];

/** Text the font can draw: unknown letters lose their accents, or become "?". */
export function drawable(font: PDFFont, text: string): string {
  let out = '';
  for (const ch of text.replace(/[\r\n\t]+/g, ' ')) {
    for (const candidate of [ch, ch.normalize('NFD').replace(/\p{M}/gu, ''), '?']) {
      try {
        font.encodeText(candidate);
        out += candidate;
        break;
      } catch {
        // not in WinAnsi: try the next candidate
      }
    }
  }
  return out;
}

/** Cuts text to a width, with an ellipsis. */
function fit(font: PDFFont, text: string, size: number, width: number): string {
  if (font.widthOfTextAtSize(text, size) <= width) return text;
  let cut = text;
  while (cut.length > 1 && font.widthOfTextAtSize(`${cut}...`, size) > width) cut = cut.slice(0, -1);
  return `${cut}...`;
}

export async function dayListPdf(input: DayListInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(input.text.title);
  doc.setCreator('ClinicDesk');
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const rooms = new Map(input.rooms.map((r) => [r.id, r.name]));
  const sections = input.practitioners.filter((p) => input.practitionerId === null || p.id === input.practitionerId);

  let page: PDFPage = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const line = (texts: string[], font: PDFFont, size: number) => {
    if (y < MARGIN + size * 2) {
      page = doc.addPage(A4);
      y = A4[1] - MARGIN;
    }
    texts.forEach((text, i) => {
      // A heading (one text) has the page's width; table cells their column's.
      const width = texts.length === 1 ? A4[0] - 2 * MARGIN : (WIDTHS[i] ?? 0);
      const shown = fit(font, drawable(font, text), size, width);
      page.drawText(shown, { x: MARGIN + (COLUMNS[i] ?? 0), y, size, font, color: rgb(0.1, 0.12, 0.16) });
    });
    y -= size * 1.6;
  };

  line([input.text.title], bold, 16);
  line([input.text.printed], regular, 9);
  for (const practitioner of sections) {
    const list = input.day.appointments
      // As on the screen: cancelled appointments are not expected, so not listed.
      .filter((a) => a.practitionerId === practitioner.id && a.status !== 'cancelled')
      .sort((a, b) => a.startAt - b.startAt);
    y -= 8;
    line([practitioner.name], bold, 12);
    line(input.text.heads, bold, 9);
    if (list.length === 0) line(['', input.text.empty], regular, 9);
    for (const a of list) {
      line(
        [
          input.time(a.startAt),
          a.patientName ?? input.text.blocked,
          input.phone(a.patientPhone),
          a.typeName,
          a.roomId ? (rooms.get(a.roomId) ?? '') : '',
          input.text.status(a.status),
        ],
        regular,
        9,
      );
    }
  }
  const pages = doc.getPages();
  pages.forEach((p, i) =>
    p.drawText(input.text.page(i + 1, pages.length), { x: MARGIN, y: MARGIN / 2, size: 8, font: regular }),
  );
  return doc.save();
}
