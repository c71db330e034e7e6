// One search hit: the session's title and the matched text with its terms marked. Opening a message hit opens the
// session at that message (the page around it), a tool hit at the turn that made the call (its user message), a
// title hit at its latest messages.
import { useId } from 'react'
import type { HighlightedText, SearchHit } from '../../../shared/domain'
import { listRowAttributes, type ListRowProps } from './SessionItem'

interface SearchHitItemProps extends ListRowProps {
  hit: SearchHit
  selected: boolean
  onOpen: () => void
}

export function SearchHitItem({ hit, selected, onOpen, ...row }: SearchHitItemProps) {
  const snippetId = useId()
  const inTitle = hit.field === 'title'
  return (
    <li
      {...listRowAttributes(row)}
      className={`session-item search-hit${selected ? ' session-item--selected' : ''}`}
    >
      <button type="button" className="session-item__open" onClick={onOpen} aria-describedby={snippetId}>
        <span className="session-item__title">{inTitle ? <Highlighted text={hit.snippet} /> : hit.session.title}</span>
        <span className="search-hit__snippet" id={snippetId}>
          {/* Search reaches archived sessions too; they say so, as the main list does not show them. */}
          {hit.session.archived ? <span className="muted">Archived · </span> : null}
          {inTitle ? (
            <span className="muted">Title match</span>
          ) : (
            <>
              {hit.field === 'tool' && <span className="muted">tool {hit.tool?.name ?? ''}: </span>}
              <Highlighted text={hit.snippet} />
            </>
          )}
        </span>
      </button>
    </li>
  )
}

function Highlighted({ text }: { text: HighlightedText }) {
  return (
    <>
      {text.map((segment, i) => (segment.match ? <mark key={i}>{segment.text}</mark> : <span key={i}>{segment.text}</span>))}
    </>
  )
}
