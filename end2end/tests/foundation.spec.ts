import { test, expect } from "./fixtures";

test("the home page is rendered by the server", async ({ request }) => {
  const res = await request.get("/");
  expect(res.status()).toBe(200);
  const html = await res.text();
  expect(html).toContain("<title>inssa: look up Clubhouse profiles</title>");
  expect(html).toContain('action="/search"');
  expect(html).toContain("<leptos-island");
});

test("the home page hydrates its islands", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByTestId("site-name")).toHaveText("inssa");
  const toggle = page.getByTestId("theme-toggle");
  // Set by an effect that only runs once the WASM island is live.
  await expect(page.locator("form[data-hydrated='true']")).toHaveCount(1);

  // The hydrated toggle switches the theme without a page load.
  const html = page.locator("html");
  await expect(html).toHaveAttribute("data-theme", "system");
  let navigated = false;
  page.on("framenavigated", () => (navigated = true));
  await toggle.click();
  await expect(html).toHaveAttribute("data-theme", "light");
  const savedDark = page.waitForResponse(
    (r) => r.url().endsWith("/api/prefs/theme") && (r.request().postData() ?? "").includes("theme=dark"),
  );
  await toggle.click();
  await expect(html).toHaveAttribute("data-theme", "dark");
  expect(navigated).toBe(false);

  // The choice was saved: a reload renders the dark theme on the server.
  expect((await savedDark).ok()).toBe(true);
  await page.reload();
  await expect(html).toHaveAttribute("data-theme", "dark");
});

test("an unknown path shows the 404 page with status 404", async ({ page }) => {
  const res = await page.goto("/no/such/page");
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
  await expect(page).toHaveTitle("Page not found");
});

test("readyz answers 200", async ({ request }) => {
  const res = await request.get("/readyz");
  expect(res.status()).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ready" });
});

test("the language switch works without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "en-US" });
  const page = await context.newPage();
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByTestId("lang-ko").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expect(page.getByText("클럽하우스 프로필을 빠르게 보고 공유하세요.")).toBeVisible();
  await page.getByTestId("lang-ja").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ja");
  await expect(page.getByText("Clubhouse のプロフィールを、すばやく、シェアしやすく。")).toBeVisible();
  await context.close();
});

test("the first Tab reaches a visible skip link that moves focus to the content", async ({ page }) => {
  await page.goto("/about");
  await page.keyboard.press("Tab");
  const skip = page.locator("a.skip-link");
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  // The focus ring is drawn (an outline, not the browser's default none).
  const outline = await skip.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).toBe("solid");
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
  await expect(page.getByRole("link", { name: "About inssa and your data" })).toBeVisible();
});
