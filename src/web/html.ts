/**
 * The merchant page's HTML: the shell the client script renders into, and the pages that say what to do when
 * there is no session (401) or nothing to show (404). Everything it loads comes from this process
 * (PAGE_ASSETS), nothing from a CDN; the Content-Security-Policy set by src/api/page allows nothing else.
 */
export const PAGE_PATH = '/manual-sync';
export const PAGE_ASSETS = `${PAGE_PATH}/assets`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function document(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${PAGE_ASSETS}/page.css">
${head}</head>
<body>
${body}
</body>
</html>
`;
}

/** The page itself: the client script renders into #app; the CSRF token and the business ride in meta tags. */
export function pageShell(p: { businessName: string; csrfToken: string; scriptVersion: string }): string {
  const head =
    `<meta name="csrf-token" content="${escapeHtml(p.csrfToken)}">\n` +
    `<script type="module" src="${PAGE_ASSETS}/app.js?v=${escapeHtml(p.scriptVersion)}"></script>\n`;
  const body = `<div id="app"><main class="page"><h1>Manual Syncing</h1><p class="muted">${escapeHtml(
    p.businessName,
  )}: loading…</p><noscript><p>This page needs JavaScript.</p></noscript></main></div>`;
  return document(`Manual Syncing · ${p.businessName}`, body, head);
}

/** A page that says why there is nothing to show and what to do: no session, an expired or used link, 404. */
export function messagePage(p: { title: string; message: string; hint: string }): string {
  const body = `<main class="page message-page">
<h1>${escapeHtml(p.title)}</h1>
<p>${escapeHtml(p.message)}</p>
<p class="muted">${escapeHtml(p.hint)}</p>
</main>`;
  return document(p.title, body);
}
