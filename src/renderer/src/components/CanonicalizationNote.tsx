// Invariant 5: a stored binding that is not canonical, and what the one canonicalize step would change.
export function CanonicalizationNote({ changes }: { changes: string[] }) {
  if (changes.length === 0) return null
  return (
    <section className="diag-note" aria-label="Canonicalization">
      <p className="diag-note__title">The stored binding is not canonical. Canonicalization would change:</p>
      <ul className="diag-note__list">
        {changes.map((change) => (
          <li key={change}>{change}</li>
        ))}
      </ul>
    </section>
  )
}
