/**
 * Links that open a document in Xero, built from the organisation's ShortCode (GET /Organisation). The form is the
 * one Xero's own MCP server uses (XeroAPI/xero-mcp-server, src/consts/deeplinks.ts: `invoiceDeepLink`):
 * https://go.xero.com/app/{shortCode}/invoicing/view/{invoiceId}. Xero asks the person to sign in and, when they
 * have several organisations, opens the one the ShortCode names.
 */
export function xeroInvoiceLink(shortCode: string, invoiceId: string): string {
  return `https://go.xero.com/app/${encodeURIComponent(shortCode)}/invoicing/view/${encodeURIComponent(invoiceId)}`;
}
