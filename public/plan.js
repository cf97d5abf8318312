// The deployment planner (/plan): the Print button, and a click on the map
// adds that position to the candidate posts (the form works without it:
// positions can be typed, one "lat, lon" per line).
document.addEventListener('DOMContentLoaded', () => {
  const print = document.querySelector('button.plan-print');
  if (print) print.addEventListener('click', () => window.print());
  const svg = document.querySelector('.plan-map svg');
  const extra = document.querySelector('textarea[name="extra"]');
  if (!svg || !extra) return;
  const north = Number(svg.dataset.north);
  const west = Number(svg.dataset.west);
  const scale = Number(svg.dataset.scale);
  const kx = Number(svg.dataset.kx);
  svg.addEventListener('click', (ev) => {
    const p = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(svg.getScreenCTM().inverse());
    const lat = north - (p.y - 10) / scale;
    const lon = west + (p.x - 10) / (kx * scale);
    const line = `${lat.toFixed(6)}, ${lon.toFixed(6)}`;
    extra.value = extra.value.trim() ? `${extra.value.trim()}\n${line}` : line;
    const mark = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
    mark.setAttribute('class', 'plan-picked');
    mark.setAttribute('cx', p.x.toFixed(1));
    mark.setAttribute('cy', p.y.toFixed(1));
    mark.setAttribute('r', '6');
    svg.appendChild(mark);
  });
});
