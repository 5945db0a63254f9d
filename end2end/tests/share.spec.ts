import http from "node:http";
import type { AddressInfo } from "node:net";
import ogs from "open-graph-scraper";
import { test, expect } from "./fixtures";

const SIM = process.env.SIM_URL ?? "http://127.0.0.1:4010";

async function newPerson(request: import("@playwright/test").APIRequestContext, prefix: string) {
  const username = `${prefix}${Date.now() % 1_000_000}`;
  expect((await request.post(`${SIM}/_sim/people`, { data: { username } })).ok()).toBe(true);
  const named = await request.put(`${SIM}/_sim/people/${username}`, {
    data: { name: "Share 카드 ✨ Tester", bio: "Here to be shared." },
  });
  expect(named.ok()).toBe(true);
  return username;
}

// What a link preview bot reads: open-graph-scraper parses the page as
// served, and the picture it names is a 1200×630 PNG.
test("link previews get the large share card", async ({ request }) => {
  const username = await newPerson(request, "card");
  const page = await request.get(`/@${username}`);
  expect(page.ok()).toBe(true);
  const { result, error } = await ogs({ html: await page.text() });
  expect(error).toBe(false);
  expect(result.twitterCard).toBe("summary_large_image");
  const image = result.ogImage?.[0];
  expect(image?.url).toMatch(new RegExp(`/@${username}/card\\.png\\?v=[0-9a-f]{16}&lang=en$`));
  expect(image?.width).toBe("1200");
  expect(image?.height).toBe("630");
  expect(result.twitterImage?.[0]?.url).toBe(image?.url);
  const png = await request.get(new URL(image!.url).pathname + new URL(image!.url).search);
  expect(png.headers()["content-type"]).toBe("image/png");
  const bytes = await png.body();
  expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  expect(bytes.readUInt32BE(16)).toBe(1200);
  expect(bytes.readUInt32BE(20)).toBe(630);
});

test.describe("embeds", () => {
  // Chromium says so in the console when it refuses to frame the profile page.
  test.use({ expectedConsoleErrors: [/frame-ancestors|X-Frame-Options|Refused to (display|frame)/] });

  test("another site can frame the embed, and only the embed", async ({ page, request, baseURL }) => {
    const username = await newPerson(request, "embed");
    // Another site: a page of its own on another origin, served over real
    // HTTP (Chromium refuses loopback frames inside a page it did not load
    // from the network).
    const blog = http.createServer((_, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!DOCTYPE html><title>Blog</title>
        <iframe id="embed" src="${baseURL}/@${username}/embed" width="400" height="216"></iframe>
        <iframe id="page" src="${baseURL}/@${username}" width="400" height="216"></iframe>`);
    });
    await new Promise<void>((resolve) => blog.listen(0, "127.0.0.1", resolve));
    const { port } = blog.address() as AddressInfo;
    await page.goto(`http://localhost:${port}/post`);
    const embed = page.frameLocator("#embed");
    await expect(embed.getByTestId("embed-name")).toHaveText("Share 카드 ✨ Tester");
    await expect(embed.getByTestId("embed-bio")).toHaveText("Here to be shared.");
    // The profile page itself stays out of other sites' frames.
    const framedPage = page.frames().find((f) => f.url().endsWith(`/@${username}`));
    await page.waitForTimeout(500);
    expect(framedPage ? await framedPage.locator("[data-testid=profile]").count() : 0).toBe(0);

    const [popup] = await Promise.all([page.waitForEvent("popup"), embed.getByText("View on inssa").click()]);
    await expect(popup).toHaveURL(new RegExp(`/@${username}$`));
    await popup.close();
    blog.close();
  });
});

test("the share box can be read without JavaScript", async ({ browser, request }) => {
  const username = await newPerson(request, "sharebox");
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/@${username}`);
  await page.getByText("Share", { exact: true }).click();
  await expect(page.getByLabel("Link to this profile")).toHaveValue(new RegExp(`/@${username}$`));
  await expect(page.getByLabel("Embed on your site")).toHaveValue(
    new RegExp(`^<iframe src="[^"]+/@${username}/embed\\?lang=en" width="400" height="216"`),
  );
  await context.close();
});
