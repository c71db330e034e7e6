// axe-core on the running app, in one place. A CSS transition caught half-way (a faded action row, a button
// taking its hover colour) has colours that are neither the start nor the end, and axe's colour-contrast rule
// judges that frame: under load a check can land inside the 120 ms a transition takes and fail on a
// colour no user ever rests on. So the check first waits until no transition is running — a state, not a delay.
import AxeBuilder from '@axe-core/playwright'
import { expect, type Page } from '@playwright/test'

/** The rule sets Keel is held to: WCAG 2.1 A and AA. */
export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/**
 * Resolves once every CSS transition in the page has finished, including ones that start while waiting. Written
 * as page source: the test code is compiled without the DOM's types.
 */
export async function transitionsSettled(page: Page): Promise<void> {
  await page.evaluate(`(async () => {
    for (;;) {
      const running = document.getAnimations().filter((a) => a instanceof CSSTransition && a.playState === 'running')
      if (running.length === 0) return
      // A transition cancelled by a later style change rejects its promise; the loop then looks again.
      await Promise.all(running.map((a) => a.finished.catch(() => undefined)))
    }
  })()`)
}

/**
 * The axe violations inside `include` (the whole page when omitted), each as its rule id, impact and first five
 * targets — what a failing assertion needs to show. `tags: null` runs every rule, best practices included.
 */
export async function axeViolations(page: Page, include?: string, tags: string[] | null = WCAG_21_AA) {
  if (include) await expect(page.locator(include).first()).toBeVisible()
  await transitionsSettled(page)
  let builder = new AxeBuilder({ page })
  if (tags) builder = builder.withTags(tags)
  if (include) builder = builder.include(include)
  const result = await builder.analyze()
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
}
