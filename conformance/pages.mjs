// Every page the mails link to and every HTML mail, in every language and state, opened in
// the system Chromium: axe-core must find no WCAG 2.1 AA violation, html-validate no
// invalid HTML, and the live pages must work under their Content-Security-Policy.
//
// Live pages: a registration per language through the API, its links read from the mails
// the demo service writes to its log; every state is reached the way a registrant reaches
// it (open the link, press the button, open it again, cancel, an unknown and an expired
// link). Files: everything `beteiligung preview` wrote (each mail kind, each page state).
//
// Environment: BASE (the service), SERVICE_LOG, PREVIEW_DIR, ROUND (an open round),
// DATABASE_URL (to let one link expire), CHROMIUM (default /usr/bin/chromium).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";
import { HtmlValidate } from "html-validate";

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const { BASE, SERVICE_LOG, PREVIEW_DIR, ROUND, DATABASE_URL } = process.env;
const LANGUAGES = ["de", "en", "uk", "ar"];
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const validator = new HtmlValidate({ extends: ["html-validate:standard", "html-validate:document"] });
const failures = [];
let checked = 0;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();

/** axe-core in the page as loaded (through DevTools, which no CSP blocks) and the HTML. */
async function check(name, html, { status, expected, language } = {}) {
  checked += 1;
  if (expected !== undefined && status !== expected) {
    failures.push(`${name}: status ${status}, expected ${expected}`);
  }
  await page.evaluate(axeSource);
  const result = await page.evaluate(
    (tags) => globalThis.axe.run(document, { runOnly: { type: "tag", values: tags } }), WCAG);
  for (const v of result.violations) {
    failures.push(`${name}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target).join(", ")}`);
  }
  const report = await validator.validateString(html);
  for (const r of report.results) {
    for (const m of r.messages) failures.push(`${name}: HTML ${m.ruleId} line ${m.line}: ${m.message}`);
  }
  if (language) {
    const { lang, dir } = await page.evaluate(() => ({
      lang: document.documentElement.lang, dir: document.documentElement.dir }));
    if (lang !== language || dir !== (language === "ar" ? "rtl" : "ltr")) {
      failures.push(`${name}: lang=${lang} dir=${dir}`);
    }
  }
}

/** Opens a live page; its stylesheet must apply under the page's own CSP. */
async function live(name, url, expected, language) {
  const response = await page.goto(url, { waitUntil: "load" });
  await afterLoad(name, response, expected, language);
}

async function afterLoad(name, response, expected, language) {
  const border = await page.evaluate(
    () => getComputedStyle(document.querySelector("header")).borderBottomWidth);
  if (border !== "4px") failures.push(`${name}: the stylesheet did not apply (CSP?)`);
  await check(name, await response.text(), { status: response.status(), expected, language });
}

/** Presses the page's button and checks the page it leads to. */
async function press(name, expected, language) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: "load" }), page.click("button[type=submit]")]);
  await afterLoad(name, response, expected, language);
}

/** The link to `kind` ("bestaetigen" or "stornieren") in the mails to `email`, on BASE. */
async function linkFor(email, kind) {
  for (let i = 0; i < 200; i += 1) {
    const log = fs.readFileSync(SERVICE_LOG, "utf8");
    for (const part of log.split(`mail to ${email} `).slice(1)) {
      const match = part.match(new RegExp(`https?://[^\\s/]+(/anmeldung/[^\\s]*${kind}\\?token=[^\\s]+)`));
      if (match) return BASE + match[1];
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no ${kind} link to ${email} in the service log`);
}

async function register(email, language) {
  const response = await fetch(`${BASE}/api/v1/rounds/${ROUND}/registrations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: `Prüfung ${language}`, email, privacy_consent: true, language }),
  });
  if (response.status !== 201) throw new Error(`registration ${response.status}: ${await response.text()}`);
}

const run = Date.now();
for (const language of LANGUAGES) {
  const email = `a11y-${language}-${run}@example.org`;
  await register(email, language);
  const confirm = await linkFor(email, "bestaetigen");
  await live(`live confirm-form ${language}`, confirm, 200, language);
  await press(`live confirmed ${language}`, 200, language);
  await live(`live already-confirmed ${language}`, confirm, 200, language);
  const cancel = await linkFor(email, "stornieren");
  await live(`live cancel-form ${language}`, cancel, 200, language);
  await press(`live cancelled ${language}`, 200, language);
  await live(`live already-cancelled ${language}`, cancel, 200, language);
  await live(`live unknown ${language}`, `${BASE}/anmeldung/bestaetigen?token=unbekannt&lang=${language}`, 404, language);

  const late = `a11y-late-${language}-${run}@example.org`;
  await register(late, language);
  const expiring = await linkFor(late, "bestaetigen");
  execFileSync("psql", ["-q", DATABASE_URL, "-c",
    `UPDATE registrations SET confirm_expires_at = now() - interval '1 minute' WHERE email = '${late}'`]);
  await live(`live expired ${language}`, expiring, 410, language);
}

const files = fs.readdirSync(PREVIEW_DIR).filter((f) => f.endsWith(".html")).sort();
for (const file of files) {
  const full = path.join(PREVIEW_DIR, file);
  await page.goto(`file://${full}`, { waitUntil: "load" });
  const language = file.match(/-(de|en|uk|ar)\.html$/)?.[1];
  await check(file, fs.readFileSync(full, "utf8"), { language });
}

await browser.close();
console.log(`${checked} pages and mails checked (axe-core ${WCAG.join(", ")}; html-validate)`);
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
