/**
 * Accessibility checked by axe-core (Deque's rules engine, the reference most audits use) in the real page.
 * The library is evaluated through the DevTools protocol, so the app's CSP (no inline script) stays as it is.
 */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

export interface AxeProblem {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The critical and serious violations on the page as it is now (or inside `scope`, a CSS selector). */
export async function seriousViolations(page: Page, scope?: string): Promise<AxeProblem[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const found = await page.evaluate(async (selector) => {
    const engine = (window as unknown as { axe: typeof axe }).axe;
    const result = await engine.run(selector ? { include: [selector] } : document, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  }, scope ?? null);
  return found.filter((v) => v.impact === 'critical' || v.impact === 'serious');
}
