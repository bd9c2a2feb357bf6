// The docs page: renders /openapi.yaml with the vendored Redoc standalone bundle (window.Redoc).
import { el, errorBox, markNavigation } from './api.js';

markNavigation();
const container = document.getElementById('redoc');
const status = document.getElementById('docs-status');
const font = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';

if (!window.Redoc) {
  status.replaceChildren(errorBox(new Error('The Redoc bundle did not load.'), 'API reference'));
} else {
  window.Redoc.init('/openapi.yaml', {
    scrollYOffset: 'header.site',
    hideDownloadButton: false,
    expandResponses: '200,201',
    theme: {
      typography: { fontFamily: font, headings: { fontFamily: font } },
      colors: { primary: { main: '#2563eb' } },
      sidebar: { backgroundColor: '#f8fafc' },
    },
  }, container, (error) => {
    // Redoc owns `container`; messages go beside it.
    if (error) {
      status.replaceChildren(errorBox(error, 'The API reference could not be rendered'),
        el('p', {}, 'The description itself: ', el('a', { href: '/openapi.yaml' }, '/openapi.yaml'), '.'));
    } else {
      status.replaceChildren();
    }
  });
}
