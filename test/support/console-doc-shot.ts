import { join } from "node:path";
import type { Page } from "playwright-core";
import { CONSOLE_SCREENSHOTS } from "./console-world";

/**
 * A README-sized picture of a console page (1200 px wide, the first 900 px of it), beside the full-page
 * screenshots in test-output/console/readme/. docs/images/console-<name>.png are copies of these.
 */
export async function readmeShot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.screenshot({ path: join(CONSOLE_SCREENSHOTS, "readme", `console-${name}.png`) });
  if (size) await page.setViewportSize(size);
}
