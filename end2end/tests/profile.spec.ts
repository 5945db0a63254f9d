import { test, expect } from "./fixtures";

test("search from the home page, open a profile, follow the nominator", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("searchbox").fill("odessa");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/search\?q=odessa/);
  await page.locator('a[href="/@odessa.finch"]').first().click();

  await expect(page).toHaveURL(/\/@odessa\.finch$/);
  await expect(page.getByTestId("profile-name")).toHaveText("Odessa Finch");
  await expect(page.getByTestId("profile-counts")).toContainText("1.3K");
  await expect(page.getByTestId("profile-bio")).toContainText("Lighthouse historian & amateur cartographer");
  await expect(page.getByTestId("clubs")).toContainText("Lighthouse Keepers Society");
  await expect(page).toHaveTitle("Odessa Finch (@odessa.finch) · Clubhouse");
  // The avatar is a real picture, served through our proxy.
  const avatar = page.locator("header img").first();
  await expect(avatar).toHaveAttribute("src", /^\/img\?src=/);
  // Lazy and async: wait for it to arrive rather than check once.
  await expect
    .poll(() => avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
    .toBe(true);

  await page.getByTestId("nominated-by").click();
  await expect(page).toHaveURL(/\/@twren$/);
  await expect(page.getByTestId("profile-name")).toHaveText("Tobias Wren");
});

test("language and theme switches on a profile page", async ({ page }) => {
  await page.goto("/@odessa.finch");
  await expect(page.locator("form[data-hydrated='true']")).toHaveCount(1);
  await page.getByTestId("lang-ko").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByTestId("profile-counts")).toContainText("1.3천");
  await expect(page).toHaveURL(/\/@odessa\.finch$/);

  await expect(page.locator("form[data-hydrated='true']")).toHaveCount(1);
  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  const background = await page.locator("body").evaluate((b) => getComputedStyle(b).backgroundColor);
  expect(background).not.toBe("rgb(250, 250, 249)");
});

test("a profile works with JavaScript disabled", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await page.getByRole("searchbox").fill("twren");
  await page.getByRole("searchbox").press("Enter");
  await page.locator('a[href="/@twren"]').first().click();
  await expect(page.getByTestId("profile-name")).toHaveText("Tobias Wren");
  await page.getByTestId("lang-ko").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");
  await expect(page.getByTestId("profile-name")).toHaveText("Tobias Wren");
  await context.close();
});

test("hostile profile text renders as text and runs no script", async ({ page }) => {
  const dialogs: string[] = [];
  page.on("dialog", async (d) => {
    dialogs.push(d.message());
    await d.dismiss();
  });
  for (const user of ["xss.title", "xss.attr", "xss.link"]) {
    await page.goto(`/@${user}`);
    await expect(page.getByTestId("profile")).toBeVisible();
    await page.waitForLoadState("networkidle");
    for (const link of await page.locator("a").all()) {
      const href = (await link.getAttribute("href")) ?? "";
      expect(href.toLowerCase().startsWith("javascript:"), href).toBe(false);
    }
  }
  await page.goto("/@xss.title");
  await expect(page.getByTestId("profile-name")).toHaveText("</title><script>alert(1)</script>");
  expect(dialogs).toEqual([]);
});

test("an unknown person gets the 404 page", async ({ page }) => {
  const res = await page.goto("/@nobody.here.zz");
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId("profile-not-found")).toBeVisible();
});
