// The Locksmith console's only script: progressive enhancement of server-rendered pages (every page works
// without it). No inline script is allowed by the CSP; behaviour hangs on data-* attributes.
// Whatever it shows it inserts as text (textContent), never as HTML: ledger text is hostile input.

/** Enhancers by the value of `data-enhance` on an element; each gets the element. Sections add theirs here. */
const enhancers = {};

document.addEventListener("DOMContentLoaded", () => {
  for (const element of document.querySelectorAll("[data-enhance]")) {
    for (const name of element.dataset.enhance.split(" ")) enhancers[name]?.(element);
  }
});
