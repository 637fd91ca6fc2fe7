// Buttons marked data-print print the page; they stay hidden where scripts do not run.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
