/**
 * `npm run docs:asyncapi`: renders libs/contracts/asyncapi.yaml as one static HTML page, dist/docs/asyncapi/index.html
 * (build output, not committed: the YAML is the source, and CI checks it). The page lists the servers, the identities
 * and what each publishes and reads, every channel with its parameters, stream, messages and operations, every
 * message with its headers, payload and examples, and every schema, references as links. No script, no external
 * resource: it opens from the file system.
 *
 * Why not the AsyncAPI generator and its HTML template: @asyncapi/generator 3 requires Node 24 (this project runs on
 * Node 20), installs its templates from the npm registry at run time, and @asyncapi/html-template depends on
 * puppeteer, which downloads a browser. This page is built with @asyncapi/parser (which validates the document first:
 * an invalid one is not rendered) and the `yaml` package, both maintained and already dependencies.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { ASYNCAPI_PATH, repoRoot } from './asyncapi';

export const HTML_PATH = join(repoRoot(), 'dist', 'docs', 'asyncapi', 'index.html');

type Json = Record<string, unknown>;

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Inline Markdown of the document's descriptions: `code` and **strong**, the rest escaped. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** The document's Markdown: paragraphs and pipe tables (what its descriptions use). */
export function markdown(text: string | undefined): string {
  if (!text) return '';
  return text
    .split(/\n\s*\n/)
    .map((block) => {
      const lines = block.split('\n').filter((l) => l.trim() !== '');
      if (lines.length >= 2 && lines.every((l) => l.trim().startsWith('|'))) {
        const cells = (l: string) =>
          l
            .trim()
            .replace(/^\||\|$/g, '')
            .split('|')
            .map((c) => c.trim());
        const [head, , ...rows] = lines;
        return `<table><thead><tr>${cells(head)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead><tbody>${rows
          .map(
            (r) =>
              `<tr>${cells(r)
                .map((c) => `<td>${inline(c)}</td>`)
                .join('')}</tr>`,
          )
          .join('')}</tbody></table>`;
      }
      return `<p>${inline(lines.join(' '))}</p>`;
    })
    .join('\n');
}

const anchor = (kind: string, id: string) => `${kind}-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

/** JSON, escaped, its `#/components/...` references as links to their sections. */
function jsonBlock(value: unknown): string {
  const text = escapeHtml(JSON.stringify(value, null, 2) ?? 'undefined');
  return `<pre>${text.replace(
    /&quot;#\/components\/(schemas|messages|parameters|correlationIds|securitySchemes)\/([A-Za-z0-9_.-]+)&quot;/g,
    (_m, kind: string, id: string) =>
      `&quot;<a href="#${anchor(kind === 'schemas' ? 'schema' : kind.replace(/s$/, ''), id)}">#/components/${kind}/${id}</a>&quot;`,
  )}</pre>`;
}

const refName = (ref: unknown) =>
  String((ref as { $ref?: string })?.$ref ?? '')
    .split('/')
    .pop() ?? '';

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 2rem 4rem; color: #1b1f24; }
h1 { margin-bottom: 0; } h2 { border-bottom: 2px solid #d0d7de; margin-top: 3rem; } h3 { margin: 2rem 0 .25rem; }
code, pre { font: 13px/1.45 ui-monospace, monospace; } code { background: #f3f4f6; padding: 0 .2em; border-radius: 3px; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; border: 1px solid #d0d7de; border-radius: 4px; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } .address { font-family: ui-monospace, monospace; } .muted { color: #57606a; }
.send { color: #0b6e4f; font-weight: 600; } .receive { color: #0550ae; font-weight: 600; } nav a { margin-right: 1rem; }
section { margin-bottom: 1.5rem; }`;

/** The HTML page of an AsyncAPI document (YAML text); rejects a document the parser finds errors in. */
export async function renderAsyncApiHtml(yamlText: string): Promise<string> {
  const { document, diagnostics } = await new Parser().parse(yamlText);
  const errors = diagnostics.filter((d) => d.severity === 0);
  if (!document || errors.length) {
    throw new Error(
      `the AsyncAPI document is not valid:\n${errors.map((d) => `  ${d.path.join('.')}: ${d.message}`).join('\n')}`,
    );
  }
  const raw = parse(yamlText) as Json & {
    channels: Record<string, Json>;
    operations: Record<string, Json>;
    components: { schemas: Record<string, Json>; messages: Record<string, Json>; parameters: Record<string, Json> };
    servers: Record<string, Json>;
  };
  const info = document.info();
  const idOf = (o: { id(): string | undefined }) => o.id() ?? '';
  const ops = document.operations().all();
  const identityOf = (id: string) => String(raw.operations[id]?.['x-ctp-identity'] ?? '');
  const addressOf = (channelId: string) => {
    const address = raw.channels[channelId]?.address;
    return typeof address === 'string' ? address : '(the requester’s inbox)';
  };
  const channelLink = (channelId: string) =>
    `<a class="address" href="#${anchor('channel', channelId)}">${escapeHtml(addressOf(channelId))}</a>`;
  const out: string[] = [];
  out.push(
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(info.title())} ${escapeHtml(info.version())}</title>`,
    `<style>${CSS}</style></head><body>`,
    `<h1>${escapeHtml(info.title())}</h1>`,
    `<p class="muted">Version ${escapeHtml(info.version())} · AsyncAPI ${escapeHtml(document.version())} · rendered from libs/contracts/asyncapi.yaml by <code>npm run docs:asyncapi</code></p>`,
    '<nav><a href="#servers">Servers</a><a href="#identities">Identities</a><a href="#channels">Channels</a><a href="#messages">Messages</a><a href="#schemas">Schemas</a></nav>',
    markdown(info.description()),
  );

  out.push(
    '<h2 id="servers">Servers</h2><table><thead><tr><th>Server</th><th>Host</th><th>Protocol</th><th>About</th></tr></thead><tbody>',
  );
  for (const server of document.servers().all()) {
    out.push(
      `<tr><td>${escapeHtml(server.id())}</td><td><code>${escapeHtml(server.host())}</code></td><td>${escapeHtml(server.protocol())}</td><td>${inline(server.description() ?? '')}</td></tr>`,
    );
  }
  out.push('</tbody></table>');
  for (const [id, scheme] of Object.entries((raw.components as Json).securitySchemes as Record<string, Json>)) {
    out.push(
      `<p id="${anchor('securityScheme', id)}"><strong>Security</strong> (${escapeHtml(String(scheme.type))}): ${inline(String(scheme.description ?? ''))}</p>`,
    );
  }

  out.push('<h2 id="identities">Identities</h2><p>Who publishes (send) and who reads (receive) each channel.</p>');
  out.push('<table><thead><tr><th>Identity</th><th>Sends</th><th>Receives</th></tr></thead><tbody>');
  const identities = [...new Set(ops.map((o) => identityOf(idOf(o))))].sort();
  for (const identity of identities) {
    // A responder sends the reply of what it receives; an asker receives the reply of what it sends.
    const cell = (action: 'send' | 'receive') => {
      const mine = ops.filter((o) => identityOf(idOf(o)) === identity);
      const direct = mine.filter((o) => o.action() === action).map((o) => channelLink(o.channels().all()[0].id()));
      const replies = mine
        .filter((o) => o.action() !== action && o.reply()?.channel())
        .map((o) => `${channelLink(o.reply()!.channel()!.id())} (replies)`);
      return [...new Set([...direct, ...replies])].join('<br>');
    };
    out.push(
      `<tr><td><code>${escapeHtml(identity)}</code></td><td>${cell('send')}</td><td>${cell('receive')}</td></tr>`,
    );
  }
  out.push('</tbody></table>');

  out.push('<h2 id="channels">Channels</h2>');
  for (const channel of document.channels().all()) {
    const rawChannel = raw.channels[channel.id()];
    out.push(
      `<section id="${anchor('channel', channel.id())}">`,
      `<h3><span class="address">${escapeHtml(addressOf(channel.id()))}</span></h3>`,
      `<p class="muted">${escapeHtml(channel.id())} · ${escapeHtml(String(rawChannel.title ?? ''))}</p>`,
      markdown(channel.description()),
    );
    const params = Object.entries((rawChannel.parameters ?? {}) as Record<string, unknown>);
    if (params.length) {
      out.push('<table><thead><tr><th>Parameter</th><th>Values</th><th>About</th></tr></thead><tbody>');
      for (const [name, ref] of params) {
        const p = raw.components.parameters[refName(ref)] ?? {};
        const values = (p.enum ?? p.examples ?? []) as string[];
        out.push(
          `<tr><td><code>{${escapeHtml(name)}}</code></td><td>${values
            .map((v) => `<code>${escapeHtml(v)}</code>`)
            .join(' ')}${p.enum ? '' : ' …'}</td><td>${inline(String(p.description ?? ''))}</td></tr>`,
        );
      }
      out.push('</tbody></table>');
    }
    out.push(
      `<p>Messages: ${channel
        .messages()
        .all()
        .map((m) => `<a href="#${anchor('message', m.id())}">${escapeHtml(m.id())}</a>`)
        .join(', ')}</p>`,
    );
    const channelOps = ops.filter((o) => o.channels().all()[0]?.id() === channel.id());
    const replyOps = ops.filter((o) => o.reply()?.channel()?.id() === channel.id());
    if (channelOps.length || replyOps.length) {
      out.push('<table><thead><tr><th>Operation</th><th>Identity</th><th>What</th></tr></thead><tbody>');
      for (const o of channelOps) {
        const x = raw.operations[idOf(o)];
        const consumer = x['x-ctp-consumer'] as Json | undefined;
        const detail = [
          consumer
            ? `durable consumer <code>${escapeHtml(String(consumer.durable))}</code> on <code>${escapeHtml(String(consumer.stream))}</code>, filter <code>${escapeHtml(String(consumer.filterSubject))}</code>`
            : '',
          x['x-ctp-queue-group'] ? `queue group <code>${escapeHtml(String(x['x-ctp-queue-group']))}</code>` : '',
          o.reply() ? `reply on ${channelLink(o.reply()!.channel()!.id())}` : '',
        ].filter(Boolean);
        out.push(
          `<tr id="${anchor('operation', idOf(o))}"><td><span class="${o.action()}">${o.action()}</span> ${escapeHtml(idOf(o))}</td><td><code>${escapeHtml(identityOf(idOf(o)))}</code></td><td>${inline(o.summary() ?? '')}${detail.length ? `<br><span class="muted">${detail.join('; ')}</span>` : ''}</td></tr>`,
        );
      }
      for (const o of replyOps) {
        out.push(
          `<tr><td>reply of ${escapeHtml(idOf(o))}</td><td><code>${escapeHtml(identityOf(idOf(o)))}</code></td><td>on ${channelLink(o.channels().all()[0].id())}</td></tr>`,
        );
      }
      out.push('</tbody></table>');
    }
    out.push('</section>');
  }

  out.push('<h2 id="messages">Messages</h2>');
  for (const [id, message] of Object.entries(raw.components.messages)) {
    const examples = (message.examples ?? []) as Json[];
    out.push(
      `<section id="${anchor('message', id)}">`,
      `<h3>${escapeHtml(String(message.title ?? id))}</h3>`,
      `<p class="muted">${escapeHtml(id)} · <code>${escapeHtml(String(message.contentType ?? ''))}</code></p>`,
      `<p>${inline(String(message.summary ?? ''))}</p>`,
      markdown(message.description as string | undefined),
      message.correlationId
        ? `<p>Correlation id: <a href="#${anchor('correlationId', refName(message.correlationId))}">${escapeHtml(refName(message.correlationId))}</a></p>`
        : '',
      message.headers ? `<h4>Headers</h4>${jsonBlock(message.headers)}` : '',
      `<h4>Payload</h4>${jsonBlock(message.payload)}`,
      ...examples.map(
        (e) =>
          `<h4>Example: ${escapeHtml(String(e.name ?? ''))}</h4><p>${inline(String(e.summary ?? ''))}</p>${
            e.headers ? jsonBlock({ headers: e.headers }) : ''
          }${jsonBlock(e.payload)}`,
      ),
      '</section>',
    );
  }
  for (const [id, c] of Object.entries(((raw.components as Json).correlationIds ?? {}) as Record<string, Json>)) {
    out.push(
      `<p id="${anchor('correlationId', id)}"><strong>Correlation id ${escapeHtml(id)}</strong>: <code>${escapeHtml(String(c.location))}</code>. ${inline(String(c.description ?? ''))}</p>`,
    );
  }

  out.push('<h2 id="schemas">Schemas</h2>');
  for (const [id, schema] of Object.entries(raw.components.schemas)) {
    out.push(`<section id="${anchor('schema', id)}"><h3>${escapeHtml(id)}</h3>${jsonBlock(schema)}</section>`);
  }
  out.push('</body></html>', '');
  return out.join('\n');
}

async function main(): Promise<void> {
  const html = await renderAsyncApiHtml(readFileSync(ASYNCAPI_PATH, 'utf8'));
  mkdirSync(join(HTML_PATH, '..'), { recursive: true });
  writeFileSync(HTML_PATH, html);
  process.stdout.write(`wrote ${HTML_PATH}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
