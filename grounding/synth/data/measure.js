// Measures every [data-synth-id] element of a synthetic page (run with page.evaluate).
// args.carets: ids of text inputs whose word positions are wanted.
// args.words: ids of word spans in paragraphs whose character boxes are wanted.
// Returns {els: {id: {x, y, w, h, ok, why}}, text, carets: {id: {left, right, top, h, words}}, words}.
(args) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const hits = (el, x, y) => {
    const h = document.elementFromPoint(x, y);
    return !!h && (h === el || el.contains(h));
  };
  const els = {};
  for (const el of document.querySelectorAll('[data-synth-id]')) {
    const r = el.getBoundingClientRect();
    const cs = getComputedStyle(el);
    let why = '';
    if (r.width < 1 || r.height < 1) why = 'empty';
    else if (r.left < 0 || r.top < 0 || r.right > vw || r.bottom > vh) why = 'outside';
    else if (cs.display === 'none' || cs.visibility !== 'visible' || parseFloat(cs.opacity) < 0.1 ||
             !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) why = 'hidden';
    else {
      const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
      if (!hits(el, cx, cy)) why = 'covered';
      else {
        // Partly covered elements are left out too: four more points must reach it.
        const pts = [[r.left + r.width * 0.25, cy], [r.left + r.width * 0.75, cy],
                     [cx, r.top + r.height * 0.25], [cx, r.top + r.height * 0.75]];
        if (!pts.every(([x, y]) => hits(el, x, y))) why = 'partly covered';
      }
    }
    els[el.dataset.synthId] = {x: r.left, y: r.top, w: r.width, h: r.height, ok: why === '', why};
  }

  // All text a reader could see or a tool could read: rendered text, field values,
  // placeholders, tooltips, accessible names, options.
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll('input, textarea')) parts.push(el.value || '', el.placeholder || '');
  for (const el of document.querySelectorAll('[aria-label], [title]'))
    parts.push(el.getAttribute('aria-label') || '', el.getAttribute('title') || '');
  for (const o of document.querySelectorAll('option')) parts.push(o.textContent || '');

  // Word positions inside text inputs, measured with a hidden copy of the input's font.
  const carets = {};
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;left:-10000px;top:0;visibility:hidden;white-space:pre;';
  document.body.appendChild(probe);
  for (const id of (args && args.carets) || []) {
    const el = document.querySelector(`[data-synth-id="${id}"]`);
    if (!el || !el.value) continue;
    const cs = getComputedStyle(el);
    for (const p of ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'fontStretch', 'letterSpacing', 'wordSpacing'])
      probe.style[p] = cs[p];
    const width = (s) => { probe.textContent = s; return probe.getBoundingClientRect().width; };
    const r = el.getBoundingClientRect();
    const left = r.left + parseFloat(cs.borderLeftWidth) + parseFloat(cs.paddingLeft);
    const right = r.right - parseFloat(cs.borderRightWidth) - parseFloat(cs.paddingRight);
    const value = el.value;
    if (cs.textAlign !== 'start' && cs.textAlign !== 'left') continue;
    if (el.scrollLeft !== 0 || left + width(value) > right) continue;
    const words = [];
    let at = 0;
    for (const w of value.split(' ')) {
      const start = value.indexOf(w, at);
      words.push({word: w, start: width(value.slice(0, start)), first: width(value.slice(0, start + 1)),
                  last: width(value.slice(0, start + w.length - 1)), end: width(value.slice(0, start + w.length))});
      at = start + w.length;
    }
    carets[id] = {left, right, top: r.top, h: r.height, words};
  }
  probe.remove();

  // Words of paragraphs (spans): the first and last character, and the spaces around them.
  const charBox = (node, i) => {
    if (!node || node.nodeType !== Node.TEXT_NODE || i < 0 || i >= node.data.length) return null;
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const r = range.getBoundingClientRect();
    return {ch: node.data[i], x: r.left, y: r.top, w: r.width, h: r.height};
  };
  const words = {};
  for (const id of (args && args.words) || []) {
    const el = document.querySelector(`[data-synth-id="${id}"]`);
    if (!el || !el.firstChild) continue;
    const t = el.firstChild;
    const prev = el.previousSibling, next = el.nextSibling;
    words[id] = {first: charBox(t, 0), last: charBox(t, t.data.length - 1),
                 before: prev ? charBox(prev, prev.data.length - 1) : null, after: charBox(next, 0)};
  }
  return {els, text: parts.join('\n'), carets, words};
}
