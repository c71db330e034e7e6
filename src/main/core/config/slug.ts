/**
 * The id Keel makes from a name the user typed (a provider entry's, an agent profile's): its letters and digits in
 * lowercase, each run of anything else one dash, at most 48 characters, no dash at either end. Accents are dropped,
 * not turned into dashes ("Résumé" → "resume"): NFKD splits "é" into "e" and a combining mark, and the marks go.
 */
export function slugFromName(name: string, fallback: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 48)
    .replace(/-+$/, '')
  return slug || fallback
}
