// Assistant text as GitHub-flavoured markdown. Raw HTML is skipped (never rendered), links open outside the app
// window, code blocks are highlighted. If rendering ever fails, the text is still shown, plainly.
import { Component, memo, type ReactNode } from 'react'
import ReactMarkdown, { type Components } from 'react-markdown'
import rehypeHighlight from 'rehype-highlight'
import remarkGfm from 'remark-gfm'
import { CodeBlock } from './messages/CodeBlock'

const components: Components = {
  a: ({ node: _node, children, ...props }) => (
    <a {...props} target="_blank" rel="noreferrer">
      {children}
    </a>
  ),
  // Fenced code: its language and a Copy button above it (issue #12).
  pre: ({ node, children, ...props }) => (
    <CodeBlock node={node as Parameters<typeof CodeBlock>[0]['node']} {...props}>
      {children}
    </CodeBlock>
  ),
}

const remarkPlugins = [remarkGfm]
const rehypePlugins = [rehypeHighlight]

class PlainTextFallback extends Component<{ text: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false }

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true }
  }

  override componentDidUpdate(previous: { text: string }): void {
    if (this.state.failed && previous.text !== this.props.text) this.setState({ failed: false })
  }

  override render(): ReactNode {
    return this.state.failed ? <p className="plain-text">{this.props.text}</p> : this.props.children
  }
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <PlainTextFallback text={text}>
      <div className="markdown">
        <ReactMarkdown skipHtml remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
          {text}
        </ReactMarkdown>
      </div>
    </PlainTextFallback>
  )
})
