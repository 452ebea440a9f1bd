// The print button of a personal link's sheet (no inline handler: the CSP forbids them).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
