import { test, expect } from "./fixtures";
import { linkIn, mailsTo } from "./mailbox";

test("keyboard-only signup through the modal, then confirming and leaving from the mail", async ({ page, request }) => {
  await page.goto("/@odessa.finch");
  const opener = page.getByTestId("waitlist-open");
  await expect(opener).toHaveAttribute("data-hydrated", "true");

  // Reach the button with Tab only.
  await page.locator("body").focus();
  for (let i = 0; i < 20 && !(await opener.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(opener).toBeFocused();
  await page.keyboard.press("Enter");

  const dialog = page.getByTestId("waitlist-dialog");
  await expect(dialog).toBeVisible();
  await expect(page.getByLabel("Email", { exact: true })).toBeFocused();
  // Prefilled on a profile page.
  await expect(page.getByLabel("Clubhouse username (optional)")).toHaveValue("odessa.finch");

  // Focus stays inside the modal dialog.
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }

  // Esc closes it and focus returns to the button.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  // Open again and sign up with the keyboard alone.
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Email", { exact: true })).toBeFocused();
  const address = `keyboard-${Date.now()}@example.com`;
  await page.keyboard.type(address);
  await page.keyboard.press("Tab"); // username
  await page.keyboard.press("Tab"); // consent
  await page.keyboard.press("Space");
  await page.keyboard.press("Tab"); // submit
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("waitlist-joined")).toContainText("Check your inbox");
  // No link on the page: whoever typed the address cannot act for its owner.
  await expect(page.getByTestId("waitlist-joined").locator("a")).toHaveCount(0);

  // The close button closes it too.
  await page.getByTestId("waitlist-close").click();
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  // The mail: plain text and HTML, with the one-click removal headers.
  const [mail] = await mailsTo(request, address);
  expect(mail.subject).toBe("Confirm your place on the inssa waitlist");
  expect(mail.html).toContain("Confirm my address");
  expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
  expect(mail.headers["list-unsubscribe"]).toMatch(/^<https?:\/\/[^>]+\/waitlist\/unsubscribe\?token=[A-Za-z0-9_-]{43}>$/);

  await page.goto(linkIn(mail, "/waitlist/confirm"));
  await page.getByTestId("waitlist-confirm").click();
  await expect(page.getByTestId("waitlist-confirmed")).toBeVisible();

  await page.goto(linkIn(mail, "/waitlist/leave"));
  await page.getByTestId("waitlist-leave-confirm").click();
  await expect(page.getByTestId("waitlist-left")).toBeVisible();
});

test.describe("invalid input", () => {
  // The server answers a bad signup with 400, which Chromium logs.
  test.use({ expectedConsoleErrors: [/status of 400/] });

  test("a bad email is shown next to the field and announced", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByTestId("waitlist-open")).toHaveAttribute("data-hydrated", "true");
    await page.getByTestId("waitlist-open").click();
    await page.getByLabel("Email", { exact: true }).fill("not-an-email");
    await page.getByLabel(/I agree/).check();
    await page.getByTestId("waitlist-submit").click();
    await expect(page.locator("#waitlist-email-error")).toHaveText("That does not look like an email address.");
    await expect(page.getByLabel("Email", { exact: true })).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("alert").first()).toHaveText("Please fix the marked fields.");
    await expect(page.getByTestId("waitlist-joined")).toHaveCount(0);
  });
});

test("signup, confirmation and removal with JavaScript disabled", async ({ browser, request }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await page.getByTestId("waitlist-open").click();
  await expect(page).toHaveURL(/\/waitlist$/);

  await page.getByLabel("Email", { exact: true }).fill("bad");
  await page.getByTestId("waitlist-submit").click();
  await expect(page.locator("#waitlist-email-error")).toHaveText("That does not look like an email address.");
  await expect(page.locator("#waitlist-consent-error")).toHaveText("Please tick the box to agree.");

  const address = `nojs-${Date.now()}@example.com`;
  await page.getByLabel("Email", { exact: true }).fill(address);
  await page.getByLabel(/I agree/).check();
  await page.getByTestId("waitlist-submit").click();
  await expect(page).toHaveURL(/\/waitlist\/joined$/);
  await expect(page.getByTestId("waitlist-joined")).toContainText("Check your inbox");

  const [mail] = await mailsTo(request, address);
  await page.goto(linkIn(mail, "/waitlist/confirm"));
  await page.getByTestId("waitlist-confirm").click();
  await expect(page).toHaveURL(/\/waitlist\/confirmed$/);
  await expect(page.getByTestId("waitlist-confirmed")).toBeVisible();

  // Signing up again once confirmed: the same answer, and a mail saying so.
  await page.goto("/waitlist");
  await page.getByLabel("Email", { exact: true }).fill(address);
  await page.getByLabel(/I agree/).check();
  await page.getByTestId("waitlist-submit").click();
  await expect(page.getByTestId("waitlist-joined")).toContainText("Check your inbox");
  const mails = await mailsTo(request, address, 2);
  const listed = mails.find((m) => m.subject === "You are already on the inssa waitlist");
  expect(listed, "an 'already on the list' mail").toBeDefined();

  // The removal link of either mail works; here the newer one.
  await page.goto(linkIn(listed!, "/waitlist/leave"));
  await page.getByTestId("waitlist-leave-confirm").click();
  await expect(page.getByTestId("waitlist-left")).toBeVisible();

  // The older mail's confirmation link now leads nowhere, and says so.
  await page.goto(linkIn(mail, "/waitlist/confirm"));
  await page.getByTestId("waitlist-confirm").click();
  await expect(page.getByTestId("waitlist-confirm-error")).toHaveText(/This link no longer works/);
  await context.close();
});
