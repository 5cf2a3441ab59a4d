// The participation report in a real browser (Chromium, driven by puppeteer-core): the staff
// report (as admin) and the public variant of the demo consultation are opened as HTML, axe-core
// checks them against WCAG 2.1 AA (wcag2a, wcag2aa, wcag21a, wcag21aa) expecting no violation,
// every chart must be laid out visibly (a non-zero box), the strict Content-Security-Policy must
// block nothing (no console error), and the print layout must render (PDF of the page).
//
// Environment: BASE (service URL), ADMIN_TOKEN, SLUG (the demo consultation's), CHROMIUM
// (default /usr/bin/chromium). With CHART_OUT set, the first chart of the staff report (the coverage heat map) is
// written there (docs/report-coverage.svg is made this way).
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
const { BASE, ADMIN_TOKEN, SLUG, CHART_OUT } = process.env;
if (!BASE || !ADMIN_TOKEN || !SLUG) throw new Error("BASE, ADMIN_TOKEN and SLUG are needed");

const pages = [
  { name: "staff report", url: `${BASE}/api/v1/consultations/${SLUG}/report?format=html`, token: ADMIN_TOKEN },
  { name: "public report", url: `${BASE}/api/v1/consultations/${SLUG}/participation-report` },
];

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failures = 0;
try {
  for (const { name, url, token } of pages) {
    const page = await browser.newPage();
    const problems = [];
    // The browser's own request for /favicon.ico is no part of the page.
    page.on("console", (m) => m.type() === "error" && !(m.location().url || "").endsWith("/favicon.ico")
      && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(String(e)));
    if (token) await page.setExtraHTTPHeaders({ Authorization: `Bearer ${token}` });
    const response = await page.goto(url, { waitUntil: "load" });
    if (response.status() !== 200) throw new Error(`${name}: HTTP ${response.status()}`);
    if (!response.headers()["content-security-policy"]) problems.push("no Content-Security-Policy");

    const charts = await page.$$eval("figure .chart", (nodes) =>
      nodes.map((n) => {
        const box = n.querySelector("svg").getBoundingClientRect();
        return { label: n.getAttribute("aria-label"), role: n.getAttribute("role"), width: box.width, height: box.height };
      }));
    if (charts.length === 0) problems.push("no chart");
    for (const c of charts) {
      if (!(c.width > 0 && c.height > 0)) problems.push(`chart not visible: ${c.label}`);
      if (c.role !== "img" || !c.label) problems.push(`chart without text alternative: ${c.label}`);
    }
    const tables = await page.$$eval("figure table.data", (n) => n.length);
    if (tables !== charts.length) problems.push(`${charts.length} charts but ${tables} data tables`);

    // axe-core is evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(axeSource);
    const result = await page.evaluate(() =>
      window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }));
    for (const v of result.violations) {
      problems.push(`axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join("; ")}`);
    }
    if (CHART_OUT && token) {
      const svg = await page.$eval("figure .chart svg", (n) => n.outerHTML);
      await writeFile(CHART_OUT, svg + "\n");
    }
    await page.emulateMediaType("print");
    const printed = await page.pdf({ format: "A4", preferCSSPageSize: true });
    if (printed.length < 1000) problems.push("the print layout rendered nothing");

    console.log(`${name}: ${charts.length} charts, ${result.passes.length} axe rules passed, ${result.violations.length} violations`);
    for (const p of problems) console.log(`  FAIL ${p}`);
    failures += problems.length;
    await page.close();
  }
} finally {
  await browser.close();
}
if (failures > 0) {
  console.log(`${failures} problems`);
  process.exit(1);
}
console.log("report a11y: all passed");
