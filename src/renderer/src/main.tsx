import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './components/App'
import { NoticeProvider } from './components/Notices'
import './styles/index.css'

const root = document.getElementById('root')
if (!root) throw new Error('Keel: #root is missing from index.html')

createRoot(root).render(
  <StrictMode>
    <NoticeProvider>
      <App />
    </NoticeProvider>
  </StrictMode>,
)
