import { readFileSync } from 'node:fs';
import { asyncApiDocument } from '@ctp/contracts';
import { markdown, renderAsyncApiHtml } from './asyncapi-html';
import { ASYNCAPI_PATH } from './asyncapi';

describe('npm run docs:asyncapi (scripts/asyncapi-html.ts)', () => {
  const doc = asyncApiDocument() as {
    channels: Record<string, { address: string | null }>;
    operations: Record<string, { 'x-ctp-identity': string }>;
    components: { messages: object; schemas: object };
  };
  let html: string;

  beforeAll(async () => {
    html = await renderAsyncApiHtml(readFileSync(ASYNCAPI_PATH, 'utf8'));
  }, 60_000);

  it('renders every channel, operation, message and schema of the document', () => {
    for (const [id, c] of Object.entries(doc.channels)) {
      expect(html).toContain(`id="channel-${id}"`);
      if (c.address) expect(html).toContain(c.address.replace(/>/g, '&gt;'));
    }
    for (const id of Object.keys(doc.operations)) expect(html).toContain(`id="operation-${id}"`);
    for (const id of Object.keys(doc.components.messages)) expect(html).toContain(`id="message-${id}"`);
    for (const id of Object.keys(doc.components.schemas)) expect(html).toContain(`id="schema-${id}"`);
    for (const identity of new Set(Object.values(doc.operations).map((o) => o['x-ctp-identity']))) {
      expect(html).toContain(`<code>${identity}</code>`);
    }
  });

  it('links only to anchors it has, ids once each', () => {
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBe(new Set(ids).size);
    const targets = new Set(ids);
    const broken = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]).filter((t) => !targets.has(t));
    expect(broken).toEqual([]);
  });

  it('is static and escaped: no script, no external resource, text as text', () => {
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!127\.0\.0\.1)[^\s<]*\.(js|css)/i);
    expect(html).toContain('&lt;region&gt;');
    expect(markdown('a <b>`x<y`</b> **z**')).toBe('<p>a &lt;b&gt;<code>x&lt;y</code>&lt;/b&gt; <strong>z</strong></p>');
    expect(markdown('| a | b |\n| --- | --- |\n| `c` | d |')).toBe(
      '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td><code>c</code></td><td>d</td></tr></tbody></table>',
    );
  });

  it('refuses a document the parser finds errors in, naming them', async () => {
    await expect(renderAsyncApiHtml('asyncapi: 3.0.0\nchannels: {}\n')).rejects.toThrow(/not valid:\n.*info/);
  });
});
