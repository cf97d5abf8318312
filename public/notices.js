// The residents' notices page (/notices): "notices where I am" asks the
// phone for its position and opens the page for that place. The page
// works without it (choose a station).
document.addEventListener('DOMContentLoaded', () => {
  const button = document.querySelector('button.notices-here');
  if (!button || !('geolocation' in navigator)) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (p) => {
        const lat = p.coords.latitude.toFixed(5);
        const lon = p.coords.longitude.toFixed(5);
        window.location.assign(`/notices?lat=${lat}&lon=${lon}`);
      },
      () => {
        button.dataset.located = 'no';
        button.disabled = false;
      },
      { enableHighAccuracy: false, timeout: 10000 },
    );
  });
});
