// Docs pages: highlight code blocks and give each a copy button.
document.addEventListener("DOMContentLoaded", () => {
  if (window.hljs) document.querySelectorAll("pre code").forEach((el) => window.hljs.highlightElement(el));
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const code = button.parentElement.querySelector("code").innerText;
      try {
        await navigator.clipboard.writeText(code);
      } catch (error) {  // no clipboard permission (plain http): fall back to a selection copy
        const area = document.createElement("textarea");
        area.value = code; document.body.appendChild(area); area.select();
        document.execCommand("copy"); area.remove();
      }
      const label = button.textContent;
      button.textContent = button.dataset.copied || "Copied";
      button.setAttribute("data-state", "copied");
      setTimeout(() => { button.textContent = label; button.removeAttribute("data-state"); }, 1500);
    });
  });
});
