// Progressive enhancement, nothing more: without this file every page works (a preview link opens the
// e-mail on its own page). With it, a schedule row's "Preview" opens the e-mail under the row, fetched
// only when asked for. No inline script anywhere: the Content-Security-Policy allows this file only.
"use strict";

document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-preview]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const row = link.closest("tr");
  const next = row.nextElementSibling;
  if (next && next.classList.contains("preview-row")) {
    next.remove();
    link.setAttribute("aria-expanded", "false");
    return;
  }
  const response = await fetch(link.dataset.preview, { credentials: "same-origin" });
  if (response.status === 401) {
    window.location.reload(); // signed out meanwhile: the page sends to the sign-in form
    return;
  }
  const added = document.createElement("tr");
  added.className = "preview-row";
  const cell = document.createElement("td");
  cell.colSpan = row.children.length;
  // The server renders this fragment with its templates (escaped); it is this site's own HTML.
  cell.innerHTML = await response.text();
  added.appendChild(cell);
  row.after(added);
  link.setAttribute("aria-expanded", "true");
});
