// The top bar's menu on a phone: the button opens and closes it and says which (aria-expanded).
// Loaded in <head> so the "no-js" class (which shows the whole menu) goes before first paint.
document.documentElement.classList.remove("no-js");

document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".nav-toggle");
  if (!button) return;
  const setOpen = (open) => button.setAttribute("aria-expanded", String(open));
  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
});
