// Escaping for every output language. Event data is attacker-shaped text (command lines, file
// names, stderr), so every value that reaches markup passes through one of these.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text or attribute value for HTML. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML[c] ?? c);
}

/**
 * Text or attribute value for XML 1.0: escapes markup and drops the control characters XML
 * cannot carry at all (a raw \x1b from a terminal would make the whole file unparseable).
 */
export function escapeXml(s: unknown): string {
  return String(s)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => (c === "'" ? '&apos;' : (HTML[c] ?? c)));
}

/**
 * JSON to embed in `<script type="application/json">`: `<` becomes \u003c so no `</script>` or
 * `<!--` in the data can end the element; U+2028/9 are escaped for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Markdown table cell: no pipes, no newlines, no HTML. */
export function escapeMarkdownCell(s: unknown): string {
  return String(s)
    .replace(/\r?\n/g, ' ')
    .replace(/[\\|`*_[\]<>]/g, (c) => `\\${c}`);
}
