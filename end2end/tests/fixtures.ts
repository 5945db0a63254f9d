import { test as base, expect } from "@playwright/test";

// Every test fails on a console error or an uncaught exception in the page,
// except the errors a test declares it expects (`expectedConsoleErrors`).
export const test = base.extend<{ consoleErrors: string[]; expectedConsoleErrors: RegExp[] }>({
  expectedConsoleErrors: [[], { option: true }],
  consoleErrors: [
    async ({ page, expectedConsoleErrors }, use) => {
      const errors: string[] = [];
      page.on("console", (msg) => {
        if (msg.type() !== "error") return;
        // Chromium reports a page's own 404/503 status as a console error;
        // pages with those statuses are expected, a failing sub-resource is not.
        const documentStatus =
          msg.text().startsWith("Failed to load resource") && msg.location().url === page.url();
        const expected = expectedConsoleErrors.some((re) => re.test(msg.text()));
        if (!documentStatus && !expected) errors.push(msg.text());
      });
      page.on("pageerror", (err) => errors.push(String(err)));
      await use(errors);
      expect(errors, "console errors").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };
