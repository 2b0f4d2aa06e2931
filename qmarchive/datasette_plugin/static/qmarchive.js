// Copy buttons on the citation page: shown only where the clipboard can be used.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard) return;
  for (const button of document.querySelectorAll("button.qm-copy")) {
    const label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(source.textContent);
        button.textContent = "Kopiert ✔";
      } catch (error) {
        button.textContent = "Kopieren nicht möglich";
      }
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  }
});
