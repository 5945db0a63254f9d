import { test, expect } from "./fixtures";

// The simulator the suite's server calls (scripts/test.sh starts it).
const SIM = process.env.SIM_URL ?? "http://127.0.0.1:4010";

// A person of this test's own, changed in the simulator: the scheduler
// (every second in the test run, each watched person due after 5 s) picks
// the change up, and the history page draws the chart.
test("a profile's history: chart with an accessible name and its table, with and without JavaScript", async ({
  page,
  request,
  browser,
}) => {
  const username = `hist${Date.now() % 1_000_000}`;
  expect((await request.post(`${SIM}/_sim/people`, { data: { username } })).ok()).toBe(true);

  await page.goto(`/@${username}`);
  await page.getByTestId("history-link").click();
  await expect(page).toHaveURL(new RegExp(`/@${username}/history$`));
  await expect(page.getByTestId("history-no-chart")).toBeVisible();
  await expect(page.getByTestId("history-no-changes")).toBeVisible();

  const changed = await request.put(`${SIM}/_sim/people/${username}`, {
    data: { num_followers: 4242, bio: "Changed by the end-to-end test" },
  });
  expect(changed.ok()).toBe(true);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("img", { name: /Followers over time/ })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 25_000 });
  await expect(page.getByRole("img", { name: /Following over time/ })).toBeVisible();
  await page.getByText("The numbers as a table").click();
  await expect(page.getByTestId("history-table")).toContainText("4,242");
  await expect(page.getByTestId("history-change")).toContainText("Changed by the end-to-end test");

  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const plain = await noScript.newPage();
  await plain.goto(`/@${username}/history`);
  await expect(plain.getByRole("img", { name: /Followers over time/ })).toBeVisible();
  // A native disclosure: opens without JavaScript.
  await plain.getByText("The numbers as a table").click();
  await expect(plain.getByTestId("history-table")).toBeVisible();
  await expect(plain.getByTestId("history-table")).toContainText("4,242");
  await expect(plain.locator("link[rel=alternate][type='application/atom+xml']")).toHaveAttribute(
    "href",
    `/@${username}/feed.atom`,
  );
  await noScript.close();
});
