// The task list's "use my location" button (/tasks): fills a report's
// lat/lon from the phone's position when the phone allows. The form works
// without it (the fields can be typed, or left empty).
document.addEventListener('DOMContentLoaded', () => {
  if (!('geolocation' in navigator)) return;
  for (const button of document.querySelectorAll('button.task-locate')) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const form = button.closest('form');
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        (p) => {
          form.querySelector('input[name="lat"]').value = p.coords.latitude.toFixed(6);
          form.querySelector('input[name="lon"]').value = p.coords.longitude.toFixed(6);
          button.dataset.located = 'yes';
          button.disabled = false;
        },
        () => {
          button.dataset.located = 'no';
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 10000 },
      );
    });
  }
});
