// Small behaviours without inline scripts (the CSP forbids them).
// A select that submits on change: with the mouse at once; with the keyboard, arrow keys only move through
// the options and Enter submits (WCAG 3.2.2: browsing the options must not leave the page).
let keyedSelect = null;
document.addEventListener("keydown", (event) => {
  if (!event.target.matches("select[data-autosubmit]")) return;
  if (event.key === "Enter") { event.preventDefault(); event.target.form.submit(); return; }
  keyedSelect = event.target;
});
document.addEventListener("pointerdown", () => { keyedSelect = null; });
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]") && event.target !== keyedSelect) event.target.form.submit();
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
