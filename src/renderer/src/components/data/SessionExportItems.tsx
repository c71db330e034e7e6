// The session actions' "Export as Markdown" and "Export as JSON" (issue #12): the core writes the text (never a
// key), the window saves it as a download.
import { call } from '../../bridge'
import { toErrorData } from '../../errors'
import { saveText } from '../../lib/fileTransfer'
import { Icon } from '../Icon'
import { useNotify } from '../Notices'

export function SessionExportItems({ sessionId, title, onDone }: { sessionId: string; title: string; onDone: () => void }) {
  const notify = useNotify()
  const run = (format: 'markdown' | 'json') => async () => {
    onDone()
    try {
      const { text, filename } = await call('data.exportSession', { id: sessionId, format })
      saveText(text, filename, format === 'json' ? 'application/json' : 'text/markdown;charset=utf-8')
      notify(`Exported ${filename}`, 'success')
    } catch (e) {
      notify(toErrorData(e).message, 'error')
    }
  }
  return (
    <>
      <button type="button" className="popup__item session-actions__item" aria-label={`Export session ${title} as Markdown`} onClick={() => void run('markdown')()}>
        <Icon name="download" />
        Export as Markdown
      </button>
      <button type="button" className="popup__item session-actions__item" aria-label={`Export session ${title} as JSON`} onClick={() => void run('json')()}>
        <Icon name="download" />
        Export as JSON
      </button>
    </>
  )
}
