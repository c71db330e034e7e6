// A fenced code block in a reply (issue #12): a bar with the block's language and a Copy button over the highlighted
// code. The copied text is the code as the model wrote it (read from the markdown tree before highlighting splits it
// into spans), without the label or the button.
import type { ReactNode } from 'react'
import { CopyButton } from './CopyButton'

/** The part of the markdown tree a block is rendered from (hast: elements with children, text nodes with values). */
interface HastNode {
  type: string
  tagName?: string
  value?: string
  properties?: { className?: unknown }
  children?: HastNode[]
}

function textOf(node: HastNode): string {
  if (node.type === 'text') return node.value ?? ''
  return (node.children ?? []).map(textOf).join('')
}

/** "python" from a code element's classes (`language-python`, as remark writes the fence's info string). */
export function languageOf(code: HastNode | undefined): string | null {
  const classes = code?.properties?.className
  const list = Array.isArray(classes) ? classes.map(String) : typeof classes === 'string' ? classes.split(/\s+/) : []
  const found = list.find((c) => c.startsWith('language-'))
  return found ? found.slice('language-'.length) : null
}

export function CodeBlock({ node, children, ...props }: { node?: HastNode; children?: ReactNode } & React.HTMLAttributes<HTMLPreElement>) {
  const code = node?.children?.find((c) => c.type === 'element' && c.tagName === 'code')
  const language = languageOf(code)
  // The fence's text ends with the newline before the closing fence; a copied block does not need it.
  const text = (code ? textOf(code) : node ? textOf(node) : '').replace(/\n$/, '')
  return (
    <div className="code-block" role="group" aria-label={language ? `${language} code` : 'Code'}>
      <div className="code-block__bar">
        <span className="code-block__language" data-testid="code-language">
          {language ?? 'plain text'}
        </span>
        <CopyButton text={text} what="code" className="code-block__copy" />
      </div>
      <pre {...props}>{children}</pre>
    </div>
  )
}
