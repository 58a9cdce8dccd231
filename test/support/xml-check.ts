/**
 * A strict, small XML 1.0 well-formedness check for the provisioning tests: one root element, matching
 * tags, quoted and unique attributes, only the five predefined entities and character references, comments
 * and a prolog. Returns a tree to read values from; throws with the offset of the first problem.
 */
export interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;

export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at ${i}: ${why} near ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const ws = (): void => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const name = (): string => {
    const m = NAME.exec(src.slice(i));
    if (!m) fail('name expected');
    i += m![0].length;
    return m![0];
  };
  const decode = (s: string): string => {
    if (s.includes('<')) fail('"<" in text or attribute');
    return s.replace(/&([^;]*);?/g, (all, ref: string) => {
      if (!all.endsWith(';')) fail('"&" not starting an entity');
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (ref in named) return named[ref]!;
      const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ref);
      if (!m) fail(`unknown entity &${ref};`);
      return String.fromCodePoint(m![1]!.startsWith('x') ? parseInt(m![1]!.slice(1), 16) : Number(m![1]));
    });
  };
  const misc = (): void => {
    for (;;) {
      ws();
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        if (src.slice(i + 4, end).includes('--')) fail('"--" inside a comment');
        i = end + 3;
      } else if (src.startsWith('<?', i) && !src.startsWith('<?xml', i)) {
        const end = src.indexOf('?>', i);
        if (end < 0) fail('unterminated processing instruction');
        i = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('"<" expected');
    i++;
    const el: XmlElement = { name: name(), attrs: new Map(), children: [], text: '' };
    for (;;) {
      const hadWs = /\s/.test(src[i] ?? '');
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (!hadWs) fail('whitespace expected before an attribute');
      const a = name();
      ws();
      if (src[i] !== '=') fail('"=" expected');
      i++;
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('quoted attribute value expected');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute value');
      if (el.attrs.has(a)) fail(`attribute ${a} twice`);
      el.attrs.set(a, decode(src.slice(i + 1, end)));
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`element ${el.name} not closed`);
      el.text += decode(src.slice(i, lt));
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        ws();
        if (src[i] !== '>') fail('">" expected');
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        misc();
        continue;
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i);
        if (end < 0) fail('unterminated CDATA');
        el.text += src.slice(i + 9, end);
        i = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  if (src.charCodeAt(0) === 0xfeff) i = 1;
  if (src.startsWith('<?xml', i)) {
    const end = src.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml\s+version="1\.[0-9]"/.test(src.slice(i))) fail('bad XML declaration');
    i = end + 2;
  }
  misc();
  const root = element();
  misc();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** Depth-first search for elements by name. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}
