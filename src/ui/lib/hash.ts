// The whole experiment config lives in the URL hash, so a link reproduces an experiment (seeded).
// Format: readable key=value pairs, e.g.
//   #view=train&behavior=verbosity&checkpoint=shipped%3Averbosity&alpha=2&talk=1&t.groupSize=8&t.grid=0,1,2,4
// Trainer settings are flattened under the `t.` prefix and the Bandit page's inputs under `b.`; each value
// is parsed with the type of the matching default (number, boolean, string, number list), so unknown keys
// and bad values are ignored.

export type Flat = Record<string, number | string | boolean | number[] | undefined>;

function encodeValue(v: number | string | boolean | number[]): string {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

export function decodeValue(raw: string, template: unknown): number | string | boolean | number[] | undefined {
  if (Array.isArray(template)) {
    if (raw.trim() === '') return [];
    const parts = raw.split(',').map((s) => Number(s.trim()));
    return parts.every((n) => Number.isFinite(n)) ? parts : undefined;
  }
  if (typeof template === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : undefined;
  }
  if (typeof template === 'boolean') {
    if (raw === '1' || raw === 'true') return true;
    if (raw === '0' || raw === 'false') return false;
    return undefined;
  }
  return raw;
}

/** Encodes top-level fields and the nested trainer settings (prefix `t.`) into a hash string (with '#'). */
export function encodeHash(top: Flat, trainer: Flat | undefined): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(top)) if (v !== undefined) p.set(k, encodeValue(v));
  if (trainer) for (const [k, v] of Object.entries(trainer)) if (v !== undefined && (typeof v !== 'object' || Array.isArray(v))) p.set('t.' + k, encodeValue(v));
  // URLSearchParams encodes ',' as %2C; keep lists readable.
  return '#' + p.toString().replace(/%2C/g, ',');
}

export interface DecodedHash {
  top: Record<string, string>;
  trainer: Record<string, string>;
  bandit: Record<string, string>;
}

export function splitHash(hash: string): DecodedHash {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const top: Record<string, string> = {};
  const trainer: Record<string, string> = {};
  const bandit: Record<string, string> = {};
  for (const [k, v] of p) {
    if (k.startsWith('t.')) trainer[k.slice(2)] = v;
    else if (k.startsWith('b.')) bandit[k.slice(2)] = v;
    else top[k] = v;
  }
  return { top, trainer, bandit };
}

/** Applies raw string values onto a copy of `base`, typed by base's own values (or by `templates`). */
export function applyRaw<T extends object>(base: T, raw: Record<string, string>, templates?: Partial<Record<keyof T, unknown>>): T {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(raw)) {
    const template = templates?.[k as keyof T] ?? (base as Record<string, unknown>)[k];
    if (template === undefined || (typeof template === 'object' && !Array.isArray(template))) continue;
    const parsed = decodeValue(v, template);
    if (parsed !== undefined) out[k] = parsed;
  }
  return out as T;
}
