/**
 * The API's tracking refusals in the page's words: Xero's ids in brackets left out (the selects show names), and
 * Xero's statuses as words ("is archived", not "is ARCHIVED"). The message already names the category and option;
 * the select it sits under names the location or channel.
 */
const BRACKETED_ID = / \([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\)/g;

export function trackingWords(message: string): string {
  const text = message
    .replace(BRACKETED_ID, '')
    .replace(/\b(ARCHIVED|DELETED|ACTIVE)\b/g, (status) => status.toLowerCase());
  return text.charAt(0).toUpperCase() + text.slice(1);
}
