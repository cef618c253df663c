import { render } from 'preact';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app')!;
// index.html shows "Loading the console…" until the script runs: the app replaces it.
root.textContent = '';
render(<App />, root);
