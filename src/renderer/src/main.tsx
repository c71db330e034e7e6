import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './components/App'
import { NoticeProvider } from './components/Notices'
import { applyRememberedTheme } from './lib/theme'
import './styles/index.css'

const root = document.getElementById('root')
if (!root) throw new Error('Keel: #root is missing from index.html')

// Before the first paint, so a forced light or dark theme does not flash the system's first.
applyRememberedTheme()

createRoot(root).render(
  <StrictMode>
    <NoticeProvider>
      <App />
    </NoticeProvider>
  </StrictMode>,
)
