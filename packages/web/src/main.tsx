import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import './styles/base.css';
import './styles/pages.css';
import './styles/workspace.css';
import './styles/inspector.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(<App />);
