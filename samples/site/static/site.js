// The site sample's script: shows the files chosen for upload, and marks the page once it ran (the browser test
// checks the mark).
document.addEventListener("DOMContentLoaded", () => {
  document.body.classList.add("js-ready");
  const input = document.getElementById("file");
  const chosen = document.getElementById("chosen");
  if (!input || !chosen) return;
  input.addEventListener("change", () => {
    chosen.textContent = Array.from(input.files, (f) => `${f.name} (${f.size} bytes)`).join(", ");
  });
});
