/**
 * The parts of Markdown the docs tests read: headings (as GitHub turns them into #anchors), relative
 * links, and the code a reader is told to type. Fenced code blocks are skipped for headings and
 * links (a `# comment` in a shell block is no heading), and read for commands.
 */

const FENCE = /^\s*(```|~~~)/;

/** Lines outside fenced code blocks, and the fenced blocks' lines, kept apart. */
function splitFences(markdown: string): { prose: string[]; code: string[] } {
  const prose: string[] = [];
  const code: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    else (inFence ? code : prose).push(line);
  }
  return { prose, code };
}

/** GitHub's anchor for a heading: lower case, punctuation dropped (letters and digits of any script kept), spaces to '-'. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor the document's headings make; a repeated heading gets -1, -2 … as on GitHub. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of splitFences(markdown).prose) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = headingSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface RelativeLink {
  /** The file part, relative to the document's folder; '' for a link inside the document. */
  file: string;
  anchor: string | undefined;
  text: string;
}

/** Links `[text](target)` outside code whose target is no URL with a scheme (http:, mailto: …). */
export function relativeLinks(markdown: string): RelativeLink[] {
  const links: RelativeLink[] = [];
  for (const line of splitFences(markdown).prose) {
    const withoutCode = line.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) {
      const target = match[2] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [file = '', anchor] = target.split('#', 2);
      links.push({ file, anchor, text: match[1] ?? '' });
    }
  }
  return links;
}

/** The text of fenced code blocks and inline code spans: what a reader copies into a shell. */
export function codeText(markdown: string): string {
  const { prose, code } = splitFences(markdown);
  const spans = prose.flatMap((line) => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
  return [...code, ...spans].join('\n');
}

/** The section under a `## heading`, up to the next heading of the same or a higher level outside code. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = heading.indexOf(' ');
  let inFence = false;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (FENCE.test(line)) inFence = !inFence;
    else if (!inFence && /^#+ /.test(line) && line.indexOf(' ') <= level) break;
    body.push(line);
  }
  return body.join('\n');
}
