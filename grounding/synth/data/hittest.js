// For each [id, x, y]: does document.elementFromPoint(x, y) land on that element or inside it?
(points) => points.map(([id, x, y]) => {
  const el = document.querySelector(`[data-synth-id="${id}"]`);
  const h = document.elementFromPoint(x, y);
  return !!el && !!h && (h === el || el.contains(h));
})
