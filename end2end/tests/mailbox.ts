import { expect, type APIRequestContext } from "@playwright/test";

// MailDev, the SMTP server the test command starts on 127.0.0.1:1025, keeps
// every mail the app sent; its HTTP API lists them.
const MAILDEV_URL = process.env.MAILDEV_URL ?? "http://localhost:1080";

export type Mail = {
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  to: { address: string }[];
};

/** Waits for the `count`th mail to `address` and returns them all, oldest first. */
export async function mailsTo(request: APIRequestContext, address: string, count = 1): Promise<Mail[]> {
  let mails: Mail[] = [];
  await expect
    .poll(
      async () => {
        const res = await request.get(`${MAILDEV_URL}/email`);
        const all = (await res.json()) as Mail[];
        mails = all.filter((m) => m.to.some((t) => t.address === address));
        return mails.length;
      },
      { timeout: 15_000, message: `mail to ${address}` },
    )
    .toBeGreaterThanOrEqual(count);
  return mails;
}

/** The path (with its token) of the link to `path` in a mail's text, e.g. `/waitlist/confirm?token=…`. */
export function linkIn(mail: Mail, path: string): string {
  const match = mail.text.match(new RegExp(`https?://[^/\\s]+(${path.replace(/\//g, "\\/")}\\?token=[A-Za-z0-9_-]+)`));
  expect(match, `a ${path} link in "${mail.text}"`).not.toBeNull();
  return match![1];
}
